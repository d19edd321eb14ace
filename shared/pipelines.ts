import { z } from 'zod';
import { DEAL, standardObject, TICKET } from './objects.ts';

// Deal and ticket pipelines with their stages: HubSpot's CRM v3 pipelines API, its paths and bodies.

/** The object types that have pipelines, by type id, with the record property that holds the pipeline and the stage. */
export const PIPELINE_OBJECTS = {
  [DEAL]: { name: 'deals', pipelineProperty: 'pipeline', stageProperty: 'dealstage' },
  [TICKET]: { name: 'tickets', pipelineProperty: 'hs_pipeline', stageProperty: 'hs_pipeline_stage' },
} as const;
export type PipelineObjectType = keyof typeof PIPELINE_OBJECTS;

/** A deal's or ticket's flag that closes it whatever its stage. */
export const CLOSED_FLAG = 'hs_is_closed';

/**
 * Open or closed, the one rule for deals and tickets (the sidebar's open lists, recommendations,
 * the rules that associate a logged activity with open deals and tickets): a record is closed when
 * `hs_is_closed` is `true` or its stage is one the workspace flags closed (a stage's `isClosed`),
 * open otherwise. Stage ids are unique within an object type, so the id alone says which stage it
 * is. `closedStages`: the closed stage ids of the record's type, read once per request (the
 * server's loadStageIndex, the companion's pipelines read). server/domain/lifecycle/open.ts says
 * the same in SQL, from the pipeline tables.
 */
export function isOpen(typeId: PipelineObjectType, properties: Readonly<Record<string, string | null | undefined>>, closedStages: ReadonlySet<string>): boolean {
  return properties[CLOSED_FLAG] !== 'true' && !closedStages.has(properties[PIPELINE_OBJECTS[typeId].stageProperty] ?? '');
}

/** `deals`, `deal`, `0-3`, `tickets`, `ticket`, `0-5` (any case) as a type id; undefined for any other type. */
export function pipelineObjectType(ref: string): PipelineObjectType | undefined {
  const typeId = standardObject(ref)?.typeId;
  return typeId === DEAL || typeId === TICKET ? typeId : undefined;
}

/** At most this many pipelines per object type, and stages per pipeline (HubSpot's own ceilings). */
export const PIPELINE_LIMITS = { pipelinesPerObject: 100, stagesPerPipeline: 100 } as const;

const objectTypeRef = z
  .string()
  .min(1)
  .max(100)
  .transform((ref, ctx) => {
    const typeId = pipelineObjectType(ref);
    if (!typeId) {
      ctx.addIssue({ code: 'custom', message: 'pipelines exist for deals and tickets: `deals`, `tickets`, `0-3` or `0-5`' });
      return z.NEVER;
    }
    return typeId;
  })
  .describe('`deals` (`0-3`) or `tickets` (`0-5`)');

/** Ids this server gives out are digits; HubSpot's defaults are words and digits (`default`, `appointmentscheduled`, `0`). */
const idPattern = /^[A-Za-z0-9_.-]{1,100}$/;
const idRef = z.string().regex(idPattern, 'must be 1–100 letters, digits, `_`, `.` or `-`');

export const pipelineTypeParam = z.object({ objectType: objectTypeRef });
export const pipelineParam = pipelineTypeParam.extend({ pipelineId: idRef.describe('The pipeline id (`default` and `0` are the default deal and ticket pipelines)') });
export const stageParam = pipelineParam.extend({ stageId: idRef.describe('The stage id (`appointmentscheduled`, ...; unique within its object type)') });
/** A stage's audit finds the stage by its id alone: HubSpot's client 14.0.1 leaves `{pipelineId}` unfilled in that path. */
export const stageAuditParam = stageParam.extend({ pipelineId: z.string().min(1).max(200).describe('Not read: the stage id says which stage it is') });

const booleanQuery = z.enum(['true', 'false']);

/**
 * HubSpot's flags that ask it to check references before a stage goes away. Stages and pipelines
 * that live records use are always refused here, so the flags are accepted and change nothing.
 */
export const pipelineWriteQuery = z.object({
  validateReferencesBeforeDelete: booleanQuery.optional().describe('Accepted for HubSpot compatibility: references are always checked'),
  validateDealStageUsagesBeforeDelete: booleanQuery.optional().describe('Accepted for HubSpot compatibility: stages that live records use are never removed'),
});
export const stageDeleteQuery = pipelineWriteQuery.pick({ validateReferencesBeforeDelete: true });

const label = z
  .string()
  .max(255, 'must be at most 255 characters')
  .refine((s) => s.trim().length > 0, 'must not be blank');
const displayOrder = z.number().int().min(-2_147_483_648).max(2_147_483_647);

/**
 * A stage's `metadata`, values as strings (numbers and booleans are taken too). Deals: `probability`
 * (0.0–1.0, required) and `isClosed` (`true`/`false`, default false). Tickets: `ticketState`
 * (`OPEN`/`CLOSED`, default OPEN) and `isClosed`, which must agree with it. Checked per object
 * type when the stage is written (server/domain/pipelines.ts).
 */
export const stageMetadataInput = z
  .record(z.string().max(100), z.union([z.string().max(100), z.number(), z.boolean()]))
  .describe('Deals: `{"probability": "0.2", "isClosed": "false"}` (probability required). Tickets: `{"ticketState": "OPEN"}` or `CLOSED`.');
export type StageMetadataInput = z.infer<typeof stageMetadataInput>;

export const stageInput = z.object({
  label,
  displayOrder,
  metadata: stageMetadataInput,
  stageId: idRef.optional().describe('An id of your choice; a new one is made when absent'),
});
export type StageInput = z.infer<typeof stageInput>;

export const stagePatchInput = z.object({
  label: label.optional(),
  displayOrder: displayOrder.optional(),
  metadata: stageMetadataInput.optional().describe('Merged into the stage\'s metadata'),
  archived: z.boolean().optional().describe('`false` brings an archived stage back; archive with DELETE'),
});
export type StagePatchInput = z.infer<typeof stagePatchInput>;

export const stageReplaceInput = stageInput.omit({ stageId: true });
export type StageReplaceInput = z.infer<typeof stageReplaceInput>;

const stagesInput = z.array(stageInput).min(1, 'a pipeline has at least one stage').max(PIPELINE_LIMITS.stagesPerPipeline);

export const pipelineInput = z.object({
  label,
  displayOrder,
  stages: stagesInput,
  pipelineId: idRef.optional().describe('An id of your choice; a new one is made when absent'),
});
export type PipelineInput = z.infer<typeof pipelineInput>;

export const pipelineReplaceInput = z.object({
  label,
  displayOrder,
  stages: stagesInput.describe('The stages the pipeline has afterwards: a stage is kept (with its id) when `stageId` or its label names a current one; the others are archived'),
});
export type PipelineReplaceInput = z.infer<typeof pipelineReplaceInput>;

export const pipelinePatchInput = z.object({
  label: label.optional(),
  displayOrder: displayOrder.optional(),
  archived: z.boolean().optional().describe('Only `false`, on an archived pipeline: brings it back (HubSpot refuses it anywhere else)'),
});
export type PipelinePatchInput = z.infer<typeof pipelinePatchInput>;

// Answers

export const pipelineStage = z.object({
  id: z.string(),
  label: z.string(),
  displayOrder: z.number(),
  metadata: z.record(z.string(), z.string()),
  writePermissions: z.literal('CRM_PERMISSIONS_ENFORCEMENT'),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
  archivedAt: z.string().optional(),
});
export type PipelineStageView = z.infer<typeof pipelineStage>;

export const pipeline = z.object({
  id: z.string(),
  label: z.string(),
  displayOrder: z.number(),
  stages: z.array(pipelineStage),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
  archivedAt: z.string().optional(),
});
export type PipelineView = z.infer<typeof pipeline>;

export const pipelineCollection = z.object({ results: z.array(pipeline) });
export const stageCollection = z.object({ results: z.array(pipelineStage) });

/** HubSpot's PublicAuditInfo, from this server's audit trail. */
export const pipelineAuditInfo = z.object({
  identifier: z.string().describe('The audit entry id'),
  action: z.enum(['CREATE', 'UPDATE', 'DELETE', 'RESTORE']),
  portalId: z.number().describe('Always 0: workspaces have no HubSpot portal id'),
  fromUserId: z.number().optional().describe('The user who made the change (absent for app tokens)'),
  message: z.string(),
  rawObject: z.record(z.string(), z.unknown()),
  timestamp: z.string(),
});
export type PipelineAuditInfo = z.infer<typeof pipelineAuditInfo>;
export const auditCollection = z.object({ results: z.array(pipelineAuditInfo) });
