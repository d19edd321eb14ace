import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { Db } from '../db/client.ts';
import type { AppEnv } from '../env.ts';

export interface ReadinessOptions {
  /** A database that does not answer within this long counts as down (ms). */
  timeoutMs?: number;
}

/**
 * GET /ready, for load balancers and orchestrators: 200 when this process can reach its database,
 * 503 when not (take it out of rotation; /health, which only says the process is up, stays 200).
 * No token: it says nothing about any workspace.
 */
export function readinessRoutes(db: Db, options: ReadinessOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const describe = describeRoute({
    summary: 'Readiness: can this process reach its database?',
    description: '200 `{status: "ready"}` when a query answers within 2 s; 503 `{status: "unavailable", database: <reason>}` otherwise. No token. `/health` only says the process is up.',
    tags: ['Operations'],
    responses: { 200: { description: 'Ready' }, 503: { description: 'The database does not answer' } },
  });
  return new Hono<AppEnv>().get('/ready', describe, async (c) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([db.execute(sql`select 1`), timedOut]);
      return c.json({ status: 'ready' as const, database: 'ok' as const }, 200);
    } catch (err) {
      return c.json({ status: 'unavailable' as const, database: err instanceof Error ? err.message : String(err) }, 503);
    } finally {
      clearTimeout(timer);
    }
  });
}
