import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { allEdges, seedRecords } from './helpers/records.ts';

/**
 * Issue 13, "merging through a merged id": every write that takes two record ids compares the
 * records they stand for now (a merged id answers its survivor), never the ids as given. The same
 * record twice is refused with 400 and nothing is written.
 */
const t = useTestApp({ plan: 'enterprise' });

async function merge(type: string, keep: number, merged: number) {
  const res = await t.app.request(`/crm/v3/objects/${type}/merge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ primaryObjectId: String(keep), objectIdToMerge: String(merged) }),
  });
  return { status: res.status, body: await res.json(), mergeId: res.headers.get('x-merge-id') };
}
const link = async (from: string, fromId: number, to: string, toId: number) => {
  const r = await t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const idsOf = async (from: string, id: number, to: string) => {
  const r = await t.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
  return r.status === 200 ? r.body.results.map((x: { toObjectId: number }) => Number(x.toObjectId)).sort() : r.status;
};
const state = async () => ({
  edges: await allEdges(t.db.db, t.workspaceId),
  records: rowsOf(await t.db.db.execute(sql`select id, merged_into, archived_at, properties from records where workspace_id = ${t.workspaceId} order by id`)),
  history: rowsOf(await t.db.db.execute(sql`select count(*)::int as n from association_history where workspace_id = ${t.workspaceId}`)),
});

async function contactsWithCompanyAndDeal(tag: string) {
  const [x, y, z] = await seedRecords(t.db.db, t.workspaceId, '0-1', ['x', 'y', 'z'].map((n) => ({ email: `${n}-${tag}@resolved.com`, firstname: `${n}${tag}` })));
  const [company] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: `Co ${tag}` }]);
  const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: `Deal ${tag}` }]);
  await link('contacts', x!, 'companies', company!);
  await link('contacts', y!, 'deals', deal!);
  return { x: x!, y: y!, z: z!, company: company!, deal: deal! };
}

describe('merging through a merged id (issue 13)', () => {
  it('keep x merge y, then keep y merge x: 400 MERGE_INVALID (y is x now), nothing written, x stays readable, searchable and associated', async () => {
    const { x, y, company, deal } = await contactsWithCompanyAndDeal('back');
    expect((await merge('contacts', x, y)).status).toBe(200);
    const before = await state();

    const again = await merge('contacts', y, x);
    expect(again).toMatchObject({ status: 400, body: { subCategory: 'MERGE_INVALID', message: expect.stringContaining('merged into itself'), context: { resolvedId: [String(x)] }, errors: [{ in: 'body:primaryObjectId' }] } });
    expect(await state()).toEqual(before);

    // nothing was lost: both ids answer x, with its company and the deal it took over
    expect((await t.call('GET', `/crm/v3/objects/contacts/${x}`)).body.id).toBe(String(x));
    expect((await t.call('GET', `/crm/v3/objects/contacts/${y}`)).body.id).toBe(String(x));
    expect(await idsOf('contacts', x, 'companies')).toEqual([company]);
    expect(await idsOf('contacts', x, 'deals')).toEqual([deal]);
    expect(await idsOf('companies', company, 'contacts')).toEqual([x]);
    expect(await idsOf('deals', deal, 'contacts')).toEqual([x]);
    const search = await t.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'x-back@resolved.com' }] }] });
    expect(search.body.results.map((r: { id: string }) => r.id)).toEqual([String(x)]);
  });

  it('a chain x → y → z: every id answers z; merging z into any of them is refused, merging into a merged-away record lands on z', async () => {
    const { x, y, z, company, deal } = await contactsWithCompanyAndDeal('chain');
    expect((await merge('contacts', y, x)).status).toBe(200);
    expect((await merge('contacts', z, y)).status).toBe(200);
    for (const id of [x, y, z]) expect((await t.call('GET', `/crm/v3/objects/contacts/${id}`)).body.id).toBe(String(z));
    const before = await state();
    // x and y both stand for z now
    for (const keep of [x, y]) expect(await merge('contacts', keep, z)).toMatchObject({ status: 400, body: { subCategory: 'MERGE_INVALID', context: { resolvedId: [String(z)] } } });
    // and they are merged away themselves
    for (const gone of [x, y]) expect(await merge('contacts', z, gone)).toMatchObject({ status: 400, body: { subCategory: 'MERGE_INVALID', message: expect.stringContaining('already merged') } });
    expect(await state()).toEqual(before);
    expect(await idsOf('contacts', z, 'companies')).toEqual([company]);
    expect(await idsOf('contacts', z, 'deals')).toEqual([deal]);

    // a fourth contact merged "into x" joins z, the record x stands for
    const [w] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'w-chain@resolved.com' }]);
    const [otherDeal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'W deal' }]);
    await link('contacts', w!, 'deals', otherDeal!);
    expect(await merge('contacts', x, w!)).toMatchObject({ status: 200, body: { id: String(z) } });
    expect(await idsOf('contacts', z, 'deals')).toEqual([deal, otherDeal!].sort());
    expect(await idsOf('deals', otherDeal!, 'contacts')).toEqual([z]);
  });

  it('undo walks the chain back only from its end: the older merge waits until the newer one is undone', async () => {
    const { x, y, z, company } = await contactsWithCompanyAndDeal('undo');
    const first = await merge('contacts', y, x);
    const second = await merge('contacts', z, y);
    expect((await t.call('POST', `/api/merges/${first.mergeId}/undo`)).status).toBe(409);
    expect((await t.call('POST', `/api/merges/${second.mergeId}/undo`)).status).toBe(200);
    expect((await t.call('POST', `/api/merges/${first.mergeId}/undo`)).status).toBe(200);
    for (const id of [x, y, z]) expect((await t.call('GET', `/crm/v3/objects/contacts/${id}`)).body.id).toBe(String(id));
    expect(await idsOf('contacts', x, 'companies')).toEqual([company]);
  });

  it('copy associations from a merged id to its survivor is the same record: 400, nothing written', async () => {
    const { x, y } = await contactsWithCompanyAndDeal('copy');
    expect((await merge('contacts', x, y)).status).toBe(200);
    const before = await state();
    const r = await t.call('POST', `/api/objects/contacts/${y}/copy-associations`, { toRecordId: String(x) });
    expect(r).toMatchObject({ status: 400, body: { message: expect.stringContaining('itself') } });
    const back = await t.call('POST', `/api/objects/contacts/${x}/copy-associations`, { toRecordId: String(y) });
    expect(back.status).toBe(400);
    expect(await state()).toEqual(before);
  });

  it('associate and revert do not follow merged ids: a merged id is refused as such and nothing is written', async () => {
    const { x, y, company } = await contactsWithCompanyAndDeal('assoc');
    const created = (await t.call('GET', `/api/objects/contacts/${x}/association-history`)).body.results.find((e: { action: string; toObjectId: string }) => e.action === 'CREATED' && e.toObjectId === String(company));
    expect((await merge('contacts', y, x)).status).toBe(200);
    const before = await state();
    // x stands for y now: x ↔ y would be y with itself
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${y}/associations/default/contacts/${x}`)).status).toBe(404);
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${x}/associations/contacts/${y}`, [])).status).toBe(404);
    // x's own history entry names a record merged away
    expect((await t.call('POST', `/api/history/${created.id}/revert`)).status).toBe(409);
    expect(await state()).toEqual(before);
  });
});
