import { z } from 'zod';
import { historyAction } from '../../../shared/history.ts';
import { col } from '../../db/rows.ts';

/** What replaying needs of a history row (one direction, seen from `from`), as JSON: a record's whole history. */
export const replayRow = z.object({
  action: historyAction,
  to_type: col.text,
  to_id: col.jsonId,
  type_id: col.jsonId,
  label: col.textOrNull,
  to_name: col.textOrNull,
});
export type ReplayRow = z.output<typeof replayRow>;

/** One associated record after a replay: its type ids, each with the label history gave it. */
export interface ReplayedPair {
  toType: string;
  toId: number;
  toName: string | null;
  types: Map<number, string | null>;
}

export const pairKey = (toType: string, toId: number) => `${toType}:${toId}`;

/**
 * Applies one history row to a record's associations. CREATED, LABEL_ADDED and PRIMARY_SET add
 * their type; LABEL_REMOVED and PRIMARY_UNSET remove it; DELETED removes the whole association,
 * labels included (one DELETED row stands for every type of the pair, as the writers record it).
 */
export function applyRow(state: Map<string, ReplayedPair>, row: ReplayRow): void {
  const key = pairKey(row.to_type, row.to_id);
  const typeId = row.type_id;
  switch (row.action) {
    case 'DELETED':
      state.delete(key);
      return;
    case 'CREATED':
    case 'LABEL_ADDED':
    case 'PRIMARY_SET': {
      const pair = state.get(key) ?? { toType: row.to_type, toId: row.to_id, toName: row.to_name, types: new Map() };
      pair.types.set(typeId, row.label);
      if (row.to_name !== null) pair.toName = row.to_name;
      state.set(key, pair);
      return;
    }
    case 'LABEL_REMOVED':
    case 'PRIMARY_UNSET': {
      const pair = state.get(key);
      pair?.types.delete(typeId);
      if (pair && pair.types.size === 0) state.delete(key);
      return;
    }
  }
}

/** A record's associations rebuilt from its history rows, given in commit order. */
export function replay(rows: Iterable<ReplayRow>): Map<string, ReplayedPair> {
  const state = new Map<string, ReplayedPair>();
  for (const row of rows) applyRow(state, row);
  return state;
}
