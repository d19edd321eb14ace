import type { MiddlewareHandler } from 'hono';
import { wakeStreams } from '../domain/history/live.ts';
import type { AppEnv } from '../env.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Mount before authentication and before the idempotency middleware (whose transaction commits
 * when its `next()` returns): after each write request of an authenticated caller, the live
 * streams of its workspace in this process read on. Writes of other processes (another server on
 * the same PostgreSQL, a job, the command line) wake them through PostgreSQL NOTIFY
 * (server/domain/history/live.ts), and the streams' polling catches anything missed.
 */
export function changeNotifier(): MiddlewareHandler<AppEnv> {
  return async function changeNotifierMiddleware(c, next) {
    await next();
    if (!WRITES.has(c.req.method)) return;
    const auth = c.get('auth') as AppEnv['Variables']['auth'] | undefined;
    if (auth && c.res.status < 500) wakeStreams(auth.workspaceId);
  };
}
