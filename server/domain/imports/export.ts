import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { idArray } from '../../db/prepared.ts';
import { col, parseRows } from '../../db/rows.ts';
import { typesBetween } from '../association-types.ts';
import type { ObjectType } from '../object-types.ts';

const keyRow = z.object({ k: col.text });
const recordRow = z.object({ id: col.id, properties: col.properties });
const linkedRow = z.object({ from_id: col.id, to_id: col.id, type_ids: z.array(col.id), properties: col.properties });

/** A CSV cell as RFC 4180 writes it (quoted when it must be); the value itself is never changed. */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Records of one type as CSV that the importer reads back unchanged: `<type>.hs_object_id` and
 * every property as `<type>.<property>`; with `withType`, one row per associated record of that
 * type, its id and properties, and the association's labels (`association_label`, `;`-separated,
 * `Primary` included). Records without such associations get one row with those columns empty.
 * Streams: pages of 500 records.
 */
export async function* exportCsv(db: DbOrTx, workspaceId: string, type: ObjectType, withType?: ObjectType): AsyncGenerator<string> {
  const keysOf = async (t: ObjectType) =>
    parseRows(
      'export: property names',
      keyRow,
      await db.execute(sql`select distinct jsonb_object_keys(properties) as k from records where workspace_id = ${workspaceId} and type_id = ${t.typeId} and archived_at is null and merged_into is null order by 1`),
    ).map((r) => r.k);
  const mainKeys = await keysOf(type);
  const withKeys = withType ? await keysOf(withType) : [];
  const header = [`${type.name}.hs_object_id`, ...mainKeys.map((k) => `${type.name}.${k}`)];
  if (withType) header.push(`${withType.name}.hs_object_id`, ...withKeys.map((k) => `${withType.name}.${k}`), 'association_label');
  yield `${header.map(cell).join(',')}\r\n`;
  const labels = new Map<number, string | null>();
  if (withType) for (const t of await typesBetween(db, workspaceId, type.typeId, withType.typeId)) labels.set(t.typeId, t.label);
  let after = 0;
  for (;;) {
    const page = parseRows(
      'export: a page of records',
      recordRow,
      await db.execute(sql`select id, properties from records where workspace_id = ${workspaceId} and type_id = ${type.typeId} and archived_at is null and merged_into is null and id > ${after} order by id limit 500`),
    );
    if (page.length === 0) return;
    after = page.at(-1)!.id;
    const linked = new Map<number, Array<{ id: number; properties: Record<string, string | null>; typeIds: number[] }>>();
    if (withType) {
      const ids = idArray(page.map((r) => r.id));
      const rows = parseRows(
        'export: associated records of a page',
        linkedRow,
        await db.execute(sql`
          select a.from_id, a.to_id, array_agg(a.type_id order by a.type_id) as type_ids, r.properties
          from associations a join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
          where a.workspace_id = ${workspaceId} and a.from_id = any(${ids}::bigint[]) and a.to_type = ${withType.typeId} and r.archived_at is null and r.merged_into is null
          group by a.from_id, a.to_id, r.properties order by a.from_id, a.to_id`),
      );
      for (const r of rows) linked.set(r.from_id, [...(linked.get(r.from_id) ?? []), { id: r.to_id, properties: r.properties, typeIds: r.type_ids }]);
    }
    let out = '';
    for (const record of page) {
      const own = [String(record.id), ...mainKeys.map((k) => record.properties[k] ?? '')];
      const others = linked.get(record.id) ?? [];
      if (!withType) out += `${own.map(cell).join(',')}\r\n`;
      else if (others.length === 0) out += `${[...own, '', ...withKeys.map(() => ''), ''].map(cell).join(',')}\r\n`;
      else {
        for (const o of others) {
          const names = o.typeIds.map((id) => labels.get(id)).filter((l): l is string => typeof l === 'string');
          out += `${[...own, String(o.id), ...withKeys.map((k) => o.properties[k] ?? ''), names.join(';')].map(cell).join(',')}\r\n`;
        }
      }
    }
    yield out;
  }
}
