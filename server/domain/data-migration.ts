import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { HUBSPOT_DEFINED_TYPES } from '../../shared/association-types.ts';
import type { Plan } from '../../shared/plans.ts';
import type { Db, Tx } from '../db/client.ts';
import { col, parseRow } from '../db/rows.ts';
import { toApiError } from '../errors.ts';
import { associate } from './associations/rules.ts';
import { resolveObjectType } from './object-types.ts';
import { recordNameSql } from './record-name.ts';

/** One line of a data-migration file: `fromObjectType,fromObjectId,toObjectType,toObjectId,associationTypeIds`. */
const migrationLine = z.object({
  fromObjectType: z.string().min(1).max(100),
  fromObjectId: z.coerce.number().int().positive(),
  toObjectType: z.string().min(1).max(100),
  toObjectId: z.coerce.number().int().positive(),
  associationTypeIds: z.array(z.coerce.number().int().positive()).max(60),
});

export const MIGRATION_HEADER = 'fromObjectType,fromObjectId,toObjectType,toObjectId,associationTypeIds';

export interface MigrationRefusal {
  line: number;
  code: string;
  message: string;
}

/**
 * A data migration: associations brought over from another system, each through the same rules
 * as any write (both directions, primary company, limits), recorded with source Migration and the
 * migration's id. Lines are applied in chunks, each line in its own savepoint: a refused line is
 * reported with its number and reason, and the good lines still land.
 */
export async function migrateAssociations(
  db: Db,
  params: { workspaceId: string; plan: Plan; migrationId: string },
  lines: AsyncIterable<string>,
  chunkSize = 500,
): Promise<{ applied: number; refused: MigrationRefusal[] }> {
  const ctx = { workspaceId: params.workspaceId, plan: params.plan, actor: { source: 'MIGRATION' as const, sourceId: params.migrationId } };
  const refused: MigrationRefusal[] = [];
  let applied = 0;
  let lineNo = 0;
  let chunk: Array<{ line: number; text: string }> = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const batch = chunk;
    chunk = [];
    await db.transaction(async (tx) => {
      for (const { line, text } of batch) {
        const [fromObjectType, fromObjectId, toObjectType, toObjectId, typeIds = ''] = text.split(',').map((f) => f.trim());
        const parsed = migrationLine.safeParse({
          fromObjectType, fromObjectId, toObjectType, toObjectId,
          associationTypeIds: typeIds === '' ? [] : typeIds.split(/[;|]/),
        });
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          refused.push({ line, code: 'VALIDATION_ERROR', message: `${issue.path.join('.') || 'line'}: ${issue.message}` });
          continue;
        }
        const p = parsed.data;
        try {
          await tx.transaction(async (sp) => {
            const from = await resolveObjectType(sp, ctx.workspaceId, p.fromObjectType);
            const to = await resolveObjectType(sp, ctx.workspaceId, p.toObjectType);
            await associate(sp as Tx, ctx, { fromType: from.typeId, fromId: p.fromObjectId, toType: to.typeId, toId: p.toObjectId, typeIds: p.associationTypeIds });
          });
          applied++;
        } catch (err) {
          const e = toApiError(err);
          if (e.code === 'INTERNAL') throw err;
          refused.push({ line, code: e.code, message: e.message });
        }
      }
    });
  };
  for await (const raw of lines) {
    lineNo++;
    const text = raw.replace(/^\uFEFF/, '').trim();
    if (text === '' || (lineNo === 1 && text.replace(/\s/g, '') === MIGRATION_HEADER)) continue;
    chunk.push({ line: lineNo, text });
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  return { applied, refused };
}

/**
 * Associations that have no history at all (bulk-loaded, or restored from a dump of an older
 * version) get entries for what they hold now, with source Unknown: the history then replays to
 * the live state again. Returns the number of entries written.
 */
export async function backfillHistory(db: Db, workspaceId: string): Promise<number> {
  const defaults = HUBSPOT_DEFINED_TYPES.filter((t) => t.label === null).map((t) => t.typeId);
  const primaries = HUBSPOT_DEFINED_TYPES.filter((t) => t.primary).map((t) => t.typeId);
  const list = (ids: number[]) => sql.join(ids.map((id) => sql`${id}::int`), sql`, `);
  const { n } = parseRow(
    'data migration: backfill history',
    z.object({ n: col.id }),
    await db.execute(sql`
      with orphan as (
        select a.from_id, a.from_type, a.to_id, a.to_type, a.type_id, a.created_at from associations a
        where a.workspace_id = ${workspaceId} and not exists (
          select 1 from association_history h where h.workspace_id = a.workspace_id and h.from_id = a.from_id and h.to_id = a.to_id)),
      ins as (
        insert into association_history (workspace_id, occurred_at, action, source, from_type, from_id, to_type, to_id, to_name, type_id, label, detail)
        select ${workspaceId}, o.created_at,
          case when o.type_id in (${list(defaults)}) or t.type_id is not null and t.label is null then 'CREATED'
               when o.type_id in (${list(primaries)}) then 'PRIMARY_SET' else 'LABEL_ADDED' end,
          'UNKNOWN', o.from_type, o.from_id, o.to_type, o.to_id,
          ${recordNameSql(workspaceId, 'r')},
          o.type_id, case when o.type_id in (${list(primaries)}) then 'Primary' else t.label end, 'history backfilled'
        from orphan o
        left join association_types t on t.workspace_id = ${workspaceId} and t.type_id = o.type_id
        left join records r on r.workspace_id = ${workspaceId} and r.id = o.to_id
        order by o.from_id, o.to_id, (o.type_id in (${list(defaults)}) or (t.type_id is not null and t.label is null)) desc, o.type_id
        returning 1)
      select count(*)::int as n from ins`),
  );
  return n;
}
