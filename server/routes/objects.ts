import { type Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { LIMITS } from '../../shared/plans.ts';
import {
  batchArchiveBody,
  batchCreateBody,
  batchReadBody,
  batchReadQuery,
  batchResult,
  batchUpdateBody,
  batchUpsertBody,
  batchUpsertResult,
  createRecordBody,
  listRecordsQuery,
  objectTypeParam,
  readRecordQuery,
  recordParam,
  searchBody,
  searchResult,
  simplePublicObject,
  type SimplePublicObject,
  updateRecordBody,
  updateRecordQuery,
} from '../../shared/records.ts';
import type { DbOrTx } from '../db/client.ts';
import type { WriteContext } from '../domain/associations/write.ts';
import { checkHistoryBatchSize, checkHistoryPageSize, propertiesWithHistory } from '../domain/history/property-history.ts';
import { batchUpdateWithStageSync, batchUpsertWithStageSync, stageSyncHeader, updateWithStageSync } from '../domain/lifecycle/lifecycle-stage.ts';
import { type ObjectType, resolveObjectType } from '../domain/object-types.ts';
import { batchArchive, batchCreate, batchRead } from '../domain/record-batch.ts';
import { createRecord } from '../domain/record-writes.ts';
import { archiveRecords, associationsForRead, getRecord, listRecords, publicObject, type RecordRow } from '../domain/records.ts';
import { searchRecords } from '../domain/search.ts';
import { actorOf, type AppEnv, type Auth } from '../env.ts';
import { batchAnswer } from '../envelope.ts';
import { ApiError } from '../errors.ts';
import { assertMayBatchArchive } from '../permissions.ts';
import { validate } from '../validate.ts';

const tags = ['Objects'];
const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

function writeContext(auth: Auth): WriteContext {
  return { workspaceId: auth.workspaceId, plan: auth.plan, actor: actorOf(auth), settings: auth.settings };
}

/** `a,b` or a repeated parameter, as a list (undefined when absent). */
function listOf(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** The object types named in `?associations=`; an unknown one is a 400 naming the parameter. */
async function associationTypes(db: DbOrTx, workspaceId: string, value: string | string[] | undefined): Promise<ObjectType[]> {
  const refs = listOf(value) ?? [];
  const types: ObjectType[] = [];
  for (const ref of refs) {
    try {
      types.push(await resolveObjectType(db, workspaceId, ref));
    } catch {
      throw new ApiError('VALIDATION_ERROR', `associations names ${ref}, which is not an object type`, { errors: [{ message: `unknown object type ${ref}`, in: 'query:associations' }] });
    }
  }
  return types;
}

interface ReadQuery {
  properties?: string | string[] | undefined;
  propertiesWithHistory?: string | string[] | undefined;
  associations?: string | string[] | undefined;
}

/**
 * Records as HubSpot shows them, with their associations and the history of their values when
 * asked for (one query for all records, each).
 */
async function present(c: Context<AppEnv>, type: ObjectType, rows: RecordRow[], query: ReadQuery): Promise<SimplePublicObject[]> {
  const { workspaceId } = c.get('auth');
  const properties = listOf(query.properties);
  const toTypes = await associationTypes(c.get('db'), workspaceId, query.associations);
  const linked = await associationsForRead(c.get('db'), workspaceId, type, rows.map((r) => r.id), toTypes);
  const withHistory = listOf(query.propertiesWithHistory);
  const histories = withHistory ? await propertiesWithHistory(c.get('db'), workspaceId, rows, withHistory) : null;
  return rows.map((row) => {
    const view: SimplePublicObject = publicObject(row, properties);
    const history = histories?.get(row.id);
    if (history) view.propertiesWithHistory = history;
    const associations = linked.get(row.id);
    return associations ? { ...view, associations } : view;
  });
}

/** A page cursor as HubSpot gives it: the value and a link to the next page. */
function nextPage(c: Context<AppEnv>, after: string) {
  const url = new URL(c.req.url);
  url.searchParams.set('after', after);
  return { next: { after, link: url.toString() } };
}

/** HubSpot CRM v3 objects: records of every type, standard and custom. Mounted at /crm/v3/objects. */
export function objectRoutes() {
  return new Hono<AppEnv>()
    .get(
      '/:objectType',
      describeRoute({
        summary: 'List records of a type, in id order, with an `after` cursor',
        description: 'With `propertiesWithHistory`, each record also carries every value those properties took, newest first, and a page holds at most 50 records.',
        tags,
      }),
      validate('param', objectTypeParam),
      validate('query', listRecordsQuery),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const query = c.req.valid('query');
        const type = await resolveObjectType(c.get('db'), workspaceId, c.req.valid('param').objectType);
        const limit = query.limit === undefined ? 10 : Number(query.limit);
        if (limit < 1 || limit > LIMITS.objectsPerPage) {
          throw new ApiError('VALIDATION_ERROR', `limit must be between 1 and ${LIMITS.objectsPerPage}, got ${query.limit}`, { errors: [{ message: 'limit out of range', in: 'query:limit' }] });
        }
        if (listOf(query.propertiesWithHistory)) checkHistoryPageSize(limit);
        const page = await listRecords(c.get('db'), workspaceId, type, { limit, after: query.after, archived: query.archived === 'true' });
        const results = await present(c, type, page.rows, query);
        return c.json({ results, ...(page.after ? { paging: nextPage(c, page.after) } : {}) });
      },
    )
    .post(
      '/:objectType',
      describeRoute({
        summary: 'Create a record, optionally associated with existing records (R7)',
        description: 'A unique value (a contact\'s email, a custom property defined with hasUniqueValue) that another record holds answers 409 CONFLICT with its id in `context.id`, also when both are written at the same time.',
        tags,
        responses: { 201: json(simplePublicObject, 'The record') },
      }),
      validate('param', objectTypeParam),
      validate('json', createRecordBody),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const type = await resolveObjectType(db, auth.workspaceId, c.req.valid('param').objectType);
        const row = await db.transaction((tx) => createRecord(tx, writeContext(auth), type, c.req.valid('json')));
        return c.json(publicObject(row), 201);
      },
    )
    .post(
      '/:objectType/search',
      describeRoute({ summary: 'Search records: filter groups (ORed) of filters (ANDed), free-text query, sorts', tags, responses: { 200: json(searchResult, 'The matching records and their total') } }),
      validate('param', objectTypeParam),
      validate('json', searchBody),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const body = c.req.valid('json');
        const type = await resolveObjectType(c.get('db'), workspaceId, c.req.valid('param').objectType);
        const found = await searchRecords(c.get('db'), workspaceId, type, body);
        return c.json({
          total: found.total,
          results: found.rows.map((row) => publicObject(row, body.properties)),
          ...(found.after ? { paging: { next: { after: found.after } } } : {}),
        });
      },
    )
    .post(
      '/:objectType/batch/create',
      describeRoute({ summary: 'Create up to 1,000 records; failed inputs are reported (207), the others created', tags }),
      validate('param', objectTypeParam),
      validate('json', batchCreateBody),
      async (c) => {
        const startedAt = new Date();
        const auth = c.get('auth');
        const type = await resolveObjectType(c.get('db'), auth.workspaceId, c.req.valid('param').objectType);
        const outcome = await batchCreate(c.get('db'), writeContext(auth), type, c.req.valid('json').inputs);
        return batchAnswer(c, outcome.rows.map((row) => publicObject(row)), outcome.errors, startedAt, 201);
      },
    )
    .post(
      '/:objectType/batch/read',
      describeRoute({
        summary: 'Read up to 1,000 records by id or by a unique property (idProperty)',
        description:
          '`propertiesWithHistory` adds, per record, every value those properties took, newest first, each with its time and source (HubSpot\'s ValueWithTimestamp; a cleared value is ""). ' +
          'With it, a request takes at most 50 inputs (400 past that).',
        tags,
        responses: { 200: json(batchResult, 'The records'), 207: json(batchResult, 'The records found, and an error naming those that were not') },
      }),
      validate('param', objectTypeParam),
      validate('query', batchReadQuery),
      validate('json', batchReadBody),
      async (c) => {
        const startedAt = new Date();
        const { workspaceId } = c.get('auth');
        const body = c.req.valid('json');
        if (body.propertiesWithHistory && body.propertiesWithHistory.length > 0) checkHistoryBatchSize(body.inputs.length);
        const type = await resolveObjectType(c.get('db'), workspaceId, c.req.valid('param').objectType);
        const outcome = await batchRead(c.get('db'), workspaceId, type, body.inputs.map((i) => i.id), {
          idProperty: body.idProperty,
          archived: c.req.valid('query').archived === 'true',
        });
        const results = await present(c, type, outcome.rows, { properties: body.properties, propertiesWithHistory: body.propertiesWithHistory });
        return batchAnswer(c, results, outcome.errors, startedAt, 200);
      },
    )
    .post(
      '/:objectType/batch/update',
      describeRoute({ summary: 'Update up to 1,000 records; failed inputs are reported (207), the others updated', tags }),
      validate('param', objectTypeParam),
      validate('json', batchUpdateBody),
      async (c) => {
        const startedAt = new Date();
        const auth = c.get('auth');
        const type = await resolveObjectType(c.get('db'), auth.workspaceId, c.req.valid('param').objectType);
        const outcome = await batchUpdateWithStageSync(c.get('db'), writeContext(auth), auth.settings, type, c.req.valid('json').inputs);
        if (outcome.stageSyncs.length > 0) c.header('x-lifecycle-stage-sync', stageSyncHeader(outcome.stageSyncs));
        return batchAnswer(c, outcome.rows.map((row) => publicObject(row)), outcome.errors, startedAt, 200);
      },
    )
    .post(
      '/:objectType/batch/upsert',
      describeRoute({
        summary: 'Create or update up to 1,000 records named by a unique property (idProperty); each result says whether it is new',
        description:
          'Each input names a record by `idProperty` (`hs_object_id`, `email` for contacts, `domain` for companies, or a property a custom object defines with `hasUniqueValue`) and its value `id`. ' +
          'A record found is updated, otherwise one is created with that value; both as batch/update and batch/create do (validation, duplicate emails, the company of an email domain, limits). ' +
          'Two inputs naming the same record, or an idProperty that cannot identify the type, refuse the whole request (400). Failed inputs are reported (207) with their index, the others written.',
        tags,
        responses: { 200: json(batchUpsertResult, 'The records, each with `new`'), 207: json(batchUpsertResult, 'The records written and an error per failed input') },
      }),
      validate('param', objectTypeParam),
      validate('json', batchUpsertBody),
      async (c) => {
        const startedAt = new Date();
        const auth = c.get('auth');
        const type = await resolveObjectType(c.get('db'), auth.workspaceId, c.req.valid('param').objectType);
        const outcome = await batchUpsertWithStageSync(c.get('db'), writeContext(auth), auth.settings, type, c.req.valid('json').inputs);
        if (outcome.stageSyncs.length > 0) c.header('x-lifecycle-stage-sync', stageSyncHeader(outcome.stageSyncs));
        return batchAnswer(c, outcome.rows.map(({ row, created }) => ({ ...publicObject(row), new: created })), outcome.errors, startedAt, 200);
      },
    )
    .post(
      '/:objectType/batch/archive',
      describeRoute({ summary: 'Archive up to 1,000 records; ids that match nothing are ignored', tags }),
      validate('param', objectTypeParam),
      validate('json', batchArchiveBody),
      async (c) => {
        const { workspaceId, principal } = c.get('auth');
        assertMayBatchArchive(principal, c.req.valid('json').inputs.length);
        const type = await resolveObjectType(c.get('db'), workspaceId, c.req.valid('param').objectType);
        await batchArchive(c.get('db'), workspaceId, type, c.req.valid('json').inputs.map((i) => i.id));
        return c.body(null, 204);
      },
    )
    .get(
      '/:objectType/:id',
      describeRoute({
        summary: 'Read a record by id or by a unique property (idProperty), with associated ids',
        description: '`propertiesWithHistory` adds every value those properties took, newest first, each with its time and source (HubSpot\'s ValueWithTimestamp; a cleared value is "").',
        tags,
        responses: { 200: json(simplePublicObject, 'The record') },
      }),
      validate('param', recordParam),
      validate('query', readRecordQuery),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const { objectType, id } = c.req.valid('param');
        const query = c.req.valid('query');
        const type = await resolveObjectType(c.get('db'), workspaceId, objectType);
        const row = await getRecord(c.get('db'), workspaceId, type, id, { idProperty: query.idProperty, archived: query.archived === 'true' });
        const [view] = await present(c, type, [row], query);
        return c.json(view!);
      },
    )
    .patch(
      '/:objectType/:id',
      describeRoute({
        summary: 'Update a record: the given properties change, the others stay; null or "" clears',
        description: 'A unique value (a contact\'s email, a custom property defined with hasUniqueValue) that another record holds answers 409 CONFLICT with its id in `context.id`.',
        tags,
      }),
      validate('param', recordParam),
      validate('query', updateRecordQuery),
      validate('json', updateRecordBody),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const { objectType, id } = c.req.valid('param');
        const type = await resolveObjectType(db, auth.workspaceId, objectType);
        const { row, stageSync } = await db.transaction((tx) => updateWithStageSync(tx, writeContext(auth), auth.settings, type, id, c.req.valid('json').properties, { idProperty: c.req.valid('query').idProperty }));
        if (stageSync) c.header('x-lifecycle-stage-sync', stageSyncHeader([stageSync]));
        return c.json(publicObject(row));
      },
    )
    .delete(
      '/:objectType/:id',
      describeRoute({ summary: 'Archive a record (restorable); its associations are kept', tags }),
      validate('param', recordParam),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const db = c.get('db');
        const { objectType, id } = c.req.valid('param');
        const type = await resolveObjectType(db, workspaceId, objectType);
        const row = await getRecord(db, workspaceId, type, id);
        await archiveRecords(db, workspaceId, type, [row.id]);
        return c.body(null, 204);
      },
    );
}
