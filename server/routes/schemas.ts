import { Hono } from 'hono';
import { z } from 'zod';
import { describeRoute, resolver } from 'hono-openapi';
import {
  associationDefinitionEgg,
  associationDefinitionPath,
  associationDefinitionView,
  objectSchemaEgg,
  objectSchemaPatch,
  objectSchemaView,
  objectTypeParam,
  schemaBatchReadBody,
  schemaListQuery,
} from '../../shared/records.ts';
import { recordAudit } from '../domain/audit.ts';
import { archiveObjectSchema, createObjectSchema, getObjectSchema, listObjectSchemas, updateObjectSchema } from '../domain/custom-schemas.ts';
import { dropObjectTypeCache } from '../domain/object-types.ts';
import { createAssociationDefinition, removeAssociationDefinition, withAssociations } from '../domain/schema-associations.ts';
import type { AppEnv } from '../env.ts';
import { validate } from '../validate.ts';

const tags = ['Schemas'];

// Changes run in a transaction with their audit entry; the type cache is dropped again after the
// commit, so no request in between keeps the old types.

/**
 * HubSpot CRM v3 schemas: custom object types (R1, Enterprise only for changes). Mounted at
 * /crm/v3/schemas and /crm-object-schemas/v3/schemas.
 */
export function schemaRoutes() {
  return new Hono<AppEnv>()
    .get('/', describeRoute({ summary: 'List custom object types', tags }), validate('query', schemaListQuery), async (c) => {
      const db = c.get('db');
      const ws = c.get('auth').workspaceId;
      const results = await withAssociations(db, ws, await listObjectSchemas(db, ws, { archived: c.req.valid('query').archived === 'true' }));
      return c.json({ results });
    })
    .post('/', describeRoute({ summary: 'Define a custom object type (Enterprise)', tags }), validate('json', objectSchemaEgg), async (c) => {
      const auth = c.get('auth');
      const view = await c.get('db').transaction(async (tx) => {
        const made = await createObjectSchema(tx, auth, c.req.valid('json'));
        await recordAudit(tx, auth, { action: 'schema.created', targetType: 'schema', targetId: made.objectTypeId, details: { name: made.name } });
        return made;
      });
      dropObjectTypeCache(auth.workspaceId);
      return c.json(view, 201);
    })
    .post(
      '/batch/read',
      describeRoute({
        summary: 'Read custom object types by type id, name or fully qualified name',
        description:
          'Answers the live types among `inputs` in their order (names that match none are left out, as HubSpot does). `includePropertyDefinitions: false` leaves `properties` empty, `includeAssociationDefinitions: false` `associations`; `createdAt` and `updatedAt` are always there.',
        tags,
        responses: { 200: { description: 'The types found', content: { 'application/json': { schema: resolver(z.object({ results: z.array(objectSchemaView) })) } } } },
      }),
      validate('json', schemaBatchReadBody),
      async (c) => {
        const db = c.get('db');
        const ws = c.get('auth').workspaceId;
        const body = c.req.valid('json');
        const all = await listObjectSchemas(db, ws);
        const matches = (v: (typeof all)[number], ref: string) => v.objectTypeId === ref || v.name.toLowerCase() === ref.toLowerCase() || v.fullyQualifiedName.toLowerCase() === ref.toLowerCase();
        const found = [...new Set(body.inputs.flatMap((ref) => all.filter((v) => matches(v, ref))))];
        const results = (await withAssociations(db, ws, found)).map((v) => ({
          ...v,
          ...(body.includePropertyDefinitions === false ? { properties: [] } : {}),
          ...(body.includeAssociationDefinitions === false ? { associations: [] } : {}),
        }));
        return c.json({ results });
      },
    )
    .post(
      '/:objectType/associations',
      describeRoute({
        summary: 'Define the association between a custom object and another object type (Enterprise)',
        description:
          "HubSpot's createAssociation: the pair's unlabeled association type, both directions, with `name` (unique in the workspace). `fromObjectTypeId` must be the path's type. A pair already used without a definition gets its name; a pair defined already, or a name taken: 409. The id is the association type id of the direction from the custom object (the v4 routes use it).",
        tags,
        responses: { 201: { description: 'The definition', content: { 'application/json': { schema: resolver(associationDefinitionView) } } } },
      }),
      validate('param', objectTypeParam),
      validate('json', associationDefinitionEgg),
      async (c) => {
        const auth = c.get('auth');
        const created = await c.get('db').transaction(async (tx) => {
          const def = await createAssociationDefinition(tx, { ...auth, ...(auth.principal.kind === 'user' ? { createdBy: auth.principal.userId } : {}) }, c.req.valid('param').objectType, c.req.valid('json'));
          await recordAudit(tx, auth, { action: 'schema.updated', targetType: 'schema', targetId: def.fromObjectTypeId, details: { associationCreated: def.id, toObjectTypeId: def.toObjectTypeId, name: def.name ?? null } });
          return def;
        });
        return c.json(created, 201);
      },
    )
    .delete(
      '/:objectType/associations/:associationIdentifier',
      describeRoute({
        summary: 'Remove an association definition of a custom object (Enterprise)',
        description: 'Both directions of the pair\'s unlabeled type go, with limits set on it. While associations of the pair exist: 409 (remove them first). Unknown id: 404.',
        tags,
        responses: { 204: { description: 'Removed' } },
      }),
      validate('param', associationDefinitionPath),
      async (c) => {
        const auth = c.get('auth');
        const { objectType, associationIdentifier } = c.req.valid('param');
        await c.get('db').transaction(async (tx) => {
          const gone = await removeAssociationDefinition(tx, auth, objectType, associationIdentifier);
          await recordAudit(tx, auth, { action: 'schema.updated', targetType: 'schema', targetId: gone.objectTypeId, details: { associationRemoved: String(gone.typeId) } });
        });
        return c.body(null, 204);
      },
    )
    .get('/:objectType', describeRoute({ summary: 'A custom object type by type id, name or fully qualified name', tags }), validate('param', objectTypeParam), async (c) => {
      const db = c.get('db');
      const ws = c.get('auth').workspaceId;
      const [view] = await withAssociations(db, ws, [await getObjectSchema(db, ws, c.req.valid('param').objectType)]);
      return c.json(view!);
    })
    .patch(
      '/:objectType',
      describeRoute({ summary: 'Change labels, required, searchable and display properties (Enterprise)', tags }),
      validate('param', objectTypeParam),
      validate('json', objectSchemaPatch),
      async (c) => {
        const auth = c.get('auth');
        const patch = c.req.valid('json');
        const view = await c.get('db').transaction(async (tx) => {
          const updated = await updateObjectSchema(tx, auth, c.req.valid('param').objectType, patch);
          await recordAudit(tx, auth, { action: 'schema.updated', targetType: 'schema', targetId: updated.objectTypeId, details: { name: updated.name, changed: Object.keys(patch) } });
          return updated;
        });
        dropObjectTypeCache(auth.workspaceId);
        return c.json(view);
      },
    )
    .delete(
      '/:objectType',
      describeRoute({ summary: 'Archive a custom object type without live records; ?archived=true purges an archived one (Enterprise)', tags }),
      validate('param', objectTypeParam),
      validate('query', schemaListQuery),
      async (c) => {
        const auth = c.get('auth');
        const purge = c.req.valid('query').archived === 'true';
        await c.get('db').transaction(async (tx) => {
          const gone = await archiveObjectSchema(tx, auth, c.req.valid('param').objectType, { purge });
          await recordAudit(tx, auth, { action: purge ? 'schema.purged' : 'schema.archived', targetType: 'schema', targetId: gone.typeId, details: { name: gone.name } });
        });
        dropObjectTypeCache(auth.workspaceId);
        return c.body(null, 204);
      },
    );
}
