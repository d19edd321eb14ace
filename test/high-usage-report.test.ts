import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';
import { seedRecords } from './helpers/records.ts';

/** HubSpot's high-usage report: the records near their per-record association limits (R4). */
const t = useTestApp({ plan: 'professional' });
const hub = useHubSpotClient(t);

describe('association high-usage report (R4)', () => {
  it('R4: lists the records at 80% or more of a limit, fullest first, with HubSpot\'s answer fields', async () => {
    const owner = (await t.call('GET', '/api/users')).body.results.find((u: { instanceOwner: boolean }) => u.instanceOwner);
    // a pair limit of 5 contacts→companies and of 2 on the Champion label of contacts→deals
    expect((await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/companies/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 279, maxToObjectIds: 5 }] })).status).toBe(201);
    const label = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
    const champion = label.body.results.find((r: { label: string }) => r.label === 'Champion').typeId;
    expect((await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/deals/batch/create', { inputs: [{ category: 'USER_DEFINED', typeId: champion, maxToObjectIds: 2 }] })).status).toBe(201);
    const [full, busy, calm] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'full@usage.example' }, { email: 'busy@usage.example' }, { email: 'calm@usage.example' }]);
    const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', [1, 2, 3, 4, 5].map((n) => ({ name: `Usage ${n}` })));
    const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'D1' }, { dealname: 'D2' }]);
    const put = (contact: number, toType: string, toId: number, types: unknown[] = []) => t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/${toType}/${toId}`, types);
    for (const co of companies) expect((await put(full!, 'companies', co)).status).toBe(201);
    for (const co of companies.slice(0, 4)) await put(busy!, 'companies', co);
    for (const co of companies.slice(0, 3)) await put(calm!, 'companies', co);
    for (const d of deals) await put(calm!, 'deals', d, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);

    const report = await hub.client.crm.associations.v4.reportApi.request(owner.id);
    expect(report).toMatchObject({ userId: owner.id, userEmail: 'owner@localhost' });
    expect(report.enqueueTime).toBeInstanceOf(Date);
    const raw = await t.call('POST', `/crm/v4/associations/usage/high-usage-report/${owner.id}`);
    expect(raw.status).toBe(200);
    expect(raw.body).toMatchObject({ threshold: 0.8, truncated: false });
    const line = (e: { fromObjectId: string; toObjectTypeId: string; associationTypeId: number; associations: number; limit: number }) => `${e.fromObjectId} ${e.toObjectTypeId} ${e.associationTypeId} ${e.associations}/${e.limit}`;
    expect(raw.body.results.map(line)).toEqual([`${full} 0-2 279 5/5`, `${calm} 0-3 ${champion} 2/2`, `${busy} 0-2 279 4/5`]);
  });

  it('answers 404 for a user of another workspace or none, 400 for a bad id; an app needs every read scope', async () => {
    expect((await t.call('POST', '/crm/v4/associations/usage/high-usage-report/999999')).status).toBe(404);
    expect((await t.call('POST', '/crm/v4/associations/usage/high-usage-report/me')).status).toBe(400);
    const app = await t.call('POST', '/api/tokens', { name: 'deals only', scopes: ['crm.objects.deals.read'] });
    const owner = (await t.call('GET', '/api/users')).body.results[0];
    expect((await t.call('POST', `/crm/v4/associations/usage/high-usage-report/${owner.id}`, undefined, app.body.token)).status).toBe(403);
  });
});
