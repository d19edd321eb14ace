import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { allEdges, historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'professional' });
const put = (from: string, fromId: number, to: string, toId: number, types: Array<[string, number]>) =>
  t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`, types.map(([associationCategory, associationTypeId]) => ({ associationCategory, associationTypeId })));
const typesOf = async (from: string, id: number, to: string) => {
  const r = await t.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
  return Object.fromEntries(r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [x.toObjectId, x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b)]));
};

describe('labels (R14)', () => {
  it('R14: a single label between two object types is seen from both sides under the same name', async () => {
    const r = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Decision maker', name: 'decision_maker' });
    expect(r.status).toBe(200);
    expect(r.body.results).toHaveLength(2);
    expect(r.body.results.map((x: { label: string }) => x.label)).toEqual(['Decision maker', 'Decision maker']);
    const fromContacts = await t.call('GET', '/crm/v4/associations/contacts/deals/labels');
    expect(fromContacts.body.results).toContainEqual({ category: 'USER_DEFINED', typeId: r.body.results[0].typeId, label: 'Decision maker' });
    expect(fromContacts.body.results).toContainEqual({ category: 'HUBSPOT_DEFINED', typeId: 4, label: null });
    const fromDeals = await t.call('GET', '/crm/associations/v4/deals/contacts/labels');
    expect(fromDeals.body.results).toContainEqual({ category: 'USER_DEFINED', typeId: r.body.results[1].typeId, label: 'Decision maker' });
  });

  it('R14: a paired label shows a different name from each side, and the association carries both', async () => {
    const r = await t.call('POST', '/crm/v4/associations/contacts/contacts/labels', { label: 'Manager', name: 'manager', inverseLabel: 'Employee' });
    const [manager, employee] = r.body.results as Array<{ typeId: number; label: string }>;
    expect([manager!.label, employee!.label]).toEqual(['Manager', 'Employee']);
    const [boss, worker] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'boss@x.com' }, { email: 'worker@x.com' }]);
    const a = await put('contacts', boss!, 'contacts', worker!, [['USER_DEFINED', manager!.typeId]]);
    expect(a.status).toBe(201);
    expect(a.body.labels).toEqual(['Manager']);
    expect(await typesOf('contacts', boss!, 'contacts')).toEqual({ [worker!]: [449, manager!.typeId].sort((x, y) => x - y) });
    expect(await typesOf('contacts', worker!, 'contacts')).toEqual({ [boss!]: [449, employee!.typeId].sort((x, y) => x - y) });
    const h = await historyOf(t.db.db, t.workspaceId, worker!);
    expect(h.map((x) => `${x.action}:${x.label ?? ''}`)).toEqual(['CREATED:', 'LABEL_ADDED:Employee']);
  });

  it('R14: rename and delete a label; deleting removes it from associations (history LABEL_REMOVED) and keeps them', async () => {
    const r = await t.call('POST', '/crm/v4/associations/deals/tickets/labels', { label: 'Blocker', name: 'blocker' });
    const typeId = r.body.results[0].typeId as number;
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Blocked deal' }]);
    const [tk] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Bug' }]);
    await put('deals', d!, 'tickets', tk!, [['USER_DEFINED', typeId]]);
    expect((await t.call('PUT', '/crm/v4/associations/deals/tickets/labels', { associationTypeId: typeId, label: 'Showstopper' })).status).toBe(204);
    expect((await t.call('GET', '/crm/v4/associations/tickets/deals/labels')).body.results.map((x: { label: string | null }) => x.label)).toContain('Showstopper');
    expect((await t.call('DELETE', `/crm/v4/associations/deals/tickets/labels/${typeId}`)).status).toBe(204);
    expect(await typesOf('deals', d!, 'tickets')).toEqual({ [tk!]: [27] });
    expect((await historyOf(t.db.db, t.workspaceId, tk!)).map((x) => x.action)).toEqual(['CREATED', 'LABEL_ADDED', 'LABEL_REMOVED']);
    expect((await t.call('DELETE', `/crm/v4/associations/deals/tickets/labels/${typeId}`)).body.subCategory).toBe('ASSOCIATION_LABEL_NOT_FOUND');
  });

  it('R14: removing a label keeps the association; duplicate names are refused', async () => {
    const r = await t.call('POST', '/crm/v4/associations/contacts/tickets/labels', { label: 'Reporter', name: 'reporter' });
    const typeId = r.body.results[0].typeId as number;
    expect((await t.call('POST', '/crm/v4/associations/contacts/tickets/labels', { label: 'reporter', name: 'reporter2' })).status).toBe(409);
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'rep@x.com' }]);
    const [tk] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Help' }]);
    await put('contacts', c!, 'tickets', tk!, [['USER_DEFINED', typeId]]);
    const off = await t.call('POST', '/crm/v4/associations/contacts/tickets/batch/labels/archive', { inputs: [{ from: { id: c }, to: { id: tk }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: typeId }] }] });
    expect(off.status).toBe(204);
    expect(await typesOf('contacts', c!, 'tickets')).toEqual({ [tk!]: [15] });
  });

  it('R14: at most 50 labels per object pair', async () => {
    for (let i = 0; i < 50; i++) {
      const r = await t.call('POST', '/crm/v4/associations/companies/deals/labels', { label: `L${i}`, name: `l${i}` });
      expect(r.status).toBe(200);
    }
    const over = await t.call('POST', '/crm/v4/associations/companies/deals/labels', { label: 'One too many', name: 'too_many' });
    expect(over.status).toBe(400);
    expect(over.body.subCategory).toBe('LABEL_LIMIT_EXCEEDED');
  });

  it('B4, R13: a custom primary-style label holds one record per record and moves; it is refused on X → company', async () => {
    const r = await t.call('POST', '/crm/v4/associations/deals/contacts/labels', { label: 'Primary contact', name: 'primary_contact', primaryStyle: true });
    const typeId = r.body.results[0].typeId as number;
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Champion deal' }]);
    const [c1, c2] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'c1@champ.com' }, { email: 'c2@champ.com' }]);
    await put('deals', d!, 'contacts', c1!, [['USER_DEFINED', typeId]]);
    await put('deals', d!, 'contacts', c2!, [['USER_DEFINED', typeId]]);
    expect(await typesOf('deals', d!, 'contacts')).toEqual({ [c1!]: [3], [c2!]: [3, typeId] });
    const refused = await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Main', name: 'main', primaryStyle: true });
    expect(refused.body.subCategory).toBe('PRIMARY_NOT_ALLOWED');
  });

  it('security: a rep may use labels but not create them', async () => {
    const rep = await t.call('POST', '/api/users', { name: 'Rep', email: 'labelrep@x.com', role: 'rep' });
    const r = await t.call('POST', '/crm/v4/associations/tickets/tickets/labels', { label: 'Dup', name: 'dup' }, rep.body.token);
    expect(r.status).toBe(403);
  });
});

describe('limits (R4, section 4)', () => {
  it('R4: a pair limit is enforced per record; the refused write changes nothing', async () => {
    const set = await t.call('POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 2 }] });
    expect(set.status).toBe(201);
    expect(set.body.results).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 16, label: null, userEnforcedMaxToObjectIds: 2 }]);
    const [tk] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Limited' }]);
    const cs = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'l1@x.com' }, { email: 'l2@x.com' }, { email: 'l3@x.com' }]);
    for (const c of cs.slice(0, 2)) expect((await t.call('PUT', `/crm/v4/objects/tickets/${tk}/associations/default/contacts/${c}`)).status).toBe(200);
    const before = await allEdges(t.db.db, t.workspaceId);
    const third = await t.call('PUT', `/crm/v4/objects/contacts/${cs[2]}/associations/default/tickets/${tk}`);
    expect(third.status).toBe(400);
    expect(third.body.subCategory).toBe('ASSOCIATION_LIMIT_EXCEEDED');
    expect(third.body.message).toContain('limit is 2');
    expect(await allEdges(t.db.db, t.workspaceId)).toEqual(before);
  });

  it('R4: lowering a limit is not retroactive: existing associations stay, new ones are refused', async () => {
    const [tk] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Lowered' }]);
    const ds = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'a' }, { dealname: 'b' }, { dealname: 'c' }]);
    for (const d of ds) await t.call('PUT', `/crm/v4/objects/tickets/${tk}/associations/default/deals/${d}`);
    const upd = await t.call('POST', '/crm/associations/v4/definitions/configurations/tickets/deals/batch/update', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 28, maxToObjectIds: 1 }] });
    expect(upd.status).toBe(200);
    expect(upd.body.results).toEqual([{ typeId: 28, category: 'HUBSPOT_DEFINED', maxToObjectIds: 1 }]);
    expect(Object.keys(await typesOf('tickets', tk!, 'deals'))).toHaveLength(3);
    const [d4] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'd' }]);
    expect((await t.call('PUT', `/crm/v4/objects/tickets/${tk}/associations/default/deals/${d4}`)).body.subCategory).toBe('ASSOCIATION_LIMIT_EXCEEDED');
    const all = await t.call('GET', '/crm/v4/associations/definitions/configurations/all');
    expect(all.body.results).toContainEqual({ category: 'HUBSPOT_DEFINED', typeId: 28, label: null, userEnforcedMaxToObjectIds: 1, fromObjectTypeId: '0-5', toObjectTypeId: '0-3' });
    expect((await t.call('POST', '/crm/v4/associations/definitions/configurations/tickets/deals/batch/purge', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 28 }] })).status).toBe(204);
    expect((await t.call('PUT', `/crm/v4/objects/tickets/${tk}/associations/default/deals/${d4}`)).status).toBe(200);
  });

  it('R4: a label limit is enforced and may not exceed the pair limit; bad limits are refused per input', async () => {
    const label = await t.call('POST', '/crm/v4/associations/companies/contacts/labels', { label: 'Buyer', name: 'buyer' });
    const buyer = label.body.results.find((x: { typeId: number; label: string }) => x.label === 'Buyer' && x.typeId) as { typeId: number };
    const r = await t.call('POST', '/crm/v4/associations/definitions/configurations/companies/contacts/batch/create', {
      inputs: [
        { category: 'HUBSPOT_DEFINED', typeId: 280, maxToObjectIds: 5 },
        { category: 'USER_DEFINED', typeId: buyer.typeId, maxToObjectIds: 6 },
        { category: 'USER_DEFINED', typeId: buyer.typeId, maxToObjectIds: 1 },
        { category: 'HUBSPOT_DEFINED', typeId: 280, maxToObjectIds: 10001 },
        { category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 3 },
      ],
    });
    expect(r.status).toBe(207);
    expect(r.body.errors.map((e: { subCategory: string; context: { inputIndex: string[] } }) => `${e.context.inputIndex[0]}:${e.subCategory}`).sort()).toEqual([
      '1:LABEL_LIMIT_ABOVE_PAIR_LIMIT',
      '3:VALIDATION_ERROR',
      '4:ASSOCIATION_TYPE_NOT_FOUND',
    ]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Buyers Inc' }]);
    const [c1, c2] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'buy1@x.com' }, { email: 'buy2@x.com' }]);
    expect((await put('companies', co!, 'contacts', c1!, [['USER_DEFINED', buyer.typeId]])).status).toBe(201);
    const second = await put('companies', co!, 'contacts', c2!, [['USER_DEFINED', buyer.typeId]]);
    expect(second.body.subCategory).toBe('LABEL_LIMIT_EXCEEDED');
    expect(await typesOf('companies', co!, 'contacts')).toEqual({ [c1!]: [2, 280, buyer.typeId] });
  });
});
