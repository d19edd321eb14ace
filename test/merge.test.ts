import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'enterprise' });
let champion = 0;

beforeAll(async () => {
  const label = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
  champion = label.body.results[0].typeId;
});

const typesOf = async (from: string, id: number, to: string) => {
  const r = await t.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
  expect(r.status).toBe(200);
  return Object.fromEntries(r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [x.toObjectId, x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b)]));
};
const put = (from: string, fromId: number, to: string, toId: number, types?: Array<{ associationCategory: string; associationTypeId: number }>) =>
  types ? t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`, types) : t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`);

/** A merge through the HubSpot route, with its id from the x-merge-id header. */
async function merge(type: string, primaryObjectId: number, objectIdToMerge: number, token?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token ?? t.token}`, 'content-type': 'application/json' };
  const res = await t.app.request(`/crm/v3/objects/${type}/merge`, { method: 'POST', headers, body: JSON.stringify({ primaryObjectId: String(primaryObjectId), objectIdToMerge: String(objectIdToMerge) }) });
  return { status: res.status, body: await res.json(), mergeId: res.headers.get('x-merge-id') };
}
const undo = (mergeId: string, token?: string) => t.call('POST', `/api/merges/${mergeId}/undo`, undefined, token);

describe('merge (HubSpot POST /crm/v3/objects/{objectType}/merge)', () => {
  it('R6, R8, R21: the survivor takes the merged contact\'s associations, keeps its own primary and email; the history says Object merge', async () => {
    const [keep, dupe] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'ann@acme.com', firstname: 'Ann' }, { email: 'ann.old@acme.com', firstname: 'Annie', phone: '123' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Big deal' }]);
    await put('contacts', keep!, 'companies', acme!);
    await put('contacts', dupe!, 'companies', globex!);
    await put('contacts', dupe!, 'companies', acme!);
    await put('contacts', dupe!, 'deals', deal!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);

    const r = await merge('contacts', keep!, dupe!);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: String(keep), archived: false, properties: { email: 'ann@acme.com', firstname: 'Ann', hs_merged_object_ids: String(dupe) } });
    expect(r.mergeId).toMatch(new RegExp(`^${dupe}-${keep}-\\d+$`));
    // the survivor's primary wins; the merged one's primary (Globex) is an ordinary association; Acme collapses
    expect(await typesOf('contacts', keep!, 'companies')).toEqual({ [acme!]: [1, 279], [globex!]: [279] });
    expect(await typesOf('contacts', keep!, 'deals')).toEqual({ [deal!]: [4, champion].sort((a, b) => a - b) });
    expect(await typesOf('companies', globex!, 'contacts')).toEqual({ [keep!]: [280] });
    expect(await typesOf('deals', deal!, 'contacts')).toEqual({ [keep!]: expect.any(Array) });

    // the merged id answers the survivor on reads
    const read = await t.call('GET', `/crm/v3/objects/contacts/${dupe}`);
    expect(read).toMatchObject({ status: 200, body: { id: String(keep) } });
    // so do the v4 association reads
    expect(await typesOf('contacts', dupe!, 'companies')).toEqual(await typesOf('contacts', keep!, 'companies'));
    const batch = await t.call('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: String(dupe) }] });
    expect(batch.body.results.map((x: { id: string }) => x.id)).toEqual([String(keep)]);
    // and the merged contact's email is free again
    expect((await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ann.old@acme.com' } })).status).toBe(201);

    const gone = await historyOf(t.db.db, t.workspaceId, dupe!);
    expect(gone.slice(-3).map((h) => `${h.action}:${h.source}:${h.to_id}`).sort()).toEqual([`DELETED:OBJECT_MERGE:${acme}`, `DELETED:OBJECT_MERGE:${deal}`, `DELETED:OBJECT_MERGE:${globex}`].sort());
    const came = (await historyOf(t.db.db, t.workspaceId, keep!)).filter((h) => h.source === 'OBJECT_MERGE');
    expect(came.map((h) => `${h.action}:${h.to_id}`).sort()).toEqual([`CREATED:${deal}`, `CREATED:${globex}`, `LABEL_ADDED:${deal}`].sort());
    const ids = rowsOf<{ source_id: string }>(await t.db.db.execute(sql`select distinct source_id from association_history where workspace_id = ${t.workspaceId} and source = 'OBJECT_MERGE' and (from_id = ${keep!} or from_id = ${dupe!})`));
    expect(ids.map((x) => x.source_id)).toEqual([r.mergeId]);
  });

  it('R8: a survivor without companies takes the merged contact\'s primary company as its own', async () => {
    const [keep, dupe] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'nocos@x.com' }, { email: 'hascos@x.com' }]);
    const [a, b] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'A' }, { name: 'B' }]);
    await put('contacts', dupe!, 'companies', a!);
    await put('contacts', dupe!, 'companies', b!, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    expect((await merge('contacts', keep!, dupe!)).status).toBe(200);
    expect(await typesOf('contacts', keep!, 'companies')).toEqual({ [a!]: [279], [b!]: [1, 279] });
  });

  it('R8: merging companies: contacts whose primary was the merged company get the survivor as primary; duplicates collapse', async () => {
    const [keep, dupe, other] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Keep Inc' }, { name: 'Keep Incorporated' }, { name: 'Other' }]);
    const [x, y, z] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'x@keep.com' }, { email: 'y@keep.com' }, { email: 'z@keep.com' }]);
    await put('contacts', x!, 'companies', dupe!); // x: primary dupe
    await put('contacts', x!, 'companies', keep!); // and keep, ordinary
    await put('contacts', y!, 'companies', dupe!); // y: primary dupe only
    await put('contacts', z!, 'companies', other!); // z: primary other, dupe ordinary
    await put('contacts', z!, 'companies', dupe!);
    await put('companies', keep!, 'companies', dupe!); // the two were associated with each other
    expect((await merge('companies', keep!, dupe!)).status).toBe(200);
    expect(await typesOf('contacts', x!, 'companies')).toEqual({ [keep!]: [1, 279] });
    expect(await typesOf('contacts', y!, 'companies')).toEqual({ [keep!]: [1, 279] });
    expect(await typesOf('contacts', z!, 'companies')).toEqual({ [keep!]: [279], [other!]: [1, 279] });
    expect(await typesOf('companies', keep!, 'contacts')).toEqual({ [x!]: [2, 280], [y!]: [2, 280], [z!]: [280] });
    // no self-association is left
    expect(await typesOf('companies', keep!, 'companies')).toEqual({});
  });

  it('R4: a merge that would pass a limit is refused whole, and nothing changes', async () => {
    const limit = await t.call('POST', '/crm/v4/associations/definitions/configurations/deals/tickets/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 27, maxToObjectIds: 2 }] });
    expect(limit.status).toBe(201);
    const [keep, dupe] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Full' }, { dealname: 'More' }]);
    const [t1, t2, t3] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: '1' }, { subject: '2' }, { subject: '3' }]);
    for (const ticket of [t1, t2]) await put('deals', keep!, 'tickets', ticket!);
    await put('deals', dupe!, 'tickets', t3!);
    await put('deals', dupe!, 'tickets', t1!); // collapses: does not count twice
    const r = await merge('deals', keep!, dupe!);
    expect(r).toMatchObject({ status: 400, body: { subCategory: 'ASSOCIATION_LIMIT_EXCEEDED', message: expect.stringContaining('limit is 2') } });
    expect(await typesOf('deals', keep!, 'tickets')).toEqual({ [t1!]: [27], [t2!]: [27] });
    expect(await typesOf('deals', dupe!, 'tickets')).toEqual({ [t1!]: [27], [t3!]: [27] });
    // once room is made, it goes through (t1 collapses)
    await t.call('DELETE', `/crm/v4/objects/deals/${keep}/associations/tickets/${t2}`);
    expect((await merge('deals', keep!, dupe!)).status).toBe(200);
    expect(await typesOf('deals', keep!, 'tickets')).toEqual({ [t1!]: [27], [t3!]: [27] });
  });
});

describe('merge under concurrency (R2, R8)', () => {
  it('R2: one record merged into two survivors at once: one merge wins, the other finds it gone; no edge is left on it', async () => {
    const [a, b, dupe] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'race-a@x.com' }, { email: 'race-b@x.com' }, { email: 'race-dupe@x.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Race Co' }]);
    await put('contacts', dupe!, 'companies', co!);
    const results = await Promise.all([merge('contacts', a!, dupe!), merge('contacts', b!, dupe!)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)?.body).toMatchObject({ subCategory: 'MERGE_INVALID', message: expect.stringContaining('already merged') });
    const winner = results[0]!.status === 200 ? a! : b!;
    const loser = winner === a ? b! : a!;
    expect(await typesOf('contacts', winner, 'companies')).toEqual({ [co!]: [1, 279] });
    expect(await typesOf('contacts', loser, 'companies')).toEqual({});
    expect(await typesOf('companies', co!, 'contacts')).toEqual({ [winner]: [2, 280] });
  });
});

describe('merge errors and security', () => {
  it('the same record, an already merged one, unknown ids and bad bodies are refused with a clear error', async () => {
    const [a, b, c] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'A' }, { name: 'B' }, { name: 'C' }]);
    expect(await merge('companies', a!, a!)).toMatchObject({ status: 400, body: { subCategory: 'MERGE_INVALID' } });
    expect((await merge('companies', a!, b!)).status).toBe(200);
    expect(await merge('companies', a!, b!)).toMatchObject({ status: 400, body: { subCategory: 'MERGE_INVALID', message: expect.stringContaining('already merged'), context: { mergedInto: [String(a)] } } });
    expect(await merge('companies', c!, b!)).toMatchObject({ status: 400, body: { subCategory: 'MERGE_INVALID' } });
    // a merged id as the survivor stands for its own survivor
    expect(await merge('companies', b!, c!)).toMatchObject({ status: 200, body: { id: String(a) } });
    expect(await merge('companies', a!, 987654321)).toMatchObject({ status: 404, body: { errors: [{ in: 'body:objectIdToMerge' }] } });
    expect(await merge('companies', 987654321, c!)).toMatchObject({ status: 404, body: { errors: [{ in: 'body:primaryObjectId' }] } });
    expect(await merge('contacts', a!, c!)).toMatchObject({ status: 404 });
    expect((await t.call('POST', '/crm/v3/objects/companies/merge', { primaryObjectId: String(a) })).status).toBe(400);
    expect((await t.call('POST', '/crm/v3/objects/companies/merge', { primaryObjectId: 'x', objectIdToMerge: String(c) })).body.subCategory).toBe('VALIDATION_ERROR');
  });

  it('security: another workspace\'s record cannot be merged, nor named as survivor; no token is 401', async () => {
    const ws = await t.call('POST', '/api/workspaces', { name: 'Merge other', plan: 'enterprise' });
    const [theirs] = await seedRecords(t.db.db, ws.body.id, '0-2', [{ name: 'Theirs' }]);
    const [mine] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Mine' }]);
    expect((await merge('companies', mine!, theirs!)).status).toBe(404);
    expect((await merge('companies', theirs!, mine!)).status).toBe(404);
    expect((await t.call('POST', '/crm/v3/objects/companies/merge', { primaryObjectId: String(mine), objectIdToMerge: String(theirs) }, null)).status).toBe(401);
    expect((await t.call('GET', `/crm/v3/objects/companies/${theirs}`, undefined, ws.body.adminToken)).status).toBe(200);
  });
});

describe('undo of a merge (B1)', () => {
  it('B1: undo gives the merged contact back with its own associations, takes them off the survivor, and records it', async () => {
    const [keep, dupe] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'undo1@x.com' }, { email: 'undo2@x.com' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    const [deal, shared] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Own deal' }, { dealname: 'Shared deal' }]);
    await put('contacts', keep!, 'companies', acme!);
    await put('contacts', keep!, 'deals', shared!);
    await put('contacts', dupe!, 'companies', globex!);
    await put('contacts', dupe!, 'companies', acme!);
    await put('contacts', dupe!, 'deals', deal!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    await put('contacts', dupe!, 'deals', shared!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    await put('contacts', dupe!, 'contacts', keep!);
    const before = {
      keep: { companies: await typesOf('contacts', keep!, 'companies'), deals: await typesOf('contacts', keep!, 'deals') },
      dupe: { companies: await typesOf('contacts', dupe!, 'companies'), deals: await typesOf('contacts', dupe!, 'deals'), contacts: await typesOf('contacts', dupe!, 'contacts') },
    };
    const m = await merge('contacts', keep!, dupe!);
    expect(m.status).toBe(200);
    expect(await typesOf('contacts', keep!, 'deals')).toEqual({ [deal!]: [4, champion].sort((a, b) => a - b), [shared!]: [4, champion].sort((a, b) => a - b) });

    const r = await undo(m.mergeId!);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ survivor: { id: String(keep) }, restored: { id: String(dupe), archived: false, properties: { email: 'undo2@x.com' } }, associationsRemoved: 2, associationsRestored: 5, associationsRefused: [] });
    expect(r.body.survivor.properties.hs_merged_object_ids).toBeUndefined();
    expect(await typesOf('contacts', keep!, 'companies')).toEqual(before.keep.companies);
    expect(await typesOf('contacts', keep!, 'deals')).toEqual(before.keep.deals);
    expect(await typesOf('contacts', dupe!, 'companies')).toEqual(before.dupe.companies);
    expect(await typesOf('contacts', dupe!, 'deals')).toEqual(before.dupe.deals);
    expect(await typesOf('contacts', dupe!, 'contacts')).toEqual(before.dupe.contacts);
    expect((await t.call('GET', `/crm/v3/objects/contacts/${dupe}`)).body.id).toBe(String(dupe));

    const undone = (await historyOf(t.db.db, t.workspaceId, keep!)).filter((h) => h.source === 'OBJECT_RESTORE');
    expect(undone.map((h) => `${h.action}:${h.to_id}`).sort()).toEqual([`CREATED:${dupe}`, `DELETED:${deal}`, `DELETED:${globex}`, `LABEL_REMOVED:${shared}`].sort());
    const ids = rowsOf<{ source_id: string }>(await t.db.db.execute(sql`select distinct source_id from association_history where workspace_id = ${t.workspaceId} and source = 'OBJECT_RESTORE' and from_id = ${dupe!}`));
    expect(ids.map((x) => x.source_id)).toEqual([m.mergeId]);

    // once undone, it cannot be undone again
    expect(await undo(m.mergeId!)).toMatchObject({ status: 409, body: { subCategory: 'MERGE_NOT_UNDOABLE' } });
  });

  it('B1, R8: undoing a company merge gives the contacts their former primary company back', async () => {
    const [keep, dupe] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Keep Co' }, { name: 'Dupe Co' }]);
    const [x, y] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'x@undo.com' }, { email: 'y@undo.com' }]);
    await put('contacts', x!, 'companies', dupe!);
    await put('contacts', x!, 'companies', keep!);
    await put('contacts', y!, 'companies', dupe!);
    const m = await merge('companies', keep!, dupe!);
    expect(await typesOf('contacts', x!, 'companies')).toEqual({ [keep!]: [1, 279] });
    expect((await undo(m.mergeId!)).status).toBe(200);
    expect(await typesOf('contacts', x!, 'companies')).toEqual({ [dupe!]: [1, 279], [keep!]: [279] });
    expect(await typesOf('contacts', y!, 'companies')).toEqual({ [dupe!]: [1, 279] });
  });

  it('B1: a contact whose email was taken since comes back without it, and says so', async () => {
    const [keep, dupe] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'same1@x.com' }, { email: 'same2@x.com' }]);
    const m = await merge('contacts', keep!, dupe!);
    const taker = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'same2@x.com' } });
    expect(taker.status).toBe(201);
    const r = await undo(m.mergeId!);
    expect(r).toMatchObject({ status: 200, body: { emailCleared: 'same2@x.com' } });
    expect(r.body.restored.properties.email).toBeUndefined();
  });

  it('B1: only the latest merge of a record, and only while the survivor is live, can be undone', async () => {
    const [a, b, c] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'A1' }, { name: 'B1' }, { name: 'C1' }]);
    const first = await merge('companies', a!, b!);
    expect((await undo(first.mergeId!)).status).toBe(200);
    const second = await merge('companies', a!, b!);
    expect(second.mergeId).not.toBe(first.mergeId);
    expect(await undo(first.mergeId!)).toMatchObject({ status: 409, body: { subCategory: 'MERGE_NOT_UNDOABLE' } });
    await t.call('DELETE', `/crm/v3/objects/companies/${a}`);
    expect(await undo(second.mergeId!)).toMatchObject({ status: 409, body: { subCategory: 'MERGE_NOT_UNDOABLE', message: expect.stringContaining('survivor') } });
    // a survivor merged itself: undo that merge first
    const third = await merge('companies', c!, b!);
    expect(third.status).toBe(404); // b answers a, which is deleted
  });

  it('errors and security: unknown and malformed merge ids, another workspace\'s merge, no token', async () => {
    expect(await undo('999999-1-1')).toMatchObject({ status: 404, body: { subCategory: 'NOT_FOUND' } });
    expect(await undo('not-a-merge')).toMatchObject({ status: 400, body: { subCategory: 'VALIDATION_ERROR' } });
    const ws = await t.call('POST', '/api/workspaces', { name: 'Undo other', plan: 'enterprise' });
    const [p, q] = await seedRecords(t.db.db, ws.body.id, '0-2', [{ name: 'P' }, { name: 'Q' }]);
    const theirs = await merge('companies', p!, q!, ws.body.adminToken);
    expect(theirs.status).toBe(200);
    expect((await undo(theirs.mergeId!)).status).toBe(404);
    expect((await undo(theirs.mergeId!, null as never)).status).toBe(401);
    expect((await undo(theirs.mergeId!, ws.body.adminToken)).status).toBe(200);
  });
});
