import { describe, expect, it } from 'vitest';
import type { AssociationUsage } from '../shared/associations.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();
const usage = async (token?: string) => t.call<{ results: AssociationUsage[] }>('GET', '/api/associations/contacts/companies/usage', undefined, token);

describe('association usage for the settings screen (R4, R14)', () => {
  it('R14/R4: each type of a direction with the associations carrying it, its limit and the records above a lowered limit', async () => {
    const [ann, bo] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'ann@usage.example' }, { email: 'bo@usage.example' }]);
    const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'A' }, { name: 'B' }, { name: 'C' }]);
    const made = await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Advisor', name: 'advisor', inverseLabel: 'Advisee' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const advisor = (made.body.results as Array<{ typeId: number; label: string }>).find((r) => r.label === 'Advisor')!.typeId;
    for (const company of companies) {
      const r = await t.call('PUT', `/crm/v4/objects/contacts/${ann}/associations/companies/${company}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: advisor }]);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${bo}/associations/companies/${companies[0]}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: advisor }])).status).toBe(201);

    let rows = (await usage()).body.results;
    const label = rows.find((r) => r.typeId === advisor)!;
    expect(label).toMatchObject({ label: 'Advisor', inverseLabel: 'Advisee', associations: 4, ownLimit: null, limit: 10_000, recordsAbove: 0, primary: false });
    const pair = rows.find((r) => r.label === null)!;
    expect(pair).toMatchObject({ typeId: 279, associations: 4, ownLimit: null, recordsAbove: 0 });
    expect(rows.find((r) => r.primary)).toMatchObject({ typeId: 1, limit: 1, associations: 2, recordsAbove: 0 });

    // lowering is not retroactive: Ann keeps her three companies, the screen counts her as above
    const lowered = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/companies/batch/update', {
      inputs: [
        { category: 'HUBSPOT_DEFINED', typeId: 279, maxToObjectIds: 2 },
        { category: 'USER_DEFINED', typeId: advisor, maxToObjectIds: 1 },
      ],
    });
    expect(lowered.status, JSON.stringify(lowered.body)).toBe(200);
    rows = (await usage()).body.results;
    expect(rows.find((r) => r.typeId === 279)).toMatchObject({ ownLimit: 2, limit: 2, associations: 4, recordsAbove: 1 });
    expect(rows.find((r) => r.typeId === advisor)).toMatchObject({ ownLimit: 1, limit: 1, associations: 4, recordsAbove: 1 });

    // a label's limit above its pair's is refused by the server, whatever a screen sends
    const above = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/companies/batch/update', { inputs: [{ category: 'USER_DEFINED', typeId: advisor, maxToObjectIds: 3 }] });
    expect(above.status).toBe(207);
    expect(JSON.stringify(above.body)).toContain('LABEL_LIMIT_ABOVE_PAIR_LIMIT');
  });

  it('R4: a rep is refused the usage (admins only); an unknown type is a clear 404', async () => {
    const rep = await t.call('POST', '/api/users', { name: 'Rep', email: 'rep@usage.example', role: 'rep' });
    expect(rep.status).toBe(201);
    const refused = await usage(rep.body.token);
    expect(refused.status).toBe(403);
    const unknown = await t.call('GET', '/api/associations/contacts/nonsense/usage');
    expect([400, 404]).toContain(unknown.status);
    expect(JSON.stringify(unknown.body)).toContain('nonsense');
  });
});
