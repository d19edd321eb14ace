import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { DEAL } from '../../shared/objects.ts';
import { PIPELINE_OBJECTS, type PipelineObjectType, type PipelineStageView, type PipelineView } from '../../shared/pipelines.ts';
import type { DbOrTx } from '../db/client.ts';
import { runStatement } from '../db/prepared.ts';
import { col, parseRows } from '../db/rows.ts';
import { pipelines, pipelineStages } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';

// Pipelines and stages as stored, as HubSpot shows them, and the lookups the rest of the server
// uses (which stages exist, which are closed). The writes are in pipeline-changes.ts.

export type PipelineRow = typeof pipelines.$inferSelect;
export type StageRow = typeof pipelineStages.$inferSelect;

interface DefaultStage {
  id: string;
  label: string;
  /** Deals only: HubSpot's win probability of the stage. */
  probability?: string;
  closed: boolean;
}

/**
 * HubSpot's default pipeline of each type, with its ids, labels and stage metadata: every
 * workspace has them from the start (createWorkspace here; the migration that made the pipeline
 * tables for the workspaces that existed before, with these values as they were then), so
 * records imported from HubSpot keep their `dealstage` and `hs_pipeline_stage` values.
 */
export const DEFAULT_PIPELINES: Record<PipelineObjectType, { id: string; label: string; stages: DefaultStage[] }> = {
  '0-3': {
    id: 'default',
    label: 'Sales Pipeline',
    stages: [
      { id: 'appointmentscheduled', label: 'Appointment Scheduled', probability: '0.2', closed: false },
      { id: 'qualifiedtobuy', label: 'Qualified To Buy', probability: '0.4', closed: false },
      { id: 'presentationscheduled', label: 'Presentation Scheduled', probability: '0.6', closed: false },
      { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In', probability: '0.8', closed: false },
      { id: 'contractsent', label: 'Contract Sent', probability: '0.9', closed: false },
      { id: 'closedwon', label: 'Closed Won', probability: '1.0', closed: true },
      { id: 'closedlost', label: 'Closed Lost', probability: '0.0', closed: true },
    ],
  },
  '0-5': {
    id: '0',
    label: 'Support Pipeline',
    stages: [
      { id: '1', label: 'New', closed: false },
      { id: '2', label: 'Waiting on contact', closed: false },
      { id: '3', label: 'Waiting on us', closed: false },
      { id: '4', label: 'Closed', closed: true },
    ],
  },
};

/** HubSpot stamps its default pipelines and stages with time 0. */
const DEFAULTS_TIME = new Date(0);

/** Gives a new workspace HubSpot's default deal and ticket pipelines (call in its creating transaction). */
export async function seedDefaultPipelines(db: DbOrTx, workspaceId: string): Promise<void> {
  const entries = Object.entries(DEFAULT_PIPELINES) as Array<[PipelineObjectType, (typeof DEFAULT_PIPELINES)[PipelineObjectType]]>;
  const stamp = { createdAt: DEFAULTS_TIME, updatedAt: DEFAULTS_TIME };
  await db.insert(pipelines).values(entries.map(([objectType, p]) => ({ workspaceId, objectType, pipelineId: p.id, label: p.label, displayOrder: 0, ...stamp })));
  await db.insert(pipelineStages).values(
    entries.flatMap(([objectType, p]) =>
      p.stages.map((s, i) => ({ workspaceId, objectType, stageId: s.id, pipelineId: p.id, label: s.label, displayOrder: i, probability: s.probability ?? null, closed: s.closed, ...stamp })),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Views

/** A stage's metadata as HubSpot writes it: all strings; deals' probability and isClosed, tickets' ticketState. */
export function stageMetadata(objectType: PipelineObjectType, row: Pick<StageRow, 'probability' | 'closed'>): Record<string, string> {
  if (objectType === DEAL) return { isClosed: String(row.closed), probability: row.probability ?? '0.0' };
  return { ticketState: row.closed ? 'CLOSED' : 'OPEN', isClosed: String(row.closed) };
}

const archivedFields = (archivedAt: Date | null) => (archivedAt ? { archived: true, archivedAt: archivedAt.toISOString() } : { archived: false });

export function stageView(row: StageRow): PipelineStageView {
  return {
    id: row.stageId,
    label: row.label,
    displayOrder: row.displayOrder,
    metadata: stageMetadata(row.objectType as PipelineObjectType, row),
    writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...archivedFields(row.archivedAt),
  };
}

/** HubSpot's order: by displayOrder, then alphabetically by label (labels are unique among live ones). */
export function byDisplayOrder(a: { displayOrder: number; label: string }, b: { displayOrder: number; label: string }): number {
  return a.displayOrder - b.displayOrder || a.label.localeCompare(b.label);
}

export function pipelineView(row: PipelineRow, stages: StageRow[]): PipelineView {
  return {
    id: row.pipelineId,
    label: row.label,
    displayOrder: row.displayOrder,
    stages: stages.filter((s) => s.archivedAt === null).sort(byDisplayOrder).map(stageView),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...archivedFields(row.archivedAt),
  };
}

// ---------------------------------------------------------------------------------------------
// Reads

const typeName = (objectType: PipelineObjectType) => PIPELINE_OBJECTS[objectType].name;

export function pipelineNotFound(objectType: PipelineObjectType, pipelineId: string): ApiError {
  return new ApiError('NOT_FOUND', `No ${typeName(objectType)} pipeline with id ${pipelineId}`, { errors: [{ message: 'unknown or archived pipeline', in: 'path:pipelineId' }] });
}

export function stageNotFound(objectType: PipelineObjectType, pipelineId: string, stageId: string): ApiError {
  return new ApiError('NOT_FOUND', `No stage with id ${stageId} in ${typeName(objectType)} pipeline ${pipelineId}`, { errors: [{ message: 'unknown or archived stage', in: 'path:stageId' }] });
}

/**
 * A pipeline's row: live ones only (HubSpot answers 404 for an archived pipeline), unless
 * `archived` asks for one that may be archived. `lock` takes its row lock: every change to a
 * pipeline or its stages holds it, so they run one after the other.
 */
export async function findPipeline(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string, options: { archived?: boolean; lock?: boolean } = {}): Promise<PipelineRow> {
  const where = and(eq(pipelines.workspaceId, workspaceId), eq(pipelines.objectType, objectType), eq(pipelines.pipelineId, pipelineId));
  const query = db.select().from(pipelines).where(where);
  const [row] = options.lock ? await query.for('update') : await query;
  if (!row || (row.archivedAt !== null && !options.archived)) throw pipelineNotFound(objectType, pipelineId);
  return row;
}

/** Every stage of a pipeline, archived ones too. */
export async function stagesOf(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string): Promise<StageRow[]> {
  return db
    .select()
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, workspaceId), eq(pipelineStages.objectType, objectType), eq(pipelineStages.pipelineId, pipelineId)));
}

/** The live pipelines of an object type with their live stages, in HubSpot's order (two queries). */
export async function listPipelines(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType): Promise<PipelineView[]> {
  const rows = await db
    .select()
    .from(pipelines)
    .where(and(eq(pipelines.workspaceId, workspaceId), eq(pipelines.objectType, objectType), isNull(pipelines.archivedAt)));
  const stages = await db
    .select()
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, workspaceId), eq(pipelineStages.objectType, objectType), isNull(pipelineStages.archivedAt)));
  const byPipeline = Map.groupBy(stages, (s) => s.pipelineId);
  return rows.sort(byDisplayOrder).map((p) => pipelineView(p, byPipeline.get(p.pipelineId) ?? []));
}

export async function getPipeline(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string): Promise<PipelineView> {
  const row = await findPipeline(db, workspaceId, objectType, pipelineId);
  return pipelineView(row, await stagesOf(db, workspaceId, objectType, pipelineId));
}

/** The live stages of a live pipeline, in HubSpot's order. */
export async function listStages(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string): Promise<PipelineStageView[]> {
  await findPipeline(db, workspaceId, objectType, pipelineId);
  const stages = await stagesOf(db, workspaceId, objectType, pipelineId);
  return stages.filter((s) => s.archivedAt === null).sort(byDisplayOrder).map(stageView);
}

/** A stage of a pipeline: live ones only, unless `archived`. */
export async function findStage(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string, stageId: string, options: { archived?: boolean } = {}): Promise<StageRow> {
  const [row] = await db
    .select()
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, workspaceId), eq(pipelineStages.objectType, objectType), eq(pipelineStages.stageId, stageId), eq(pipelineStages.pipelineId, pipelineId)));
  if (!row || (row.archivedAt !== null && !options.archived)) throw stageNotFound(objectType, pipelineId, stageId);
  return row;
}

export async function getStage(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string, stageId: string): Promise<PipelineStageView> {
  await findPipeline(db, workspaceId, objectType, pipelineId);
  return stageView(await findStage(db, workspaceId, objectType, pipelineId, stageId));
}

// ---------------------------------------------------------------------------------------------
// Lookups for the rest of the server

/** What a stage id means in a workspace: its pipeline and label, whether it closes a record, whether it can be chosen now. */
export interface StageFacts {
  pipelineId: string;
  label: string;
  closed: boolean;
  /** The stage and its pipeline are live (not archived). */
  live: boolean;
  /** Its pipeline is live (the stage itself may be archived). */
  pipelineLive: boolean;
}

/** Every stage of a workspace, archived ones too, by object type and stage id (each pipeline's in HubSpot's order). */
export type StageIndex = ReadonlyMap<PipelineObjectType, ReadonlyMap<string, StageFacts>>;

/**
 * One query for every stage of a workspace's deal and ticket pipelines: what deciding "open or
 * closed" for many records, showing stage labels, or checking stage values, reads once per
 * request. Archived stages are in it (a record restored from the bin may still be in one; its
 * closed flag and label still hold).
 */
export async function loadStageIndex(db: DbOrTx, workspaceId: string): Promise<StageIndex> {
  // prepared (runStatement): it runs for every deal and ticket written and every sidebar read, and
  // planning the join took longer than running it (2.4 -> 0.5 ms on PGlite, bench:companion)
  const rows = parseRows(
    'pipelines: the stage index',
    stageIndexRow,
    await runStatement(db, sql`
      select s.object_type, s.stage_id, s.pipeline_id, s.label, s.display_order as "displayOrder", s.closed,
        s.archived_at is null as stage_live, p.archived_at is null as pipeline_live
      from pipeline_stages s
        join pipelines p on p.workspace_id = s.workspace_id and p.object_type = s.object_type and p.pipeline_id = s.pipeline_id
      where s.workspace_id = ${workspaceId}`),
  );
  const index = new Map<PipelineObjectType, Map<string, StageFacts>>(Object.keys(PIPELINE_OBJECTS).map((t) => [t as PipelineObjectType, new Map()]));
  for (const r of rows.sort(byDisplayOrder)) {
    index.get(r.object_type as PipelineObjectType)?.set(r.stage_id, { pipelineId: r.pipeline_id, label: r.label, closed: r.closed, live: r.pipeline_live && r.stage_live, pipelineLive: r.pipeline_live });
  }
  return index;
}

const stageIndexRow = z.object({
  object_type: col.text,
  stage_id: col.text,
  pipeline_id: col.text,
  label: col.text,
  displayOrder: z.number(),
  closed: col.bool,
  stage_live: col.bool,
  pipeline_live: col.bool,
});

/** The stage index when records of one of these types are written (deals, tickets), else null without a query. */
export async function stageIndexForWrite(db: DbOrTx, workspaceId: string, ...typeIds: Array<string | undefined>): Promise<StageIndex | null> {
  return typeIds.some((t) => t !== undefined && Object.hasOwn(PIPELINE_OBJECTS, t)) ? loadStageIndex(db, workspaceId) : null;
}

/** The ids of the stages that close a deal (or ticket) in this workspace: what open/closed reads. */
export function closedStageIds(index: StageIndex, objectType: PipelineObjectType): Set<string> {
  const out = new Set<string>();
  for (const [id, facts] of index.get(objectType) ?? []) if (facts.closed) out.add(id);
  return out;
}

/** A stage's label, or null when the workspace has no stage with this id (shown instead of the id: never `qualifiedtobuy`). */
export function stageLabel(index: StageIndex, objectType: PipelineObjectType, stageId: string | null | undefined): string | null {
  return stageId ? (index.get(objectType)?.get(stageId)?.label ?? null) : null;
}

/**
 * Whether a record may be put in this stage now: a live stage of a live pipeline, and of
 * `pipelineId` when one is given (null: the stage alone decides, its id being unique in its type).
 */
export function isKnownStage(index: StageIndex, objectType: PipelineObjectType, pipelineId: string | null, stageId: string): boolean {
  const facts = index.get(objectType)?.get(stageId);
  return facts !== undefined && facts.live && (pipelineId === null || facts.pipelineId === pipelineId);
}

/** The live pipelines of a type, by id, with their live stages' ids in HubSpot's order (a live pipeline always has a stage, live or archived). */
export function livePipelines(index: StageIndex, objectType: PipelineObjectType): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, facts] of index.get(objectType) ?? []) {
    if (!facts.pipelineLive) continue;
    const stages = out.get(facts.pipelineId) ?? [];
    if (facts.live) stages.push(id);
    out.set(facts.pipelineId, stages);
  }
  return out;
}

/** Whether this stage closes a record: true or false, undefined when the workspace has no such stage (in that pipeline). */
export async function stageIsClosed(db: DbOrTx, workspaceId: string, objectType: PipelineObjectType, pipelineId: string | null, stageId: string): Promise<boolean | undefined> {
  const [row] = await db
    .select({ closed: pipelineStages.closed, pipelineId: pipelineStages.pipelineId })
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, workspaceId), eq(pipelineStages.objectType, objectType), eq(pipelineStages.stageId, stageId)));
  if (!row || (pipelineId !== null && row.pipelineId !== pipelineId)) return undefined;
  return row.closed;
}

/** `select stage_id …` of the workspace's closed stages of a type: for SQL that filters records by open/closed. */
export function closedStagesSql(workspaceId: string, objectType: PipelineObjectType): SQL {
  return sql`select s.stage_id from pipeline_stages s where s.workspace_id = ${workspaceId} and s.object_type = ${objectType} and s.closed`;
}
