import type { MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppEnv, Principal } from '../env.ts';
import { ApiError } from '../errors.ts';

export interface RateLimitOptions {
  /** The window the budgets count in, in seconds (HubSpot: 10). */
  windowSeconds?: number;
  /** Requests per window for an app token; 0 turns the limit off. */
  app?: number;
  /** Requests per window for a user's token (admins and reps; never the instance owner); 0: off. */
  user?: number;
}

/** HubSpot private apps get 100 to 190 requests per 10 s; ours get the top of that range. */
export const RATE_LIMIT_DEFAULTS = { windowSeconds: 10, app: 190, user: 600 } as const;

/** The budget a principal gets: null when it is not limited (the instance owner, or a limit of 0). */
function budgetOf(principal: Principal, limits: { app: number; user: number }): number | null {
  if (principal.kind === 'app') return limits.app || null;
  if (principal.instanceOwner) return null;
  return limits.user || null;
}

/**
 * Per-token request limits, the way HubSpot limits an app (its 429 body, `Retry-After` and its
 * `X-HubSpot-RateLimit-*` headers). Counted per token in this process's memory: with several
 * server processes each counts its own share. Needs `auth`, so it runs after bearerAuth.
 */
export function tokenRateLimit(options: RateLimitOptions = {}): MiddlewareHandler<AppEnv> {
  const windowSeconds = options.windowSeconds ?? RATE_LIMIT_DEFAULTS.windowSeconds;
  const limits = { app: options.app ?? RATE_LIMIT_DEFAULTS.app, user: options.user ?? RATE_LIMIT_DEFAULTS.user };
  const policyName = windowSeconds === 10 ? 'TEN_SECONDLY_ROLLING' : windowSeconds === 1 ? 'SECONDLY' : `ROLLING_${windowSeconds}_SECONDS`;
  // one limiter per budget: a limiter holds a single points-per-window setting
  const limiters = new Map<number, RateLimiterMemory>();
  const limiterFor = (points: number) => {
    let limiter = limiters.get(points);
    if (!limiter) limiters.set(points, (limiter = new RateLimiterMemory({ points, duration: windowSeconds })));
    return limiter;
  };
  return async function tokenRateLimitMiddleware(c, next) {
    const { principal } = c.get('auth');
    const budget = budgetOf(principal, limits);
    if (budget === null) return next();
    const headers = (remaining: number) => ({
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(windowSeconds * 1000),
      'X-HubSpot-RateLimit-Max': String(budget),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
    });
    let state: RateLimiterRes;
    try {
      state = await limiterFor(budget).consume(`${principal.kind}:${principal.tokenId}`);
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      const retryAfter = Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
      throw new ApiError('RATE_LIMITED', `You have reached your ${policyName.toLowerCase()} limit: ${budget} requests per ${windowSeconds} s for this token. Retry after ${retryAfter} s.`, {
        errors: [{ message: `over ${budget} requests per ${windowSeconds} s`, in: 'header:authorization' }],
        headers: { 'Retry-After': String(retryAfter), ...headers(0) },
        fields: { errorType: 'RATE_LIMIT', policyName },
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers(state.remainingPoints))) c.res.headers.set(name, value);
  };
}
