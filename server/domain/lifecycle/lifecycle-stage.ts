import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { hubspotPrimaryType } from '../../../shared/association-types.ts';
import { lifecycleRank } from '../../../shared/lifecycle.ts';
import { COMPANY, CONTACT } from '../../../shared/objects.ts';
import type { PropertiesInput } from '../../../shared/records.ts';
import type { Db, Tx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { records } from '../../db/schema/index.ts';
import type { WriteContext } from '../associations/write.ts';
import { recordChanged } from '../history/changes.ts';
import type { ObjectType } from '../object-types.ts';
import { batchUpdate, type BatchOutcome, batchUpsert, type UpsertInput, type UpsertOutcome } from '../record-batch.ts';
import { updateRecord } from '../record-writes.ts';
import { findRecords, getRecord, lookupKey, type RecordRow } from '../records.ts';

/** A company's lifecycle stage moved by the sync (source Job: record changes have no history table). */
export interface StageSync {
  companyId: number;
  from: string | null;
  to: string;
  source: 'JOB';
}

const STAGE = 'lifecyclestage';

/** Workspace settings as the auth context carries them (checked when they were saved). */
type Settings = Readonly<Record<string, unknown>>;

const syncOn = (settings: Settings) => settings.lifecycleStageSync === true;

/** The `x-lifecycle-stage-sync` header of an update: which companies the sync moved, `companies/12 lead->customer`. */
export function stageSyncHeader(syncs: StageSync[]): string {
  return syncs.map((s) => `companies/${s.companyId} ${s.from ?? '(none)'}->${s.to}`).join(', ');
}

const companyStageRow = z.object({ id: col.id, stage: col.textOrNull });

/**
 * R11: with `lifecycleStageSync` on, a contact whose lifecycle stage moved forward moves its
 * primary company forward to the same stage, never backward, and no other company. Stages outside
 * the progression (`other`, custom values) move nothing. Runs in the caller's transaction.
 */
export async function syncLifecycleStage(tx: Tx, workspaceId: string, settings: Settings, before: RecordRow | undefined, after: RecordRow): Promise<StageSync | null> {
  if (!syncOn(settings) || after.typeId !== CONTACT) return null;
  const stage = after.properties[STAGE] ?? null;
  const rank = lifecycleRank(stage);
  if (rank === undefined || rank <= (lifecycleRank(before?.properties[STAGE]) ?? -1)) return null;
  const primary = hubspotPrimaryType(CONTACT, COMPANY)!;
  const [company] = parseRows(
    'lifecycle stage: the primary company of a contact',
    companyStageRow,
    await tx.execute(sql`
      select r.id, r.properties->>${STAGE} as stage from associations a
      join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
      where a.workspace_id = ${workspaceId} and a.from_id = ${after.id} and a.type_id = ${primary.typeId}
      limit 1 for update of r`),
  );
  if (!company) return null;
  // a company at a stage outside the progression (other, a custom stage) is left alone
  const companyRank = company.stage ? lifecycleRank(company.stage) : -1;
  if (companyRank === undefined || companyRank >= rank) return null;
  const companyId = company.id;
  await tx
    .update(records)
    .set({ properties: sql`${records.properties} || ${JSON.stringify({ [STAGE]: stage!.trim().toLowerCase() })}::jsonb`, updatedAt: sql`now()` })
    .where(and(eq(records.workspaceId, workspaceId), eq(records.id, companyId)));
  await recordChanged(tx, workspaceId, 'UPDATED', [companyId], 'JOB');
  return { companyId, from: company.stage, to: stage!.trim().toLowerCase(), source: 'JOB' };
}

/** updateRecord, plus R11 when a contact's lifecycle stage is part of the update. */
export async function updateWithStageSync(
  tx: Tx,
  ctx: WriteContext,
  settings: Settings,
  type: ObjectType,
  key: string | number,
  input: PropertiesInput,
  options: { idProperty?: string | undefined } = {},
): Promise<{ row: RecordRow; stageSync: StageSync | null }> {
  if (type.typeId !== CONTACT || !syncOn(settings) || !(STAGE in input)) {
    return { row: await updateRecord(tx, ctx, type, key, input, options), stageSync: null };
  }
  const before = await getRecord(tx, ctx.workspaceId, type, key, options);
  const row = await updateRecord(tx, ctx, type, before.id, input);
  return { row, stageSync: await syncLifecycleStage(tx, ctx.workspaceId, settings, before, row) };
}

/** The records the inputs that touch the lifecycle stage name now, by id: what R11 compares the write with. */
async function stageTouched(db: Db, workspaceId: string, type: ObjectType, inputs: Array<{ id: string | number; properties: PropertiesInput; idProperty?: string | undefined }>): Promise<Map<number, RecordRow>> {
  const before = new Map<number, RecordRow>();
  for (const [idProperty, group] of Map.groupBy(inputs.filter((i) => STAGE in i.properties), (i) => i.idProperty ?? 'hs_object_id')) {
    const found = await findRecords(db, workspaceId, type, group.map((i) => i.id), { idProperty });
    for (const i of group) {
      const row = found.get(lookupKey(type, idProperty, i.id) ?? '');
      if (row) before.set(row.id, row);
    }
  }
  return before;
}

/** R11 for the updated contacts whose lifecycle stage moved forward, in one transaction after the write. */
function syncAll(db: Db, workspaceId: string, settings: Settings, before: Map<number, RecordRow>, rows: RecordRow[]): Promise<StageSync[]> {
  const changed = rows.filter((r) => before.has(r.id));
  if (changed.length === 0) return Promise.resolve([]);
  return db.transaction(async (tx) => {
    const out: StageSync[] = [];
    for (const row of changed) {
      const sync = await syncLifecycleStage(tx, workspaceId, settings, before.get(row.id), row);
      if (sync) out.push(sync);
    }
    return out;
  });
}

/** batchUpsert, plus R11 for the contacts it updated (not created) whose lifecycle stage moved forward: an upsert's update is an update. */
export async function batchUpsertWithStageSync(db: Db, ctx: WriteContext, settings: Settings, type: ObjectType, inputs: UpsertInput[]): Promise<UpsertOutcome & { stageSyncs: StageSync[] }> {
  if (type.typeId !== CONTACT || !syncOn(settings) || !inputs.some((i) => STAGE in i.properties)) return { ...(await batchUpsert(db, ctx, type, inputs)), stageSyncs: [] };
  const before = await stageTouched(db, ctx.workspaceId, type, inputs);
  const outcome = await batchUpsert(db, ctx, type, inputs);
  const updated = outcome.rows.filter((r) => !r.created).map((r) => r.row);
  return { ...outcome, stageSyncs: await syncAll(db, ctx.workspaceId, settings, before, updated) };
}

/** batchUpdate, plus R11 for the contacts whose lifecycle stage it moved forward (one transaction after). */
export async function batchUpdateWithStageSync(
  db: Db,
  ctx: WriteContext,
  settings: Settings,
  type: ObjectType,
  inputs: Array<{ id: string | number; properties: PropertiesInput; idProperty?: string | undefined }>,
): Promise<BatchOutcome & { stageSyncs: StageSync[] }> {
  if (type.typeId !== CONTACT || !syncOn(settings) || !inputs.some((i) => STAGE in i.properties)) return { ...(await batchUpdate(db, ctx, type, inputs)), stageSyncs: [] };
  const before = await stageTouched(db, ctx.workspaceId, type, inputs);
  const outcome = await batchUpdate(db, ctx, type, inputs);
  return { ...outcome, stageSyncs: await syncAll(db, ctx.workspaceId, settings, before, outcome.rows) };
}
