import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv, Auth } from '../env.ts';
import { ApiError } from '../errors.ts';
import { type Permission, paramsOf, permissionOf } from '../permissions.ts';

const ROLE_NAME = { owner: 'the instance owner', admin: 'an admin of the workspace', rep: 'a user of the workspace' } as const;

/** Why `auth` may not call a route with this rule, or null when it may. */
export function refusal(auth: Auth, rule: Permission, params: Record<string, string>): ApiError | null {
  const p = auth.principal;
  if (p.kind === 'user') {
    const ok = rule.user === 'rep' || (rule.user === 'admin' && p.role === 'admin') || (rule.user === 'owner' && p.instanceOwner);
    return ok ? null : new ApiError('FORBIDDEN', `This needs ${ROLE_NAME[rule.user]}`, { errors: [{ message: `needs role ${rule.user}`, in: 'permission', code: 'ROLE_REQUIRED' }] });
  }
  if (rule.app === 'any') return null;
  if (rule.app === 'never') {
    return new ApiError('FORBIDDEN', `App tokens may not call this; it needs ${ROLE_NAME[rule.user]}`, { errors: [{ message: 'not for app tokens', in: 'permission', code: 'USER_REQUIRED' }] });
  }
  const missing = rule.app(params).filter((scope) => !p.scopes.includes(scope));
  if (missing.length === 0) return null;
  // HubSpot names the scopes a token lacks; so do we, in the message and in context
  return new ApiError('FORBIDDEN', `This app token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, {
    errors: [{ message: `missing scope ${missing.join(', ')}`, in: 'permission', code: 'MISSING_SCOPES', context: { requiredScopes: missing } }],
    context: { requiredScopes: missing },
  });
}

/**
 * Mount right after bearer authentication. Looks the matched route up in the permission table
 * (server/permissions.ts) and refuses with 403 what the caller's role or scopes do not allow. A
 * route that is not in the table is refused to everyone: a new route is closed until it has a rule.
 */
export function authorize(): MiddlewareHandler<AppEnv> {
  return async function authorizeMiddleware(c, next) {
    // the first real route that matched is the one that answers; none at all: a 404 follows
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
    if (!route) return next();
    const rule = permissionOf(route.method, route.path);
    if (!rule) throw new ApiError('FORBIDDEN', `No permission rule for ${route.method} ${route.path}: refused until it has one`, { errors: [{ message: 'route without a permission rule', in: 'permission', code: 'NO_RULE' }] });
    const refused = refusal(c.get('auth'), rule, paramsOf(route.path, c.req.path));
    if (refused) throw refused;
    return next();
  };
}
