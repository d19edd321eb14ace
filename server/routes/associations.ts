import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

export function associationRoutes() {
  return new Hono<AppEnv>();
}
export function associationSchemaRoutes() {
  return new Hono<AppEnv>();
}
