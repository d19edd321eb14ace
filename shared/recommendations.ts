import { z } from 'zod';
import { recordId } from './associations.ts';
import { objectTypeRef } from './objects.ts';
import { normalizeEmail } from './records.ts';

/**
 * Recommendations (R5, X2, B7): ranked, explained suggestions of what to associate. The response
 * shapes are a contract with the companion and the record page.
 */

/**
 * Why a record is recommended: a machine name and the values the sentence needs, never the
 * sentence itself (the companion words it in the rep's language). Evidence kinds (EVIDENCE_KINDS)
 * connect the record to the source record or thread; the others only order records.
 */
export const reasonKind = z.enum([
  'shared_associations',
  'participants',
  'domain',
  'name',
  'company_in_name',
  'colleagues',
  'subject',
  'signature',
  'query',
  'status',
  'recency',
  'engagement',
]);
export type ReasonKind = z.infer<typeof reasonKind>;

/**
 * The kinds that connect a record to what it is recommended for. The others only order: status,
 * recency and engagement, and `query` (it matches what the rep typed, which says nothing about a
 * link to the record).
 */
export const EVIDENCE_KINDS: readonly ReasonKind[] = ['shared_associations', 'participants', 'domain', 'name', 'company_in_name', 'colleagues', 'subject', 'signature'];

const weight = z.number().describe("This reason's share of the score.");
const names = z.array(z.string());
const count = z.number().int().min(0);

export const reason = z.discriminatedUnion('kind', [
  /** Linked to participants of the thread (their addresses); the primary company of some of them. */
  z.object({ kind: z.literal('participants'), weight, values: z.object({ emails: names, primaryOf: names }) }),
  /** Records the candidate and the source are both associated with, per object type: how many, the names of the most telling ones. */
  z.object({
    kind: z.literal('shared_associations'),
    weight,
    values: z.object({ shared: z.array(z.object({ objectType: z.string(), count, names })) }),
  }),
  /**
   * A domain in common (R18). `via`: `same_domain` (a company with the domain), `email_domain` (a
   * contact with the source contact's email domain), `company_domain` (a contact with an email on
   * the source company's domain), `company` (a record of `company`, which has the domain).
   * `registrable`: matched on the registrable domain (mail.acme.com → acme.com), not the exact one.
   */
  z.object({
    kind: z.literal('domain'),
    weight,
    values: z.object({ domain: z.string(), via: z.enum(['same_domain', 'email_domain', 'company_domain', 'company']), registrable: z.boolean(), company: z.string().nullable() }),
  }),
  /** Name parts shared with the source record. */
  z.object({ kind: z.literal('name'), weight, values: z.object({ tokens: names }) }),
  /** The deal's or ticket's name contains a related company's name or domain (`matched`: what it contains). */
  z.object({ kind: z.literal('company_in_name'), weight, values: z.object({ company: z.string(), matched: z.string() }) }),
  /** A deal or ticket of colleagues at the same company: `company`, and up to two of those colleagues' names of `count`. */
  z.object({ kind: z.literal('colleagues'), weight, values: z.object({ company: z.string(), count, names }) }),
  /** Words of the thread's subject in the record's name. */
  z.object({ kind: z.literal('subject'), weight, values: z.object({ tokens: names }) }),
  /** Words of a signature in the thread (a sender's company under their name) in the company's name. */
  z.object({ kind: z.literal('signature'), weight, values: z.object({ tokens: names }) }),
  /** Matches what the rep typed. */
  z.object({ kind: z.literal('query'), weight, values: z.object({ query: z.string() }) }),
  /** An open deal or ticket. */
  z.object({ kind: z.literal('status'), weight, values: z.object({ open: z.literal(true) }) }),
  /** Last updated this many whole days ago. */
  z.object({ kind: z.literal('recency'), weight, values: z.object({ days: count }) }),
  /** A contact on `count` other records of `objectType` (`atLeast`: counting stopped there). */
  z.object({ kind: z.literal('engagement'), weight, values: z.object({ count, atLeast: z.boolean(), objectType: z.string() }) }),
]);
export type Reason = z.infer<typeof reason>;

export const recommendation = z.object({
  /** Plural API name: `deals`, or a custom object's name. */
  objectType: z.string(),
  id: z.string(),
  name: z.string(),
  /** The sum of the reasons' weights. */
  score: z.number(),
  /**
   * Whether anything connects the record to the source record or thread (a reason of an evidence
   * kind). Records without evidence only fill a short list, always after every record with evidence.
   */
  evidence: z.boolean(),
  reasons: z.array(reason),
});
export type Recommendation = z.infer<typeof recommendation>;

/** Sorted by score, highest first: every record with evidence before any without. */
export const recommendationsResponse = z.object({ recommendations: z.array(recommendation) });
export type RecommendationsResponse = z.infer<typeof recommendationsResponse>;

export const RECOMMENDATION_LIMITS = { defaultLimit: 10, maxLimit: 100, maxParticipants: 100, maxOwnAddresses: 50, maxSignature: 2000 } as const;

export const recordRecommendationsPath = z.object({ objectType: objectTypeRef, id: recordId });
export const recordRecommendationsQuery = z.object({
  toObjectType: objectTypeRef,
  limit: z.coerce.number().int().min(1).max(RECOMMENDATION_LIMITS.maxLimit).default(RECOMMENDATION_LIMITS.defaultLimit),
  /** What the rep typed in the search box: filters and re-ranks (R5). */
  q: z.string().trim().max(200).optional(),
});

/** An address as a mail client shows it; an internationalized domain (jan@bücher.de) is one too. */
const email = z
  .string()
  .max(320)
  .refine((e) => normalizeEmail(e) !== null, 'must be an email address');

export const threadTargetType = z.enum(['companies', 'deals', 'tickets']);

export const threadRecommendationsBody = z.object({
  participants: z
    .array(z.object({ email, name: z.string().trim().max(200).optional() }))
    .min(1, 'at least one participant')
    .max(RECOMMENDATION_LIMITS.maxParticipants),
  subject: z.string().max(1000).optional(),
  /**
   * The signatures of the thread's messages from other people (the lines under their sign-off), as
   * the companion read them: a company named there is evidence for that company.
   */
  signature: z.string().max(RECOMMENDATION_LIMITS.maxSignature).optional(),
  /** The rep's own addresses: never treated as participants (X1). The signed-in user's is added. */
  ownAddresses: z.array(email).max(RECOMMENDATION_LIMITS.maxOwnAddresses).default([]),
  /** Which object types to recommend; all three by default. */
  objectTypes: z.array(threadTargetType).min(1).max(3).optional(),
  limit: z.number().int().min(1).max(RECOMMENDATION_LIMITS.maxLimit).default(RECOMMENDATION_LIMITS.defaultLimit),
});
export type ThreadRecommendationsBody = z.infer<typeof threadRecommendationsBody>;

const recordRef = z.object({ id: z.string(), name: z.string() });

export const threadParticipant = z.object({
  email: z.string(),
  name: z.string().nullable(),
  /** The contact with this address, or null when the CRM does not know it. */
  contact: z.object({ id: z.string(), name: z.string(), primaryCompany: recordRef.nullable() }).nullable(),
  /**
   * The company this address's domain would bring (R18) when the participant has no primary company
   * yet: an existing one (`id`), or one that creating the contact would create (`id: null`, only when
   * the workspace creates companies by domain). Null for personal addresses.
   */
  proposedCompany: z.object({ id: z.string().nullable(), name: z.string(), domain: z.string() }).nullable(),
});
export type ThreadParticipant = z.infer<typeof threadParticipant>;

export const threadRecommendationsResponse = recommendationsResponse.extend({
  participants: z.array(threadParticipant),
  /** What "log this email" associates by default: the known contacts, their primary companies (R10), the top open deal and ticket. */
  logDefaults: z.array(z.object({ objectType: z.string(), id: z.string() })),
});
export type ThreadRecommendationsResponse = z.infer<typeof threadRecommendationsResponse>;
