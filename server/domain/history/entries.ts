import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type HistoryAction, type HistoryEntry, type HistorySource, historyAction, historySource } from '../../../shared/history.ts';
import { STANDARD_OBJECTS } from '../../../shared/objects.ts';
import type { DbOrTx } from '../../db/client.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';

/** SQL: the API name of the object type id in `column` (`contacts`, or a custom object's name). */
export function typeNameSql(workspaceId: string, column: SQL): SQL {
  const cases = sql.join(STANDARD_OBJECTS.map((o) => sql`when ${sql.raw(`'${o.typeId}'`)} then ${sql.raw(`'${o.name}'`)}`), sql` `);
  return sql`coalesce(case ${column} ${cases} end, (select s.name from object_schemas s where s.workspace_id = ${workspaceId} and s.type_id = ${column}), ${column})`;
}

/** The path of a record in the API (R22: a link to copy). */
export function recordLink(typeName: string, id: number | string): string {
  return `/crm/v3/objects/${typeName}/${id}`;
}

/** A history row as `entryJsonSql` builds it: JSON, and a history page or a feed page holds many. */
export const entryRow = z.object({
  id: col.jsonId,
  action: historyAction,
  source: historySource,
  source_user_id: col.jsonId.nullable(),
  source_user_name: col.textOrNull,
  source_id: col.textOrNull,
  occurred_at: col.jsonTimestamp,
  from_type_name: col.text,
  from_id: col.jsonId,
  to_type_name: col.text,
  to_id: col.jsonId,
  to_name: col.textOrNull,
  type_id: col.jsonId,
  label: col.textOrNull,
  detail: col.textOrNull,
  /** DELETED only: the labels the association had just before. */
  labels_before: col.list(col.text),
});
export type EntryRow = z.output<typeof entryRow>;

/**
 * SQL: the json object of the history row `h` that `toEntry` reads. For a DELETED row it also
 * works out the labels the association had: per type, the last label change since the last
 * deletion, all on the same pair (the record index keeps it to that pair's rows).
 */
export function entryJsonSql(workspaceId: string): SQL {
  return sql`json_build_object(
    'id', h.id, 'action', h.action, 'source', h.source, 'source_user_id', h.source_user_id,
    'source_user_name', h.source_user_name, 'source_id', h.source_id, 'occurred_at', h.occurred_at,
    'from_type_name', ${typeNameSql(workspaceId, sql`h.from_type`)}, 'from_id', h.from_id,
    'to_type_name', ${typeNameSql(workspaceId, sql`h.to_type`)}, 'to_id', h.to_id, 'to_name', h.to_name,
    'type_id', h.type_id, 'label', h.label, 'detail', h.detail,
    'labels_before', case when h.action = 'DELETED' then (
      select json_agg(s.label order by s.label) from (
        select distinct on (p.type_id) p.label, p.action from association_history p
        where p.workspace_id = h.workspace_id and p.from_id = h.from_id and p.to_type = h.to_type and p.to_id = h.to_id
          and p.id < h.id and p.action in ('LABEL_ADDED', 'LABEL_REMOVED', 'PRIMARY_SET', 'PRIMARY_UNSET')
          and p.id > coalesce((select max(d.id) from association_history d
            where d.workspace_id = h.workspace_id and d.from_id = h.from_id and d.to_type = h.to_type and d.to_id = h.to_id
              and d.action = 'DELETED' and d.id < h.id), 0)
        order by p.type_id, p.id desc) s
      where s.action in ('LABEL_ADDED', 'PRIMARY_SET') and s.label is not null) end)`;
}

/** A history row in the API's entry shape (SPEC: the history contract). */
export function toEntry(row: EntryRow): HistoryEntry {
  const labels = row.action === 'DELETED' ? row.labels_before : row.label !== null ? [row.label] : [];
  return {
    id: String(row.id),
    action: row.action,
    source: row.source,
    ...(row.source_user_id !== null ? { sourceUserId: String(row.source_user_id) } : {}),
    ...(row.source_user_name !== null ? { sourceUserName: row.source_user_name } : {}),
    ...(row.source_id !== null ? { sourceId: row.source_id } : {}),
    occurredAt: row.occurred_at.toISOString(),
    fromObjectType: row.from_type_name,
    fromObjectId: String(row.from_id),
    toObjectType: row.to_type_name,
    toObjectId: String(row.to_id),
    toName: row.to_name,
    labels,
    associationTypeId: row.type_id,
    ...(row.detail !== null ? { detail: row.detail } : {}),
    link: recordLink(row.to_type_name, row.to_id),
  };
}

export interface HistoryFilter {
  /** Type ids of the associated records. */
  toTypes?: string[] | undefined;
  /** One associated record: the history of one association (R22). */
  toId?: number | undefined;
  sources?: HistorySource[] | undefined;
  actions?: HistoryAction[] | undefined;
  /** At or after. */
  from?: string | undefined;
  /** Before. */
  to?: string | undefined;
}

const list = (values: readonly (string | number)[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

/**
 * One page of a record's association history, newest first, in one query (that also tells
 * whether the record exists in the workspace with that type, archived or not). `after` is the id
 * of the last entry of the previous page.
 */
export async function listHistory(
  db: DbOrTx,
  workspaceId: string,
  record: { typeId: string; id: number },
  filter: HistoryFilter,
  page: { limit: number; after?: number | undefined },
): Promise<{ found: boolean; entries: HistoryEntry[]; next?: number }> {
  const ws = workspaceId;
  const where: SQL[] = [sql`h.workspace_id = ${ws}`, sql`h.from_id = ${record.id}`, sql`h.from_type = ${record.typeId}`];
  if (filter.toTypes) where.push(sql`h.to_type in (${list(filter.toTypes)})`);
  if (filter.toId !== undefined) where.push(sql`h.to_id = ${filter.toId}`);
  if (filter.sources) where.push(sql`h.source in (${list(filter.sources)})`);
  if (filter.actions) where.push(sql`h.action in (${list(filter.actions)})`);
  if (filter.from) where.push(sql`h.occurred_at >= ${filter.from}::timestamptz`);
  if (filter.to) where.push(sql`h.occurred_at < ${filter.to}::timestamptz`);
  if (page.after !== undefined) where.push(sql`h.id < ${page.after}`);
  const row = parseRow(
    'history: a page of a record',
    z.object({ found: col.bool, entries: col.list(entryRow) }),
    await db.execute(sql`
      select exists (select 1 from records where workspace_id = ${ws} and id = ${record.id} and type_id = ${record.typeId}) as found,
        (select json_agg(e.entry order by e.id desc) from (
          select h.id, ${entryJsonSql(ws)} as entry from association_history h
          where ${sql.join(where, sql` and `)}
          order by h.id desc limit ${page.limit + 1}) e) as entries`),
  );
  const rows = row.entries;
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  return { found: row.found, entries: shown.map(toEntry), ...(more ? { next: shown.at(-1)!.id } : {}) };
}

/** The entries one transaction wrote (both directions, in the order written): what a revert answers. */
export async function entriesByTx(db: DbOrTx, workspaceId: string, txKey: number): Promise<HistoryEntry[]> {
  const rows = parseRows(
    'history: the entries of a transaction',
    z.object({ entry: entryRow }),
    await db.execute(sql`select ${entryJsonSql(workspaceId)} as entry from association_history h
      where h.workspace_id = ${workspaceId} and h.tx_key = ${txKey} order by h.id`),
  );
  return rows.map((r) => toEntry(r.entry));
}
