import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { idArray } from '../../db/prepared.ts';
import { col, parseRows } from '../../db/rows.ts';
import { RetryTransaction } from '../../db/transaction.ts';

/** A live record as the association rules read it. */
export interface RecordRow {
  id: number;
  type_id: string;
  properties: Record<string, string | null>;
}

/** A record as locked: live or not. */
export interface LockedRow extends RecordRow {
  merged_into: number | null;
  archived: boolean;
}

const lockedRow = z.object({ id: col.id, type_id: col.text, properties: col.properties, merged_into: col.idOrNull, archived: col.bool });

/**
 * The lock order of the whole server: every write that locks more than one record locks them all
 * in one statement, in id order, before it writes (merge, undo of a merge, restore, copy, revert,
 * import undo, associate). Two writers then never hold one record each while waiting for the
 * other's. Rows in any state (archived, merged) are locked too, so a writer can check their state
 * under the lock; a writer that learns of another record only later must not lock it on its own
 * but start over (RetryTransaction).
 */
export async function lockRows(tx: Tx, workspaceId: string, ids: number[]): Promise<Map<number, LockedRow>> {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  if (unique.length === 0) return new Map();
  const rows = parseRows(
    'associations: lock records',
    lockedRow,
    await tx.execute(sql`
      select id, type_id, properties, merged_into, archived_at is not null as archived from records
      where workspace_id = ${workspaceId} and id = any(${idArray(unique)}::bigint[])
      order by id for update`),
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Locks the records (see lockRows) and returns the live ones. Once a record is locked, every
 * association count read about it is current: that is what keeps two concurrent requests from
 * passing a limit together on PostgreSQL.
 */
export async function lockRecords(tx: Tx, workspaceId: string, ids: number[]): Promise<Map<number, RecordRow>> {
  const rows = await lockRows(tx, workspaceId, ids);
  return new Map([...rows].filter(([, r]) => r.merged_into === null && !r.archived).map(([id, r]) => [id, { id, type_id: r.type_id, properties: r.properties }]));
}

const neighbourRow = z.object({ to_id: col.id });

/**
 * Locks `ids` and every record associated with one of `around` (see lockRows). Should one of
 * `around` gain a neighbour between the read and the lock, locking that one now would break the
 * lock order: the transaction runs again instead (RetryTransaction). Answers the live records
 * and the neighbours as they are under the lock.
 */
export async function lockAround(tx: Tx, workspaceId: string, ids: number[], around: number[]): Promise<{ locked: Map<number, RecordRow>; neighbours: number[] }> {
  const neighboursNow = async () =>
    around.length === 0
      ? []
      : parseRows(
          'associations: neighbours to lock',
          neighbourRow,
          await tx.execute(sql`select distinct to_id from associations where workspace_id = ${workspaceId} and from_id = any(${idArray(around)}::bigint[])`),
        ).map((r) => r.to_id);
  const before = await neighboursNow();
  const locked = await lockRecords(tx, workspaceId, [...ids, ...before]);
  const after = await neighboursNow();
  const known = new Set(before);
  if (after.some((id) => !known.has(id))) throw new RetryTransaction(`records ${around.join(', ')} gained an association while their neighbours were being locked`);
  return { locked, neighbours: after };
}
