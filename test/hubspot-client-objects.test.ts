import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/index.js';
import { ObjectTypePropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/schemas/index.js';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';
import { defineProperties } from './helpers/properties.ts';

/** X5: HubSpot's own Node client, pointed at a real listening server, works for objects, search and schemas. */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

describe('@hubspot/api-client against our objects and schemas API (X5)', () => {
  it('X5: contacts basicApi create, getById, update, archive', async () => {
    const created = await hub.client.crm.contacts.basicApi.create({ properties: { email: 'Ada@Analytical.example', firstname: 'Ada' }, associations: [] });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.properties).toMatchObject({ email: 'ada@analytical.example', firstname: 'Ada', hs_object_id: created.id });

    const read = await hub.client.crm.contacts.basicApi.getById(created.id, ['email', 'lastname']);
    expect(read.properties).toMatchObject({ email: 'ada@analytical.example', lastname: null });
    const byEmail = await hub.client.crm.contacts.basicApi.getById('ada@analytical.example', undefined, undefined, undefined, false, 'email');
    expect(byEmail.id).toBe(created.id);

    const updated = await hub.client.crm.contacts.basicApi.update(created.id, { properties: { lastname: 'Lovelace' } });
    expect(updated.properties).toMatchObject({ firstname: 'Ada', lastname: 'Lovelace' });

    await hub.client.crm.contacts.basicApi.archive(created.id);
    await expect(hub.client.crm.contacts.basicApi.getById(created.id)).rejects.toMatchObject({ code: 404 });
  });

  it('X5, R7: a contact created with an association to a company has it as primary', async () => {
    const company = await hub.client.crm.companies.basicApi.create({ properties: { name: 'Analytical', domain: 'analytical.example' }, associations: [] });
    const contact = await hub.client.crm.contacts.basicApi.create({
      properties: { email: 'charles@analytical.example' },
      associations: [{ to: { id: company.id }, types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: 279 }] }],
    });
    const page = await hub.client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(page.results[0]!.associationTypes.map((x) => x.typeId).sort((a, b) => a - b)).toEqual([1, 279]);
    const withAssociations = await hub.client.crm.contacts.basicApi.getById(contact.id, undefined, undefined, ['companies']);
    expect(withAssociations.associations?.companies?.results.map((r) => r.id)).toEqual([company.id]);
  });

  it('X5: a duplicate email is an ApiException with status 409 and HubSpot\'s message', async () => {
    await hub.client.crm.contacts.basicApi.create({ properties: { email: 'twice@example.com' }, associations: [] });
    await expect(hub.client.crm.contacts.basicApi.create({ properties: { email: 'twice@example.com' }, associations: [] })).rejects.toMatchObject({
      code: 409,
      body: { message: expect.stringMatching(/^Contact already exists\. Existing ID: \d+$/) },
    });
  });

  it('X5: companies batchApi create answers COMPLETE with the records', async () => {
    const r = await hub.client.crm.companies.batchApi.create({
      inputs: [{ properties: { name: 'Initech', domain: 'https://www.initech.example/' }, associations: [] }, { properties: { name: 'Globex' }, associations: [] }],
    });
    expect(r.status).toBe('COMPLETE');
    expect(r.completedAt).toBeInstanceOf(Date);
    expect(r.results.map((x) => x.properties.domain ?? null).sort()).toEqual(['initech.example', null].sort());
  });

  it('X5: contacts searchApi doSearch with filters, sorts and paging', async () => {
    await defineProperties(t.call, 'contacts', [{ name: 'age', type: 'number' }, { name: 'team', type: 'string' }]);
    for (const [firstname, age] of [['Zed', '30'], ['Yan', '40'], ['Xia', '50']] as const) {
      await hub.client.crm.contacts.basicApi.create({ properties: { firstname, age, team: 'search' }, associations: [] });
    }
    const first = await hub.client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'team', operator: FilterOperatorEnum.Eq, value: 'search' }, { propertyName: 'age', operator: FilterOperatorEnum.Gte, value: '40' }] }],
      sorts: ['-age'],
      properties: ['firstname', 'age'],
      limit: 1,
      after: '0',
    });
    expect(first.total).toBe(2);
    expect(first.results.map((r) => r.properties.firstname)).toEqual(['Xia']);
    const second = await hub.client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'team', operator: FilterOperatorEnum.Eq, value: 'search' }, { propertyName: 'age', operator: FilterOperatorEnum.Gte, value: '40' }] }],
      sorts: ['-age'],
      properties: ['firstname'],
      limit: 1,
      after: first.paging!.next!.after,
    });
    expect(second.results.map((r) => r.properties.firstname)).toEqual(['Yan']);
  });

  it('X5, R1: schemas coreApi create and getAll; records of the new type through basicApi of crm.objects', async () => {
    const schema = await hub.client.crm.schemas.coreApi.create({
      name: 'machines',
      labels: { singular: 'Machine', plural: 'Machines' },
      primaryDisplayProperty: 'machine_name',
      requiredProperties: ['machine_name'],
      searchableProperties: ['machine_name'],
      properties: [
        { name: 'machine_name', label: 'Name', type: ObjectTypePropertyCreateTypeEnum.String, fieldType: 'text' },
        { name: 'weight', label: 'Weight', type: ObjectTypePropertyCreateTypeEnum.Number, fieldType: 'number' },
      ],
      associatedObjects: ['CONTACT'],
    });
    expect(schema.objectTypeId).toMatch(/^2-\d+$/);
    expect(schema.createdAt).toBeInstanceOf(Date);
    expect(schema.properties.map((p) => p.name)).toEqual(['machine_name', 'weight']);
    const all = await hub.client.crm.schemas.coreApi.getAll();
    expect(all.results.map((s) => s.name)).toContain('machines');
    const record = await hub.client.crm.objects.basicApi.create(schema.objectTypeId!, { properties: { machine_name: 'Difference Engine', weight: '15000' }, associations: [] });
    const read = await hub.client.crm.objects.basicApi.getById(schema.objectTypeId!, record.id, ['machine_name']);
    expect(read.properties.machine_name).toBe('Difference Engine');
  });
});
