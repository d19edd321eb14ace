import { and, asc, count, eq, isNull, ne, or, sql } from 'drizzle-orm';
import type { DbOrTx, Db } from '../db/client.ts';
import { apiTokens, users } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';

export interface UserView {
  id: number;
  name: string;
  email: string;
  role: 'admin' | 'rep';
  instanceOwner: boolean;
  active: boolean;
  createdAt: string;
}

const columns = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: users.role,
  instanceOwner: users.instanceOwner,
  deactivatedAt: users.deactivatedAt,
  createdAt: users.createdAt,
};

function view(row: { id: number; name: string; email: string; role: 'admin' | 'rep'; instanceOwner: boolean; deactivatedAt: Date | null; createdAt: Date }): UserView {
  return { id: row.id, name: row.name, email: row.email, role: row.role, instanceOwner: row.instanceOwner, active: row.deactivatedAt === null, createdAt: row.createdAt.toISOString() };
}

/** The workspace's users (removed ones are not listed), oldest first. */
export async function listUsers(db: DbOrTx, workspaceId: string): Promise<UserView[]> {
  const rows = await db.select(columns).from(users).where(and(eq(users.workspaceId, workspaceId), isNull(users.removedAt))).orderBy(asc(users.id));
  return rows.map(view);
}

/**
 * Locks the user's row and the admins' rows, in id order (two admins demoting each other at once
 * wait for one another instead of both passing keepAnAdmin). 404 for no such (or a removed) user;
 * the instance owner is not changed here.
 */
async function target(tx: DbOrTx, workspaceId: string, userId: number) {
  await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), or(eq(users.role, 'admin'), eq(users.id, userId))))
    .orderBy(asc(users.id))
    .for('update');
  const [row] = await tx.select(columns).from(users).where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId), isNull(users.removedAt)));
  if (!row) throw new ApiError('NOT_FOUND', `No user ${userId} in this workspace`, { errors: [{ message: 'unknown user', in: 'path:id' }] });
  if (row.instanceOwner) throw new ApiError('FORBIDDEN', 'The instance owner cannot be demoted, deactivated or removed', { errors: [{ message: 'instance owner', in: 'path:id' }] });
  return row;
}

/**
 * A workspace keeps at least one active admin: without one nobody could manage users, tokens or
 * settings again. Checked after the change, in the same transaction (after `target` locked the rows).
 */
async function keepAnAdmin(tx: DbOrTx, workspaceId: string): Promise<void> {
  const [row] = await tx
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), eq(users.role, 'admin'), isNull(users.deactivatedAt), isNull(users.removedAt)));
  if ((row?.n ?? 0) === 0) throw new ApiError('CONFLICT', 'The workspace would have no active admin left: make another user admin first');
}

/** Change a user's role, or deactivate (active: false) and activate them again. */
export async function updateUser(db: DbOrTx, workspaceId: string, userId: number, patch: { role?: 'admin' | 'rep' | undefined; active?: boolean | undefined }): Promise<UserView> {
  return db.transaction(async (tx) => {
    await target(tx, workspaceId, userId);
    const [row] = await tx
      .update(users)
      .set({
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.active === false ? { deactivatedAt: sql`coalesce(${users.deactivatedAt}, now())` } : patch.active === true ? { deactivatedAt: null } : {}),
      })
      .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)))
      .returning(columns);
    await keepAnAdmin(tx, workspaceId);
    return view(row!);
  });
}

/**
 * Remove a user: their row stays (history names them by id and keeps the name it recorded), their
 * tokens are revoked, and they are no longer listed. Answers the ids of the tokens revoked.
 */
export async function removeUser(db: DbOrTx, workspaceId: string, userId: number): Promise<{ user: UserView; revokedTokenIds: number[] }> {
  return db.transaction(async (tx) => {
    await target(tx, workspaceId, userId);
    const [row] = await tx
      .update(users)
      .set({ removedAt: sql`now()` })
      .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)))
      .returning(columns);
    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    await keepAnAdmin(tx, workspaceId);
    return { user: view(row!), revokedTokenIds: revoked.map((r) => r.id) };
  });
}

/** The ids of a user's live tokens (to drop them from caches and close their streams). */
export async function tokenIdsOfUser(db: DbOrTx, workspaceId: string, userId: number): Promise<number[]> {
  const rows = await db.select({ id: apiTokens.id }).from(apiTokens).where(and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.userId, userId), ne(apiTokens.kind, 'app')));
  return rows.map((r) => r.id);
}
