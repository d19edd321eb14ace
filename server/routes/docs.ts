import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

/** OpenAPI document and reference page: placeholder until the docs routes land. */
export function docsRoutes(_api: Hono<AppEnv, any, any>) {
  return new Hono<AppEnv>();
}
