import { type Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import type { AssociationSpec } from '../../shared/association-types.ts';
import {
  associationPath,
  associationsBatchReadResponse,
  associationUsageResponse,
  batchArchiveBody,
  batchCreateBody,
  batchDefaultBody,
  batchLabelsArchiveBody,
  batchReadBody,
  batchRefusalsResponse,
  defaultAssociationResponse,
  deleteQuery,
  labelCreateBody,
  labelDeletePath,
  labelsAssociationResponse,
  labelsBody,
  labelUpdateBody,
  limitsBody,
  limitsPurgeBody,
  listPath,
  listQuery,
  pairPath,
} from '../../shared/associations.ts';
import { LIMITS } from '../../shared/plans.ts';
import { promotesOnPrimaryRemove, type WorkspaceSettings } from '../../shared/workspace.ts';
import type { BatchError } from '../../shared/records.ts';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { listAssociations } from '../domain/associations/read.ts';
import { associate, associateDefault, type AssociationResult, primaryRemovalsLast, removeAssociation, removeLabels } from '../domain/associations/rules.ts';
import type { WriteContext } from '../domain/associations/write.ts';
import { findType } from '../domain/association-types.ts';
import { associationUsage } from '../domain/association-usage.ts';
import { HIGH_USAGE_MAX_ENTRIES, HIGH_USAGE_SHARE, highUsageReport } from '../domain/high-usage.ts';
import { recordAudit } from '../domain/audit.ts';
import { createLabel, deleteLabel, listLabels, updateLabel } from '../domain/labels.ts';
import { listLimits, purgeLimits, setLimits } from '../domain/limits.ts';
import { assertMayLogBetween } from '../domain/never-log.ts';
import { type ObjectType, resolveObjectType } from '../domain/object-types.ts';
import { type AppEnv, actorOf, type Auth } from '../env.ts';
import { batchAnswer, batchErrorOf } from '../envelope.ts';
import { ApiError, toApiError } from '../errors.ts';
import { isRetryable, transaction } from '../db/transaction.ts';
import { validate } from '../validate.ts';

const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

/** A route's caller and database, and the two object types it names (`fromType`, `toType`) resolved for the caller's workspace. */
async function pairOf(c: Context<AppEnv>, p: { fromType: string; toType: string }) {
  const auth = c.get('auth');
  const db = c.get('db');
  return { auth, db, from: await resolveObjectType(db, auth.workspaceId, p.fromType), to: await resolveObjectType(db, auth.workspaceId, p.toType) };
}

function writeContext(auth: Auth): WriteContext {
  return { workspaceId: auth.workspaceId, plan: auth.plan, actor: actorOf(auth) };
}

async function typeIdsOf(db: DbOrTx, ws: string, fromType: string, specs: AssociationSpec[], where: string): Promise<number[]> {
  const out: number[] = [];
  for (const [i, s] of specs.entries()) {
    const t = await findType(db, ws, s.associationTypeId);
    if (t && t.fromType === fromType && t.category !== s.associationCategory) {
      throw new ApiError('ASSOCIATION_TYPE_NOT_FOUND', `Association type ${s.associationTypeId} is ${t.category}, not ${s.associationCategory}`, {
        errors: [{ message: 'category does not match the type', in: `${where}[${i}].associationCategory` }],
      });
    }
    out.push(s.associationTypeId);
  }
  return out;
}

/** HubSpot's PublicDefaultAssociation results: the unlabeled type between two records, both directions. */
async function defaultAssociationsOf(db: DbOrTx, ws: string, r: AssociationResult) {
  const out = [];
  for (const id of r.typeIds) {
    const t = await findType(db, ws, id);
    if (!t || t.label !== null) continue;
    const spec = (typeId: number) => ({ associationCategory: t.category, associationTypeId: typeId });
    out.push({ from: { id: String(r.fromObjectId) }, to: { id: String(r.toObjectId) }, associationSpec: spec(t.typeId) });
    out.push({ from: { id: String(r.toObjectId) }, to: { id: String(r.fromObjectId) }, associationSpec: spec(t.inverseTypeId) });
  }
  return out;
}

/**
 * Runs each input in its own savepoint inside one transaction: a refused input rolls back alone
 * and is reported; the good inputs all commit together (one durable commit for the batch). An
 * error's `inputIndex` is the input's place in `inputs` unless `contextOf` names another (inputs
 * applied in another order than the request's).
 */
async function eachInput<I, R>(db: Db, inputs: I[], run: (tx: Tx, input: I, index: number) => Promise<R | undefined>, contextOf: (input: I) => Record<string, string[]>) {
  // the lists start empty on each attempt: a batch that runs again after a deadlock reports once
  return transaction(db, async (tx) => {
    const results: R[] = [];
    const errors: BatchError[] = [];
    for (const [index, input] of inputs.entries()) {
      try {
        const r = await tx.transaction((sp) => run(sp as Tx, input, index));
        if (r !== undefined) results.push(r);
      } catch (err) {
        const apiError = toApiError(err);
        // a deadlock runs the whole batch again (see transaction()); it is no refusal of this input
        if (apiError.code === 'INTERNAL' || isRetryable(err)) throw err;
        errors.push(batchErrorOf(apiError, { inputIndex: [String(index)], ...contextOf(input) }));
      }
    }
    return { results, errors };
  });
}

const highUsagePath = z.object({ userId: z.string().regex(/^\d{1,15}$/, 'must be a user id') });
/** HubSpot's ReportCreationResponse, with the report itself (this server mails nothing). */
const highUsageResponse = z.object({
  userId: z.number(),
  userEmail: z.string(),
  enqueueTime: z.string(),
  threshold: z.number().describe('The share of a limit from which a record is listed'),
  results: z.array(
    z.object({
      fromObjectTypeId: z.string(),
      fromObjectId: z.string(),
      toObjectTypeId: z.string(),
      associationTypeId: z.number(),
      label: z.string().nullable(),
      associations: z.number().describe('How many records of toObjectTypeId it has with this type'),
      limit: z.number().describe('Its per-record limit for this direction and type'),
    }),
  ),
  truncated: z.boolean().describe(`More than ${HIGH_USAGE_MAX_ENTRIES} entries: the fullest are listed`),
});

/** /crm/v4: associations between records. */
export function associationRoutes() {
  return new Hono<AppEnv>()
    .post(
      '/associations/usage/high-usage-report/:userId',
      describeRoute({
        summary: 'Report the records near their association limits (HubSpot\'s high-usage report)',
        description: `Answers HubSpot's \`userId\`, \`userEmail\` (the user the report is for, a user of the workspace: 404 otherwise) and \`enqueueTime\`. HubSpot mails the report; here it is built at once and answered in \`results\`: every record whose associations of one direction and type reach ${HIGH_USAGE_SHARE * 100}% of their per-record limit, fullest first.`,
        tags: ['Association limits'],
        responses: { 200: json(highUsageResponse, 'The report') },
      }),
      validate('param', highUsagePath),
      async (c) => {
        const auth = c.get('auth');
        return c.json(await highUsageReport(c.get('db'), auth.workspaceId, auth.plan, Number(c.req.valid('param').userId)), 200);
      },
    )
    .put(
      '/objects/:fromType/:fromId/associations/default/:toType/:toId',
      describeRoute({
        summary: 'Associate two records with the unlabeled default type (one click)',
        tags: ['Associations'],
        responses: { 200: json(defaultAssociationResponse, 'The default type between the two records, both directions') },
      }),
      validate('param', associationPath),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        await assertMayLogBetween(db, auth.workspaceId, auth.settings as WorkspaceSettings, { type: from, id: p.fromId }, { type: to, id: p.toId });
        const r = await associateDefault(db, writeContext(auth), { fromType: from.typeId, fromId: p.fromId, toType: to.typeId, toId: p.toId });
        return batchAnswer(c, await defaultAssociationsOf(db, auth.workspaceId, r), [], startedAt, 200);
      },
    )
    .put(
      '/objects/:fromType/:fromId/associations/:toType/:toId',
      describeRoute({
        summary: 'Associate two records with labels (adds to the labels they have)',
        tags: ['Associations'],
        responses: { 201: json(labelsAssociationResponse, 'The labels between the two records now') },
      }),
      validate('param', associationPath),
      validate('json', labelsBody),
      async (c) => {
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const typeIds = await typeIdsOf(db, auth.workspaceId, from.typeId, c.req.valid('json'), 'body');
        await assertMayLogBetween(db, auth.workspaceId, auth.settings as WorkspaceSettings, { type: from, id: p.fromId }, { type: to, id: p.toId });
        const r = await transaction(db, (tx) => associate(tx, writeContext(auth), { fromType: from.typeId, fromId: p.fromId, toType: to.typeId, toId: p.toId, typeIds }));
        return c.json({ fromObjectTypeId: r.fromObjectTypeId, fromObjectId: r.fromObjectId, toObjectTypeId: r.toObjectTypeId, toObjectId: r.toObjectId, labels: r.labels }, 201);
      },
    )
    .delete(
      '/objects/:fromType/:fromId/associations/:toType/:toId',
      describeRoute({
        summary: 'Remove every association type between two records (both directions)',
        description:
          "R15: when this removes a contact's primary company while it has others, `newPrimaryCompanyId` names the new primary. Without it the workspace setting `primaryCompanyOnRemove` decides: `promote` (default) makes the most recently associated company left primary, `refuse` answers 400 PRIMARY_COMPANY_REQUIRED.",
        tags: ['Associations'],
        responses: { 204: { description: 'Removed' } },
      }),
      validate('param', associationPath),
      validate('query', deleteQuery),
      async (c) => {
        const p = c.req.valid('param');
        const q = c.req.valid('query');
        const { auth, db, from, to } = await pairOf(c, p);
        await transaction(db, (tx) =>
          removeAssociation(tx, writeContext(auth), {
            fromType: from.typeId,
            fromId: p.fromId,
            toType: to.typeId,
            toId: p.toId,
            promoteNewest: promotesOnPrimaryRemove(auth.settings),
            ...(q.newPrimaryCompanyId !== undefined ? { newPrimaryCompanyId: q.newPrimaryCompanyId } : {}),
          }),
        );
        return c.body(null, 204);
      },
    )
    .get(
      '/objects/:fromType/:fromId/associations/:toType',
      describeRoute({ summary: "A record's associations with one object type, 500 per page", tags: ['Associations'] }),
      validate('param', listPath),
      validate('query', listQuery),
      async (c) => {
        const p = c.req.valid('param');
        const q = c.req.valid('query');
        const { auth, db, from, to } = await pairOf(c, p);
        const page = await listAssociations(db, auth.workspaceId, { type: from.typeId, id: p.fromId }, to.typeId, { limit: q.limit, ...(q.after ? { after: Number(q.after) } : {}) });
        const next = page.next !== undefined ? { paging: { next: { after: String(page.next), link: `${new URL(c.req.url).pathname}?after=${page.next}&limit=${q.limit}` } } } : {};
        return c.json({ results: page.results, ...next });
      },
    )
    .post(
      '/associations/:fromType/:toType/batch/associate/default',
      describeRoute({ summary: 'Associate many pairs with the default type', tags: ['Associations batch'] }),
      validate('param', pairPath),
      validate('json', batchDefaultBody),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const ctx = writeContext(auth);
        const { results, errors } = await eachInput(
          db,
          c.req.valid('json').inputs,
          async (tx, input) => {
            await assertMayLogBetween(tx, auth.workspaceId, auth.settings as WorkspaceSettings, { type: from, id: input.from.id }, { type: to, id: input.to.id });
            const r = await associate(tx, ctx, { fromType: from.typeId, fromId: input.from.id, toType: to.typeId, toId: input.to.id, typeIds: [] });
            return defaultAssociationsOf(tx, auth.workspaceId, r);
          },
          (input) => ({ fromObjectId: [String(input.from.id)], toObjectId: [String(input.to.id)] }),
        );
        return batchAnswer(c, results.flat(), errors, startedAt, 200);
      },
    )
    .post(
      '/associations/:fromType/:toType/batch/create',
      describeRoute({ summary: 'Associate many pairs with labels', tags: ['Associations batch'] }),
      validate('param', pairPath),
      validate('json', batchCreateBody),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const ctx = writeContext(auth);
        const { results, errors } = await eachInput(
          db,
          c.req.valid('json').inputs,
          async (tx, input, index) => {
            const typeIds = await typeIdsOf(tx, auth.workspaceId, from.typeId, input.types, `inputs[${index}].types`);
            await assertMayLogBetween(tx, auth.workspaceId, auth.settings as WorkspaceSettings, { type: from, id: input.from.id }, { type: to, id: input.to.id });
            const r = await associate(tx, ctx, { fromType: from.typeId, fromId: input.from.id, toType: to.typeId, toId: input.to.id, typeIds });
            return { fromObjectTypeId: r.fromObjectTypeId, fromObjectId: r.fromObjectId, toObjectTypeId: r.toObjectTypeId, toObjectId: r.toObjectId, labels: r.labels };
          },
          (input) => ({ fromObjectId: [String(input.from.id)], toObjectId: [String(input.to.id)] }),
        );
        return batchAnswer(c, results, errors, startedAt, 201);
      },
    )
    .post(
      '/associations/:fromType/:toType/batch/read',
      describeRoute({
        summary: 'Read the associations of many records',
        tags: ['Associations batch'],
        responses: { 200: json(associationsBatchReadResponse, 'Each record\'s associations'), 207: json(associationsBatchReadResponse, 'The records read, and an error for each that could not be') },
      }),
      validate('param', pairPath),
      validate('json', batchReadBody),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const results = [];
        const errors: BatchError[] = [];
        for (const input of c.req.valid('json').inputs) {
          try {
            const page = await listAssociations(db, auth.workspaceId, { type: from.typeId, id: input.id }, to.typeId, { limit: LIMITS.associationsPerPage, ...(input.after ? { after: Number(input.after) } : {}) });
            results.push({ from: { id: String(input.id) }, to: page.results, ...(page.next !== undefined ? { paging: { next: { after: String(page.next) } } } : {}) });
          } catch (err) {
            errors.push(batchErrorOf(toApiError(err), { fromObjectId: [String(input.id)] }));
          }
        }
        return batchAnswer(c, results, errors, startedAt, 200);
      },
    )
    .post(
      '/associations/:fromType/:toType/batch/archive',
      describeRoute({
        summary: 'Remove associations between many pairs',
        description:
          "R8, R15: a contact's removals in one batch count as one set, whatever their order: removing all its companies is allowed; removing its primary while other companies remain follows the single DELETE's rule (`newPrimaryCompanyId`, else the workspace's `primaryCompanyOnRemove`). Refused pairs are reported (207) with `inputIndex`, their place among the request's pairs.",
        tags: ['Associations batch'],
      }),
      validate('param', pairPath),
      validate('json', batchArchiveBody),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const ctx = writeContext(auth);
        const pairs = c.req.valid('json').inputs.flatMap((input) => input.to.map((t) => ({ fromId: input.from.id, toId: t.id, newPrimaryCompanyId: input.newPrimaryCompanyId })));
        // R8, R15: a record's removals count as one set, whatever order they are listed in
        const order = await primaryRemovalsLast(db, auth.workspaceId, from.typeId, to.typeId, pairs);
        const { errors } = await eachInput(
          db,
          order.map((i) => ({ ...pairs[i]!, index: i })),
          async (tx, pair) => {
            await removeAssociation(tx, ctx, {
              fromType: from.typeId,
              fromId: pair.fromId,
              toType: to.typeId,
              toId: pair.toId,
              promoteNewest: promotesOnPrimaryRemove(auth.settings),
              ...(pair.newPrimaryCompanyId !== undefined ? { newPrimaryCompanyId: pair.newPrimaryCompanyId } : {}),
            });
            return undefined;
          },
          (pair) => ({ fromObjectId: [String(pair.fromId)], toObjectId: [String(pair.toId)], inputIndex: [String(pair.index)] }),
        );
        if (errors.length === 0) return c.body(null, 204);
        return batchAnswer(c, [], errors.sort((a, b) => Number(a.context.inputIndex) - Number(b.context.inputIndex)), startedAt, 200);
      },
    )
    .post(
      '/associations/:fromType/:toType/batch/labels/archive',
      describeRoute({
        summary: 'Remove labels between many pairs; the associations stay',
        tags: ['Associations batch'],
        responses: { 204: { description: 'Every input applied' }, 207: json(batchRefusalsResponse, 'The refused inputs; the others applied') },
      }),
      validate('param', pairPath),
      validate('json', batchLabelsArchiveBody),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const ctx = writeContext(auth);
        const { errors } = await eachInput(
          db,
          c.req.valid('json').inputs,
          async (tx, input, index) => {
            const typeIds = await typeIdsOf(tx, auth.workspaceId, from.typeId, input.types, `inputs[${index}].types`);
            await removeLabels(tx, ctx, { fromType: from.typeId, fromId: input.from.id, toType: to.typeId, toId: input.to.id, typeIds, ...(input.newPrimaryCompanyId !== undefined ? { newPrimaryCompanyId: input.newPrimaryCompanyId } : {}) });
            return undefined;
          },
          (input) => ({ fromObjectId: [String(input.from.id)], toObjectId: [String(input.to.id)] }),
        );
        if (errors.length === 0) return c.body(null, 204);
        return batchAnswer(c, [], errors, startedAt, 200);
      },
    );
}

/** setLimits with its audit entry (when any limit was set), in the caller's transaction. */
async function setLimitsAudited(tx: Tx, auth: Auth, from: ObjectType, to: ObjectType, inputs: Parameters<typeof setLimits>[5]) {
  const outcome = await setLimits(tx, auth.workspaceId, auth.plan, from.typeId, to.typeId, inputs);
  if (outcome.applied.length > 0) {
    const limits = outcome.applied.map((a) => ({ typeId: a.typeId, max: a.userEnforcedMaxToObjectIds }));
    await recordAudit(tx, auth, { action: 'limits.set', targetType: 'limit', targetId: `${from.typeId}/${to.typeId}`, details: { fromObjectType: from.name, toObjectType: to.name, limits } });
  }
  return outcome;
}

/** /crm/v4/associations and /crm/associations/v4: labels and limits (association schema). */
export function associationSchemaRoutes() {
  return new Hono<AppEnv>()
    .get('/definitions/configurations/all', describeRoute({ summary: 'Every configured association limit', tags: ['Association limits'] }), async (c) => {
      const auth = c.get('auth');
      return c.json({ results: await listLimits(c.get('db'), auth.workspaceId) });
    })
    .get(
      '/definitions/configurations/:fromType/:toType',
      describeRoute({ summary: 'Configured limits of one direction', tags: ['Association limits'] }),
      validate('param', pairPath),
      async (c) => {
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        return c.json({ results: await listLimits(db, auth.workspaceId, { fromType: from.typeId, toType: to.typeId }) });
      },
    )
    .post(
      '/definitions/configurations/:fromType/:toType/batch/create',
      describeRoute({ summary: 'Set per-record limits (1–10,000) for a pair or a label', tags: ['Association limits'] }),
      validate('param', pairPath),
      validate('json', limitsBody),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const { applied, errors } = await db.transaction((tx) => setLimitsAudited(tx as Tx, auth, from, to, c.req.valid('json').inputs));
        return batchAnswer(c, applied, errors.map((e) => batchErrorOf(e.error, { inputIndex: [String(e.index)] })), startedAt, 201);
      },
    )
    .post(
      '/definitions/configurations/:fromType/:toType/batch/update',
      describeRoute({ summary: 'Change per-record limits; lower limits are not retroactive', tags: ['Association limits'] }),
      validate('param', pairPath),
      validate('json', limitsBody),
      async (c) => {
        const startedAt = new Date();
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const { applied, errors } = await db.transaction((tx) => setLimitsAudited(tx as Tx, auth, from, to, c.req.valid('json').inputs));
        const results = applied.map((a) => ({ typeId: a.typeId, category: a.category, maxToObjectIds: a.userEnforcedMaxToObjectIds }));
        return batchAnswer(c, results, errors.map((e) => batchErrorOf(e.error, { inputIndex: [String(e.index)] })), startedAt, 200);
      },
    )
    .post(
      '/definitions/configurations/:fromType/:toType/batch/purge',
      describeRoute({ summary: 'Remove configured limits (back to the defaults)', tags: ['Association limits'] }),
      validate('param', pairPath),
      validate('json', limitsPurgeBody),
      async (c) => {
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const typeIds = c.req.valid('json').inputs.map((i) => i.typeId);
        await db.transaction(async (tx) => {
          await purgeLimits(tx, auth.workspaceId, from.typeId, to.typeId, typeIds);
          await recordAudit(tx, auth, { action: 'limits.removed', targetType: 'limit', targetId: `${from.typeId}/${to.typeId}`, details: { fromObjectType: from.name, toObjectType: to.name, typeIds } });
        });
        return c.body(null, 204);
      },
    )
    .get('/:fromType/:toType/labels', describeRoute({ summary: 'Association types of one direction: unlabeled, primary, labels', tags: ['Association labels'] }), validate('param', pairPath), async (c) => {
      const p = c.req.valid('param');
      const { auth, db, from, to } = await pairOf(c, p);
      return c.json({ results: await listLabels(db, auth.workspaceId, from.typeId, to.typeId) });
    })
    .post(
      '/:fromType/:toType/labels',
      describeRoute({ summary: 'Create a label, single or paired (Professional+; at most 50 per pair)', tags: ['Association labels'] }),
      validate('param', pairPath),
      validate('json', labelCreateBody),
      async (c) => {
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const body = c.req.valid('json');
        const created = await db.transaction(async (tx) => {
          const specs = await createLabel(tx as Tx, writeContext(auth), from.typeId, to.typeId, body);
          const typeId = specs[0]?.typeId ?? null;
          const details = { fromObjectType: from.name, toObjectType: to.name, label: body.label, inverseLabel: body.inverseLabel ?? null, typeIds: specs.map((t) => t.typeId) };
          await recordAudit(tx, auth, { action: 'label.created', targetType: 'label', targetId: typeId, details });
          return specs;
        });
        return c.json({ results: created }, 200);
      },
    )
    .put(
      '/:fromType/:toType/labels',
      describeRoute({ summary: 'Rename a label', tags: ['Association labels'] }),
      validate('param', pairPath),
      validate('json', labelUpdateBody),
      async (c) => {
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        const body = c.req.valid('json');
        await db.transaction(async (tx) => {
          await updateLabel(tx, writeContext(auth), from.typeId, to.typeId, body);
          const details = { fromObjectType: from.name, toObjectType: to.name, label: body.label, inverseLabel: body.inverseLabel ?? null };
          await recordAudit(tx, auth, { action: 'label.updated', targetType: 'label', targetId: body.associationTypeId, details });
        });
        return c.body(null, 204);
      },
    )
    .delete(
      '/:fromType/:toType/labels/:typeId',
      describeRoute({ summary: 'Delete a label; associations keep their other types', tags: ['Association labels'] }),
      validate('param', labelDeletePath),
      async (c) => {
        const p = c.req.valid('param');
        const { auth, db, from, to } = await pairOf(c, p);
        await db.transaction(async (tx) => {
          await deleteLabel(tx as Tx, writeContext(auth), from.typeId, to.typeId, p.typeId);
          await recordAudit(tx, auth, { action: 'label.deleted', targetType: 'label', targetId: p.typeId, details: { fromObjectType: from.name, toObjectType: to.name } });
        });
        return c.body(null, 204);
      },
    );
}

/** /api/associations: what the admin's settings screen reads besides HubSpot's routes (R4, R14). */
export function associationUsageRoutes() {
  return new Hono<AppEnv>().get(
    '/associations/:fromType/:toType/usage',
    describeRoute({
      summary: 'The association types of one direction with their use: associations per label, limits, records above a limit',
      description:
        "For the unlabeled type (the pair) and each label of the direction: how many associations carry it, its limit per record (the type's own, else the pair's, else the plan's default) and how many records hold more than that now. Lowering a limit is not retroactive: those records keep their associations, new ones are refused.",
      tags: ['Association limits'],
      responses: { 200: json(associationUsageResponse, 'The types of the direction') },
    }),
    validate('param', pairPath),
    async (c) => {
      const { auth, db, from, to } = await pairOf(c, c.req.valid('param'));
      return c.json({ results: await associationUsage(db, auth.workspaceId, auth.plan, from.typeId, to.typeId) });
    },
  );
}
