import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { allEdges, historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp();
const path = (from: string, fromId: number, to: string, toId: number) => `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`;
const typesOf = async (from: string, id: number, to: string) => {
  const r = await t.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
  return Object.fromEntries(r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [x.toObjectId, x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b)]));
};

describe('two-way associations (R2)', () => {
  it('R2: one default association creates both directions, readable from either side', async () => {
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'jan@acme.com', firstname: 'Jan' }]);
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Acme renewal' }]);
    const r = await t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/deals/${deal}`);
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { from: { id: String(contact) }, to: { id: String(deal) }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 } },
      { from: { id: String(deal) }, to: { id: String(contact) }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 } },
    ]);
    expect(await typesOf('contacts', contact!, 'deals')).toEqual({ [deal!]: [4] });
    expect(await typesOf('deals', deal!, 'contacts')).toEqual({ [contact!]: [3] });
    expect(await typesOf('0-3', deal!, '0-1')).toEqual({ [contact!]: [3] });
  });

  it('R2, R20: the one-call default path (contacts, deals, tickets) writes the same edges and history as the full path', async () => {
    const contacts = await seedRecords(t.db.db, t.workspaceId, '0-1', [
      { email: 'both@acme.com', firstname: 'Anna', lastname: 'Bos' },
      { email: 'only-mail@acme.com', firstname: '' },
    ]);
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Bos renewal' }]);
    const [ticket] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: '', content: 'Printer on fire' }]);
    // one click (one call) for the first pair; the batch endpoint (full path) for the same kind of pair
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${contacts[0]}/associations/default/deals/${deal}`)).status).toBe(200);
    const batch = await t.call('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', { inputs: [{ from: { id: String(contacts[1]) }, to: { id: String(deal) } }] });
    expect(batch.status).toBe(200);
    expect((await t.call('PUT', `/crm/v4/objects/tickets/${ticket}/associations/default/contacts/${contacts[1]}`)).status).toBe(200);
    const shape = (h: Awaited<ReturnType<typeof historyOf>>[number]) => ({ action: h.action, source: h.source, type_id: h.type_id, label: h.label, user: h.source_user_name });
    const fast = await historyOf(t.db.db, t.workspaceId, contacts[0]!);
    const full = await historyOf(t.db.db, t.workspaceId, contacts[1]!);
    expect(fast.map(shape)).toEqual([full.map(shape)[0]]);
    expect(fast[0]).toMatchObject({ to_name: 'Bos renewal', to_id: deal });
    const dealSide = await historyOf(t.db.db, t.workspaceId, deal!);
    // names as displayName() spells them: first + last, else the email
    expect(dealSide.map((h) => h.to_name)).toEqual(['Anna Bos', 'only-mail@acme.com']);
    expect((await historyOf(t.db.db, t.workspaceId, contacts[1]!)).at(-1)).toMatchObject({ to_name: 'Printer on fire', to_id: ticket });
    // a repeat is a no-op that answers the same, and writes no history
    const again = await t.call('PUT', `/crm/v4/objects/contacts/${contacts[0]}/associations/default/deals/${deal}`);
    expect(again.body.results).toHaveLength(2);
    expect(await historyOf(t.db.db, t.workspaceId, contacts[0]!)).toHaveLength(1);
    // missing records: the side that is missing is named, nothing is written
    const missing = await t.call('PUT', `/crm/v4/objects/contacts/${contacts[0]}/associations/default/deals/999999`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].in).toBe('to.id');
    expect(await historyOf(t.db.db, t.workspaceId, contacts[0]!)).toHaveLength(1);
  });

  it('R2: deleting from one side removes both directions, and history records both (R20, R21 User)', async () => {
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'del@acme.com' }]);
    const [ticket] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Broken login' }]);
    await t.call('PUT', `/crm/v4/objects/tickets/${ticket}/associations/default/contacts/${contact}`);
    const del = await t.call('DELETE', path('contacts', contact!, 'tickets', ticket!));
    expect(del.status).toBe(204);
    expect(await typesOf('tickets', ticket!, 'contacts')).toEqual({});
    expect((await allEdges(t.db.db, t.workspaceId)).filter((e) => [e.from_id, e.to_id].includes(ticket!))).toEqual([]);
    const h = await historyOf(t.db.db, t.workspaceId, contact!);
    expect(h.map((x) => x.action)).toEqual(['CREATED', 'DELETED']);
    expect(h[0]).toMatchObject({ source: 'USER', source_user_name: 'Owner', to_name: 'Broken login', to_id: ticket });
    const ht = await historyOf(t.db.db, t.workspaceId, ticket!);
    expect(ht.map((x) => x.action)).toEqual(['CREATED', 'DELETED']);
  });

  it('R2: associating twice changes nothing and writes no second history entry', async () => {
    const [a] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'twice@x.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Twice' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${a}/associations/default/deals/${d}`);
    await t.call('PUT', `/crm/v4/objects/deals/${d}/associations/default/contacts/${a}`);
    expect((await historyOf(t.db.db, t.workspaceId, a!)).length).toBe(1);
  });
});

describe('primary company (R6, R7, R8, R13, R15)', () => {
  it('R8: the first company of a contact becomes primary; the second does not', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'p1@acme.com' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${acme}`);
    await t.call('PUT', `/crm/v4/objects/companies/${globex}/associations/default/contacts/${c}`);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [acme!]: [1, 279], [globex!]: [279] });
    expect(await typesOf('companies', acme!, 'contacts')).toEqual({ [c!]: [2, 280] });
    const h = await historyOf(t.db.db, t.workspaceId, c!);
    expect(h.map((x) => `${x.action}:${x.to_id}`)).toEqual([`CREATED:${acme}`, `PRIMARY_SET:${acme}`, `CREATED:${globex}`]);
  });

  it('R6: setting type 1 on another company replaces the primary; the old one stays associated', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'p2@acme.com' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${acme}`);
    const r = await t.call('PUT', path('contacts', c!, 'companies', globex!), [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    expect(r.status).toBe(201);
    expect(r.body.labels).toEqual(['Primary']);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [acme!]: [279], [globex!]: [1, 279] });
    expect(await typesOf('companies', acme!, 'contacts')).toEqual({ [c!]: [280] });
    const h = await historyOf(t.db.db, t.workspaceId, c!);
    expect(h.map((x) => `${x.action}:${x.to_id}`)).toContain(`PRIMARY_UNSET:${acme}`);
    expect(h.find((x) => x.action === 'PRIMARY_UNSET')?.detail).toContain(String(globex));
  });

  it('R6: the company side can set the primary too (type 2 from company to contact)', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'p3@acme.com' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${acme}`);
    await t.call('PUT', path('companies', globex!, 'contacts', c!), [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 2 }]);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [acme!]: [279], [globex!]: [1, 279] });
  });

  it('R8, R15: a contact with one company cannot lose its primary label', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'p4@acme.com' }]);
    const [acme] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${acme}`);
    const r = await t.call('POST', '/crm/v4/associations/contacts/companies/batch/labels/archive', {
      inputs: [{ from: { id: String(c) }, to: { id: String(acme) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] }],
    });
    expect(r.status).toBe(207);
    expect(r.body.errors[0].subCategory).toBe('PRIMARY_COMPANY_REQUIRED');
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [acme!]: [1, 279] });
  });

  it('R15: removing the primary company while others remain needs newPrimaryCompanyId (primaryCompanyOnRemove refuse); with it, the named one becomes primary', async () => {
    expect((await t.call('PATCH', '/api/workspace', { settings: { primaryCompanyOnRemove: 'refuse' } })).status).toBe(200);
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'p5@acme.com' }]);
    const [acme, globex, initech] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }, { name: 'Initech' }]);
    for (const co of [acme, globex]) await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${co}`);
    const refused = await t.call('DELETE', path('contacts', c!, 'companies', acme!));
    expect(refused.status).toBe(400);
    expect(refused.body.subCategory).toBe('PRIMARY_COMPANY_REQUIRED');
    expect(refused.body.message).toContain(String(globex));
    const wrong = await t.call('DELETE', `${path('contacts', c!, 'companies', acme!)}?newPrimaryCompanyId=${initech}`);
    expect(wrong.body.subCategory).toBe('NEW_PRIMARY_INVALID');
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [acme!]: [1, 279], [globex!]: [279] });
    const ok = await t.call('DELETE', `${path('contacts', c!, 'companies', acme!)}?newPrimaryCompanyId=${globex}`);
    expect(ok.status).toBe(204);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [globex!]: [1, 279] });
    expect((await t.call('PATCH', '/api/workspace', { settings: { primaryCompanyOnRemove: 'promote' } })).status).toBe(200);
  });

  it('R15: removing the only company of a contact is allowed and leaves no primary', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'p6@acme.com' }]);
    const [acme] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${acme}`);
    expect((await t.call('DELETE', path('companies', acme!, 'contacts', c!))).status).toBe(204);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({});
  });

  it('R13: the primary type only exists for X → company; it cannot be used on other pairs', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'p7@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'X' }]);
    const r = await t.call('PUT', path('contacts', c!, 'deals', d!), [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    expect(r.status).toBe(400);
    expect(r.body.subCategory).toBe('ASSOCIATION_TYPE_NOT_FOUND');
    expect(await typesOf('contacts', c!, 'deals')).toEqual({});
  });

  it('R6: a deal gets a primary company only when asked (type 5), and it moves like a contact\'s', async () => {
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Primary deal' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    await t.call('PUT', `/crm/v4/objects/deals/${d}/associations/default/companies/${acme}`);
    expect(await typesOf('deals', d!, 'companies')).toEqual({ [acme!]: [341] });
    await t.call('PUT', path('deals', d!, 'companies', globex!), [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }]);
    await t.call('PUT', path('deals', d!, 'companies', acme!), [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }]);
    expect(await typesOf('deals', d!, 'companies')).toEqual({ [acme!]: [5, 341], [globex!]: [341] });
  });
});

describe('errors and isolation', () => {
  it('unknown records, unknown types and self-association are refused with a clear error and write nothing', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'e1@acme.com' }]);
    const before = (await allEdges(t.db.db, t.workspaceId)).length;
    const missing = await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/999999999`);
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].in).toBe('to.id');
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/widgets/1`)).body.subCategory).toBe('OBJECT_TYPE_NOT_FOUND');
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/contacts/${c}`)).body.subCategory).toBe('SELF_ASSOCIATION');
    expect((await t.call('PUT', `/crm/v4/objects/contacts/abc/associations/default/companies/1`)).body.subCategory).toBe('VALIDATION_ERROR');
    const wrongType = await t.call('PUT', `/crm/v4/objects/deals/${c}/associations/default/companies/1`);
    expect(wrongType.status).toBe(404);
    expect((await allEdges(t.db.db, t.workspaceId)).length).toBe(before);
  });

  it('security: a record of another workspace behaves as not found, for reads and writes', async () => {
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'enterprise' });
    const otherToken = other.body.adminToken as string;
    const [theirs] = await seedRecords(t.db.db, other.body.id, '0-2', [{ name: 'Their company' }]);
    const [mine] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'iso@acme.com' }]);
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${mine}/associations/default/companies/${theirs}`)).status).toBe(404);
    expect((await t.call('GET', `/crm/v4/objects/contacts/${mine}/associations/companies`, undefined, otherToken)).status).toBe(404);
    expect((await t.call('DELETE', path('contacts', mine!, 'companies', theirs!), undefined, otherToken)).status).toBe(404);
  });

  it('batch: good inputs apply, bad ones are reported per input with 207 (section 4)', async () => {
    const [c1, c2] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'b1@acme.com' }, { email: 'b2@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Batch deal' }]);
    const r = await t.call('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', {
      inputs: [{ from: { id: String(c1) }, to: { id: String(d) } }, { from: { id: '424242424' }, to: { id: String(d) } }, { from: { id: String(c2) }, to: { id: String(d) } }],
    });
    expect(r.status).toBe(207);
    expect(r.body.numErrors).toBe(1);
    expect(r.body.errors[0]).toMatchObject({ status: 'error', subCategory: 'NOT_FOUND', context: { fromObjectId: ['424242424'], inputIndex: ['1'] } });
    expect(await typesOf('deals', d!, 'contacts')).toEqual({ [c1!]: [3], [c2!]: [3] });
  });

  it('batch: more than 1,000 inputs are refused whole (section 4)', async () => {
    const inputs = Array.from({ length: 1001 }, (_, i) => ({ from: { id: String(i + 1) }, to: { id: '2' } }));
    const r = await t.call('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', { inputs });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].in).toBe('body:inputs');
  });

  it('list pages hold at most 500 and follow the after cursor (section 4)', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'many@acme.com' }]);
    const deals = await seedRecords(t.db.db, t.workspaceId, '0-49', Array.from({ length: 620 }, (_, i) => ({ hs_email_subject: `m${i}` })));
    const r = await t.call('POST', '/crm/v4/associations/contacts/emails/batch/associate/default', { inputs: deals.map((id) => ({ from: { id: String(c) }, to: { id: String(id) } })) });
    expect(r.status).toBe(200);
    const p1 = await t.call('GET', `/crm/v4/objects/contacts/${c}/associations/emails`);
    expect(p1.body.results).toHaveLength(500);
    const p2 = await t.call('GET', `/crm/v4/objects/contacts/${c}/associations/emails?after=${p1.body.paging.next.after}`);
    expect(p2.body.results).toHaveLength(120);
    expect(p2.body.paging).toBeUndefined();
    expect(new Set([...p1.body.results, ...p2.body.results].map((x: { toObjectId: number }) => x.toObjectId))).toEqual(new Set(deals));
    expect((await t.call('GET', `/crm/v4/objects/contacts/${c}/associations/emails?limit=501`)).status).toBe(400);
  });
});

describe('archiving a record (R2, R21 Object deletion)', () => {
  it('R2, R8, R21: archiving a company removes its associations on both sides and gives the contact its newest company as primary', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'arch@acme.com' }]);
    const [acme, globex, initech] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }, { name: 'Initech' }]);
    for (const co of [acme, globex, initech]) await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${co}`);
    expect((await t.call('DELETE', `/crm/v3/objects/companies/${acme}`)).status).toBe(204);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [globex!]: [279], [initech!]: [1, 279] });
    expect((await allEdges(t.db.db, t.workspaceId)).some((e) => Number(e.from_id) === acme || Number(e.to_id) === acme)).toBe(false);
    const h = (await historyOf(t.db.db, t.workspaceId, c!)).slice(-2);
    expect(h.map((x) => `${x.action}:${x.source}:${x.to_id}`)).toEqual([`DELETED:OBJECT_DELETION:${acme}`, `PRIMARY_SET:OBJECT_DELETION:${initech}`]);
  });
});
