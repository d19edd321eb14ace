import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import {
  propertyBatchCreate,
  propertyBatchNames,
  propertyBatchRead,
  propertyCreate,
  propertyGroupCreate,
  propertyGroupList,
  propertyGroupParam,
  propertyGroupQuery,
  propertyGroupUpdate,
  propertyGroupView,
  propertyList,
  propertyListQuery,
  propertyParam,
  propertyUpdate,
  propertyView as propertyViewSchema,
} from '../../shared/properties.ts';
import { batchError, objectTypeParam } from '../../shared/records.ts';
import { recordAudit } from '../domain/audit.ts';
import { dropObjectTypeCache, resolveObjectType } from '../domain/object-types.ts';
import {
  archiveGroup,
  archiveProperties,
  createGroup,
  createProperties,
  getGroup,
  getProperty,
  listGroups,
  listProperties,
  propertyBatchError,
  updateGroup,
  updateProperty,
} from '../domain/properties/definitions.ts';
import { groupView, propertyView } from '../domain/properties/view.ts';
import type { AppEnv } from '../env.ts';
import { batchAnswer, batchErrorOf } from '../envelope.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

const tags = ['Properties'];
const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });
const batchProperties = z.object({
  status: z.literal('COMPLETE'),
  results: z.array(propertyViewSchema),
  startedAt: z.string(),
  completedAt: z.string(),
  numErrors: z.number().optional(),
  errors: z.array(batchError).optional(),
});
const errorAnswer = { description: 'HubSpot error body (VALIDATION_ERROR, OBJECT_NOT_FOUND, CONFLICT...)' };

// Changes run in a transaction with their audit entry; the definitions cache is dropped again after
// the commit, so no request in between keeps the old definitions.

/**
 * HubSpot CRM v3 properties: the property definitions and groups of every object type, standard
 * and custom (`{objectType}` a name, `0-1`-style id, or a custom type's name or `2-…` id). Every
 * record write is checked against them (record-properties.ts). Mounted at /crm/v3/properties.
 */
export function propertyRoutes() {
  return new Hono<AppEnv>()
    .get(
      '/:objectType/groups',
      describeRoute({ summary: 'List the property groups of an object type', tags, responses: { 200: json(propertyGroupList, 'The live groups'), default: errorAnswer } }),
      validate('param', objectTypeParam),
      validate('query', propertyGroupQuery),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const type = await resolveObjectType(c.get('db'), workspaceId, c.req.valid('param').objectType);
        return c.json({ results: (await listGroups(c.get('db'), workspaceId, type)).map(groupView) });
      },
    )
    .post(
      '/:objectType/groups',
      describeRoute({ summary: 'Create a property group', description: 'A name in use (live or archived) is a 409.', tags, responses: { 201: json(propertyGroupView, 'The new group'), default: errorAnswer } }),
      validate('param', objectTypeParam),
      validate('json', propertyGroupCreate),
      async (c) => {
        const auth = c.get('auth');
        const made = await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, c.req.valid('param').objectType);
          const row = await createGroup(tx, auth, type, c.req.valid('json'));
          await recordAudit(tx, auth, { action: 'property_group.created', targetType: 'property_group', targetId: `${type.typeId}/${row.name}`, details: { label: row.label } });
          return row;
        });
        return c.json(groupView(made), 201);
      },
    )
    .get(
      '/:objectType/groups/:groupName',
      describeRoute({ summary: 'A property group by name', tags, responses: { 200: json(propertyGroupView, 'The group'), default: errorAnswer } }),
      validate('param', propertyGroupParam),
      validate('query', propertyGroupQuery),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const { objectType, groupName } = c.req.valid('param');
        const type = await resolveObjectType(c.get('db'), workspaceId, objectType);
        return c.json(groupView(await getGroup(c.get('db'), workspaceId, type, groupName)));
      },
    )
    .patch(
      '/:objectType/groups/:groupName',
      describeRoute({ summary: 'Change a property group\'s label or display order', tags, responses: { 200: json(propertyGroupView, 'The group'), default: errorAnswer } }),
      validate('param', propertyGroupParam),
      validate('json', propertyGroupUpdate),
      async (c) => {
        const auth = c.get('auth');
        const { objectType, groupName } = c.req.valid('param');
        const row = await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, objectType);
          const updated = await updateGroup(tx, auth, type, groupName, c.req.valid('json'));
          await recordAudit(tx, auth, { action: 'property_group.updated', targetType: 'property_group', targetId: `${type.typeId}/${groupName}`, details: { changed: Object.keys(c.req.valid('json')) } });
          return updated;
        });
        return c.json(groupView(row));
      },
    )
    .delete(
      '/:objectType/groups/:groupName',
      describeRoute({ summary: 'Archive a property group', description: "HubSpot's own groups and groups that hold live properties are refused (400).", tags, responses: { 204: { description: 'Archived' }, default: errorAnswer } }),
      validate('param', propertyGroupParam),
      async (c) => {
        const auth = c.get('auth');
        const { objectType, groupName } = c.req.valid('param');
        await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, objectType);
          await archiveGroup(tx, auth, type, groupName);
          await recordAudit(tx, auth, { action: 'property_group.archived', targetType: 'property_group', targetId: `${type.typeId}/${groupName}`, details: {} });
        });
        return c.body(null, 204);
      },
    )
    .post(
      '/:objectType/batch/create',
      describeRoute({
        summary: 'Create properties in a batch',
        description: 'At most 100 inputs. Good inputs are created; refused ones (name taken, unknown group, type and field type not going together...) are answered per input with 207.',
        tags,
        responses: { 201: json(batchProperties, 'Every input created'), 207: json(batchProperties, 'Some inputs refused'), default: errorAnswer },
      }),
      validate('param', objectTypeParam),
      validate('json', propertyBatchCreate),
      async (c) => {
        const auth = c.get('auth');
        const startedAt = new Date();
        const { inputs } = c.req.valid('json');
        const outcome = await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, c.req.valid('param').objectType);
          const made = await createProperties(tx, auth, type, inputs, (i) => `inputs[${i}]`);
          if (made.rows.length > 0) await recordAudit(tx, auth, { action: 'property.created', targetType: 'property', targetId: type.typeId, details: { names: made.rows.map((r) => r.name) } });
          return made;
        });
        dropObjectTypeCache(auth.workspaceId);
        return batchAnswer(c, outcome.rows.map(propertyView), outcome.errors.map((e) => propertyBatchError(e.error, e.index)), startedAt, 201);
      },
    )
    .post(
      '/:objectType/batch/read',
      describeRoute({
        summary: 'Read properties by name',
        description: 'Found properties in input order; names that match none answer 207 with an error naming them. `archived: true` reads archived properties.',
        tags,
        responses: { 200: json(batchProperties, 'Every property found'), 207: json(batchProperties, 'Some names matched nothing'), default: errorAnswer },
      }),
      validate('param', objectTypeParam),
      validate('json', propertyBatchRead),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const startedAt = new Date();
        const body = c.req.valid('json');
        const type = await resolveObjectType(c.get('db'), workspaceId, c.req.valid('param').objectType);
        const all = new Map((await listProperties(c.get('db'), workspaceId, type, body.archived === true)).map((r) => [r.name, r]));
        const names = [...new Set(body.inputs.map((i) => i.name))];
        const missing = names.filter((n) => !all.has(n));
        const notFound = new ApiError('NOT_FOUND', `Properties not found: ${missing.join(', ')}`, { errors: missing.map((n) => ({ message: `no property ${n}`, in: `inputs[${body.inputs.findIndex((i) => i.name === n)}].name` })) });
        const errors = missing.length === 0 ? [] : [batchErrorOf(notFound, { names: missing })];
        return batchAnswer(c, names.filter((n) => all.has(n)).map((n) => propertyView(all.get(n)!)), errors, startedAt, 200);
      },
    )
    .post(
      '/:objectType/batch/archive',
      describeRoute({
        summary: 'Archive properties by name',
        description: "Names that match no live property are left alone. HubSpot's own properties, and the properties a custom type's schema names (required, searchable, display), are refused (400) and nothing is archived.",
        tags,
        responses: { 204: { description: 'Archived' }, default: errorAnswer },
      }),
      validate('param', objectTypeParam),
      validate('json', propertyBatchNames),
      async (c) => {
        const auth = c.get('auth');
        const { inputs } = c.req.valid('json');
        await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, c.req.valid('param').objectType);
          const gone = await archiveProperties(tx, auth, type, inputs.map((i) => i.name), { strict: false, where: (i) => `inputs[${i}].name` });
          if (gone.length > 0) await recordAudit(tx, auth, { action: 'property.archived', targetType: 'property', targetId: type.typeId, details: { names: gone } });
        });
        dropObjectTypeCache(auth.workspaceId);
        return c.body(null, 204);
      },
    )
    .get(
      '/:objectType',
      describeRoute({ summary: 'List the properties of an object type', description: '`archived=true` lists the archived ones.', tags, responses: { 200: json(propertyList, 'The properties'), default: errorAnswer } }),
      validate('param', objectTypeParam),
      validate('query', propertyListQuery),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const query = c.req.valid('query');
        const type = await resolveObjectType(c.get('db'), workspaceId, c.req.valid('param').objectType);
        // every property here is non_sensitive: asking for the sensitive ones finds none
        if (query.dataSensitivity && query.dataSensitivity !== 'non_sensitive') return c.json({ results: [] });
        return c.json({ results: (await listProperties(c.get('db'), workspaceId, type, query.archived === 'true')).map(propertyView) });
      },
    )
    .post(
      '/:objectType',
      describeRoute({
        summary: 'Create a property',
        description: 'The group must exist; enumerations need options; a name in use (live or archived) is a 409. Custom types: Enterprise only.',
        tags,
        responses: { 201: json(propertyViewSchema, 'The new property'), default: errorAnswer },
      }),
      validate('param', objectTypeParam),
      validate('json', propertyCreate),
      async (c) => {
        const auth = c.get('auth');
        const row = await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, c.req.valid('param').objectType);
          const made = await createProperties(tx, auth, type, [c.req.valid('json')], () => 'body');
          if (made.errors[0]) throw made.errors[0].error;
          await recordAudit(tx, auth, { action: 'property.created', targetType: 'property', targetId: type.typeId, details: { names: [made.rows[0]!.name] } });
          return made.rows[0]!;
        });
        dropObjectTypeCache(auth.workspaceId);
        return c.json(propertyView(row), 201);
      },
    )
    .get(
      '/:objectType/:propertyName',
      describeRoute({ summary: 'A property by name', description: '`archived=true` reads an archived one.', tags, responses: { 200: json(propertyViewSchema, 'The property'), default: errorAnswer } }),
      validate('param', propertyParam),
      validate('query', propertyListQuery),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const { objectType, propertyName } = c.req.valid('param');
        const type = await resolveObjectType(c.get('db'), workspaceId, objectType);
        return c.json(propertyView(await getProperty(c.get('db'), workspaceId, type, propertyName, c.req.valid('query').archived === 'true')));
      },
    )
    .patch(
      '/:objectType/:propertyName',
      describeRoute({
        summary: 'Change a property',
        description: "Label, description, group, options (replaced as a whole), display details. HubSpot's own properties keep their type and field type; the ones the server sets cannot change.",
        tags,
        responses: { 200: json(propertyViewSchema, 'The property'), default: errorAnswer },
      }),
      validate('param', propertyParam),
      validate('json', propertyUpdate),
      async (c) => {
        const auth = c.get('auth');
        const { objectType, propertyName } = c.req.valid('param');
        const patch = c.req.valid('json');
        const row = await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, objectType);
          const updated = await updateProperty(tx, auth, type, propertyName, patch);
          await recordAudit(tx, auth, { action: 'property.updated', targetType: 'property', targetId: type.typeId, details: { name: propertyName, changed: Object.keys(patch) } });
          return updated;
        });
        dropObjectTypeCache(auth.workspaceId);
        return c.json(propertyView(row));
      },
    )
    .delete(
      '/:objectType/:propertyName',
      describeRoute({ summary: 'Archive a property', description: "HubSpot's own properties cannot be archived (400); records keep their values.", tags, responses: { 204: { description: 'Archived' }, default: errorAnswer } }),
      validate('param', propertyParam),
      async (c) => {
        const auth = c.get('auth');
        const { objectType, propertyName } = c.req.valid('param');
        await c.get('db').transaction(async (tx) => {
          const type = await resolveObjectType(tx, auth.workspaceId, objectType);
          await archiveProperties(tx, auth, type, [propertyName], { strict: true, where: () => 'path:propertyName' });
          await recordAudit(tx, auth, { action: 'property.archived', targetType: 'property', targetId: type.typeId, details: { names: [propertyName] } });
        });
        dropObjectTypeCache(auth.workspaceId);
        return c.body(null, 204);
      },
    );
}
