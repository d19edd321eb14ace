import { ObjectTypePropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/schemas/index.js';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../shared/history.ts';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';

/** batch/upsert: create or update by a unique property, through HubSpot's client and raw requests. */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

const upsert = (objectType: string, inputs: unknown[]) => t.call('POST', `/crm/v3/objects/${objectType}/batch/upsert`, { inputs });

type RecordEvent = Extract<ChangeEvent, { kind: 'record' }>;

async function recordEvents(objectId: string): Promise<RecordEvent[]> {
  const feed = await t.call('GET', '/api/changes?limit=1000');
  expect(feed.status).toBe(200);
  return (feed.body.results as ChangeEvent[]).filter((e): e is RecordEvent => e.kind === 'record' && e.objectId === objectId);
}

describe('batch/upsert through @hubspot/api-client', () => {
  it('X5, R8: contacts by email: the first run creates (email set, company of its domain), the second updates', async () => {
    expect((await t.call('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true } })).status).toBe(200);
    const company = await hub.client.crm.companies.basicApi.create({ properties: { name: 'Upsert Co', domain: 'upsert.example' }, associations: [] });
    const first = await hub.client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: 'Ada@Upsert.example', idProperty: 'email', properties: { firstname: 'Ada' } },
        { id: 'bob@elsewhere.example', idProperty: 'email', properties: { firstname: 'Bob' } },
      ],
    });
    expect(first.status).toBe('COMPLETE');
    expect(first.results.map((r) => [r.properties.email, r.properties.firstname, r._new])).toEqual([
      ['ada@upsert.example', 'Ada', true],
      ['bob@elsewhere.example', 'Bob', true],
    ]);
    const ada = first.results[0]!.id;
    // R18: the new contact gets the company of its email domain, which becomes its primary (R8)
    const companies = await hub.client.crm.associations.v4.basicApi.getPage('contacts', ada, 'companies');
    expect(companies.results.map((r) => String(r.toObjectId))).toEqual([company.id]);

    const second = await hub.client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: 'bob@elsewhere.example', idProperty: 'email', properties: { lastname: 'Builder' } },
        { id: 'ada@upsert.example', idProperty: 'email', properties: { lastname: 'Lovelace' } },
      ],
    });
    expect(second.results.map((r) => [r.id, r.properties.firstname, r.properties.lastname, r._new])).toEqual([
      [first.results[1]!.id, 'Bob', 'Builder', false],
      [ada, 'Ada', 'Lovelace', false],
    ]);
    const events = await recordEvents(ada);
    expect(events.map((e) => [e.action, e.source ?? null])).toEqual(expect.arrayContaining([['CREATED', null], ['UPDATED', null]]));
    expect(events.find((e) => e.action === 'UPDATED')?.properties).toMatchObject({ lastname: 'Lovelace' });
  });

  it('X5: companies by domain, deals by hs_object_id', async () => {
    const made = await hub.client.crm.companies.batchApi.upsert({ inputs: [{ id: 'https://www.acme-upsert.example/', idProperty: 'domain', properties: { name: 'Acme' } }] });
    expect(made.results.map((r) => [r.properties.domain, r.properties.name, r._new])).toEqual([['acme-upsert.example', 'Acme', true]]);
    const again = await hub.client.crm.companies.batchApi.upsert({ inputs: [{ id: 'acme-upsert.example', idProperty: 'domain', properties: { name: 'Acme Corp' } }] });
    expect(again.results.map((r) => [r.id, r.properties.name, r._new])).toEqual([[made.results[0]!.id, 'Acme Corp', false]]);

    const deal = await hub.client.crm.deals.basicApi.create({ properties: { dealname: 'Big one' }, associations: [] });
    const updated = await hub.client.crm.deals.batchApi.upsert({ inputs: [{ id: deal.id, idProperty: 'hs_object_id', properties: { amount: '100' } }] });
    expect(updated.results.map((r) => [r.id, r.properties.dealname, r.properties.amount, r._new])).toEqual([[deal.id, 'Big one', '100', false]]);
  });

  it('X5, R1: a custom object by a property defined with hasUniqueValue', async () => {
    const schema = await hub.client.crm.schemas.coreApi.create({
      name: 'upsert_machine',
      labels: { singular: 'Machine', plural: 'Machines' },
      requiredProperties: ['serial'],
      primaryDisplayProperty: 'serial',
      associatedObjects: [],
      properties: [
        { name: 'serial', label: 'Serial', type: ObjectTypePropertyCreateTypeEnum.String, fieldType: 'text', hasUniqueValue: true },
        { name: 'model', label: 'Model', type: ObjectTypePropertyCreateTypeEnum.String, fieldType: 'text' },
      ],
    });
    expect(schema.properties.find((p) => p.name === 'serial')?.hasUniqueValue).toBe(true);
    const typeId = schema.objectTypeId!;
    const first = await hub.client.crm.objects.batchApi.upsert(typeId, { inputs: [{ id: 'SN-1', idProperty: 'serial', properties: { model: 'A' } }] });
    expect(first.results.map((r) => [r.properties.serial, r.properties.model, r._new])).toEqual([['SN-1', 'A', true]]);
    const second = await hub.client.crm.objects.batchApi.upsert(typeId, {
      inputs: [
        { id: 'SN-1', idProperty: 'serial', properties: { model: 'B' } },
        { id: 'SN-2', idProperty: 'serial', properties: { model: 'C' } },
      ],
    });
    expect(second.results.map((r) => [r.properties.serial, r.properties.model, r._new])).toEqual([
      ['SN-1', 'B', false],
      ['SN-2', 'C', true],
    ]);
    expect(second.results[0]!.id).toBe(first.results[0]!.id);
    // a property without hasUniqueValue cannot identify records
    const bad = await upsert(typeId, [{ id: 'A', idProperty: 'model', properties: {} }]);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/idProperty model cannot identify/);
  });
});

describe('batch/upsert errors (raw requests)', () => {
  it('an idProperty that does not identify the type is a 400 naming it; nothing is written', async () => {
    const r = await upsert('contacts', [
      { id: 'fine@errors.example', idProperty: 'email', properties: {} },
      { id: 'x', idProperty: 'firstname', properties: {} },
    ]);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ subCategory: 'VALIDATION_ERROR', errors: [{ in: 'inputs[1].idProperty' }] });
    expect(r.body.message).toMatch(/firstname/);
    const companies = await upsert('companies', [{ id: 'a@b.example', idProperty: 'email', properties: {} }]);
    expect(companies.status).toBe(400);
    expect(companies.body.message).toMatch(/idProperty email cannot identify companies/);
    const read = await t.call('GET', '/crm/v3/objects/contacts/fine@errors.example?idProperty=email');
    expect(read.status).toBe(404);
  });

  it('two inputs naming the same record refuse the whole batch, whatever the case of the email', async () => {
    const r = await upsert('contacts', [
      { id: 'twice@errors.example', idProperty: 'email', properties: { firstname: 'A' } },
      { id: 'other@errors.example', idProperty: 'email', properties: {} },
      { id: 'TWICE@errors.example', idProperty: 'email', properties: { firstname: 'B' } },
    ]);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^Duplicate ids found in batch input: inputs\[2\] names the same record as inputs\[0\]/);
    expect((await t.call('GET', '/crm/v3/objects/contacts/other@errors.example?idProperty=email')).status).toBe(404);
  });

  it('R8: refused inputs are reported with their index (207), the others written', async () => {
    await upsert('contacts', [{ id: 'taken@errors.example', idProperty: 'email', properties: {} }]);
    const existing = await upsert('contacts', [{ id: 'keep@errors.example', idProperty: 'email', properties: {} }]);
    const r = await upsert('contacts', [
      { id: 'new@errors.example', idProperty: 'email', properties: { firstname: 'New' } },
      { id: 'not-an-email', idProperty: 'email', properties: {} },
      { id: 'keep@errors.example', idProperty: 'email', properties: { email: 'taken@errors.example' } },
      { id: '999999999', idProperty: 'hs_object_id', properties: {} },
    ]);
    expect(r.status).toBe(207);
    expect(r.body.results.map((x: { properties: { email: string }; new: boolean }) => [x.properties.email, x.new])).toEqual([['new@errors.example', true]]);
    expect(r.body.errors.map((e: { context: { index: string[] }; subCategory: string }) => [e.context.index[0], e.subCategory])).toEqual([
      ['1', 'INVALID_EMAIL'],
      ['2', 'CONFLICT'],
      ['3', 'NOT_FOUND'],
    ]);
    const kept = await t.call('GET', `/crm/v3/objects/contacts/${existing.body.results[0].id}`);
    expect(kept.body.properties.email).toBe('keep@errors.example');
  });

  it('security: no token is refused', async () => {
    const r = await t.call('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [] }, null);
    expect(r.status).toBe(401);
  });
});
