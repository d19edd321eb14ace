import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'professional' });

const companiesOf = async (contactId: number) => {
  const r = await t.call('GET', `/crm/v4/objects/contacts/${contactId}/associations/companies`);
  return r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => ({ id: Number(x.toObjectId), types: x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b) }));
};

describe('automatic association by domain through the batch endpoints (R18)', () => {
  it('R18, R8: batch/create associates each new contact with its domain company (primary, source AUTO_DOMAIN); a refused input does not stop the others', async () => {
    expect((await t.call('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true } })).status).toBe(200);
    const [north, south] = await seedRecords(t.db.db, t.workspaceId, '0-2', [
      { name: 'North', domain: 'north-batch.example' },
      { name: 'South', domain: 'south-batch.example' },
    ]);
    const r = await t.call('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [
        { properties: { email: 'ann@north-batch.example' } },
        { properties: { email: 'not an email' } },
        { properties: { email: 'bob@south-batch.example' }, associations: [] },
        { properties: { email: 'cat@gmail.com' } },
      ],
    });
    expect(r.status).toBe(207);
    expect(r.body.errors).toHaveLength(1);
    const ids = r.body.results.map((x: { id: string; properties: { email: string } }) => [x.properties.email, Number(x.id)]);
    const byEmail = new Map<string, number>(ids);
    expect(await companiesOf(byEmail.get('ann@north-batch.example')!)).toEqual([{ id: north, types: [1, 279] }]);
    expect(await companiesOf(byEmail.get('bob@south-batch.example')!)).toEqual([{ id: south, types: [1, 279] }]);
    expect(await companiesOf(byEmail.get('cat@gmail.com')!)).toEqual([]);
    const h = await historyOf(t.db.db, t.workspaceId, byEmail.get('ann@north-batch.example')!);
    expect(h.map((x) => `${x.action}:${x.source}`)).toEqual(['CREATED:AUTO_DOMAIN', 'PRIMARY_SET:AUTO_DOMAIN']);
  });

  it('R18: batch/create with named associations also gets the domain company, after the named one (which stays primary)', async () => {
    const [named, domainCo] = await seedRecords(t.db.db, t.workspaceId, '0-2', [
      { name: 'Named', domain: 'named-batch.example' },
      { name: 'Domain', domain: 'domain-batch.example' },
    ]);
    const r = await t.call('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'dan@domain-batch.example' }, associations: [{ to: { id: String(named) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }] }],
    });
    expect(r.status).toBe(201);
    const got = await companiesOf(Number(r.body.results[0].id));
    expect(got.map((x: { id: number }) => x.id).sort()).toEqual([named, domainCo].sort());
    expect(got.find((x: { id: number }) => x.id === named)!.types).toEqual([1, 279]);
    expect(got.find((x: { id: number }) => x.id === domainCo)!.types).toEqual([279]);
  });

  it('R18: batch/update changing an email associates the new domain company; an unchanged email adds nothing', async () => {
    // the old domain has a company too: an input whose email did not change must not pick it up
    const [, newCo] = await seedRecords(t.db.db, t.workspaceId, '0-2', [
      { name: 'Old', domain: 'old-batch.example' },
      { name: 'New', domain: 'new-batch.example' },
    ]);
    await t.call('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: false } });
    const created = await t.call('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'eve@old-batch.example' } }, { properties: { email: 'fay@old-batch.example' } }],
    });
    const [eve, fay] = created.body.results.map((x: { id: string }) => Number(x.id)).sort((a: number, b: number) => a - b);
    expect(await companiesOf(eve)).toEqual([]);
    await t.call('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true } });
    const r = await t.call('POST', '/crm/v3/objects/contacts/batch/update', {
      inputs: [
        { id: String(eve), properties: { email: 'eve@new-batch.example' } },
        { id: String(fay), properties: { firstname: 'Fay' } },
      ],
    });
    expect(r.status).toBe(200);
    expect(await companiesOf(eve)).toEqual([{ id: newCo, types: [1, 279] }]);
    expect(await companiesOf(fay)).toEqual([]);
    const h = await historyOf(t.db.db, t.workspaceId, eve);
    expect(h[0]).toMatchObject({ source: 'AUTO_DOMAIN', action: 'CREATED' });
  });
});
