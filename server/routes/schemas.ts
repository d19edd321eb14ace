import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { objectSchemaEgg, objectSchemaPatch, objectTypeParam, schemaListQuery } from '../../shared/records.ts';
import { recordAudit } from '../domain/audit.ts';
import { archiveObjectSchema, createObjectSchema, getObjectSchema, listObjectSchemas, updateObjectSchema } from '../domain/custom-schemas.ts';
import { dropObjectTypeCache } from '../domain/object-types.ts';
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
      const results = await listObjectSchemas(c.get('db'), c.get('auth').workspaceId, { archived: c.req.valid('query').archived === 'true' });
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
    .get('/:objectType', describeRoute({ summary: 'A custom object type by type id, name or fully qualified name', tags }), validate('param', objectTypeParam), async (c) => {
      return c.json(await getObjectSchema(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').objectType));
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
