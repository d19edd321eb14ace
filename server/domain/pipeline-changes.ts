import { and, asc, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { DEAL } from '../../shared/objects.ts';
import {
  PIPELINE_LIMITS,
  PIPELINE_OBJECTS,
  type PipelineAuditInfo,
  type PipelineInput,
  type PipelineObjectType,
  type PipelinePatchInput,
  type PipelineReplaceInput,
  type PipelineStageView,
  type PipelineView,
  type StageInput,
  type StageMetadataInput,
  type StagePatchInput,
  type StageReplaceInput,
} from '../../shared/pipelines.ts';
import type { DbOrTx, Tx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { pipelines, pipelineStages, records } from '../db/schema/index.ts';
import { transaction } from '../db/transaction.ts';
import type { Auth } from '../env.ts';
import { ApiError, type ErrorDetail } from '../errors.ts';
import { type AuditInput, readAudit, recordAudit } from './audit.ts';
import { findPipeline, findStage, type PipelineRow, pipelineView, stageMetadata, stagesOf, type StageRow, stageView } from './pipelines.ts';

// Changes to pipelines and stages (admins): each runs in one transaction with its audit entries.
// Every change to a pipeline's stages holds that pipeline's row lock, and every change that
// decides about labels or the number of pipelines holds the row locks of all pipelines of the
// type, so the checks below (unique labels, at least one stage, at least one pipeline, nothing in
// use) hold when the change commits.

const typeName = (objectType: PipelineObjectType) => PIPELINE_OBJECTS[objectType].name;

function invalid(problems: ErrorDetail[]): never {
  const first = problems[0]!;
  throw new ApiError('VALIDATION_ERROR', `Invalid input: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`, { errors: problems });
}

const conflict = (message: string, detail: ErrorDetail) => new ApiError('CONFLICT', message, { errors: [detail] });

// ---------------------------------------------------------------------------------------------
// Stage metadata

/** What a stage stores of its metadata. */
interface StoredMetadata {
  probability: string | null;
  closed: boolean;
}

const asText = (v: string | number | boolean) => String(v).trim();

/** HubSpot writes probabilities with at least one decimal: `0.2`, `1.0`, `0.0`. */
function probabilityText(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/**
 * A stage's metadata input, checked for its object type, as stored; what is wrong goes to
 * `problems`. Deals need `probability` (0.0–1.0) and may say `isClosed`; tickets may say
 * `ticketState` (OPEN/CLOSED) and `isClosed`, which must agree.
 */
function checkedMetadata(objectType: PipelineObjectType, metadata: StageMetadataInput, at: string, problems: ErrorDetail[]): StoredMetadata {
  const allowed = objectType === DEAL ? ['probability', 'isClosed'] : ['ticketState', 'isClosed'];
  for (const key of Object.keys(metadata)) {
    if (!allowed.includes(key)) problems.push({ message: `${typeName(objectType)} stages take ${allowed.join(' and ')} in metadata, not ${key}`, in: `${at}metadata.${key}` });
  }
  let closed: boolean | undefined;
  if (metadata.isClosed !== undefined) {
    const v = asText(metadata.isClosed).toLowerCase();
    if (v === 'true' || v === 'false') closed = v === 'true';
    else problems.push({ message: 'isClosed must be true or false', in: `${at}metadata.isClosed` });
  }
  let probability: string | null = null;
  if (objectType === DEAL) {
    if (metadata.probability === undefined) problems.push({ message: 'deal stages need metadata.probability, from 0.0 to 1.0', in: `${at}metadata.probability` });
    else {
      const text = asText(metadata.probability);
      const n = Number(text);
      if (text === '' || !Number.isFinite(n) || n < 0 || n > 1) problems.push({ message: 'probability must be a number from 0.0 to 1.0', in: `${at}metadata.probability` });
      else probability = probabilityText(n);
    }
  } else if (metadata.ticketState !== undefined) {
    const state = asText(metadata.ticketState).toUpperCase();
    if (state !== 'OPEN' && state !== 'CLOSED') problems.push({ message: 'ticketState must be OPEN or CLOSED', in: `${at}metadata.ticketState` });
    else if (closed !== undefined && closed !== (state === 'CLOSED')) problems.push({ message: `isClosed ${closed} contradicts ticketState ${state}`, in: `${at}metadata.isClosed` });
    else closed = state === 'CLOSED';
  }
  return { probability, closed: closed ?? false };
}

/**
 * A PATCH's metadata over the stage's own. A ticket stage's `ticketState` and `isClosed` say one
 * thing twice: a patch that gives either replaces both.
 */
function mergedMetadata(objectType: PipelineObjectType, stage: StageRow, patch: StageMetadataInput): StageMetadataInput {
  const current: StageMetadataInput = stageMetadata(objectType, stage);
  if (objectType !== DEAL && (patch.ticketState !== undefined || patch.isClosed !== undefined)) {
    delete current.ticketState;
    delete current.isClosed;
  }
  return { ...current, ...patch };
}

/** One stage's metadata as stored, or VALIDATION_ERROR naming every bad key. */
function metadataOf(objectType: PipelineObjectType, metadata: StageMetadataInput, at: string): StoredMetadata {
  const problems: ErrorDetail[] = [];
  const stored = checkedMetadata(objectType, metadata, at, problems);
  if (problems.length > 0) invalid(problems);
  return stored;
}

// ---------------------------------------------------------------------------------------------
// Shared checks

/**
 * Takes the row locks of every pipeline of the type (archived ones too: the defaults always
 * exist, so this always locks something), then reads them again: a statement that waited for a
 * lock still works on the rows it found when it started, so a pipeline another transaction
 * created meanwhile is only seen by the next statement.
 */
async function lockPipelinesOf(tx: Tx, workspaceId: string, objectType: PipelineObjectType): Promise<PipelineRow[]> {
  const ofType = and(eq(pipelines.workspaceId, workspaceId), eq(pipelines.objectType, objectType));
  await tx.select({ id: pipelines.pipelineId }).from(pipelines).where(ofType).orderBy(asc(pipelines.pipelineId)).for('update');
  return tx.select().from(pipelines).where(ofType);
}

const sameLabel = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** CONFLICT when another live pipeline of the type has this label. */
function checkPipelineLabel(all: PipelineRow[], label: string, self: string | null): void {
  const clash = all.find((p) => p.archivedAt === null && p.pipelineId !== self && sameLabel(p.label, label));
  if (clash) throw conflict(`The ${typeName(clash.objectType as PipelineObjectType)} pipeline ${clash.pipelineId} is already labeled ${clash.label}`, { message: 'pipeline label taken', in: 'body:label' });
}

/**
 * The stages of a pipeline input: each one's metadata as stored, or VALIDATION_ERROR naming every
 * problem of every stage (metadata, a label or chosen id given twice).
 */
function stageInputsOf(objectType: PipelineObjectType, inputs: StageInput[]): StoredMetadata[] {
  const problems: ErrorDetail[] = [];
  const labels = new Set<string>();
  const ids = new Set<string>();
  const stored = inputs.map((s, i) => {
    const lower = s.label.toLowerCase();
    if (labels.has(lower)) problems.push({ message: `the stage label ${s.label} is given twice`, in: `body:stages[${i}].label` });
    labels.add(lower);
    if (s.stageId !== undefined) {
      if (ids.has(s.stageId)) problems.push({ message: `the stage id ${s.stageId} is given twice`, in: `body:stages[${i}].stageId` });
      ids.add(s.stageId);
    }
    return checkedMetadata(objectType, s.metadata, `body:stages[${i}].`, problems);
  });
  if (problems.length > 0) invalid(problems);
  return stored;
}

/** Stages of the type with these ids (any pipeline, archived too). */
async function existingStages(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, ids: string[]): Promise<StageRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, workspaceId), eq(pipelineStages.objectType, objectType), inArray(pipelineStages.stageId, ids)));
}

/**
 * `n` new ids from the pipeline_ids sequence that no pipeline (or stage) of the type has yet, nor
 * `reserved` (ids the same request chose): ids chosen by callers (a HubSpot pipeline's own numeric
 * ids, kept on a move) may be digits too.
 */
async function newIds(tx: Tx, workspaceId: string, objectType: PipelineObjectType, kind: 'pipeline' | 'stage', n: number, reserved: string[] = []): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const drawn = parseRows('pipelines: new ids', z.object({ id: col.text }), await tx.execute(sql`select nextval('pipeline_ids')::text as id from generate_series(1, ${n - out.length}::int)`)).map((r) => r.id);
    const taken =
      kind === 'stage'
        ? (await existingStages(tx, workspaceId, objectType, drawn)).map((s) => s.stageId)
        : (await tx.select({ id: pipelines.pipelineId }).from(pipelines).where(and(eq(pipelines.workspaceId, workspaceId), eq(pipelines.objectType, objectType), inArray(pipelines.pipelineId, drawn)))).map((r) => r.id);
    out.push(...drawn.filter((id) => !taken.includes(id) && !reserved.includes(id)));
  }
  return out;
}

/** Live records: not archived, not merged away. Archived ones are not counted (restoring one in a stage gone since is allowed; its closed flag still holds). */
const liveRecordsOf = (workspaceId: string, objectType: PipelineObjectType) =>
  and(eq(records.workspaceId, workspaceId), eq(records.typeId, objectType), isNull(records.archivedAt), isNull(records.mergedInto));

/**
 * How many live records are in each of these stages (one query). Stage ids are unique per type,
 * so the stage property alone says where a record is.
 */
async function recordsInStages(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, stageIds: string[]): Promise<Map<string, number>> {
  if (stageIds.length === 0) return new Map();
  const stage = sql<string>`${records.properties}->>${PIPELINE_OBJECTS[objectType].stageProperty}`;
  const rows = await db
    .select({ stage, n: count() })
    .from(records)
    .where(and(liveRecordsOf(workspaceId, objectType), inArray(stage, stageIds)))
    // by position: the property name is a parameter, and PostgreSQL does not see two parameters as one expression
    .groupBy(sql`1`);
  return new Map(rows.map((r) => [r.stage, r.n]));
}

/** How many live records are in a pipeline: in one of its stages, or naming it without a stage. */
async function recordsInPipeline(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string, stageIds: string[]): Promise<number> {
  const { stageProperty, pipelineProperty } = PIPELINE_OBJECTS[objectType];
  const inPipeline = eq(sql`${records.properties}->>${pipelineProperty}`, pipelineId);
  const [row] = await db
    .select({ n: count() })
    .from(records)
    .where(and(liveRecordsOf(workspaceId, objectType), stageIds.length > 0 ? or(inArray(sql`${records.properties}->>${stageProperty}`, stageIds), inPipeline) : inPipeline));
  return row?.n ?? 0;
}

/** CONFLICT naming the first of these stages that records are in. */
async function refuseStagesInUse(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, stages: StageRow[], at: string): Promise<void> {
  const counts = await recordsInStages(db, workspaceId, objectType, stages.map((s) => s.stageId));
  const used = stages.find((s) => (counts.get(s.stageId) ?? 0) > 0);
  if (!used) return;
  const n = counts.get(used.stageId)!;
  throw new ApiError('CONFLICT', `The stage ${used.label} (${used.stageId}) holds ${n} ${typeName(objectType)}; move them to another stage first`, {
    errors: [{ message: `stage in use by ${n} records`, in: at, code: 'STAGE_IN_USE' }],
  });
}

const liveOnly = (stages: StageRow[]) => stages.filter((s) => s.archivedAt === null);

function checkStageLabel(stages: StageRow[], label: string, self: string | null, at: string): void {
  const clash = liveOnly(stages).find((s) => s.stageId !== self && sameLabel(s.label, label));
  if (clash) throw conflict(`The stage ${clash.stageId} of this pipeline is already labeled ${clash.label}`, { message: 'stage label taken', in: at });
}

function stageAudit(action: 'created' | 'updated' | 'archived' | 'restored', objectType: PipelineObjectType, row: StageRow, details: Record<string, unknown> = {}): AuditInput {
  return { action: `pipeline_stage.${action}`, targetType: 'pipeline_stage', targetId: `${objectType}/${row.stageId}`, details: { pipelineId: row.pipelineId, label: row.label, ...details } };
}

function pipelineAudit(action: 'created' | 'updated' | 'archived' | 'restored', objectType: PipelineObjectType, row: PipelineRow, details: Record<string, unknown> = {}): AuditInput {
  return { action: `pipeline.${action}`, targetType: 'pipeline', targetId: `${objectType}/${row.pipelineId}`, details: { label: row.label, ...details } };
}

async function audit(tx: Tx, auth: Auth, entries: AuditInput[]): Promise<void> {
  for (const entry of entries) await recordAudit(tx, auth, entry);
}

const now = sql`now()`;

/** PostgreSQL's unique violation, wherever the driver put it in the error's causes. */
function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: unknown }).code === '23505') return true;
  return false;
}

/**
 * One change in one transaction. The locks above keep the checks true; what they cannot see is a
 * caller-chosen stage id taken at the same moment in another pipeline of the type, which the
 * primary key refuses: that is a 409 like any taken id, not a 500.
 */
async function change<T>(db: DbOrTx, work: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await transaction(db, work);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new ApiError('CONFLICT', 'A pipeline or stage with this id or label was made at the same moment; read the pipelines again and retry', { errors: [{ message: 'id or label taken concurrently', in: 'body' }] });
  }
}

// ---------------------------------------------------------------------------------------------
// Pipelines

/** A new pipeline with its stages (at least one). */
export async function createPipeline(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, input: PipelineInput): Promise<PipelineView> {
  const ws = auth.workspaceId;
  const metadata = stageInputsOf(objectType, input.stages);
  return change(db, async (tx) => {
    const all = await lockPipelinesOf(tx, ws, objectType);
    checkPipelineLabel(all, input.label, null);
    if (all.filter((p) => p.archivedAt === null).length >= PIPELINE_LIMITS.pipelinesPerObject) {
      invalid([{ message: `a workspace has at most ${PIPELINE_LIMITS.pipelinesPerObject} ${typeName(objectType)} pipelines`, in: 'body' }]);
    }
    if (input.pipelineId !== undefined && all.some((p) => p.pipelineId === input.pipelineId)) {
      throw conflict(`A ${typeName(objectType)} pipeline with id ${input.pipelineId} exists (archived pipelines keep their ids)`, { message: 'pipeline id taken', in: 'body:pipelineId' });
    }
    const chosen = input.stages.flatMap((s) => (s.stageId !== undefined ? [s.stageId] : []));
    const clash = (await existingStages(tx, ws, objectType, chosen))[0];
    if (clash) throw conflict(`A ${typeName(objectType)} stage with id ${clash.stageId} exists`, { message: 'stage id taken', in: `body:stages[${input.stages.findIndex((s) => s.stageId === clash.stageId)}].stageId` });

    const pipelineId = input.pipelineId ?? (await newIds(tx, ws, objectType, 'pipeline', 1))[0]!;
    const generated = await newIds(tx, ws, objectType, 'stage', input.stages.length - chosen.length, chosen);
    const [row] = await tx.insert(pipelines).values({ workspaceId: ws, objectType, pipelineId, label: input.label, displayOrder: input.displayOrder }).returning();
    const stages = await tx
      .insert(pipelineStages)
      .values(input.stages.map((s, i) => ({ workspaceId: ws, objectType, stageId: s.stageId ?? generated.shift()!, pipelineId, label: s.label, displayOrder: s.displayOrder, ...metadata[i]! })))
      .returning();
    await audit(tx, auth, [pipelineAudit('created', objectType, row!, { displayOrder: row!.displayOrder, stages: stages.map((s) => s.stageId) }), ...stages.map((s) => stageAudit('created', objectType, s, stageDetails(objectType, s)))]);
    return pipelineView(row!, stages);
  });
}

const stageDetails = (objectType: PipelineObjectType, s: StageRow) => ({ displayOrder: s.displayOrder, metadata: stageMetadata(objectType, s) });

/**
 * Label and display order; or, with `archived: false` on an archived pipeline, brings it back
 * (HubSpot takes `archived` for nothing else and answers 400).
 */
export async function updatePipeline(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, pipelineId: string, patch: PipelinePatchInput): Promise<PipelineView> {
  const ws = auth.workspaceId;
  return change(db, async (tx) => {
    const all = await lockPipelinesOf(tx, ws, objectType);
    const row = await findPipeline(tx, ws, objectType, pipelineId, { archived: patch.archived === false });
    const restore = row.archivedAt !== null;
    if (patch.archived !== undefined && !restore) {
      invalid([{ message: 'archived may only be given as false, to bring back an archived pipeline; archive one with DELETE', in: 'body:archived' }]);
    }
    const label = patch.label ?? row.label;
    checkPipelineLabel(all, label, row.pipelineId);
    if (restore && all.filter((p) => p.archivedAt === null).length >= PIPELINE_LIMITS.pipelinesPerObject) {
      invalid([{ message: `a workspace has at most ${PIPELINE_LIMITS.pipelinesPerObject} ${typeName(objectType)} pipelines`, in: 'body:archived' }]);
    }
    const [updated] = await tx
      .update(pipelines)
      .set({ label, displayOrder: patch.displayOrder ?? row.displayOrder, archivedAt: null, updatedAt: now })
      .where(and(eq(pipelines.workspaceId, ws), eq(pipelines.objectType, objectType), eq(pipelines.pipelineId, pipelineId)))
      .returning();
    const changed = Object.keys(patch).filter((k) => k !== 'archived');
    await audit(tx, auth, [pipelineAudit(restore ? 'restored' : 'updated', objectType, updated!, { changed, from: { label: row.label, displayOrder: row.displayOrder } })]);
    return pipelineView(updated!, await stagesOf(tx, ws, objectType, pipelineId));
  });
}

/**
 * Replaces label, display order and stages. An input stage keeps a current stage (and its id, so
 * the records in it stay) when its `stageId`, or else its label, names one; the rest are new.
 * Current stages that no input names are archived, which is refused while records are in them.
 */
export async function replacePipeline(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, pipelineId: string, input: PipelineReplaceInput): Promise<PipelineView> {
  const ws = auth.workspaceId;
  const metadata = stageInputsOf(objectType, input.stages);
  return change(db, async (tx) => {
    const all = await lockPipelinesOf(tx, ws, objectType);
    const row = await findPipeline(tx, ws, objectType, pipelineId);
    checkPipelineLabel(all, input.label, pipelineId);
    const current = await stagesOf(tx, ws, objectType, pipelineId);
    const live = liveOnly(current);

    // which current stage each input keeps, if any
    const chosen = input.stages.flatMap((s) => (s.stageId !== undefined ? [s.stageId] : []));
    const elsewhere = (await existingStages(tx, ws, objectType, chosen)).find((s) => s.pipelineId !== pipelineId);
    if (elsewhere) throw conflict(`The stage ${elsewhere.stageId} belongs to the ${typeName(objectType)} pipeline ${elsewhere.pipelineId}`, { message: 'stage of another pipeline', in: 'body:stages' });
    const kept = input.stages.map((s) => (s.stageId !== undefined ? current.find((c) => c.stageId === s.stageId) : live.find((c) => sameLabel(c.label, s.label))));
    const problems: ErrorDetail[] = [];
    kept.forEach((k, i) => {
      if (k && kept.indexOf(k) !== i) problems.push({ message: `stages[${kept.indexOf(k)}] and stages[${i}] both name the stage ${k.stageId}`, in: `body:stages[${i}]` });
    });
    if (problems.length > 0) invalid(problems);
    const removed = live.filter((c) => !kept.includes(c));
    await refuseStagesInUse(tx, ws, objectType, removed, 'body:stages');

    const fresh = await newIds(tx, ws, objectType, 'stage', input.stages.filter((s, i) => !kept[i] && s.stageId === undefined).length, chosen);
    const entries: AuditInput[] = [];
    for (const s of removed) {
      const [gone] = await tx.update(pipelineStages).set({ archivedAt: now, updatedAt: now }).where(stageKey(ws, objectType, s.stageId)).returning();
      entries.push(stageAudit('archived', objectType, gone!));
    }
    for (const [i, s] of input.stages.entries()) {
      const values = { label: s.label, displayOrder: s.displayOrder, ...metadata[i]! };
      const k = kept[i];
      if (k) {
        const same = k.archivedAt === null && k.label === values.label && k.displayOrder === values.displayOrder && k.probability === values.probability && k.closed === values.closed;
        if (same) continue;
        const [updated] = await tx.update(pipelineStages).set({ ...values, archivedAt: null, updatedAt: now }).where(stageKey(ws, objectType, k.stageId)).returning();
        entries.push(stageAudit(k.archivedAt === null ? 'updated' : 'restored', objectType, updated!, stageDetails(objectType, updated!)));
      } else {
        const [made] = await tx.insert(pipelineStages).values({ workspaceId: ws, objectType, pipelineId, stageId: s.stageId ?? fresh.shift()!, ...values }).returning();
        entries.push(stageAudit('created', objectType, made!, stageDetails(objectType, made!)));
      }
    }
    const [updated] = await tx
      .update(pipelines)
      .set({ label: input.label, displayOrder: input.displayOrder, updatedAt: now })
      .where(and(eq(pipelines.workspaceId, ws), eq(pipelines.objectType, objectType), eq(pipelines.pipelineId, pipelineId)))
      .returning();
    await audit(tx, auth, [pipelineAudit('updated', objectType, updated!, { replaced: true, from: { label: row.label, displayOrder: row.displayOrder } }), ...entries]);
    return pipelineView(updated!, await stagesOf(tx, ws, objectType, pipelineId));
  });
}

const stageKey = (workspaceId: string, objectType: PipelineObjectType, stageId: string) =>
  and(eq(pipelineStages.workspaceId, workspaceId), eq(pipelineStages.objectType, objectType), eq(pipelineStages.stageId, stageId));

/**
 * Archives a pipeline: refused while live records are in it (by pipeline or by stage), and for
 * the last live pipeline of its type (a deal or ticket always has a pipeline to go in).
 */
export async function archivePipeline(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, pipelineId: string): Promise<void> {
  const ws = auth.workspaceId;
  await change(db, async (tx) => {
    const all = await lockPipelinesOf(tx, ws, objectType);
    const row = await findPipeline(tx, ws, objectType, pipelineId);
    if (all.filter((p) => p.archivedAt === null).length <= 1) {
      invalid([{ message: `this is the last ${typeName(objectType)} pipeline; a workspace keeps at least one`, in: 'path:pipelineId' }]);
    }
    const stages = await stagesOf(tx, ws, objectType, pipelineId);
    const n = await recordsInPipeline(tx, ws, objectType, pipelineId, stages.map((s) => s.stageId));
    if (n > 0) {
      throw new ApiError('CONFLICT', `The pipeline ${row.label} (${pipelineId}) holds ${n} ${typeName(objectType)}; move them to another pipeline first`, {
        errors: [{ message: `pipeline in use by ${n} records`, in: 'path:pipelineId', code: 'PIPELINE_IN_USE' }],
      });
    }
    const [gone] = await tx
      .update(pipelines)
      .set({ archivedAt: now, updatedAt: now })
      .where(and(eq(pipelines.workspaceId, ws), eq(pipelines.objectType, objectType), eq(pipelines.pipelineId, pipelineId)))
      .returning();
    await audit(tx, auth, [pipelineAudit('archived', objectType, gone!)]);
  });
}

// ---------------------------------------------------------------------------------------------
// Stages

/** A new stage in a live pipeline. */
export async function createStage(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, pipelineId: string, input: StageInput): Promise<PipelineStageView> {
  const ws = auth.workspaceId;
  const metadata = metadataOf(objectType, input.metadata, 'body:');
  return change(db, async (tx) => {
    await findPipeline(tx, ws, objectType, pipelineId, { lock: true });
    const stages = await stagesOf(tx, ws, objectType, pipelineId);
    checkStageLabel(stages, input.label, null, 'body:label');
    if (liveOnly(stages).length >= PIPELINE_LIMITS.stagesPerPipeline) invalid([{ message: `a pipeline has at most ${PIPELINE_LIMITS.stagesPerPipeline} stages`, in: 'body' }]);
    if (input.stageId !== undefined && (await existingStages(tx, ws, objectType, [input.stageId])).length > 0) {
      throw conflict(`A ${typeName(objectType)} stage with id ${input.stageId} exists`, { message: 'stage id taken', in: 'body:stageId' });
    }
    const stageId = input.stageId ?? (await newIds(tx, ws, objectType, 'stage', 1))[0]!;
    const [row] = await tx.insert(pipelineStages).values({ workspaceId: ws, objectType, pipelineId, stageId, label: input.label, displayOrder: input.displayOrder, ...metadata }).returning();
    await touchPipeline(tx, ws, objectType, pipelineId);
    await audit(tx, auth, [stageAudit('created', objectType, row!, stageDetails(objectType, row!))]);
    return stageView(row!);
  });
}

/** A pipeline's `updatedAt` follows the changes to its stages. */
async function touchPipeline(tx: Tx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string): Promise<void> {
  await tx.update(pipelines).set({ updatedAt: now }).where(and(eq(pipelines.workspaceId, workspaceId), eq(pipelines.objectType, objectType), eq(pipelines.pipelineId, pipelineId)));
}

/** Archives a live stage unless records are in it or it is the pipeline's last live stage. */
async function archiveStageRow(tx: Tx, auth: Auth, objectType: PipelineObjectType, stages: StageRow[], stage: StageRow, at: string): Promise<StageRow> {
  if (liveOnly(stages).length <= 1) invalid([{ message: 'this is the last stage of the pipeline; a pipeline keeps at least one', in: at }]);
  await refuseStagesInUse(tx, auth.workspaceId, objectType, [stage], at);
  const [gone] = await tx.update(pipelineStages).set({ archivedAt: now, updatedAt: now }).where(stageKey(auth.workspaceId, objectType, stage.stageId)).returning();
  await touchPipeline(tx, auth.workspaceId, objectType, stage.pipelineId);
  await audit(tx, auth, [stageAudit('archived', objectType, gone!)]);
  return gone!;
}

/**
 * Changes a stage's label, display order or metadata (merged into what it has). `archived: true`
 * archives it as DELETE does; `archived: false` brings an archived stage back.
 */
export async function updateStage(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, pipelineId: string, stageId: string, patch: StagePatchInput): Promise<PipelineStageView> {
  const ws = auth.workspaceId;
  return change(db, async (tx) => {
    await findPipeline(tx, ws, objectType, pipelineId, { lock: true });
    const stages = await stagesOf(tx, ws, objectType, pipelineId);
    const stage = await findStage(tx, ws, objectType, pipelineId, stageId, { archived: patch.archived === false });
    if (patch.archived === true) return stageView(await archiveStageRow(tx, auth, objectType, stages, stage, 'body:archived'));
    const restore = stage.archivedAt !== null;
    if (restore && liveOnly(stages).length >= PIPELINE_LIMITS.stagesPerPipeline) invalid([{ message: `a pipeline has at most ${PIPELINE_LIMITS.stagesPerPipeline} stages`, in: 'body:archived' }]);
    const label = patch.label ?? stage.label;
    checkStageLabel(stages, label, stageId, patch.label !== undefined ? 'body:label' : 'body:archived');
    const metadata = patch.metadata ? metadataOf(objectType, mergedMetadata(objectType, stage, patch.metadata), 'body:') : { probability: stage.probability, closed: stage.closed };
    const [updated] = await tx
      .update(pipelineStages)
      .set({ label, displayOrder: patch.displayOrder ?? stage.displayOrder, ...metadata, archivedAt: null, updatedAt: now })
      .where(stageKey(ws, objectType, stageId))
      .returning();
    await touchPipeline(tx, ws, objectType, pipelineId);
    await audit(tx, auth, [stageAudit(restore ? 'restored' : 'updated', objectType, updated!, { changed: Object.keys(patch).filter((k) => k !== 'archived'), ...stageDetails(objectType, updated!) })]);
    return stageView(updated!);
  });
}

/** Replaces a live stage's label, display order and metadata. */
export async function replaceStage(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, pipelineId: string, stageId: string, input: StageReplaceInput): Promise<PipelineStageView> {
  const ws = auth.workspaceId;
  const metadata = metadataOf(objectType, input.metadata, 'body:');
  return change(db, async (tx) => {
    await findPipeline(tx, ws, objectType, pipelineId, { lock: true });
    const stages = await stagesOf(tx, ws, objectType, pipelineId);
    await findStage(tx, ws, objectType, pipelineId, stageId);
    checkStageLabel(stages, input.label, stageId, 'body:label');
    const [updated] = await tx
      .update(pipelineStages)
      .set({ label: input.label, displayOrder: input.displayOrder, ...metadata, updatedAt: now })
      .where(stageKey(ws, objectType, stageId))
      .returning();
    await touchPipeline(tx, ws, objectType, pipelineId);
    await audit(tx, auth, [stageAudit('updated', objectType, updated!, { replaced: true, ...stageDetails(objectType, updated!) })]);
    return stageView(updated!);
  });
}

export async function archiveStage(db: DbOrTx, auth: Auth, objectType: PipelineObjectType, pipelineId: string, stageId: string): Promise<void> {
  const ws = auth.workspaceId;
  await change(db, async (tx) => {
    await findPipeline(tx, ws, objectType, pipelineId, { lock: true });
    const stages = await stagesOf(tx, ws, objectType, pipelineId);
    const stage = await findStage(tx, ws, objectType, pipelineId, stageId);
    await archiveStageRow(tx, auth, objectType, stages, stage, 'path:stageId');
  });
}

// ---------------------------------------------------------------------------------------------
// Audit

const AUDIT_ACTIONS = { created: 'CREATE', updated: 'UPDATE', archived: 'DELETE', restored: 'RESTORE' } as const;

/**
 * The changes to one pipeline (`pipeline`) or stage (`pipeline_stage`) from the audit trail,
 * newest first, as HubSpot's PublicAuditInfo: at most the 500 newest (HubSpot's audit has no paging).
 */
async function auditOf(db: DbOrTx, workspaceId: string, targetType: 'pipeline' | 'pipeline_stage', targetId: string): Promise<PipelineAuditInfo[]> {
  const page = await readAudit(db, workspaceId, { targetType, targetId, limit: 500 });
  return page.results.map((entry) => {
    const what = entry.action.slice(entry.action.indexOf('.') + 1) as keyof typeof AUDIT_ACTIONS;
    const actor = entry.actor;
    return {
      identifier: entry.id,
      action: AUDIT_ACTIONS[what],
      portalId: 0,
      ...(actor?.kind === 'user' ? { fromUserId: Number(actor.id) } : {}),
      message: `${targetType === 'pipeline' ? 'Pipeline' : 'Stage'} ${what}${actor ? ` by ${actor.kind === 'user' ? 'user' : 'app'} ${actor.name}` : ''}`,
      rawObject: entry.details,
      timestamp: entry.occurredAt,
    };
  });
}

export async function pipelineAuditInfo(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string): Promise<PipelineAuditInfo[]> {
  await findPipeline(db, workspaceId, objectType, pipelineId);
  return auditOf(db, workspaceId, 'pipeline', `${objectType}/${pipelineId}`);
}

/**
 * A stage's changes, found by its id alone (unique within the type), archived stages too.
 * HubSpot's client 14.0.1 sends this request with the literal text `{pipelineId}` in the path, so
 * the path's pipeline id is not required to match.
 */
export async function stageAuditInfo(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, stageId: string): Promise<PipelineAuditInfo[]> {
  const [stage] = await existingStages(db, workspaceId, objectType, [stageId]);
  if (!stage) throw new ApiError('NOT_FOUND', `No ${typeName(objectType)} stage with id ${stageId}`, { errors: [{ message: 'unknown stage', in: 'path:stageId' }] });
  return auditOf(db, workspaceId, 'pipeline_stage', `${objectType}/${stageId}`);
}
