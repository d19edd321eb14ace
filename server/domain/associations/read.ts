import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import { findType } from '../association-types.ts';

export interface AssociatedRecord {
  toObjectId: number;
  associationTypes: Array<{ category: string; typeId: number; label: string | null }>;
}

const idRow = z.object({ id: col.id });
const pairRow = z.object({ to_id: col.id, type_ids: z.array(col.id) });

/** One page of a record's associations with one object type, ordered by id (500 at most). */
export async function listAssociations(
  tx: DbOrTx,
  workspaceId: string,
  from: { type: string; id: number },
  toType: string,
  page: { limit: number; after?: number },
): Promise<{ results: AssociatedRecord[]; next?: number }> {
  // a merged record's id reads as its survivor's (merges may chain)
  const [found] = parseRows(
    'associations: the live record an id stands for',
    idRow,
    await tx.execute(sql`
      with recursive chain(id, merged_into, archived_at, depth) as (
        select id, merged_into, archived_at, 0 from records where workspace_id = ${workspaceId} and id = ${from.id} and type_id = ${from.type}
        union all
        select r.id, r.merged_into, r.archived_at, c.depth + 1 from records r join chain c on r.workspace_id = ${workspaceId} and r.id = c.merged_into where c.depth < 20)
      select id from chain where merged_into is null and archived_at is null limit 1`),
  );
  if (!found) throw new ApiError('NOT_FOUND', `No ${from.type} record with id ${from.id}`, { errors: [{ message: 'record not found', in: 'path:objectId' }] });
  const rows = parseRows(
    'associations: a page of associated records',
    pairRow,
    await tx.execute(sql`
      select to_id, json_agg(type_id order by type_id) as type_ids from associations
      where workspace_id = ${workspaceId} and from_id = ${found.id} and to_type = ${toType} and to_id > ${page.after ?? 0}
      group by to_id order by to_id limit ${page.limit + 1}`),
  );
  const more = rows.length > page.limit;
  const results: AssociatedRecord[] = [];
  for (const r of rows.slice(0, page.limit)) {
    const typesOut = [];
    for (const id of r.type_ids) {
      const t = await findType(tx, workspaceId, id);
      if (t) typesOut.push({ category: t.category, typeId: t.typeId, label: t.label });
    }
    results.push({ toObjectId: r.to_id, associationTypes: typesOut });
  }
  return { results, ...(more ? { next: results.at(-1)!.toObjectId } : {}) };
}
