import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';

/** Association definitions of custom object schemas, and the schemas' batch read (HubSpot's CRM schemas API). */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

const egg = (name: string) => ({
  name,
  labels: { singular: name, plural: `${name}s` },
  primaryDisplayProperty: 'title',
  requiredProperties: ['title'],
  properties: [{ name: 'title', label: 'Title', type: 'string', fieldType: 'text' }],
  associatedObjects: [],
});

async function schema(name: string): Promise<string> {
  const r = await t.call('POST', '/crm-object-schemas/v3/schemas', egg(name));
  expect(r.status).toBe(201);
  return r.body.objectTypeId;
}

describe('association definitions of custom objects', () => {
  it("createAssociation defines the pair's association type, which the v4 routes then use; archiveAssociation removes it", async () => {
    const cars = await schema('cars');
    const def = await hub.client.crm.schemas.coreApi.createAssociation(cars, { fromObjectTypeId: cars, toObjectTypeId: 'contacts', name: 'car_to_contact' });
    expect(def).toMatchObject({ id: expect.stringMatching(/^\d+$/), fromObjectTypeId: cars, toObjectTypeId: '0-1', name: 'car_to_contact' });
    expect(def.createdAt).toBeInstanceOf(Date);
    // the schema lists it, in both reads and the batch read
    expect((await hub.client.crm.schemas.coreApi.getById(cars)).associations).toEqual([expect.objectContaining({ id: def.id, fromObjectTypeId: cars, toObjectTypeId: '0-1', name: 'car_to_contact' })]);
    const batch = await t.call('POST', '/crm/v3/schemas/batch/read', { inputs: ['p_cars', 'nothing'], includePropertyDefinitions: false, includeAssociationDefinitions: true, includeAuditMetadata: true });
    expect(batch.status).toBe(200);
    expect(batch.body.results).toHaveLength(1);
    expect(batch.body.results[0]).toMatchObject({ objectTypeId: cars, properties: [], associations: [{ id: def.id, name: 'car_to_contact' }] });
    // the v4 API knows the type, both directions
    const labels = await t.call('GET', `/crm/v4/associations/${cars}/contacts/labels`);
    expect(labels.body.results).toEqual([{ category: 'USER_DEFINED', typeId: Number(def.id), label: null }]);
    expect((await t.call('GET', `/crm/v4/associations/contacts/${cars}/labels`)).body.results).toHaveLength(1);

    // a second definition of the pair, or the same name elsewhere: 409
    expect((await t.call('POST', `/crm-object-schemas/v3/schemas/${cars}/associations`, { fromObjectTypeId: cars, toObjectTypeId: '0-1', name: 'other' })).status).toBe(409);
    expect((await t.call('POST', `/crm/v3/schemas/${cars}/associations`, { fromObjectTypeId: cars, toObjectTypeId: '0-2', name: 'car_to_contact' })).status).toBe(409);

    // in use: refused; once the associations are gone, removed (both directions)
    const car = await t.call('POST', `/crm/v3/objects/${cars}`, { properties: { title: 'Beetle' } });
    const contact = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'driver@defs.example' } });
    expect((await t.call('PUT', `/crm/v4/objects/${cars}/${car.body.id}/associations/default/contacts/${contact.body.id}`)).status).toBe(200);
    const busy = await t.call('DELETE', `/crm-object-schemas/v3/schemas/${cars}/associations/${def.id}`);
    expect(busy.status).toBe(409);
    expect((await t.call('DELETE', `/crm/v4/objects/${cars}/${car.body.id}/associations/contacts/${contact.body.id}`)).status).toBe(204);
    await hub.client.crm.schemas.coreApi.archiveAssociation(cars, def.id);
    expect((await hub.client.crm.schemas.coreApi.getById(cars)).associations).toEqual([]);
    expect((await t.call('GET', `/crm/v4/associations/${cars}/contacts/labels`)).body.results).toEqual([]);
    await expect(hub.client.crm.schemas.coreApi.archiveAssociation(cars, def.id)).rejects.toMatchObject({ code: 404 });
    const audit = await t.call('GET', `/api/audit?action=schema.updated&targetId=${cars}`);
    expect(audit.body.results.map((e: { details: Record<string, unknown> }) => e.details)).toEqual([{ associationRemoved: def.id }, { associationCreated: def.id, toObjectTypeId: '0-1', name: 'car_to_contact' }]);
  });

  it('a pair used before it was defined gets its name; the path must be a custom object and match fromObjectTypeId', async () => {
    const boats = await schema('boats');
    const boat = await t.call('POST', `/crm/v3/objects/${boats}`, { properties: { title: 'Ark' } });
    const co = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Harbour' } });
    expect((await t.call('PUT', `/crm/v4/objects/${boats}/${boat.body.id}/associations/default/companies/${co.body.id}`)).status).toBe(200);
    const used = await t.call('GET', `/crm/v4/associations/${boats}/companies/labels`);
    const r = await t.call('POST', `/crm-object-schemas/v3/schemas/p_boats/associations`, { fromObjectTypeId: 'boats', toObjectTypeId: 'companies', name: 'boat_to_company' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: String(used.body.results[0].typeId), toObjectTypeId: '0-2', name: 'boat_to_company' });

    expect((await t.call('POST', '/crm-object-schemas/v3/schemas/contacts/associations', { fromObjectTypeId: 'contacts', toObjectTypeId: boats })).status).toBe(404);
    const wrongFrom = await t.call('POST', `/crm-object-schemas/v3/schemas/${boats}/associations`, { fromObjectTypeId: 'contacts', toObjectTypeId: 'deals' });
    expect(wrongFrom).toMatchObject({ status: 400, body: { errors: [{ in: 'body:fromObjectTypeId' }] } });
    expect((await t.call('POST', `/crm-object-schemas/v3/schemas/${boats}/associations`, { fromObjectTypeId: boats, toObjectTypeId: 'spaceships' })).status).toBe(400);
  });

  it('a rep may read but not define; other plans may not define', async () => {
    const planes = await schema('planes');
    const rep = await t.call('POST', '/api/users', { name: 'Rep', email: 'rep@defs.example', role: 'rep' });
    expect((await t.call('POST', `/crm-object-schemas/v3/schemas/${planes}/associations`, { fromObjectTypeId: planes, toObjectTypeId: 'deals' }, rep.body.token)).status).toBe(403);
    expect((await t.call('POST', '/crm-object-schemas/v3/schemas/batch/read', { inputs: [planes] }, rep.body.token)).status).toBe(200);
    expect((await t.call('PATCH', '/api/workspace', { plan: 'professional' })).status).toBe(200);
    try {
      const refused = await t.call('POST', `/crm-object-schemas/v3/schemas/${planes}/associations`, { fromObjectTypeId: planes, toObjectTypeId: 'deals' });
      expect(refused).toMatchObject({ status: 403, body: { errors: [{ in: 'plan' }] } });
    } finally {
      await t.call('PATCH', '/api/workspace', { plan: 'enterprise' });
    }
  });
});
