/**
 * The plans, what each allows and the limits the API enforces. No zod here: the companion's
 * content script uses these, and it ships without zod (its size budget); plans.ts adds the schema
 * and re-exports all of this.
 */

export const PLANS = ['starter', 'professional', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

const rank: Record<Plan, number> = { starter: 0, professional: 1, enterprise: 2 };

/** What each plan allows (SPEC section 4). */
export const FEATURE_PLAN = {
  labels: 'professional',
  customPrimaryLabels: 'professional',
  customObjects: 'enterprise',
} as const satisfies Record<string, Plan>;

export type Feature = keyof typeof FEATURE_PLAN;

export function planAllows(plan: Plan, feature: Feature): boolean {
  return rank[plan] >= rank[FEATURE_PLAN[feature]];
}

/** Limits that the API enforces everywhere (SPEC section 4). */
export const LIMITS = {
  associationsPerPage: 500,
  batchInputs: 1000,
  labelsPerPair: 50,
  maxToObjectIdsMin: 1,
  maxToObjectIdsMax: 10_000,
  objectsPerPage: 100,
  searchPerPage: 200,
  customObjectTypes: 100,
  propertiesPerObject: 1000,
  propertyValueLength: 65_536,
} as const;

/**
 * Default per-record association limit of an object pair when no admin configured one.
 * Activities may link to many records; record-to-record pairs are tighter on Starter.
 */
export function defaultPairLimit(plan: Plan, activityInvolved: boolean): number {
  if (activityInvolved) return LIMITS.maxToObjectIdsMax;
  return plan === 'starter' ? 1000 : LIMITS.maxToObjectIdsMax;
}
