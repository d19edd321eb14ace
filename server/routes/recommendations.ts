import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

/** Recommendations: placeholder until the recommendations routes land. */
export function recommendationRoutes() {
  return new Hono<AppEnv>();
}
