import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { OwnersQuery, PublicOwner } from '../../shared/owners.ts';
import type { DbOrTx } from '../db/client.ts';
import { users } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';

// HubSpot owners are the people records can be assigned to. Here they are the workspace's users,
// and an owner's id is its user's id: one stable number for both, never reused (the ids come from
// principal_ids), so a `hubspot_owner_id` keeps naming the same person.
//
// - A user who is active: `archived: false`, with `userId`.
// - A deactivated user: still an owner (records stay assigned), `archived: false`, without
//   `userId` (HubSpot's `userIdIncludingInactive` keeps it).
// - A removed user: an archived owner (`archived: true`), listed only with `archived=true`.

type UserRow = Pick<typeof users.$inferSelect, 'id' | 'name' | 'email' | 'createdAt' | 'deactivatedAt' | 'removedAt'>;

const columns = { id: users.id, name: users.name, email: users.email, createdAt: users.createdAt, deactivatedAt: users.deactivatedAt, removedAt: users.removedAt };

/** HubSpot splits a name in two; a user has one: the first word is the first name, the rest the last name. */
function splitName(name: string): { firstName: string; lastName: string } {
  const trimmed = name.trim();
  const space = trimmed.search(/\s/);
  return space < 0 ? { firstName: trimmed, lastName: '' } : { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space).trim() };
}

export function ownerView(row: UserRow): PublicOwner {
  // users have no updated_at: the owner changed last when the user was made, deactivated or removed
  const changes = [row.createdAt, row.deactivatedAt, row.removedAt].filter((d): d is Date => d !== null);
  const updatedAt = new Date(Math.max(...changes.map((d) => d.getTime())));
  return {
    id: String(row.id),
    email: row.email,
    type: 'PERSON',
    ...splitName(row.name),
    ...(row.deactivatedAt === null && row.removedAt === null ? { userId: row.id } : {}),
    userIdIncludingInactive: row.id,
    createdAt: row.createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
    archived: row.removedAt !== null,
    teams: [],
  };
}

const archivedIs = (archived: boolean) => (archived ? isNotNull(users.removedAt) : isNull(users.removedAt));

/** A page of owners by id, and the cursor of the next page (null at the end). */
export async function listOwners(db: DbOrTx, workspaceId: string, query: OwnersQuery): Promise<{ results: PublicOwner[]; after: string | null }> {
  const rows = await db
    .select(columns)
    .from(users)
    .where(
      and(
        eq(users.workspaceId, workspaceId),
        archivedIs(query.archived === 'true'),
        query.email !== undefined ? eq(sql`lower(${users.email})`, query.email.toLowerCase()) : undefined,
        query.after !== undefined ? gt(users.id, Number(query.after)) : undefined,
      ),
    )
    .orderBy(asc(users.id))
    .limit(query.limit + 1);
  const shown = rows.slice(0, query.limit);
  return { results: shown.map(ownerView), after: rows.length > query.limit ? String(shown.at(-1)!.id) : null };
}

/** One owner by its id (the same number as its user id), archived or not as asked; NOT_FOUND otherwise. */
export async function getOwner(db: DbOrTx, workspaceId: string, ownerId: number, archived: boolean): Promise<PublicOwner> {
  const [row] = await db
    .select(columns)
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, ownerId), archivedIs(archived)));
  if (!row) throw new ApiError('NOT_FOUND', `No ${archived ? 'archived ' : ''}owner with id ${ownerId}`, { errors: [{ message: 'unknown owner', in: 'path:ownerId' }] });
  return ownerView(row);
}

/** The ids of the owners records may be assigned to: the workspace's users that are not removed (deactivated ones stay owners). */
export async function ownerIds(db: DbOrTx, workspaceId: string): Promise<Set<string>> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), isNull(users.removedAt)));
  return new Set(rows.map((r) => String(r.id)));
}
