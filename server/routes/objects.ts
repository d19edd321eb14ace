import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

/** HubSpot CRM v3 objects: placeholder until the records routes land. */
export function objectRoutes() {
  return new Hono<AppEnv>();
}
