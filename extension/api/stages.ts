import { z } from 'zod';
import { DEAL, TICKET } from '../../shared/objects.ts';
import type { PipelineObjectType, PipelineView } from '../../shared/pipelines.ts';

/**
 * What the companion knows of a workspace's deal and ticket stages, from the pipelines API: each
 * stage's label (shown instead of its id: never `qualifiedtobuy`) and whether it closes a record
 * (shared/pipelines.ts's isOpen reads that). Stage ids are unique within an object type, so one
 * map per type says everything. Plain JSON: the cache keeps it for reads without the network.
 */
const stageFacts = z.object({ label: z.string(), closed: z.boolean() });
/** Where a new record starts: the first live pipeline's first stage (by display order). */
const stageStart = z.object({ pipeline: z.string(), stage: z.string(), label: z.string() });
export type StageStart = z.infer<typeof stageStart>;
export const stageStarts = z.object({ deals: stageStart.nullable(), tickets: stageStart.nullable() });
export type StageStarts = z.infer<typeof stageStarts>;
export const stageBook = z.object({
  deals: z.record(z.string(), stageFacts),
  tickets: z.record(z.string(), stageFacts),
  /** Absent in a book an older version kept. */
  starts: stageStarts.optional(),
});
export type StageBook = z.infer<typeof stageBook>;

const TYPES: Record<'deals' | 'tickets', PipelineObjectType> = { deals: DEAL, tickets: TICKET };

/** The book of the live pipelines the API answered for deals and for tickets. */
export function stageBookOf(pipelines: Record<'deals' | 'tickets', readonly PipelineView[]>): StageBook {
  const of = (list: readonly PipelineView[]) => Object.fromEntries(list.flatMap((p) => p.stages.map((s) => [s.id, { label: s.label, closed: s.metadata.isClosed === 'true' }] as const)));
  return { deals: of(pipelines.deals), tickets: of(pipelines.tickets), starts: { deals: startOf(pipelines.deals), tickets: startOf(pipelines.tickets) } };
}

const byOrder = <T extends { displayOrder: number }>(list: readonly T[]) => [...list].sort((a, b) => a.displayOrder - b.displayOrder);

/** The first pipeline's first stage, both by display order (the default pipeline comes first). */
export function startOf(list: readonly PipelineView[]): StageStart | null {
  const pipeline = byOrder(list).find((p) => p.stages.length > 0);
  const stage = pipeline ? byOrder(pipeline.stages)[0] : undefined;
  return pipeline && stage ? { pipeline: pipeline.id, stage: stage.id, label: stage.label } : null;
}

const typeOf = (typeId: PipelineObjectType): 'deals' | 'tickets' => (typeId === TYPES.deals ? 'deals' : 'tickets');

/** The ids of the stages that close a deal (or ticket) of the workspace. */
export function closedStages(book: StageBook, typeId: PipelineObjectType): Set<string> {
  return new Set(Object.entries(book[typeOf(typeId)]).flatMap(([id, facts]) => (facts.closed ? [id] : [])));
}

/** A stage's label, or null when the book has no stage with this id (nothing is shown then, never the id). */
export function stageLabelIn(book: StageBook | null, typeId: PipelineObjectType, stageId: string | null | undefined): string | null {
  if (!stageId || !book) return null;
  const stages = book[typeOf(typeId)];
  return Object.hasOwn(stages, stageId) ? stages[stageId]!.label : null;
}
