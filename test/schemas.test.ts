import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { objectSchemas } from '../server/db/schema/index.ts';
import { useTestApp } from './helpers/app.ts';

const S = '/crm/v3/schemas';

/** A valid ObjectSchemaEgg (HubSpot's create body). */
function egg(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    labels: { singular: `${name} one`, plural: `${name} many` },
    primaryDisplayProperty: 'title',
    secondaryDisplayProperties: ['status'],
    searchableProperties: ['title'],
    requiredProperties: ['title'],
    properties: [
      { name: 'title', label: 'Title', type: 'string', fieldType: 'text' },
      { name: 'status', label: 'Status', type: 'enumeration', fieldType: 'select', options: [{ label: 'Open', value: 'open', displayOrder: 0, hidden: false }, { label: 'Closed', value: 'closed', displayOrder: 1, hidden: false }] },
      { name: 'size', label: 'Size', type: 'number', fieldType: 'number' },
    ],
    associatedObjects: ['CONTACT', 'companies'],
    ...extra,
  };
}

describe('CRM v3 schemas (custom object types)', () => {
  const t = useTestApp({ plan: 'enterprise' });
  const schemaCount = async (workspaceId: string) => (await t.db.db.select().from(objectSchemas).where(eq(objectSchemas.workspaceId, workspaceId))).length;

  describe('happy paths', () => {
    it("R1: POST defines a type (201) in HubSpot's ObjectSchema shape, type id 2-<n>", async () => {
      const r = await t.call('POST', S, egg('projects', { description: 'Client projects' }));
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        id: expect.stringMatching(/^\d+$/),
        objectTypeId: expect.stringMatching(/^2-\d+$/),
        fullyQualifiedName: 'p_projects',
        name: 'projects',
        description: 'Client projects',
        labels: { singular: 'projects one', plural: 'projects many' },
        requiredProperties: ['title'],
        searchableProperties: ['title'],
        primaryDisplayProperty: 'title',
        secondaryDisplayProperties: ['status'],
        associations: [],
        archived: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(r.body.objectTypeId).toBe(`2-${r.body.id}`);
      expect(r.body.properties[1]).toMatchObject({
        name: 'status', label: 'Status', type: 'enumeration', fieldType: 'select', groupName: expect.any(String), description: '',
        options: [{ label: 'Open', value: 'open', hidden: false, displayOrder: 0 }, { label: 'Closed', value: 'closed', hidden: false, displayOrder: 1 }],
      });
    });

    it('GET lists live types under both prefixes; GET one by name, type id or fully qualified name', async () => {
      const created = await t.call('POST', S, egg('widgets'));
      for (const prefix of [S, '/crm-object-schemas/v3/schemas']) {
        const list = await t.call('GET', prefix);
        expect(list.status).toBe(200);
        expect(list.body.results.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['projects', 'widgets']));
      }
      for (const ref of ['widgets', created.body.objectTypeId, 'p_widgets']) {
        const one = await t.call('GET', `${S}/${ref}`);
        expect(one.body.objectTypeId, ref).toBe(created.body.objectTypeId);
      }
      expect((await t.call('GET', `${S}/nothing`)).body.subCategory).toBe('OBJECT_TYPE_NOT_FOUND');
    });

    it('records of a new type can be written at once (the type cache is dropped)', async () => {
      expect((await t.call('GET', '/crm/v3/objects/planes')).status).toBe(404);
      await t.call('POST', S, egg('planes'));
      const r = await t.call('POST', '/crm/v3/objects/planes', { properties: { title: 'Fokker', status: 'open' } });
      expect(r.status).toBe(201);
    });

    it('PATCH changes labels, required, searchable and display properties', async () => {
      await t.call('POST', S, egg('trains'));
      const r = await t.call('PATCH', `${S}/trains`, {
        labels: { plural: 'Trains' },
        requiredProperties: [],
        searchableProperties: ['title', 'status'],
        primaryDisplayProperty: 'status',
        secondaryDisplayProperties: [],
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ labels: { singular: 'trains one', plural: 'Trains' }, requiredProperties: [], searchableProperties: ['title', 'status'], primaryDisplayProperty: 'status' });
      // the new rules apply to records at once: title is no longer required
      expect((await t.call('POST', '/crm/v3/objects/trains', { properties: { size: 3 } })).status).toBe(201);
    });

    it('DELETE archives a type without live records; archived=true lists it and purges it, freeing the name', async () => {
      await t.call('POST', S, egg('boxes'));
      const rec = await t.call('POST', '/crm/v3/objects/boxes', { properties: { title: 'Box 1' } });
      const refused = await t.call('DELETE', `${S}/boxes`);
      expect(refused).toMatchObject({ status: 409, body: { category: 'CONFLICT' } });
      expect(refused.body.message).toContain('live records');
      await t.call('DELETE', `/crm/v3/objects/boxes/${rec.body.id}`);
      expect((await t.call('DELETE', `${S}/boxes`)).status).toBe(204);
      expect((await t.call('GET', S)).body.results.map((s: { name: string }) => s.name)).not.toContain('boxes');
      expect((await t.call('GET', `${S}?archived=true`)).body.results).toEqual([expect.objectContaining({ name: 'boxes', archived: true })]);
      expect((await t.call('GET', '/crm/v3/objects/boxes')).status).toBe(404);
      const again = await t.call('POST', S, egg('boxes'));
      expect(again.status).toBe(409);
      expect(again.body.message).toContain('archived');
      // purging needs the archived records gone as well
      expect((await t.call('DELETE', `${S}/boxes?archived=true`)).status).toBe(409);
    });

    it('purging an archived type without records frees its name', async () => {
      await t.call('POST', S, egg('crates'));
      expect((await t.call('DELETE', `${S}/crates`)).status).toBe(204);
      expect((await t.call('DELETE', `${S}/crates?archived=true`)).status).toBe(204);
      expect((await t.call('POST', S, egg('crates'))).status).toBe(201);
    });
  });

  describe('bad input: SCHEMA_INVALID naming the field, nothing written', () => {
    it('references to unknown properties, enumerations without options, repeated names', async () => {
      const before = await schemaCount(t.workspaceId);
      const r = await t.call('POST', S, egg('broken', {
        requiredProperties: ['nope'],
        primaryDisplayProperty: 'missing',
        properties: [
          { name: 'title', label: 'Title', type: 'string', fieldType: 'text' },
          { name: 'title', label: 'Again', type: 'string', fieldType: 'text' },
          { name: 'kind', label: 'Kind', type: 'enumeration', fieldType: 'select' },
        ],
        secondaryDisplayProperties: [],
        searchableProperties: [],
      }));
      expect(r.status).toBe(400);
      expect(r.body.subCategory).toBe('SCHEMA_INVALID');
      expect(r.body.errors.map((e: { in: string }) => e.in)).toEqual([
        'body:properties[1].name',
        'body:properties[2].options',
        'body:requiredProperties[0]',
        'body:primaryDisplayProperty',
      ]);
      expect(await schemaCount(t.workspaceId)).toBe(before);
    });

    it('a standard object name, a bad name, an unknown associated object and a taken name are refused', async () => {
      const before = await schemaCount(t.workspaceId);
      expect((await t.call('POST', S, egg('contacts'))).body.errors[0].in).toBe('body:name');
      expect((await t.call('POST', S, egg('9lives'))).body.errors[0].in).toBe('body:name');
      expect((await t.call('POST', S, egg('ships', { associatedObjects: ['unicorns'] }))).body.errors[0].in).toBe('body:associatedObjects[0]');
      expect((await t.call('POST', S, egg('PROJECTS'))).status).toBe(409);
      expect((await t.call('POST', S, { name: 'x' })).body.subCategory).toBe('VALIDATION_ERROR');
      expect(await schemaCount(t.workspaceId)).toBe(before);
    });

    it('PATCH naming a property the type lacks is refused and changes nothing', async () => {
      const r = await t.call('PATCH', `${S}/projects`, { searchableProperties: ['title', 'ghost'] });
      expect(r).toMatchObject({ status: 400, body: { subCategory: 'SCHEMA_INVALID', errors: [{ in: 'body:searchableProperties[1]' }] } });
      expect((await t.call('GET', `${S}/projects`)).body.searchableProperties).toEqual(['title']);
    });

    it('a workspace holds at most 100 custom types', async () => {
      const ws = await t.call('POST', '/api/workspaces', { name: 'Full', plan: 'enterprise' });
      const definition = { labels: { singular: 'x', plural: 'xs' }, properties: [{ name: 'a', label: 'A', type: 'string' as const }], requiredProperties: [], searchableProperties: [], primaryDisplayProperty: 'a', secondaryDisplayProperties: [] };
      await t.db.db.insert(objectSchemas).values(
        Array.from({ length: 100 }, (_, i) => ({ workspaceId: ws.body.id, typeId: sql`'2-' || nextval('object_type_numbers')`, name: `t${i}`, definition })),
      );
      const r = await t.call('POST', S, egg('one_too_many'), ws.body.adminToken);
      expect(r.status).toBe(400);
      expect(r.body.message).toContain('100');
      expect(await schemaCount(ws.body.id)).toBe(100);
    });
  });

  describe('security', () => {
    it('R1: starter and professional workspaces get 403 PLAN_REQUIRED saying Enterprise is needed; nothing written', async () => {
      for (const plan of ['starter', 'professional']) {
        const ws = await t.call('POST', '/api/workspaces', { name: `On ${plan}`, plan });
        const r = await t.call('POST', S, egg('gadgets'), ws.body.adminToken);
        expect(r.status, plan).toBe(403);
        expect(r.body).toMatchObject({ subCategory: 'PLAN_REQUIRED', category: 'MISSING_SCOPES' });
        expect(r.body.message).toContain('Enterprise');
        expect((await t.call('PATCH', `${S}/projects`, { labels: { plural: 'X' } }, ws.body.adminToken)).status).toBe(403);
        expect((await t.call('DELETE', `${S}/projects`, undefined, ws.body.adminToken)).status).toBe(403);
        expect(await schemaCount(ws.body.id)).toBe(0);
        expect((await t.call('GET', S, undefined, ws.body.adminToken)).body).toEqual({ results: [] });
      }
    });

    it('R1: after a downgrade, custom records can be read but not written', async () => {
      const ws = await t.call('POST', '/api/workspaces', { name: 'Downgraded', plan: 'enterprise' });
      const token = ws.body.adminToken;
      await t.call('POST', S, egg('things'), token);
      const rec = await t.call('POST', '/crm/v3/objects/things', { properties: { title: 'Kept' } }, token);
      // plans are the instance owner's
      expect((await t.call('PATCH', `/api/workspaces/${ws.body.id}`, { plan: 'professional' })).status).toBe(200);
      expect((await t.call('GET', `/crm/v3/objects/things/${rec.body.id}`, undefined, token)).status).toBe(200);
      const refused = await t.call('POST', '/crm/v3/objects/things', { properties: { title: 'New' } }, token);
      expect(refused).toMatchObject({ status: 403, body: { subCategory: 'PLAN_REQUIRED' } });
      expect((await t.call('PATCH', `/crm/v3/objects/things/${rec.body.id}`, { properties: { title: 'X' } }, token)).status).toBe(403);
    });

    it("another workspace's types are invisible", async () => {
      const ws = await t.call('POST', '/api/workspaces', { name: 'Neighbour', plan: 'enterprise' });
      expect((await t.call('GET', `${S}/projects`, undefined, ws.body.adminToken)).status).toBe(404);
      expect((await t.call('GET', S, undefined, ws.body.adminToken)).body.results).toEqual([]);
      // the same name is free there
      expect((await t.call('POST', S, egg('projects'), ws.body.adminToken)).status).toBe(201);
    });
  });
});
