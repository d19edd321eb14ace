import type { MiddlewareHandler } from 'hono';
import { actorRefOf, withActor } from '../domain/audit.ts';
import type { AppEnv } from '../env.ts';

/**
 * After auth: runs the rest of the request with its caller as the actor of every record change
 * it writes (server/domain/audit.ts `currentActor`).
 */
export function actorScope(): MiddlewareHandler<AppEnv> {
  return async function actorScopeMiddleware(c, next) {
    await withActor(actorRefOf(c.get('auth')), next);
  };
}
