import { sql } from 'drizzle-orm';
import { type DbOrTx } from '../../server/db/client.ts';
import { rowsOf } from './raw-rows.ts';
import { records } from '../../server/db/schema/index.ts';

/** Inserts records straight into the database (for tests of the association engine). */
export async function seedRecords(db: DbOrTx, workspaceId: string, typeId: string, props: Array<Record<string, string>>): Promise<number[]> {
  const rows = await db
    .insert(records)
    .values(props.map((properties) => ({ workspaceId, typeId, properties })))
    .returning({ id: records.id });
  return rows.map((r) => r.id);
}

export interface Edge {
  from_id: number;
  to_id: number;
  type_id: number;
}

export async function allEdges(db: DbOrTx, workspaceId: string): Promise<Edge[]> {
  return rowsOf<Edge>(await db.execute(sql`select from_id, to_id, type_id from associations where workspace_id = ${workspaceId} order by from_id, to_id, type_id`));
}

export async function historyOf(db: DbOrTx, workspaceId: string, fromId: number) {
  return rowsOf<{ action: string; source: string; to_id: number; type_id: number; label: string | null; source_user_id: number | null; source_user_name: string | null; to_name: string | null; detail: string | null }>(
    await db.execute(sql`select action, source, to_id, type_id, label, source_user_id, source_user_name, to_name, detail from association_history
      where workspace_id = ${workspaceId} and from_id = ${fromId} order by id`),
  );
}
