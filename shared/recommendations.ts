import { z } from 'zod';
import { recordId } from './associations.ts';
import { objectTypeRef } from './objects.ts';
import { normalizeEmail } from './records.ts';

/**
 * Recommendations (R5, X2, B7): ranked, explained suggestions of what to associate. The response
 * shapes are a contract with the companion and the record page.
 */

/** Why a record is recommended. Machine names: the UI words them. */
export const reasonKind = z.enum([
  'shared_associations',
  'participants',
  'domain',
  'name',
  'subject',
  'query',
  'status',
  'recency',
  'engagement',
]);
export type ReasonKind = z.infer<typeof reasonKind>;

export const reason = z.object({
  kind: reasonKind,
  /** Human-readable: `same domain acme.com`, `2 shared contacts: Jan de Vries, Piet Jansen`, `open`. */
  detail: z.string(),
  /** This reason's share of the score. */
  weight: z.number(),
});
export type Reason = z.infer<typeof reason>;

export const recommendation = z.object({
  /** Plural API name: `deals`, or a custom object's name. */
  objectType: z.string(),
  id: z.string(),
  name: z.string(),
  /** The sum of the reasons' weights. */
  score: z.number(),
  reasons: z.array(reason),
});
export type Recommendation = z.infer<typeof recommendation>;

/** Sorted by score, highest first. */
export const recommendationsResponse = z.object({ recommendations: z.array(recommendation) });
export type RecommendationsResponse = z.infer<typeof recommendationsResponse>;

export const RECOMMENDATION_LIMITS = { defaultLimit: 10, maxLimit: 100, maxParticipants: 100, maxOwnAddresses: 50 } as const;

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
