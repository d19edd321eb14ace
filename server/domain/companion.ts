import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { COMPANION_LIMITS, type ContactSummary, type OpenRecord } from '../../shared/companion.ts';
import { COMPANY, CONTACT, DEAL, TICKET } from '../../shared/objects.ts';
import { PIPELINE_OBJECTS, type PipelineObjectType } from '../../shared/pipelines.ts';
import type { DbOrTx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { openSql } from './lifecycle/open.ts';
import { idArray, runStatement } from '../db/prepared.ts';
import { loadStageIndex, stageLabel } from './pipelines.ts';
import { displayName } from './record-name.ts';

const linkedRecord = z.object({ id: col.id, properties: col.properties });
/** A linked record with the association's type ids from the contact (labels among them). */
const linkedWithTypes = linkedRecord.extend({ type_ids: z.array(z.number().int()) });

const summaryRow = z.object({
  id: col.id,
  properties: col.properties,
  primary_company: linkedRecord.nullable(),
  /** Associated records per object type id, counted. */
  counts: z.record(z.string(), z.number().int()).nullable(),
  open_deals: col.list(linkedWithTypes),
  open_tickets: col.list(linkedWithTypes),
  companies: col.list(linkedWithTypes),
});

/** The record under `alias` is live (not archived, not merged away). */
function live(alias: string): SQL {
  return sql.raw(`${alias}.archived_at is null and ${alias}.merged_into is null`);
}

/** The open deals or tickets of contact `c.id`, newest first (open: shared/pipelines.ts's isOpen). */
function topOpen(workspaceId: string, typeId: typeof DEAL | typeof TICKET): SQL {
  return sql`(select json_agg(json_build_object('id', o.id, 'properties', o.properties, 'type_ids', o.type_ids) order by o.created_at desc, o.id desc)
    from (select x.id, x.properties, x.created_at, e.type_ids
      from (select a.to_id, array_agg(a.type_id order by a.type_id) as type_ids from associations a
        where a.workspace_id = ${workspaceId} and a.from_id = c.id and a.to_type = ${typeId}
        group by a.to_id) e
      join records x on x.workspace_id = ${workspaceId} and x.id = e.to_id
      where ${live('x')} and ${openSql(workspaceId, typeId, 'x')}
      order by x.created_at desc, x.id desc
      limit ${COMPANION_LIMITS.topOpen}) o)`;
}

/**
 * What the companion shows of each contact (X2): primary company (R8), how many companies, deals
 * and tickets it has, and its newest open deals and tickets with their stage's label. One
 * statement for all the ids, and one read of the workspace's stages for the labels; ids that are
 * no live contact of the workspace are left out.
 */
export async function contactSummaries(db: DbOrTx, workspaceId: string, ids: readonly string[]): Promise<ContactSummary[]> {
  if (ids.length === 0) return [];
  // the labels' read and the statement need nothing of each other: a pool runs them side by side
  const [stages, result] = await Promise.all([
    loadStageIndex(db, workspaceId),
    runStatement(db, sql`
      select c.id, c.properties,
        (select json_build_object('id', pc.id, 'properties', pc.properties)
          from associations a join records pc on pc.workspace_id = a.workspace_id and pc.id = a.to_id
          where a.workspace_id = ${workspaceId} and a.from_id = c.id and a.to_type = ${COMPANY} and a.type_id = 1 and ${live('pc')}
          limit 1) as primary_company,
        (select json_object_agg(s.to_type, s.n)
          from (select a.to_type, count(distinct a.to_id)::int as n
            from associations a join records x on x.workspace_id = a.workspace_id and x.id = a.to_id
            where a.workspace_id = ${workspaceId} and a.from_id = c.id and a.to_type in (${COMPANY}, ${DEAL}, ${TICKET}) and ${live('x')}
            group by a.to_type) s) as counts,
        ${topOpen(workspaceId, DEAL)} as open_deals,
        ${topOpen(workspaceId, TICKET)} as open_tickets,
        (select json_agg(json_build_object('id', k.id, 'properties', k.properties, 'type_ids', k.type_ids) order by (1 = any(k.type_ids)) desc, k.id)
          from (select x.id, x.properties, array_agg(a.type_id order by a.type_id) as type_ids
            from associations a join records x on x.workspace_id = a.workspace_id and x.id = a.to_id
            where a.workspace_id = ${workspaceId} and a.from_id = c.id and a.to_type = ${COMPANY} and ${live('x')}
            group by x.id, x.properties
            order by bool_or(a.type_id = 1) desc, x.id
            limit ${COMPANION_LIMITS.companies}) k) as companies
      from records c
      where c.workspace_id = ${workspaceId} and c.type_id = ${CONTACT} and c.id = any(${idArray(ids)}::bigint[]) and ${live('c')}
      order by c.id`),
  ]);
  const openRecord = (typeId: PipelineObjectType, r: z.output<typeof linkedWithTypes>): OpenRecord => {
    const stage = r.properties[PIPELINE_OBJECTS[typeId].stageProperty] ?? null;
    return { id: String(r.id), name: displayName(typeId, r.properties) ?? String(r.id), stage, stageLabel: stageLabel(stages, typeId, stage), typeIds: r.type_ids };
  };
  return parseRows('companion: contact summaries', summaryRow, result).map((row) => ({
    id: String(row.id),
    name: displayName(CONTACT, row.properties) ?? String(row.id),
    email: row.properties.email ?? null,
    primaryCompany: row.primary_company ? { id: String(row.primary_company.id), name: displayName(COMPANY, row.primary_company.properties) ?? String(row.primary_company.id) } : null,
    counts: { companies: row.counts?.[COMPANY] ?? 0, deals: row.counts?.[DEAL] ?? 0, tickets: row.counts?.[TICKET] ?? 0 },
    openDeals: row.open_deals.map((d) => openRecord(DEAL, d)),
    openTickets: row.open_tickets.map((t) => openRecord(TICKET, t)),
    companies: row.companies.map((k) => ({ id: String(k.id), name: displayName(COMPANY, k.properties) ?? String(k.id), primary: k.type_ids.includes(1), typeIds: k.type_ids })),
  }));
}
