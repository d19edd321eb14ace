import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { COMPANY } from '../../../shared/objects.ts';
import type { Plan } from '../../../shared/plans.ts';
import type { Db, Tx } from '../../db/client.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';
import { transaction } from '../../db/transaction.ts';
import { importJobs } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { lockAround } from '../associations/locks.ts';
import { removeAssociation, removeLabels } from '../associations/rules.ts';
import type { WriteContext } from '../associations/write.ts';
import { recordChanged } from '../history/changes.ts';
import { objectTypeById } from '../object-types.ts';
import { archiveRecords, isUniqueViolation, setProperties } from '../records.ts';
import { getJob } from './jobs.ts';

const createdRow = z.object({ id: col.id, type_id: col.text });
const entryRow = z.object({ action: col.text, from_type: col.text, from_id: col.id, to_type: col.text, to_id: col.id, type_id: col.id });
type Entry = z.output<typeof entryRow>;
const updatedRow = z.object({ record_id: col.id });
const countRow = z.object({ n: col.id });
const companyRow = z.object({ to_id: col.id });
const changedRow = z.object({ id: col.id, properties: col.properties, before: col.properties, after: col.properties });

/**
 * Undoes an import (B1), in one transaction: associations it made between records that were there
 * before are removed, labels it added to associations that were there before are taken off (both
 * recorded with source IMPORT and the import's id), and the records it created are archived (their
 * associations go with source Object deletion, and they stay restorable for 90 days). A contact
 * that loses its primary company this way gets back the one the import replaced, or its oldest
 * remaining company (R8). Property values the import changed on records that were there before
 * get their earlier values back, except where someone changed them since (see `putBack`).
 */
export async function undoImport(db: Db, params: { workspaceId: string; plan: Plan }, id: string): Promise<void> {
  const ws = params.workspaceId;
  await transaction(db, async (tx) => {
    const job = await getJob(tx, ws, id, 'import', { lock: true });
    if (job.state !== 'done' && job.state !== 'failed') {
      throw new ApiError('IMPORT_NOT_UNDOABLE', job.state === 'undone' ? `Import ${id} was undone already` : `Import ${id} is ${job.state}: undo it once it is done`, { errors: [{ message: `state ${job.state}`, in: 'path:id' }] });
    }
    const ctx: WriteContext = { workspaceId: ws, plan: params.plan, actor: { source: 'IMPORT', sourceId: id } };
    const created = parseRows(
      'undo: records the import created',
      createdRow,
      await tx.execute(sql`select r.id, r.type_id from import_records i join records r on r.workspace_id = i.workspace_id and r.id = i.record_id
        where i.workspace_id = ${ws} and i.import_id = ${id} and i.action = 'CREATED' order by r.id`),
    );
    const createdIds = new Set(created.map((r) => r.id));
    const entries = parseRows(
      'undo: association history of the import',
      entryRow,
      await tx.execute(sql`select action, from_type, from_id, to_type, to_id, type_id from association_history
        where workspace_id = ${ws} and source_id = ${id} and source in ('IMPORT', 'AUTO_DOMAIN') order by id`),
    );
    // every record the undo may write, and their neighbours (successor companies, edges of the
    // records it archives), locked at once in the one lock order before the first write
    const updated = parseRows(
      'undo: records the import updated',
      updatedRow,
      await tx.execute(sql`select record_id from import_records where workspace_id = ${ws} and import_id = ${id} and action = 'UPDATED'`),
    ).map((r) => r.record_id);
    const touched = [...new Set([...createdIds, ...updated, ...entries.flatMap((e) => [e.from_id, e.to_id])])];
    await lockAround(tx, ws, touched, touched);
    const ofKept = entries.filter((e) => !createdIds.has(e.from_id) && !createdIds.has(e.to_id));
    const pairKey = (e: Entry) => (e.from_id < e.to_id ? `${e.from_id}:${e.to_id}` : `${e.to_id}:${e.from_id}`);
    const made = new Map<string, Entry>();
    for (const e of ofKept) if (e.action === 'CREATED' && !made.has(pairKey(e))) made.set(pairKey(e), e.to_type === COMPANY || e.from_type !== COMPANY ? e : { ...e, from_id: e.to_id, from_type: e.to_type, to_id: e.from_id, to_type: e.from_type });
    // primaries the import took away: they come back when the new one goes
    const replaced = new Map<number, number>();
    for (const e of ofKept) if (e.action === 'PRIMARY_UNSET' && e.to_type === COMPANY) replaced.set(e.from_id, e.to_id);

    for (const e of made.values()) {
      const still = parseRow('undo: edges of a pair', countRow, await tx.execute(sql`select count(*)::int as n from associations where workspace_id = ${ws} and from_id = ${e.from_id} and to_id = ${e.to_id}`));
      if (still.n === 0) continue;
      await removeWithSuccessor(tx, ctx, e, replaced.get(e.from_id));
    }
    for (const e of ofKept) {
      if (e.action !== 'LABEL_ADDED' || made.has(pairKey(e))) continue;
      const still = parseRow('undo: a labeled edge', countRow, await tx.execute(sql`select count(*)::int as n from associations where workspace_id = ${ws} and from_id = ${e.from_id} and to_id = ${e.to_id} and type_id = ${e.type_id}`));
      if (still.n === 0) continue;
      await removeLabels(tx, ctx, { fromType: e.from_type, fromId: e.from_id, toType: e.to_type, toId: e.to_id, typeIds: [e.type_id] });
    }
    await restoreValues(tx, ws, id);
    const byType = Map.groupBy(created, (r) => r.type_id);
    for (const [typeId, rows] of byType) {
      const type = await objectTypeById(tx, ws, typeId);
      await archiveRecords(tx, ws, type, rows.map((r) => r.id));
    }
    await tx.update(importJobs).set({ state: 'undone', undoneAt: sql`now()` }).where(and(eq(importJobs.workspaceId, ws), eq(importJobs.id, id)));
  });
}

/** Removes one association; a primary company that goes hands over to `previous` or the oldest other company. */
async function removeWithSuccessor(tx: Tx, ctx: WriteContext, e: Entry, previous: number | undefined): Promise<void> {
  try {
    await tx.transaction((sp) => removeAssociation(sp as Tx, ctx, { fromType: e.from_type, fromId: e.from_id, toType: e.to_type, toId: e.to_id }));
    return;
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'PRIMARY_COMPANY_REQUIRED') throw err;
  }
  const others = parseRows(
    'undo: the next primary company',
    companyRow,
    await tx.execute(sql`select a.to_id from associations a join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
      where a.workspace_id = ${ctx.workspaceId} and a.from_id = ${e.from_id} and a.to_type = ${COMPANY} and a.to_id <> ${e.to_id}
      group by a.to_id, r.created_at order by (a.to_id = ${previous ?? 0}) desc, r.created_at, a.to_id limit 1`),
  );
  const next = others[0]?.to_id;
  await removeAssociation(tx, ctx, { fromType: e.from_type, fromId: e.from_id, toType: e.to_type, toId: e.to_id, ...(next !== undefined ? { newPrimaryCompanyId: next } : {}) });
}

type Values = Record<string, string | null>;

/**
 * A record's properties with an import's changes taken back: every property the import changed
 * (from `before` to `after`) gets its `before` value, unless its value is no longer `after`
 * (someone changed it since: theirs stays). Null when nothing is to be put back.
 */
export function putBack(current: Values, before: Values, after: Values): Values | null {
  const out = { ...current };
  let changed = false;
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[k] ?? null;
    const wrote = after[k] ?? null;
    if (was === wrote || (current[k] ?? null) !== wrote) continue;
    if (was === null) delete out[k];
    else out[k] = was;
    changed = true;
  }
  return changed ? out : null;
}

/** Puts back the property values an import changed on records that were there before it (live ones). */
async function restoreValues(tx: Tx, ws: string, importId: string): Promise<void> {
  const rows = parseRows(
    'undo: values the import changed',
    changedRow,
    await tx.execute(sql`select r.id, r.properties, i.before, i.after from import_records i
      join records r on r.workspace_id = i.workspace_id and r.id = i.record_id
      where i.workspace_id = ${ws} and i.import_id = ${importId} and i.action = 'UPDATED' and i.before is not null and i.after is not null
        and r.archived_at is null and r.merged_into is null order by r.id`),
  );
  const list = rows.flatMap((r) => {
    const properties = putBack(r.properties, r.before, r.after);
    return properties ? [{ id: r.id, properties }] : [];
  });
  if (list.length === 0) return;
  try {
    await tx.transaction((sp) => setProperties(sp, ws, list));
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // an email put back belongs to another contact by now: that contact keeps it, this one keeps its current email
    const currentEmail = new Map(rows.map((r) => [r.id, r.properties.email]));
    for (const item of list) {
      try {
        await tx.transaction((sp) => setProperties(sp, ws, [item]));
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const email = currentEmail.get(item.id);
        await setProperties(tx, ws, [{ id: item.id, properties: { ...item.properties, ...(email === undefined ? {} : { email }) } }]);
      }
    }
  }
  await recordChanged(tx, ws, 'UPDATED', list.map((x) => x.id), 'IMPORT');
}
