import { createHash, createHmac, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, notLike, sql } from 'drizzle-orm';
import type { Plan } from '../../shared/plans.ts';
import type { AppScope } from '../../shared/scopes.ts';
import type { DbOrTx } from '../db/client.ts';
import { apiTokens, users, workspaces } from '../db/schema/index.ts';
import type { Auth } from '../env.ts';
import { ApiError } from '../errors.ts';

export function newToken(): string {
  return `crm_${randomBytes(24).toString('base64url')}`;
}

/**
 * The key of stored token hashes (server/secret.ts loads it at start). Until one is set, a key made
 * for this process: tokens issued and checked in one process (tests, benchmarks) still agree.
 */
let tokenKey: Buffer = randomBytes(32);

export function useTokenKey(key: Buffer): void {
  tokenKey = key;
}

/** Stored hashes made with the key start with this; older databases hold bare SHA-256 hex. */
const KEYED = 'h1:';

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A keyed hash of the SHA-256 hex, so an old bare SHA-256 can be upgraded without the token. */
function keyed(sha256Hex: string): string {
  return KEYED + createHmac('sha256', tokenKey).update(sha256Hex).digest('hex');
}

export function hashToken(token: string): string {
  return keyed(sha256(token));
}

/**
 * Start step: stored bare SHA-256 hashes (databases from before keyed hashes) become keyed ones,
 * in place, without knowing the tokens. Answers how many were upgraded.
 */
export async function upgradeTokenHashes(db: DbOrTx): Promise<number> {
  const legacy = await db.select({ workspaceId: apiTokens.workspaceId, id: apiTokens.id, tokenHash: apiTokens.tokenHash }).from(apiTokens).where(notLike(apiTokens.tokenHash, `${KEYED}%`));
  for (const row of legacy) {
    // only if still bare: a second process starting at the same time must not key it twice
    await db.update(apiTokens).set({ tokenHash: keyed(row.tokenHash) }).where(and(eq(apiTokens.workspaceId, row.workspaceId), eq(apiTokens.id, row.id), eq(apiTokens.tokenHash, row.tokenHash)));
  }
  return legacy.length;
}

export async function issueToken(
  db: DbOrTx,
  params: { workspaceId: string; kind: 'user' | 'app'; userId?: number; name: string; token?: string; scopes?: AppScope[] },
): Promise<{ id: number; token: string }> {
  const token = params.token ?? newToken();
  const [row] = await db
    .insert(apiTokens)
    .values({ workspaceId: params.workspaceId, kind: params.kind, userId: params.userId ?? null, name: params.name, tokenHash: hashToken(token), scopes: params.scopes ?? [] })
    .returning({ id: apiTokens.id });
  return { id: row!.id, token };
}

/** The workspace and principal a bearer token stands for, or null (unknown, revoked, or its user deactivated or removed). */
export async function authenticate(db: DbOrTx, token: string): Promise<Auth | null> {
  const [row] = await db
    .select({
      workspaceId: apiTokens.workspaceId,
      tokenId: apiTokens.id,
      kind: apiTokens.kind,
      tokenName: apiTokens.name,
      scopes: apiTokens.scopes,
      userId: users.id,
      userName: users.name,
      role: users.role,
      instanceOwner: users.instanceOwner,
      userGone: sql<boolean>`(${users.deactivatedAt} is not null or ${users.removedAt} is not null)`,
      plan: workspaces.plan,
      settings: workspaces.settings,
    })
    .from(apiTokens)
    .innerJoin(workspaces, eq(workspaces.workspaceId, apiTokens.workspaceId))
    .leftJoin(users, and(eq(users.workspaceId, apiTokens.workspaceId), eq(users.id, apiTokens.userId)))
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
    .limit(1);
  if (!row) return null;
  const base = { workspaceId: row.workspaceId, plan: row.plan as Plan, settings: row.settings };
  if (row.kind === 'user') {
    if (row.userId === null || row.userName === null || row.role === null || row.userGone) return null;
    return {
      ...base,
      principal: { kind: 'user', userId: row.userId, userName: row.userName, role: row.role, instanceOwner: row.instanceOwner ?? false, tokenId: row.tokenId },
    };
  }
  return { ...base, principal: { kind: 'app', tokenId: row.tokenId, name: row.tokenName, scopes: row.scopes as AppScope[] } };
}

const TOUCH_EVERY_MS = 60_000;
/**
 * When this process last wrote a token's last_used_at, by workspace and token: a token in use
 * costs one write a minute. (Token ids are counted per database, workspace ids are not: one
 * process may serve more than one database.)
 */
const touched = new Map<string, number>();

/** Records that a token was used, at most once a minute per token (per process). */
export async function touchToken(db: DbOrTx, workspaceId: string, tokenId: number): Promise<void> {
  const now = Date.now();
  const key = `${workspaceId}:${tokenId}`;
  if (now - (touched.get(key) ?? 0) < TOUCH_EVERY_MS) return;
  if (touched.size > 100_000) touched.clear();
  touched.set(key, now);
  await db.update(apiTokens).set({ lastUsedAt: sql`now()` }).where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.id, tokenId)));
}

export interface TokenView {
  id: number;
  name: string;
  kind: 'user' | 'app';
  userId: number | null;
  scopes: AppScope[];
  createdAt: string;
  lastUsedAt: string | null;
}

/** The workspace's live tokens, newest first; never the secret (only its hash is stored). */
export async function listTokens(db: DbOrTx, workspaceId: string): Promise<TokenView[]> {
  const rows = await db
    .select({ id: apiTokens.id, name: apiTokens.name, kind: apiTokens.kind, userId: apiTokens.userId, scopes: apiTokens.scopes, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .leftJoin(users, and(eq(users.workspaceId, apiTokens.workspaceId), eq(users.id, apiTokens.userId)))
    .where(and(eq(apiTokens.workspaceId, workspaceId), isNull(apiTokens.revokedAt), isNull(users.removedAt)))
    .orderBy(desc(apiTokens.id));
  return rows.map((r) => ({ ...r, scopes: r.scopes as AppScope[], createdAt: r.createdAt.toISOString(), lastUsedAt: r.lastUsedAt?.toISOString() ?? null }));
}

/** Revokes one token of the workspace; 404 when there is no such live token. */
export async function revokeToken(db: DbOrTx, workspaceId: string, tokenId: number): Promise<{ id: number; name: string; kind: 'user' | 'app' }> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, name: apiTokens.name, kind: apiTokens.kind });
  if (!row) throw new ApiError('NOT_FOUND', `No live token ${tokenId} in this workspace`, { errors: [{ message: 'unknown or already revoked token', in: 'path:id' }] });
  return row;
}
