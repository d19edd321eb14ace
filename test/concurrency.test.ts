import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { allEdges, seedRecords } from './helpers/records.ts';

/** On PostgreSQL these requests really run at once (a pool of connections); on PGlite they queue. */
const t = useTestApp();

describe('concurrent writers', () => {
  it('R4: twenty simultaneous associations to one record never pass its limit of five', async () => {
    await t.call('POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 5 }] });
    const [ticket] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Hot ticket' }]);
    const contacts = await seedRecords(t.db.db, t.workspaceId, '0-1', Array.from({ length: 20 }, (_, i) => ({ email: `race${i}@x.com` })));
    const replies = await Promise.all(contacts.map((c) => t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/tickets/${ticket}`)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 400).every((r) => r.body.subCategory === 'ASSOCIATION_LIMIT_EXCEEDED')).toBe(true);
    const edges = await allEdges(t.db.db, t.workspaceId);
    expect(edges.filter((e) => Number(e.from_id) === ticket && Number(e.type_id) === 16)).toHaveLength(5);
    expect(edges.filter((e) => Number(e.to_id) === ticket && Number(e.type_id) === 15)).toHaveLength(5);
  });

  it('R2: racing associate and delete of the same pairs never leaves a half edge', async () => {
    const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', Array.from({ length: 6 }, (_, i) => ({ dealname: `Race ${i}` })));
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'racer@x.com' }]);
    const ops = deals.flatMap((d) => [
      t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/deals/${d}`),
      t.call('DELETE', `/crm/v4/objects/deals/${d}/associations/contacts/${contact}`),
      t.call('PUT', `/crm/v4/objects/deals/${d}/associations/default/contacts/${contact}`),
    ]);
    const replies = await Promise.all(ops);
    expect(replies.every((r) => r.status < 300)).toBe(true);
    const edges = (await allEdges(t.db.db, t.workspaceId)).filter((e) => Number(e.from_id) === contact || Number(e.to_id) === contact);
    for (const d of deals) {
      const forward = edges.some((e) => Number(e.from_id) === contact && Number(e.to_id) === d);
      const back = edges.some((e) => Number(e.from_id) === d && Number(e.to_id) === contact);
      expect(forward).toBe(back);
    }
  });

  it('R8: racing primary changes leave exactly one primary company', async () => {
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'primary-race@x.com' }]);
    const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', Array.from({ length: 8 }, (_, i) => ({ name: `Racer ${i}` })));
    const replies = await Promise.all(
      companies.map((co) => t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${co}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }])),
    );
    expect(replies.every((r) => r.status === 201)).toBe(true);
    const edges = (await allEdges(t.db.db, t.workspaceId)).filter((e) => Number(e.from_id) === contact);
    expect(edges.filter((e) => Number(e.type_id) === 279)).toHaveLength(8);
    expect(edges.filter((e) => Number(e.type_id) === 1)).toHaveLength(1);
  });
});
