import { z } from 'zod';
import { PLANS } from './plan-rules.ts';

// the plans' rules live apart, without zod (the content script imports them)
export { defaultPairLimit, type Feature, FEATURE_PLAN, LIMITS, type Plan, PLANS, planAllows } from './plan-rules.ts';

export const planSchema = z.enum(PLANS);
