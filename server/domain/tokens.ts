import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Plan } from '../../shared/plans.ts';
import type { DbOrTx } from '../db/client.ts';
import { apiTokens, users, workspaces } from '../db/schema/index.ts';
import type { Auth } from '../env.ts';

export function newToken(): string {
  return `crm_${randomBytes(24).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function issueToken(
  db: DbOrTx,
  params: { workspaceId: string; kind: 'user' | 'app'; userId?: number; name: string; token?: string },
): Promise<{ id: number; token: string }> {
  const token = params.token ?? newToken();
  const [row] = await db
    .insert(apiTokens)
    .values({ workspaceId: params.workspaceId, kind: params.kind, userId: params.userId ?? null, name: params.name, tokenHash: hashToken(token) })
    .returning({ id: apiTokens.id });
  return { id: row!.id, token };
}

/** The workspace and principal a bearer token stands for, or null. */
export async function authenticate(db: DbOrTx, token: string): Promise<Auth | null> {
  const [row] = await db
    .select({
      workspaceId: apiTokens.workspaceId,
      tokenId: apiTokens.id,
      kind: apiTokens.kind,
      tokenName: apiTokens.name,
      userId: users.id,
      userName: users.name,
      role: users.role,
      instanceOwner: users.instanceOwner,
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
    if (row.userId === null || row.userName === null || row.role === null) return null;
    return {
      ...base,
      principal: { kind: 'user', userId: row.userId, userName: row.userName, role: row.role, instanceOwner: row.instanceOwner ?? false, tokenId: row.tokenId },
    };
  }
  return { ...base, principal: { kind: 'app', tokenId: row.tokenId, name: row.tokenName } };
}
