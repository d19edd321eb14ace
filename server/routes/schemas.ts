import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

/** HubSpot CRM v3 schemas (custom object types): placeholder until the schema routes land. */
export function schemaRoutes() {
  return new Hono<AppEnv>();
}
