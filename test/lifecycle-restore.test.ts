import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { allEdges, historyOf, seedRecords } from './helpers/records.ts';

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
const archive = (type: string, id: number) => t.call('DELETE', `/crm/v3/objects/${type}/${id}`);
const restore = (type: string, id: number, token?: string | null) => t.call('POST', `/api/objects/${type}/${id}/restore`, undefined, token);

describe('restore within 90 days (SPEC section 4, R21 Object restore)', () => {
  it('section 4, R21: a restored contact is back with its companies (primary included), its labeled deal, and the history says Object restore', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'back@acme.com', firstname: 'Back' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Renewal' }]);
    await put('contacts', c!, 'companies', acme!);
    await put('contacts', c!, 'companies', globex!);
    await put('contacts', c!, 'deals', deal!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    const before = { companies: await typesOf('contacts', c!, 'companies'), deals: await typesOf('contacts', c!, 'deals') };
    expect(before.companies).toEqual({ [acme!]: [1, 279], [globex!]: [279] });

    expect((await archive('contacts', c!)).status).toBe(204);
    expect((await t.call('GET', `/crm/v3/objects/contacts/${c}`)).status).toBe(404);
    expect(await typesOf('companies', acme!, 'contacts')).toEqual({});

    const r = await restore('contacts', c!);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ restored: { id: String(c), archived: false, properties: { email: 'back@acme.com' } }, associationsRestored: 3, associationsRefused: [] });
    expect(await typesOf('contacts', c!, 'companies')).toEqual(before.companies);
    expect(await typesOf('contacts', c!, 'deals')).toEqual(before.deals);
    expect(await typesOf('companies', acme!, 'contacts')).toEqual({ [c!]: [2, 280] });
    expect((await t.call('GET', `/crm/v3/objects/contacts/${c}`)).status).toBe(200);

    const h = (await historyOf(t.db.db, t.workspaceId, c!)).filter((x) => x.source === 'OBJECT_RESTORE');
    expect(h.map((x) => `${x.action}:${x.to_id}`).sort()).toEqual([`CREATED:${acme}`, `CREATED:${deal}`, `CREATED:${globex}`, `LABEL_ADDED:${deal}`, `PRIMARY_SET:${acme}`].sort());
    expect((await historyOf(t.db.db, t.workspaceId, acme!)).at(-1)).toMatchObject({ source: 'OBJECT_RESTORE', to_id: c, action: 'PRIMARY_SET' });
  });

  it('R8: a restored company becomes primary again only for the contacts that have no primary now', async () => {
    const [keeps, lonely] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'keeps@x.com' }, { email: 'lonely@x.com' }]);
    const [acme, initech] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Initech' }]);
    await put('contacts', keeps!, 'companies', acme!);
    await put('contacts', keeps!, 'companies', initech!);
    await put('contacts', lonely!, 'companies', acme!);
    await archive('companies', acme!);
    // archiving moved keeps' primary to its newest remaining company (R8); lonely has none
    expect(await typesOf('contacts', keeps!, 'companies')).toEqual({ [initech!]: [1, 279] });
    expect(await typesOf('contacts', lonely!, 'companies')).toEqual({});

    const r = await restore('companies', acme!);
    expect(r.status).toBe(200);
    expect(r.body.associationsRestored).toBe(2);
    expect(await typesOf('contacts', keeps!, 'companies')).toEqual({ [acme!]: [279], [initech!]: [1, 279] });
    expect(await typesOf('contacts', lonely!, 'companies')).toEqual({ [acme!]: [1, 279] });
  });

  it('R4: an association that would now pass a limit is reported, not made, and the others come back', async () => {
    const [c1, c2] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'lim1@x.com' }, { email: 'lim2@x.com' }]);
    const [ticket, other] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Full ticket' }, { subject: 'Free ticket' }]);
    const limit = await t.call('POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 1 }] });
    expect(limit.status).toBe(201);
    await put('contacts', c1!, 'tickets', ticket!);
    await put('contacts', c1!, 'tickets', other!);
    await archive('contacts', c1!);
    await put('contacts', c2!, 'tickets', ticket!);

    const r = await restore('contacts', c1!);
    expect(r.status).toBe(200);
    expect(r.body.associationsRestored).toBe(1);
    expect(r.body.associationsRefused).toEqual([{ toObjectType: 'tickets', toObjectId: ticket, code: 'ASSOCIATION_LIMIT_EXCEEDED', message: expect.stringContaining('limit is 1') }]);
    expect(await typesOf('contacts', c1!, 'tickets')).toEqual({ [other!]: [15] });
    expect(await typesOf('tickets', ticket!, 'contacts')).toEqual({ [c2!]: [16] });
  });

  it('restore: a record deleted since is reported; one merged since hands its place to its survivor', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'gone@x.com' }]);
    const [d1, d2, survivor] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Deleted deal' }, { dealname: 'Merged deal' }, { dealname: 'Survivor deal' }]);
    await put('contacts', c!, 'deals', d1!);
    await put('contacts', c!, 'deals', d2!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    await archive('contacts', c!);
    await archive('deals', d1!);
    expect((await t.call('POST', '/crm/v3/objects/deals/merge', { primaryObjectId: String(survivor), objectIdToMerge: String(d2) })).status).toBe(200);

    const r = await restore('contacts', c!);
    expect(r.body.associationsRefused).toEqual([{ toObjectType: 'deals', toObjectId: d1, code: 'NOT_FOUND', message: expect.stringContaining('deleted') }]);
    expect(await typesOf('contacts', c!, 'deals')).toEqual({ [survivor!]: [4, champion].sort((a, b) => a - b) });
  });

  it('R14: a label deleted since is reported; the association comes back without it', async () => {
    const made = await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Advisor', name: 'advisor' });
    const advisor = made.body.results[0].typeId as number;
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'label@x.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Labelled' }]);
    await put('contacts', c!, 'companies', co!, [{ associationCategory: 'USER_DEFINED', associationTypeId: advisor }]);
    await archive('contacts', c!);
    expect((await t.call('DELETE', `/crm/v4/associations/contacts/companies/labels/${advisor}`)).status).toBe(204);
    const r = await restore('contacts', c!);
    expect(r.body.associationsRestored).toBe(1);
    expect(r.body.associationsRefused).toEqual([{ toObjectType: 'companies', toObjectId: co, code: 'ASSOCIATION_LABEL_NOT_FOUND', message: expect.any(String) }]);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [co!]: [1, 279] });
  });

  it('restore: deleted, restored and deleted again comes back as it was the second time', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'twice@x.com' }]);
    const [a, b] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'A' }, { dealname: 'B' }]);
    await put('contacts', c!, 'deals', a!);
    await archive('contacts', c!);
    await restore('contacts', c!);
    await t.call('DELETE', `/crm/v4/objects/contacts/${c}/associations/deals/${a}`);
    await put('contacts', c!, 'deals', b!);
    await archive('contacts', c!);
    expect((await restore('contacts', c!)).body.associationsRestored).toBe(1);
    expect(await typesOf('contacts', c!, 'deals')).toEqual({ [b!]: [4] });
  });
});

describe('restore errors (SPEC section 4)', () => {
  it('a live record: 409 RECORD_NOT_ARCHIVED; an unknown id: 404; a malformed one: 400', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'live@x.com' }]);
    expect(await restore('contacts', c!)).toMatchObject({ status: 409, body: { subCategory: 'RECORD_NOT_ARCHIVED' } });
    expect(await restore('contacts', 987654321)).toMatchObject({ status: 404, body: { subCategory: 'NOT_FOUND' } });
    expect(await restore('contacts', 'abc' as never)).toMatchObject({ status: 400, body: { subCategory: 'VALIDATION_ERROR' } });
    expect(await restore('widgets', c!)).toMatchObject({ status: 404, body: { subCategory: 'OBJECT_TYPE_NOT_FOUND' } });
    // the right id under another type is not that record
    expect(await restore('companies', c!)).toMatchObject({ status: 404 });
  });

  it('section 4: past 90 days the restore is refused with 410 RESTORE_EXPIRED and nothing changes', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'old@x.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Old Co' }]);
    await put('contacts', c!, 'companies', co!);
    await archive('contacts', c!);
    await t.db.db.execute(sql`update records set archived_at = now() - interval '91 days' where workspace_id = ${t.workspaceId} and id = ${c!}`);
    const r = await restore('contacts', c!);
    expect(r).toMatchObject({ status: 410, body: { subCategory: 'RESTORE_EXPIRED', message: expect.stringContaining('90 days') } });
    expect((await t.call('GET', `/crm/v3/objects/contacts/${c}?archived=true`)).body.archived).toBe(true);
    expect((await allEdges(t.db.db, t.workspaceId)).some((e) => Number(e.from_id) === c)).toBe(false);
    // 89 days is still in time
    await t.db.db.execute(sql`update records set archived_at = now() - interval '89 days' where workspace_id = ${t.workspaceId} and id = ${c!}`);
    expect((await restore('contacts', c!)).status).toBe(200);
  });

  it('section 4: a purged record (only its history left) answers 410 RECORD_PURGED', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'purged@x.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Purge Co' }]);
    await put('contacts', c!, 'companies', co!);
    await archive('contacts', c!);
    await t.db.db.execute(sql`delete from records where workspace_id = ${t.workspaceId} and id = ${c!}`);
    expect(await restore('contacts', c!)).toMatchObject({ status: 410, body: { subCategory: 'RECORD_PURGED' } });
  });

  it('a merged record: 409 RECORD_MERGED naming the survivor', async () => {
    const [keep, gone] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Keep' }, { name: 'Gone' }]);
    await t.call('POST', '/crm/v3/objects/companies/merge', { primaryObjectId: keep, objectIdToMerge: gone });
    expect(await restore('companies', gone!)).toMatchObject({ status: 409, body: { subCategory: 'RECORD_MERGED', context: { mergedInto: [String(keep)] } } });
  });

  it('a contact whose email another live contact took meanwhile: 409, and it stays deleted', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'taken@x.com' }]);
    await archive('contacts', c!);
    const other = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'taken@x.com' } });
    expect(other.status).toBe(201);
    const r = await restore('contacts', c!);
    expect(r).toMatchObject({ status: 409, body: { subCategory: 'CONFLICT', message: `Contact already exists. Existing ID: ${other.body.id}` } });
    expect((await t.call('GET', `/crm/v3/objects/contacts/${c}?archived=true`)).body.archived).toBe(true);
  });

  it('security: another workspace\'s archived record is not found, and a request without a token is refused', async () => {
    const ws = await t.call('POST', '/api/workspaces', { name: 'Restore other', plan: 'enterprise' });
    const [theirs] = await seedRecords(t.db.db, ws.body.id, '0-1', [{ email: 'theirs@x.com' }]);
    expect((await t.call('DELETE', `/crm/v3/objects/contacts/${theirs}`, undefined, ws.body.adminToken)).status).toBe(204);
    expect(await restore('contacts', theirs!)).toMatchObject({ status: 404 });
    expect((await restore('contacts', theirs!, null)).status).toBe(401);
    expect((await restore('contacts', theirs!, ws.body.adminToken)).status).toBe(200);
  });
});
