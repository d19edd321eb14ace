import { PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';

/** X5: HubSpot's own Node client drives the Properties API: coreApi, batchApi and groupsApi. */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

describe('@hubspot/api-client against the Properties API (X5)', () => {
  it('X5: coreApi getAll lists HubSpot\'s standard contact properties with their types and groups', async () => {
    const all = await hub.client.crm.properties.coreApi.getAll('contacts');
    const byName = new Map(all.results.map((p) => [p.name, p]));
    expect(byName.get('email')).toMatchObject({ type: 'string', fieldType: 'text', groupName: 'contactinformation', hasUniqueValue: true, hubspotDefined: true, modificationMetadata: { archivable: false, readOnlyValue: false } });
    expect(byName.get('hs_object_id')).toMatchObject({ type: 'number', calculated: true, modificationMetadata: { readOnlyValue: true, readOnlyDefinition: true } });
    expect(byName.get('lifecyclestage')?.options.map((o) => o.value)).toEqual(['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other']);
    expect(byName.get('createdate')?.type).toBe('datetime');
    expect(byName.get('createdate')?.createdAt).toBeInstanceOf(Date);
    const deals = await hub.client.crm.properties.coreApi.getAll('0-3');
    expect(deals.results.find((p) => p.name === 'amount')).toMatchObject({ type: 'number', groupName: 'dealinformation' });
    expect(deals.results.find((p) => p.name === 'closedate')).toMatchObject({ type: 'datetime' });
    const emails = await hub.client.crm.properties.coreApi.getAll('emails');
    expect(emails.results.map((p) => p.name)).toEqual(expect.arrayContaining(['hs_timestamp', 'hs_email_subject', 'hs_email_text', 'hs_email_direction', 'hs_email_headers']));
  });

  it('X5: coreApi create, getByName, update, archive of a custom contact property; records are checked against it', async () => {
    const made = await hub.client.crm.properties.coreApi.create('contacts', {
      name: 'favorite_fruit',
      label: 'Favorite fruit',
      type: PropertyCreateTypeEnum.Enumeration,
      fieldType: PropertyCreateFieldTypeEnum.Select,
      groupName: 'contactinformation',
      options: [
        { label: 'Apple', value: 'apple', hidden: false, displayOrder: 0 },
        { label: 'Pear', value: 'pear', hidden: false, displayOrder: 1 },
      ],
    });
    expect(made).toMatchObject({ name: 'favorite_fruit', type: 'enumeration', hubspotDefined: false, archived: false, modificationMetadata: { archivable: true, readOnlyValue: false } });
    expect((await hub.client.crm.properties.coreApi.getByName('contacts', 'favorite_fruit')).options).toHaveLength(2);

    const ok = await hub.client.crm.contacts.basicApi.create({ properties: { email: 'fruit@example.com', favorite_fruit: 'pear' }, associations: [] });
    expect(ok.properties.favorite_fruit).toBe('pear');
    await expect(hub.client.crm.contacts.basicApi.create({ properties: { favorite_fruit: 'banana' }, associations: [] })).rejects.toMatchObject({
      code: 400,
      body: { category: 'VALIDATION_ERROR', message: expect.stringContaining('Property values were not valid'), errors: [{ in: 'properties.favorite_fruit' }] },
    });

    const updated = await hub.client.crm.properties.coreApi.update('contacts', 'favorite_fruit', {
      label: 'Fruit',
      options: [
        { label: 'Apple', value: 'apple', hidden: false, displayOrder: 0 },
        { label: 'Pear', value: 'pear', hidden: false, displayOrder: 1 },
        { label: 'Banana', value: 'banana', hidden: false, displayOrder: 2 },
      ],
    });
    expect(updated).toMatchObject({ label: 'Fruit', options: [{ value: 'apple' }, { value: 'pear' }, { value: 'banana' }] });
    expect((await hub.client.crm.contacts.basicApi.create({ properties: { favorite_fruit: 'banana' }, associations: [] })).properties.favorite_fruit).toBe('banana');

    await hub.client.crm.properties.coreApi.archive('contacts', 'favorite_fruit');
    await expect(hub.client.crm.properties.coreApi.getByName('contacts', 'favorite_fruit')).rejects.toMatchObject({ code: 404 });
    expect((await hub.client.crm.properties.coreApi.getByName('contacts', 'favorite_fruit', true)).archived).toBe(true);
    // an archived property is no longer written
    await expect(hub.client.crm.contacts.basicApi.update(ok.id, { properties: { favorite_fruit: 'apple' } })).rejects.toMatchObject({ code: 400, body: { errors: [{ code: 'PROPERTY_DOESNT_EXIST', in: 'properties.favorite_fruit' }] } });
  });

  it('X5: standard properties cannot be archived nor change type; their labels and options can change', async () => {
    await expect(hub.client.crm.properties.coreApi.archive('contacts', 'firstname')).rejects.toMatchObject({ code: 400 });
    await expect(hub.client.crm.properties.coreApi.update('deals', 'amount', { type: 'string' as never })).rejects.toMatchObject({ code: 400, body: { errors: expect.arrayContaining([expect.objectContaining({ in: 'body:type' })]) } });
    await expect(hub.client.crm.properties.coreApi.update('contacts', 'hs_object_id', { label: 'Id' })).rejects.toMatchObject({ code: 400 });
    const relabelled = await hub.client.crm.properties.coreApi.update('tickets', 'hs_ticket_priority', { label: 'Urgency' });
    expect(relabelled).toMatchObject({ label: 'Urgency', type: 'enumeration', hubspotDefined: true });
  });

  it('X5: batchApi create (201, then 207 for a taken name), read and archive', async () => {
    const created = await hub.client.crm.properties.batchApi.create('companies', {
      inputs: [
        { name: 'tier', label: 'Tier', type: PropertyCreateTypeEnum.Number, fieldType: PropertyCreateFieldTypeEnum.Number, groupName: 'companyinformation' },
        { name: 'renewal_on', label: 'Renewal', type: PropertyCreateTypeEnum.Date, fieldType: PropertyCreateFieldTypeEnum.Date, groupName: 'companyinformation' },
      ],
    });
    expect(created.status).toBe('COMPLETE');
    expect(created.results.map((p) => p.name).sort()).toEqual(['renewal_on', 'tier']);

    const again = await hub.client.crm.properties.batchApi.create('companies', {
      inputs: [
        { name: 'tier', label: 'Tier', type: PropertyCreateTypeEnum.Number, fieldType: PropertyCreateFieldTypeEnum.Number, groupName: 'companyinformation' },
        { name: 'segment', label: 'Segment', type: PropertyCreateTypeEnum.String, fieldType: PropertyCreateFieldTypeEnum.Text, groupName: 'companyinformation' },
      ],
    });
    expect(again.results.map((p) => p.name)).toEqual(['segment']);
    expect('errors' in again && again.errors?.[0]).toMatchObject({ category: 'CONFLICT', context: { index: ['0'] } });

    const read = await hub.client.crm.properties.batchApi.read('companies', { archived: false, inputs: [{ name: 'tier' }, { name: 'numberofemployees' }] });
    expect(read.results.map((p) => [p.name, p.type])).toEqual([['tier', 'number'], ['numberofemployees', 'number']]);

    await hub.client.crm.properties.batchApi.archive('companies', { inputs: [{ name: 'tier' }, { name: 'segment' }] });
    const left = (await hub.client.crm.properties.coreApi.getAll('companies')).results.map((p) => p.name);
    expect(left).toContain('renewal_on');
    expect(left).not.toContain('tier');
    expect((await hub.client.crm.properties.coreApi.getAll('companies', true)).results.map((p) => p.name).sort()).toEqual(['segment', 'tier']);
  });

  it('X5: groupsApi getAll, create, getByName, update, archive', async () => {
    const before = await hub.client.crm.properties.groupsApi.getAll('deals');
    expect(before.results.map((g) => g.name)).toContain('dealinformation');
    const made = await hub.client.crm.properties.groupsApi.create('deals', { name: 'renewals', label: 'Renewals', displayOrder: 5 });
    expect(made).toMatchObject({ name: 'renewals', label: 'Renewals', displayOrder: 5, archived: false });
    await expect(hub.client.crm.properties.groupsApi.create('deals', { name: 'renewals', label: 'Again' })).rejects.toMatchObject({ code: 409 });
    expect(await hub.client.crm.properties.groupsApi.getByName('deals', 'renewals')).toMatchObject({ label: 'Renewals' });
    expect(await hub.client.crm.properties.groupsApi.update('deals', 'renewals', { label: 'Renewal details' })).toMatchObject({ label: 'Renewal details', displayOrder: 5 });

    // a group holding a live property stays; HubSpot's own groups always stay
    await hub.client.crm.properties.coreApi.create('deals', { name: 'renewal_risk', label: 'Risk', type: PropertyCreateTypeEnum.String, fieldType: PropertyCreateFieldTypeEnum.Text, groupName: 'renewals' });
    await expect(hub.client.crm.properties.groupsApi.archive('deals', 'renewals')).rejects.toMatchObject({ code: 400 });
    await expect(hub.client.crm.properties.groupsApi.archive('deals', 'dealinformation')).rejects.toMatchObject({ code: 400 });
    await hub.client.crm.properties.coreApi.archive('deals', 'renewal_risk');
    await hub.client.crm.properties.groupsApi.archive('deals', 'renewals');
    await expect(hub.client.crm.properties.groupsApi.getByName('deals', 'renewals')).rejects.toMatchObject({ code: 404 });
  });

  it('X5: a custom object\'s properties are served and changed through the same API, by name or 2-… id, and its schema shows them', async () => {
    const schema = await t.call('POST', '/crm/v3/schemas', {
      name: 'boats', labels: { singular: 'Boat', plural: 'Boats' }, primaryDisplayProperty: 'boat_name', requiredProperties: ['boat_name'],
      properties: [{ name: 'boat_name', label: 'Name', type: 'string', fieldType: 'text' }, { name: 'hull', label: 'Hull', type: 'string', fieldType: 'text', hasUniqueValue: true }],
    });
    expect(schema.status).toBe(201);
    const typeId = schema.body.objectTypeId as string;
    const byName = await hub.client.crm.properties.coreApi.getAll('boats');
    expect(byName.results.map((p) => p.name)).toEqual(['boat_name', 'hull']);
    expect(byName.results[0]).toMatchObject({ groupName: 'boats_information', hubspotDefined: false });
    await hub.client.crm.properties.coreApi.create(typeId, { name: 'length_m', label: 'Length', type: PropertyCreateTypeEnum.Number, fieldType: PropertyCreateFieldTypeEnum.Number, groupName: 'boats_information' });
    const view = await t.call('GET', `/crm/v3/schemas/${typeId}`);
    expect(view.body.properties.map((p: { name: string }) => p.name)).toEqual(['boat_name', 'hull', 'length_m']);
    expect(view.body.properties[1]).toMatchObject({ hasUniqueValue: true, groupName: 'boats_information' });

    const boat = await t.call('POST', '/crm/v3/objects/boats', { properties: { boat_name: 'Ada', hull: 'H-1', length_m: '12.5' } });
    expect(boat.status).toBe(201);
    expect((await t.call('POST', '/crm/v3/objects/boats', { properties: { boat_name: 'Bea', length_m: 'long' } })).body.errors[0].in).toBe('properties.length_m');
    // the required and the display property stay
    await expect(hub.client.crm.properties.coreApi.archive('boats', 'boat_name')).rejects.toMatchObject({ code: 400 });
  });
});
