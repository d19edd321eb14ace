import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '../db/client.ts';
import { authenticate, touchToken } from '../domain/tokens.ts';
import type { AppEnv, Auth } from '../env.ts';
import { errorBodyOf } from '../envelope.ts';
import { ApiError } from '../errors.ts';

export interface AuthOptions {
  db: Db;
  /** How long a verified token is trusted without asking the database again. */
  cacheMs?: number;
}

/** A short-lived cache of verified tokens, so the hot path costs no extra round trip. */
export class TokenCache {
  readonly #entries = new Map<string, { auth: Auth; until: number }>();
  readonly ttlMs: number;
  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }
  get(token: string): Auth | undefined {
    const hit = this.#entries.get(token);
    if (!hit) return undefined;
    if (hit.until < Date.now()) {
      this.#entries.delete(token);
      return undefined;
    }
    return hit.auth;
  }
  set(token: string, auth: Auth): void {
    if (this.ttlMs <= 0) return;
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(token, { auth, until: Date.now() + this.ttlMs });
  }
  /** Forget every cached token of a workspace (after its plan or settings change). */
  dropWorkspace(workspaceId: string): void {
    for (const [key, value] of this.#entries) if (value.auth.workspaceId === workspaceId) this.#entries.delete(key);
  }
  /** Forget these tokens (revoked, or their user changed): the next request asks the database. */
  dropTokens(tokenIds: readonly number[]): void {
    const ids = new Set(tokenIds);
    for (const [key, value] of this.#entries) if (ids.has(value.auth.principal.tokenId)) this.#entries.delete(key);
  }
}

export interface WrongTokenThrottleOptions {
  /** Wrong tokens an address may send per `durationSec` before it is refused with 429. */
  points?: number;
  durationSec?: number;
  /** How long an address that went over is refused (s). */
  blockSec?: number;
}

/**
 * Wrong tokens per client address (rate-limiter-flexible, in this process's memory). Only wrong
 * tokens count, and a valid token is never refused here: a guesser is slowed, the colleague behind
 * the same address is not.
 */
export class WrongTokenThrottle {
  readonly #limiter: RateLimiterMemory;
  readonly points: number;
  constructor(options: WrongTokenThrottleOptions = {}) {
    this.points = options.points ?? 20;
    this.#limiter = new RateLimiterMemory({ points: this.points, duration: options.durationSec ?? 60, blockDuration: options.blockSec ?? 60 });
  }
  /** Counts one wrong token; answers how long the address must wait (ms), or 0 while under the limit. */
  async wrong(address: string): Promise<number> {
    try {
      await this.#limiter.consume(address);
      return 0;
    } catch (res) {
      if (res instanceof Error) throw res;
      return Math.max((res as RateLimiterRes).msBeforeNext, 1_000);
    }
  }
}

/** The client's address as the socket sees it (no proxy header is trusted: see docs/security.md). */
function clientAddress(c: Context<AppEnv>): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

function tooManyWrongTokens(c: Context<AppEnv>, waitMs: number): Response {
  const retryAfter = Math.ceil(waitMs / 1000);
  // HubSpot's rate-limit answer: its error body with errorType RATE_LIMIT, and Retry-After
  const err = new ApiError('RATE_LIMITED', `Too many requests with a wrong token from this address; retry after ${retryAfter} s`, {
    errors: [{ message: 'too many wrong tokens', in: 'header:authorization' }],
    fields: { errorType: 'RATE_LIMIT', policyName: 'WRONG_TOKEN' },
  });
  return c.json(errorBodyOf(err), 429, { 'retry-after': String(retryAfter) });
}

/** Bearer-token authentication: sets `auth` and `db` for the routes behind it. */
export function bearerAuth(options: AuthOptions & { cache: TokenCache; throttle?: WrongTokenThrottle }): MiddlewareHandler<AppEnv> {
  const { db, cache } = options;
  const throttle = options.throttle ?? new WrongTokenThrottle();
  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new ApiError('UNAUTHENTICATED', header ? 'The Authorization header must be "Bearer <token>"' : 'Authentication required: send "Authorization: Bearer <token>"', {
        errors: [{ message: 'missing or malformed bearer token', in: 'header:authorization' }],
      });
    }
    const token = match[1]!;
    let auth = cache.get(token);
    if (!auth) {
      auth = (await authenticate(db, token)) ?? undefined;
      if (!auth) {
        const waitMs = await throttle.wrong(clientAddress(c));
        if (waitMs > 0) return tooManyWrongTokens(c, waitMs);
        throw new ApiError('UNAUTHENTICATED', 'The bearer token is not valid', { errors: [{ message: 'unknown or revoked token', in: 'header:authorization' }] });
      }
      cache.set(token, auth);
      await touchToken(db, auth.workspaceId, auth.principal.tokenId);
    }
    c.set('auth', auth);
    c.set('db', db);
    await next();
  };
}
