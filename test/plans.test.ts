import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { allEdges, seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'starter' });

describe('plans (section 4)', () => {
  it('R14: labels need Professional; a starter workspace is told which plan and nothing is written', async () => {
    const r = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
    expect(r.status).toBe(403);
    expect(r.body.subCategory).toBe('PLAN_REQUIRED');
    expect(r.body.message).toMatch(/Professional/);
    const list = await t.call('GET', '/crm/v4/associations/contacts/deals/labels');
    expect(list.body.results).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 4, label: null }]);
  });

  it('R13, R6: starter keeps unlabeled and primary associations', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 's@x.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Starter Co' }]);
    const r = await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/companies/${co}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    expect(r.status).toBe(201);
  });

  it('R14: a label made on Professional cannot be used after a downgrade to Starter', async () => {
    await t.call('PATCH', '/api/workspace', { plan: 'professional' });
    const label = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Sponsor', name: 'sponsor' });
    expect(label.status).toBe(200);
    await t.call('PATCH', '/api/workspace', { plan: 'starter' });
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'down@x.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Downgraded' }]);
    const before = await allEdges(t.db.db, t.workspaceId);
    const r = await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/deals/${d}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: label.body.results[0].typeId }]);
    expect(r.status).toBe(403);
    expect(r.body.subCategory).toBe('PLAN_REQUIRED');
    expect(await allEdges(t.db.db, t.workspaceId)).toEqual(before);
  });
});
