import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { objectSchemaEgg, objectSchemaPatch, objectTypeParam, schemaListQuery } from '../../shared/records.ts';
import { archiveObjectSchema, createObjectSchema, getObjectSchema, listObjectSchemas, updateObjectSchema } from '../domain/custom-schemas.ts';
import type { AppEnv } from '../env.ts';
import { validate } from '../validate.ts';

const tags = ['Schemas'];

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
      return c.json(await createObjectSchema(c.get('db'), auth, c.req.valid('json')), 201);
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
        return c.json(await updateObjectSchema(c.get('db'), c.get('auth'), c.req.valid('param').objectType, c.req.valid('json')));
      },
    )
    .delete(
      '/:objectType',
      describeRoute({ summary: 'Archive a custom object type without live records; ?archived=true purges an archived one (Enterprise)', tags }),
      validate('param', objectTypeParam),
      validate('query', schemaListQuery),
      async (c) => {
        await archiveObjectSchema(c.get('db'), c.get('auth'), c.req.valid('param').objectType, { purge: c.req.valid('query').archived === 'true' });
        return c.body(null, 204);
      },
    );
}
