import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/client.ts';
import { authenticate } from '../domain/tokens.ts';
import type { AppEnv, Auth } from '../env.ts';
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
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(token, { auth, until: Date.now() + this.ttlMs });
  }
  /** Forget every cached token of a workspace (after its plan or settings change). */
  dropWorkspace(workspaceId: string): void {
    for (const [key, value] of this.#entries) if (value.auth.workspaceId === workspaceId) this.#entries.delete(key);
  }
}

/** Bearer-token authentication: sets `auth` and `db` for the routes behind it. */
export function bearerAuth(options: AuthOptions & { cache: TokenCache }): MiddlewareHandler<AppEnv> {
  const { db, cache } = options;
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
      if (!auth) throw new ApiError('UNAUTHENTICATED', 'The bearer token is not valid', { errors: [{ message: 'unknown or revoked token', in: 'header:authorization' }] });
      cache.set(token, auth);
    }
    c.set('auth', auth);
    c.set('db', db);
    await next();
  };
}

export function requireAdmin(auth: Auth): void {
  if (auth.principal.kind !== 'user' || auth.principal.role !== 'admin') {
    throw new ApiError('FORBIDDEN', 'This needs an admin of the workspace');
  }
}
