import { z } from 'zod';
import { threadRecommendationsBody, threadRecommendationsResponse } from './recommendations.ts';

/**
 * What the companion's sidebar shows of an email thread in one request (X2): the thread's
 * participants and recommendations (the recommendations API), plus for every known contact a
 * summary: primary company, counts of associated records, the top open deals and tickets.
 */

export const COMPANION_LIMITS = { topOpen: 3, maxContacts: 100, companies: 10 } as const;

const named = z.object({ id: z.string(), name: z.string() });

/** An open deal or ticket: its stage id and that stage's label (null when the workspace has no such stage), shown instead of the id. */
export const openRecord = named.extend({ stage: z.string().nullable(), stageLabel: z.string().nullable() });
export type OpenRecord = z.infer<typeof openRecord>;

/** A company of the contact: whether it is the primary (R8) and the association's type ids (labels among them). */
export const contactCompany = named.extend({ primary: z.boolean(), typeIds: z.array(z.number().int()) });
export type ContactCompany = z.infer<typeof contactCompany>;

export const contactSummary = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  primaryCompany: named.nullable(),
  /** How many live records of each type the contact is associated with. */
  counts: z.object({ companies: z.number().int(), deals: z.number().int(), tickets: z.number().int() }),
  /** Open deals and tickets, newest first, at most `COMPANION_LIMITS.topOpen` of each. */
  openDeals: z.array(openRecord),
  openTickets: z.array(openRecord),
  /** The contact's companies, primary first, then by id; at most `COMPANION_LIMITS.companies`. */
  companies: z.array(contactCompany).default([]),
});
export type ContactSummary = z.infer<typeof contactSummary>;

export const contactSummariesBody = z.object({
  ids: z.array(z.string().regex(/^\d{1,18}$/, 'must be a record id')).min(1, 'at least one id').max(COMPANION_LIMITS.maxContacts),
});
export const contactSummariesResponse = z.object({ results: z.array(contactSummary) });

export const companionThreadBody = threadRecommendationsBody;
export const companionThreadResponse = threadRecommendationsResponse.extend({
  /** Summaries of the participants that are contacts, keyed by contact id. */
  summaries: z.record(z.string(), contactSummary),
});
export type CompanionThreadResponse = z.infer<typeof companionThreadResponse>;
