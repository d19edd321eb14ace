import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import type { z } from 'zod';
import {
  auditCollection,
  pipeline,
  pipelineCollection,
  pipelineInput,
  pipelineParam,
  pipelinePatchInput,
  pipelineReplaceInput,
  pipelineStage,
  pipelineTypeParam,
  pipelineWriteQuery,
  stageCollection,
  stageDeleteQuery,
  stageInput,
  stageParam,
  stagePatchInput,
  stageAuditParam,
  stageReplaceInput,
} from '../../shared/pipelines.ts';
import {
  archivePipeline,
  archiveStage,
  createPipeline,
  createStage,
  pipelineAuditInfo,
  replacePipeline,
  replaceStage,
  stageAuditInfo,
  updatePipeline,
  updateStage,
} from '../domain/pipeline-changes.ts';
import { getPipeline, getStage, listPipelines, listStages } from '../domain/pipelines.ts';
import type { AppEnv } from '../env.ts';
import { validate } from '../validate.ts';

const tags = ['Pipelines'];
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

const WHO = 'Reading needs a user of the workspace; changes need an admin.';
const IN_USE = 'Refused with 409 (`errors[0].code` `STAGE_IN_USE`) while live deals or tickets are in a stage that would go away.';

/**
 * HubSpot's CRM v3 pipelines API for deals and tickets, mounted at /crm/v3/pipelines. Every
 * workspace has HubSpot's default pipelines (`default` for deals, `0` for tickets). An archived
 * pipeline or stage answers 404, as in HubSpot, except where it is brought back (PATCH with
 * `archived: false`).
 */
export function pipelineRoutes() {
  return new Hono<AppEnv>()
    .get(
      '/:objectType',
      describeRoute({ summary: 'List the pipelines of deals or tickets, with their stages', description: WHO, tags, responses: { 200: json(pipelineCollection, 'The live pipelines, by displayOrder then label') } }),
      validate('param', pipelineTypeParam),
      async (c) => c.json({ results: await listPipelines(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').objectType) }),
    )
    .post(
      '/:objectType',
      describeRoute({
        summary: 'Create a pipeline with its stages (admin)',
        description: 'At least one stage; labels unique among the live pipelines (409 otherwise) and among the pipeline\'s stages. Deal stages need `metadata.probability`.',
        tags,
        responses: { 201: json(pipeline, 'The pipeline') },
      }),
      validate('param', pipelineTypeParam),
      validate('json', pipelineInput),
      async (c) => c.json(await createPipeline(c.get('db'), c.get('auth'), c.req.valid('param').objectType, c.req.valid('json')), 201),
    )
    .get(
      '/:objectType/:pipelineId',
      describeRoute({ summary: 'A pipeline with its stages', description: `${WHO} 404 for an unknown or archived pipeline.`, tags, responses: { 200: json(pipeline, 'The pipeline') } }),
      validate('param', pipelineParam),
      async (c) => {
        const p = c.req.valid('param');
        return c.json(await getPipeline(c.get('db'), c.get('auth').workspaceId, p.objectType, p.pipelineId));
      },
    )
    .patch(
      '/:objectType/:pipelineId',
      describeRoute({
        summary: "Change a pipeline's label or display order, or bring an archived one back (admin)",
        description: '`archived: false` restores an archived pipeline; `archived` in any other case is a 400, as in HubSpot.',
        tags,
        responses: { 200: json(pipeline, 'The pipeline') },
      }),
      validate('param', pipelineParam),
      validate('query', pipelineWriteQuery),
      validate('json', pipelinePatchInput),
      async (c) => {
        const p = c.req.valid('param');
        return c.json(await updatePipeline(c.get('db'), c.get('auth'), p.objectType, p.pipelineId, c.req.valid('json')));
      },
    )
    .put(
      '/:objectType/:pipelineId',
      describeRoute({
        summary: 'Replace a pipeline: label, display order and stages (admin)',
        description: `An input stage keeps a current stage and its id when its \`stageId\` or its label names one; current stages no input names are archived. ${IN_USE}`,
        tags,
        responses: { 200: json(pipeline, 'The pipeline') },
      }),
      validate('param', pipelineParam),
      validate('query', pipelineWriteQuery),
      validate('json', pipelineReplaceInput),
      async (c) => {
        const p = c.req.valid('param');
        return c.json(await replacePipeline(c.get('db'), c.get('auth'), p.objectType, p.pipelineId, c.req.valid('json')));
      },
    )
    .delete(
      '/:objectType/:pipelineId',
      describeRoute({
        summary: 'Archive a pipeline (admin)',
        description: 'Refused with 409 (`PIPELINE_IN_USE`) while live records are in it, and with 400 for the last pipeline of its type.',
        tags,
        responses: { 204: { description: 'Archived' } },
      }),
      validate('param', pipelineParam),
      validate('query', pipelineWriteQuery),
      async (c) => {
        const p = c.req.valid('param');
        await archivePipeline(c.get('db'), c.get('auth'), p.objectType, p.pipelineId);
        return c.body(null, 204);
      },
    )
    .get(
      '/:objectType/:pipelineId/audit',
      describeRoute({
        summary: "A pipeline's changes, newest first (admin)",
        description: 'From the audit trail (docs/audit.md): the 500 newest changes to the pipeline itself; its stages have their own. `portalId` is always 0.',
        tags,
        responses: { 200: json(auditCollection, 'The changes') },
      }),
      validate('param', pipelineParam),
      async (c) => {
        const p = c.req.valid('param');
        return c.json({ results: await pipelineAuditInfo(c.get('db'), c.get('auth').workspaceId, p.objectType, p.pipelineId) });
      },
    )
    .get(
      '/:objectType/:pipelineId/stages',
      describeRoute({ summary: "A pipeline's stages", description: WHO, tags, responses: { 200: json(stageCollection, 'The live stages, by displayOrder then label') } }),
      validate('param', pipelineParam),
      async (c) => {
        const p = c.req.valid('param');
        return c.json({ results: await listStages(c.get('db'), c.get('auth').workspaceId, p.objectType, p.pipelineId) });
      },
    )
    .post(
      '/:objectType/:pipelineId/stages',
      describeRoute({ summary: 'Add a stage to a pipeline (admin)', description: 'At most 100 stages; the label unique in the pipeline.', tags, responses: { 201: json(pipelineStage, 'The stage') } }),
      validate('param', pipelineParam),
      validate('json', stageInput),
      async (c) => {
        const p = c.req.valid('param');
        return c.json(await createStage(c.get('db'), c.get('auth'), p.objectType, p.pipelineId, c.req.valid('json')), 201);
      },
    )
    .get(
      '/:objectType/:pipelineId/stages/:stageId',
      describeRoute({ summary: 'A stage of a pipeline', description: WHO, tags, responses: { 200: json(pipelineStage, 'The stage') } }),
      validate('param', stageParam),
      async (c) => {
        const p = c.req.valid('param');
        return c.json(await getStage(c.get('db'), c.get('auth').workspaceId, p.objectType, p.pipelineId, p.stageId));
      },
    )
    .patch(
      '/:objectType/:pipelineId/stages/:stageId',
      describeRoute({
        summary: "Change a stage's label, display order or metadata (admin)",
        description: `\`metadata\` is merged into the stage's. \`archived: true\` archives the stage as DELETE does, \`false\` brings an archived one back. ${IN_USE}`,
        tags,
        responses: { 200: json(pipelineStage, 'The stage') },
      }),
      validate('param', stageParam),
      validate('json', stagePatchInput),
      async (c) => {
        const p = c.req.valid('param');
        return c.json(await updateStage(c.get('db'), c.get('auth'), p.objectType, p.pipelineId, p.stageId, c.req.valid('json')));
      },
    )
    .put(
      '/:objectType/:pipelineId/stages/:stageId',
      describeRoute({ summary: "Replace a stage's label, display order and metadata (admin)", tags, responses: { 200: json(pipelineStage, 'The stage') } }),
      validate('param', stageParam),
      validate('json', stageReplaceInput),
      async (c) => {
        const p = c.req.valid('param');
        return c.json(await replaceStage(c.get('db'), c.get('auth'), p.objectType, p.pipelineId, p.stageId, c.req.valid('json')));
      },
    )
    .delete(
      '/:objectType/:pipelineId/stages/:stageId',
      describeRoute({ summary: 'Archive a stage (admin)', description: `${IN_USE} The last stage of a pipeline stays (400).`, tags, responses: { 204: { description: 'Archived' } } }),
      validate('param', stageParam),
      validate('query', stageDeleteQuery),
      async (c) => {
        const p = c.req.valid('param');
        await archiveStage(c.get('db'), c.get('auth'), p.objectType, p.pipelineId, p.stageId);
        return c.body(null, 204);
      },
    )
    .get(
      '/:objectType/:pipelineId/stages/:stageId/audit',
      describeRoute({
        summary: "A stage's changes, newest first (admin)",
        description: 'From the audit trail, archived stages too. The stage is found by its id alone (unique within its type): HubSpot\'s client sends this path with the literal text `{pipelineId}`.',
        tags,
        responses: { 200: json(auditCollection, 'The changes') },
      }),
      validate('param', stageAuditParam),
      async (c) => {
        const p = c.req.valid('param');
        return c.json({ results: await stageAuditInfo(c.get('db'), c.get('auth').workspaceId, p.objectType, p.stageId) });
      },
    );
}
