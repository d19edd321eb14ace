import { z } from 'zod';
import { timelineActivity } from './lifecycle.ts';
import { threadRecommendationsBody, threadRecommendationsResponse } from './recommendations.ts';

/**
 * What the companion's sidebar shows of an email thread in one request (X2): the thread's
 * participants and recommendations (the recommendations API), plus for every known contact a
 * summary: primary company, counts of associated records, the top open deals and tickets.
 */

export const COMPANION_LIMITS = { topOpen: 3, maxContacts: 100, maxMessages: 200, recentActivities: 3, companies: 10 } as const;

const named = z.object({ id: z.string(), name: z.string() });

/**
 * An open deal or ticket: its stage id and that stage's label (null when the workspace has no such
 * stage), shown instead of the id, and the association's type ids from the contact (labels among them).
 */
export const openRecord = named.extend({ stage: z.string().nullable(), stageLabel: z.string().nullable(), typeIds: z.array(z.number().int()).default([]) });
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

export const companionThreadBody = threadRecommendationsBody.extend({
  /** The thread's message ids (hs_email_message_id of a logged one): the answer says which are logged (B8). */
  messageIds: z.array(z.string().min(1).max(1000)).max(COMPANION_LIMITS.maxMessages).default([]),
});
export type CompanionThreadBody = z.input<typeof companionThreadBody>;

/** A message logged already: its email, when and by whom (the owner's name). */
export const loggedMessage = z.object({ emailId: z.string(), loggedAt: z.string(), by: z.string().nullable() });
export type LoggedMessage = z.infer<typeof loggedMessage>;

/** A contact's activity as the sidebar shows it: when it was last contacted (email, call, meeting) and its newest activities. */
export const contactActivity = z.object({ lastContacted: z.string().nullable(), recent: z.array(timelineActivity) });
export type ContactActivity = z.infer<typeof contactActivity>;

export const companionThreadResponse = threadRecommendationsResponse.extend({
  /** Summaries of the participants that are contacts, keyed by contact id. */
  summaries: z.record(z.string(), contactSummary),
  /** The messages of `messageIds` logged already, by message id (B8). */
  logged: z.record(z.string(), loggedMessage).optional(),
  /** Per contact id: last contacted and the newest `COMPANION_LIMITS.recentActivities` activities. */
  activity: z.record(z.string(), contactActivity).optional(),
  /** The workspace's never-log addresses and domains (settings.neverLogAddresses): nobody on it is pre-ticked for logging. */
  neverLog: z.array(z.string()).optional(),
});
export type CompanionThreadResponse = z.infer<typeof companionThreadResponse>;
