import { sql } from 'drizzle-orm';
import { emptySyncedState, type SyncedState } from '../../shared/history.ts';
import { rowsOf } from './raw-rows.ts';
import { typeNameSql } from '../../server/domain/history/entries.ts';
import type { TestApp } from './app.ts';

/** What the server holds for a workspace, in the shape a follower builds. */
export async function serverState(app: TestApp, workspaceId: string): Promise<SyncedState> {
  const state = emptySyncedState();
  const records = rowsOf<{ id: number; type_name: string; properties: Record<string, string | null>; archived: boolean; merged_into: number | null }>(
    await app.db.db.execute(sql`select id, ${typeNameSql(workspaceId, sql`type_id`)} as type_name, properties, archived_at is not null as archived, merged_into from records where workspace_id = ${workspaceId}`),
  );
  for (const r of records) {
    state.records.set(String(r.id), {
      objectType: r.type_name,
      properties: r.properties,
      status: r.merged_into !== null ? 'merged' : r.archived ? 'archived' : 'live',
      ...(r.merged_into !== null ? { mergedIntoObjectId: String(r.merged_into) } : {}),
    });
  }
  const edges = rowsOf<{ from_id: number; to_name: string; to_id: number; type_id: number }>(
    await app.db.db.execute(sql`select from_id, ${typeNameSql(workspaceId, sql`to_type`)} as to_name, to_id, type_id from associations where workspace_id = ${workspaceId}`),
  );
  for (const e of edges) {
    const key = `${e.from_id}>${e.to_name}:${e.to_id}`;
    const types = state.associations.get(key) ?? new Set<number>();
    types.add(Number(e.type_id));
    state.associations.set(key, types);
  }
  return state;
}

/** A synced state as plain sorted objects, for deep equality. */
export const plain = (s: SyncedState) => ({
  records: Object.fromEntries([...s.records].sort(([a], [b]) => a.localeCompare(b))),
  associations: Object.fromEntries([...s.associations].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort((a, b) => a - b)])),
});
