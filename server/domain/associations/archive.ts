import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { hubspotPrimaryType } from '../../../shared/association-types.ts';
import { COMPANY, CONTACT } from '../../../shared/objects.ts';
import type { Tx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { defaultType } from '../association-types.ts';
import { recordNameSql } from '../record-name.ts';
import { ensurePrimaryCompanies } from './primary.ts';
import { type HistoryRow, type WriteContext, writeEdges } from './write.ts';

const goneRow = z.object({ from_id: col.id, from_type: col.text, to_id: col.id, to_type: col.text, type_id: col.id, name: col.textOrNull });

/**
 * Records are archived: every association they have goes, both directions, recorded with source
 * Object deletion. A contact whose primary company was archived gets its most recently
 * associated remaining company as primary (R8), recorded with the same source.
 */
export async function dropAssociationsOfArchived(tx: Tx, workspaceId: string, archived: Array<{ id: number; type: string }>): Promise<number> {
  if (archived.length === 0) return 0;
  const ws = workspaceId;
  const ids = sql.join(archived.map((r) => sql`${r.id}::bigint`), sql`, `);
  const gone = parseRows(
    'associations: edges of archived records',
    goneRow,
    await tx.execute(sql`
      with gone as (
        delete from associations where workspace_id = ${ws} and (from_id in (${ids})
          or (to_id in (${ids}) and from_id in (select to_id from associations where workspace_id = ${ws} and from_id in (${ids}))))
        returning from_id, from_type, to_id, to_type, type_id)
      select g.from_id, g.from_type, g.to_id, g.to_type, g.type_id, ${recordNameSql(ws, 'r')} as name
      from gone g left join records r on r.workspace_id = ${ws} and r.id = g.to_id`),
  );
  if (gone.length === 0) return 0;
  const archivedIds = new Set(archived.map((r) => r.id));
  const byId = new Map(archived.map((r) => [r.id, r]));
  const history: HistoryRow[] = [];
  for (const g of gone) {
    const def = await defaultType(tx, ws, g.from_type, g.to_type);
    if (g.type_id !== def.typeId) continue;
    const cause = byId.get(archivedIds.has(g.from_id) ? g.from_id : g.to_id)!;
    history.push({ fromId: g.from_id, fromType: g.from_type, toId: g.to_id, toType: g.to_type, typeId: g.type_id, action: 'DELETED', toName: g.name, label: null, detail: `${cause.type} ${cause.id} archived` });
  }
  // plan is not consulted when history is written
  const ctx: WriteContext = { workspaceId: ws, plan: 'enterprise', actor: { source: 'OBJECT_DELETION' } };
  await writeEdges(tx, ctx, [], [], history);
  // contacts (still live) that lost their primary company to this archive: the newest company left becomes primary
  const primaryId = hubspotPrimaryType(CONTACT, COMPANY)!.typeId;
  const lostPrimary = new Map(gone.filter((g) => g.from_type === CONTACT && archivedIds.has(g.to_id) && !archivedIds.has(g.from_id) && g.type_id === primaryId).map((g) => [g.from_id, g.to_id]));
  await ensurePrimaryCompanies(tx, ctx, [...lostPrimary.keys()], (contactId) => `primary company ${lostPrimary.get(contactId)} archived`);
  return gone.length;
}
