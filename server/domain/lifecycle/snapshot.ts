import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';

/** One row of a record's association history, as replay needs it. */
export interface HistoryEntry {
  id: number;
  action: string;
  source: string;
  sourceId: string | null;
  detail: string | null;
  toType: string;
  toId: number;
  typeId: number;
}

/** The associations of one record with another, as type ids seen from the record. */
export interface PairSnapshot {
  toType: string;
  toId: number;
  typeIds: number[];
}

const historyRow = z.object({
  id: col.id,
  action: col.text,
  source: col.text,
  source_id: col.textOrNull,
  detail: col.textOrNull,
  to_type: col.text,
  to_id: col.id,
  type_id: col.id,
});

/** Every history row written from one record, oldest first (one index range scan). */
export async function historyFrom(db: DbOrTx, workspaceId: string, recordId: number): Promise<HistoryEntry[]> {
  const rows = parseRows(
    'lifecycle: the history written from a record',
    historyRow,
    await db.execute(sql`
      select id, action, source, source_id, detail, to_type, to_id, type_id from association_history
      where workspace_id = ${workspaceId} and from_id = ${recordId} order by id`),
  );
  return rows.map((r) => ({ id: r.id, action: r.action, source: r.source, sourceId: r.source_id, detail: r.detail, toType: r.to_type, toId: r.to_id, typeId: r.type_id }));
}

/**
 * Replays history rows to the associations they leave (R20): created, label added and primary set
 * add a type; label removed and primary unset take one away; deleted ends the whole association
 * (one deleted row per direction stands for all its types).
 */
export function replay(entries: readonly HistoryEntry[]): PairSnapshot[] {
  const pairs = new Map<string, PairSnapshot & { types: Set<number> }>();
  for (const e of entries) {
    const key = `${e.toType}:${e.toId}`;
    if (e.action === 'DELETED') {
      pairs.delete(key);
      continue;
    }
    let pair = pairs.get(key);
    if (e.action === 'CREATED' || e.action === 'LABEL_ADDED' || e.action === 'PRIMARY_SET') {
      if (!pair) pairs.set(key, (pair = { toType: e.toType, toId: e.toId, typeIds: [], types: new Set() }));
      pair.types.add(e.typeId);
    } else {
      pair?.types.delete(e.typeId);
    }
  }
  return [...pairs.values()].filter((p) => p.types.size > 0).map((p) => ({ toType: p.toType, toId: p.toId, typeIds: [...p.types].sort((a, b) => a - b) }));
}

/** The history rows that archiving the record wrote (see dropAssociationsOfArchived). */
export function isArchiveEntry(e: HistoryEntry, record: { id: number; type: string }): boolean {
  return e.source === 'OBJECT_DELETION' && e.detail === `${record.type} ${record.id} archived`;
}

/**
 * The associations an archived record had when it was archived: its history replayed up to the
 * rows its last archive wrote. Nothing is written from an archived record, so those rows are the
 * last ones.
 */
export function snapshotAtArchive(entries: readonly HistoryEntry[], record: { id: number; type: string }): PairSnapshot[] {
  let end = entries.length;
  while (end > 0 && isArchiveEntry(entries[end - 1]!, record)) end--;
  return replay(entries.slice(0, end));
}

/** The associations a merged record had when it was merged: its history up to that merge's first row. */
export function snapshotAtMerge(entries: readonly HistoryEntry[], mergeId: string): PairSnapshot[] {
  const first = entries.findIndex((e) => e.source === 'OBJECT_MERGE' && e.sourceId === mergeId);
  return replay(first < 0 ? entries : entries.slice(0, first));
}
