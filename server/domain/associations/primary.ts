import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { hubspotPrimaryType } from '../../../shared/association-types.ts';
import { COMPANY, CONTACT } from '../../../shared/objects.ts';
import type { Tx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import { defaultType } from '../association-types.ts';
import { nameOf, recordNameSql } from '../record-name.ts';
import { type Edge, type HistoryRow, type WriteContext, writeEdges } from './write.ts';

// The primary company after a company goes (R8, R15): the successor a caller names, or, after
// records were archived, merged or restored, the newest company left.

const otherCompanyRow = z.object({ to_id: col.id, properties: col.properties });
const recordRow = z.object({ id: col.id, type_id: col.text, properties: col.properties });

/**
 * Handles losing a primary company: a contact with other companies needs a named successor
 * (R8, R15), a contact with one company cannot lose its primary label, and the successor must be
 * one of its companies. Returns the edges and history to add for the successor.
 */
export async function successorFor(
  tx: Tx,
  ctx: WriteContext,
  record: { id: number; type: string },
  losingCompanyId: number,
  removingAssociation: boolean,
  newPrimaryCompanyId: number | undefined,
): Promise<{ adds: Edge[]; history: HistoryRow[] }> {
  const ws = ctx.workspaceId;
  const primary = hubspotPrimaryType(record.type, COMPANY)!;
  const def = await defaultType(tx, ws, record.type, COMPANY);
  const others = parseRows(
    'associations: other companies of a record',
    otherCompanyRow,
    await tx.execute(sql`
      select a.to_id, r.properties from associations a join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
      where a.workspace_id = ${ws} and a.from_id = ${record.id} and a.to_type = ${COMPANY} and a.type_id = ${def.typeId} and a.to_id <> ${losingCompanyId}`),
  );
  if (newPrimaryCompanyId === undefined) {
    if (record.type !== CONTACT) return { adds: [], history: [] };
    if (!removingAssociation) {
      throw new ApiError('PRIMARY_COMPANY_REQUIRED', others.length === 0
        ? `Company ${losingCompanyId} is the only company of contact ${record.id} and must stay its primary (R8)`
        : `Contact ${record.id} has other companies: name the new primary with newPrimaryCompanyId (one of ${others.map((o) => o.to_id).join(', ')})`, {
        errors: [{ message: 'a contact with companies keeps exactly one primary', in: 'newPrimaryCompanyId' }],
      });
    }
    if (others.length === 0) return { adds: [], history: [] };
    throw new ApiError('PRIMARY_COMPANY_REQUIRED', `Company ${losingCompanyId} is the primary company of contact ${record.id}, which has other companies: name the new primary with newPrimaryCompanyId (one of ${others.map((o) => o.to_id).join(', ')})`, {
      errors: [{ message: 'a new primary company must be chosen', in: 'newPrimaryCompanyId' }],
    });
  }
  const next = others.find((o) => o.to_id === newPrimaryCompanyId);
  if (!next) {
    throw new ApiError('NEW_PRIMARY_INVALID', `Company ${newPrimaryCompanyId} is not another company of ${record.type} ${record.id}`, {
      errors: [{ message: 'must be one of the remaining associated companies', in: 'newPrimaryCompanyId' }],
    });
  }
  const company = { id: next.to_id, type: COMPANY };
  const [rec] = parseRows('associations: the record losing its primary', recordRow, await tx.execute(sql`select id, type_id, properties from records where workspace_id = ${ws} and id = ${record.id}`));
  const companyName = await nameOf(tx, ws, { type_id: COMPANY, properties: next.properties });
  const recordName = rec ? await nameOf(tx, ws, rec) : null;
  const adds: Edge[] = [
    { fromId: record.id, fromType: record.type, toId: company.id, toType: COMPANY, typeId: primary.typeId },
    { fromId: company.id, fromType: COMPANY, toId: record.id, toType: record.type, typeId: primary.inverseTypeId },
  ];
  return {
    adds,
    history: [
      { ...adds[0]!, action: 'PRIMARY_SET', toName: companyName, label: primary.label, detail: `replaces company ${losingCompanyId}` },
      { ...adds[1]!, action: 'PRIMARY_SET', toName: recordName, label: primary.label, detail: `replaces company ${losingCompanyId}` },
    ],
  };
}

const newestCompanyRow = z.object({ contact_id: col.id, company_id: col.id, company_name: col.textOrNull, contact_name: col.textOrNull });

/**
 * R8 after records came back or went: every contact among `ids` that has companies but no primary
 * gets its most recently associated company as primary, recorded with the caller's source and
 * `detail(contactId)` as the history entry's detail.
 */
export async function ensurePrimaryCompanies(tx: Tx, ctx: WriteContext, ids: number[], detail: (contactId: number) => string = () => 'newest company becomes primary (R8)'): Promise<void> {
  if (ids.length === 0) return;
  const primary = hubspotPrimaryType(CONTACT, COMPANY)!;
  const def = await defaultType(tx, ctx.workspaceId, CONTACT, COMPANY);
  const ws = ctx.workspaceId;
  const rows = parseRows(
    'associations: newest company of contacts without a primary',
    newestCompanyRow,
    await tx.execute(sql`
      select c.id as contact_id, n.to_id as company_id, ${recordNameSql(ws, 'co')} as company_name, ${recordNameSql(ws, 'c')} as contact_name
      from records c
      cross join lateral (
        select a.to_id from associations a where a.workspace_id = ${ws} and a.from_id = c.id and a.to_type = ${COMPANY} and a.type_id = ${def.typeId}
        order by a.created_at desc, a.to_id desc limit 1) n
      join records co on co.workspace_id = ${ws} and co.id = n.to_id
      where c.workspace_id = ${ws} and c.type_id = ${CONTACT} and c.id in (${sql.join([...new Set(ids)].map((id) => sql`${id}::bigint`), sql`, `)})
        and not exists (select 1 from associations p where p.workspace_id = ${ws} and p.from_id = c.id and p.type_id = ${primary.typeId})`),
  );
  const adds: Edge[] = [];
  const history: HistoryRow[] = [];
  for (const r of rows) {
    const e1: Edge = { fromId: r.contact_id, fromType: CONTACT, toId: r.company_id, toType: COMPANY, typeId: primary.typeId };
    const e2: Edge = { fromId: r.company_id, fromType: COMPANY, toId: r.contact_id, toType: CONTACT, typeId: primary.inverseTypeId };
    adds.push(e1, e2);
    const why = detail(r.contact_id);
    history.push({ ...e1, action: 'PRIMARY_SET', toName: r.company_name, label: primary.label, detail: why }, { ...e2, action: 'PRIMARY_SET', toName: r.contact_name, label: primary.label, detail: why });
  }
  await writeEdges(tx, ctx, [], adds, history);
}
