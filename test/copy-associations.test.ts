import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { allEdges, historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp();

const copy = (type: string, id: number, body: Record<string, unknown>, token?: string) => t.call('POST', `/api/objects/${type}/${id}/copy-associations`, body, token);
async function link(from: string, fromId: number, to: string, toId: number, typeIds: number[] = [], token?: string) {
  const r =
    typeIds.length === 0
      ? await t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`, undefined, token)
      : await t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`, typeIds.map((associationTypeId) => ({ associationCategory: associationTypeId > 100_000 ? 'USER_DEFINED' : 'HUBSPOT_DEFINED', associationTypeId })), token);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
}
/** Type ids from a record to each associated record of a type. */
async function typesOf(type: string, id: number, to: string, token?: string): Promise<Record<string, number[]>> {
  const r = await t.call('GET', `/crm/v4/objects/${type}/${id}/associations/${to}`, undefined, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return Object.fromEntries(r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [x.toObjectId, x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b)]));
}
const ws = () => t.workspaceId;

/** A source contact with two companies (Acme primary), two deals (one labeled) and a ticket, and an empty target. */
async function scene(label?: number) {
  const [source, target] = await seedRecords(t.db.db, ws(), '0-1', [{ email: `src${Math.random()}@x.com`, firstname: 'Source' }, { email: `dst${Math.random()}@x.com`, firstname: 'Target' }]);
  const [acme, globex] = await seedRecords(t.db.db, ws(), '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
  const [d1, d2] = await seedRecords(t.db.db, ws(), '0-3', [{ dealname: 'D1' }, { dealname: 'D2' }]);
  const [ticket] = await seedRecords(t.db.db, ws(), '0-5', [{ subject: 'T1' }]);
  await link('contacts', source!, 'companies', acme!);
  await link('contacts', source!, 'companies', globex!);
  await link('contacts', source!, 'deals', d1!, label ? [label] : []);
  await link('contacts', source!, 'deals', d2!);
  await link('contacts', source!, 'tickets', ticket!);
  return { source: source!, target: target!, acme: acme!, globex: globex!, d1: d1!, d2: d2!, ticket: ticket! };
}

describe('copy associations (B6)', () => {
  it('B6: every association of the source lands on the target, both directions; the primary company too when the target has none (R8)', async () => {
    const s = await scene();
    const before = await typesOf('contacts', s.source, 'companies');
    const r = await copy('contacts', s.source, { toRecordId: s.target });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.fromObjectId).toBe(String(s.source));
    expect(r.body.toObjectId).toBe(String(s.target));
    expect(r.body.refused).toEqual([]);
    expect(r.body.unchanged).toEqual([]);
    expect(r.body.copied.map((c: { toObjectId: string }) => Number(c.toObjectId)).sort()).toEqual([s.acme, s.globex, s.d1, s.d2, s.ticket].sort());
    expect(r.body.copied[0]).toEqual({ toObjectTypeId: '0-2', toObjectType: 'companies', toObjectId: String(s.acme), labels: ['Primary'] });
    expect(await typesOf('contacts', s.target, 'companies')).toEqual({ [s.acme]: [1, 279], [s.globex]: [279] });
    expect(await typesOf('contacts', s.target, 'deals')).toEqual({ [s.d1]: [4], [s.d2]: [4] });
    expect(await typesOf('deals', s.d1, 'contacts')).toEqual({ [s.source]: [3], [s.target]: [3] });
    expect(await typesOf('companies', s.acme, 'contacts')).toEqual({ [s.source]: [2, 280], [s.target]: [2, 280] });
    // the source keeps everything
    expect(await typesOf('contacts', s.source, 'companies')).toEqual(before);
  });

  it('B6, R20, R21: history on the target and the associated records, with the caller as source', async () => {
    const s = await scene();
    await copy('contacts', s.source, { toRecordId: s.target });
    const h = await historyOf(t.db.db, ws(), s.target);
    expect(h.map((x) => `${x.action}:${x.to_id}`).sort()).toEqual([`CREATED:${s.acme}`, `PRIMARY_SET:${s.acme}`, `CREATED:${s.globex}`, `CREATED:${s.d1}`, `CREATED:${s.d2}`, `CREATED:${s.ticket}`].sort());
    expect(new Set(h.map((x) => `${x.source}:${x.source_user_name}`))).toEqual(new Set(['USER:Owner']));
    expect((await historyOf(t.db.db, ws(), s.d1)).filter((x) => x.to_id === s.target)).toMatchObject([{ action: 'CREATED', source: 'USER', to_name: 'Target' }]);
    // an app token writes source API
    const app = await t.call('POST', '/api/tokens', { name: 'sync', scopes: ['crm.objects.contacts.write'] });
    const other = await scene();
    await copy('contacts', other.source, { toRecordId: other.target, objectTypes: ['tickets'] }, app.body.token);
    expect(await historyOf(t.db.db, ws(), other.target)).toMatchObject([{ action: 'CREATED', source: 'API', to_id: other.ticket }]);
  });

  it("B6, R6: a target that has a primary company keeps it; the source's primary comes over as an ordinary association", async () => {
    const s = await scene();
    const [own] = await seedRecords(t.db.db, ws(), '0-2', [{ name: 'Own' }]);
    await link('contacts', s.target, 'companies', own!);
    const r = await copy('contacts', s.source, { toRecordId: s.target, objectTypes: ['companies'] });
    expect(r.body.copied.map((c: { labels: string[] }) => c.labels)).toEqual([[], []]);
    expect(await typesOf('contacts', s.target, 'companies')).toEqual({ [own!]: [1, 279], [s.acme]: [279], [s.globex]: [279] });
    expect((await historyOf(t.db.db, ws(), s.target)).map((x) => x.action)).not.toContain('PRIMARY_UNSET');
  });

  it('B6: objectTypes limits what is copied; type ids and singular names work', async () => {
    const s = await scene();
    const r = await copy('contacts', s.source, { toRecordId: s.target, objectTypes: ['0-3', 'ticket'] });
    expect(r.body.copied.map((c: { toObjectType: string }) => c.toObjectType).sort()).toEqual(['deals', 'deals', 'tickets']);
    expect(await typesOf('contacts', s.target, 'companies')).toEqual({});
  });

  it('B6, R14: labels only with includeLabels; a second copy changes nothing', async () => {
    const made = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Decision maker', name: 'decision_maker' });
    const label = made.body.results.find((x: { label: string }) => x.label === 'Decision maker').typeId as number;
    const s = await scene(label);
    const plain = await copy('contacts', s.source, { toRecordId: s.target, objectTypes: ['deals'] });
    expect(plain.body.copied.map((c: { labels: string[] }) => c.labels)).toEqual([[], []]);
    const labeled = await copy('contacts', s.source, { toRecordId: s.target, objectTypes: ['deals'], includeLabels: true });
    expect(labeled.body.copied).toEqual([{ toObjectTypeId: '0-3', toObjectType: 'deals', toObjectId: String(s.d1), labels: ['Decision maker'] }]);
    expect(labeled.body.unchanged).toEqual([{ toObjectTypeId: '0-3', toObjectType: 'deals', toObjectId: String(s.d2), labels: [] }]);
    expect((await typesOf('contacts', s.target, 'deals'))[s.d1]).toEqual([4, label].sort((a, b) => a - b));
    const again = await copy('contacts', s.source, { toRecordId: s.target, includeLabels: true });
    expect(again.status).toBe(200);
    expect(again.body.copied.map((c: { toObjectType: string }) => c.toObjectType).sort()).toEqual(['companies', 'companies', 'tickets']);
    const third = await copy('contacts', s.source, { toRecordId: s.target, includeLabels: true });
    expect(third.body.copied).toEqual([]);
    expect(third.body.unchanged).toHaveLength(5);
  });

  it('B6, R4: a limit refuses some; the others are copied (207), and no half edge is left', async () => {
    const s = await scene();
    const set = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/deals/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 1 }] });
    expect(set.status, JSON.stringify(set.body)).toBe(201);
    try {
      const r = await copy('contacts', s.source, { toRecordId: s.target });
      expect(r.status).toBe(207);
      expect(r.body.refused).toEqual([{ toObjectTypeId: '0-3', toObjectType: 'deals', toObjectId: String(s.d2), code: 'ASSOCIATION_LIMIT_EXCEEDED', message: expect.stringContaining('limit is 1') }]);
      expect(r.body.copied.map((c: { toObjectId: string }) => Number(c.toObjectId)).sort()).toEqual([s.acme, s.globex, s.d1, s.ticket].sort());
      expect(await typesOf('contacts', s.target, 'deals')).toEqual({ [s.d1]: [4] });
      const edges = await allEdges(t.db.db, ws());
      const key = (a: number, b: number) => `${a}>${b}`;
      const pairs = new Set(edges.map((e) => key(e.from_id, e.to_id)));
      expect(edges.filter((e) => !pairs.has(key(e.to_id, e.from_id)))).toEqual([]);
      expect((await historyOf(t.db.db, ws(), s.target)).filter((x) => x.to_id === s.d2)).toEqual([]);
    } finally {
      const purged = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/deals/batch/purge', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4 }] });
      expect(purged.status).toBe(204);
    }
  });

  it('B6, R13: copying a company never makes the target the primary company of its contacts', async () => {
    const [a, b] = await seedRecords(t.db.db, ws(), '0-2', [{ name: 'A' }, { name: 'B' }]);
    const [c] = await seedRecords(t.db.db, ws(), '0-1', [{ email: `c${Math.random()}@a.com` }]);
    await link('contacts', c!, 'companies', a!); // A is c's primary (R8)
    const r = await copy('companies', a!, { toRecordId: b, includeLabels: true });
    expect(r.body.copied).toEqual([{ toObjectTypeId: '0-1', toObjectType: 'contacts', toObjectId: String(c), labels: [] }]);
    expect(await typesOf('contacts', c!, 'companies')).toEqual({ [a!]: [1, 279], [b!]: [279] });
  });

  it('B6: an association between source and target itself is reported, not made (SELF_ASSOCIATION)', async () => {
    const s = await scene();
    await link('contacts', s.source, 'contacts', s.target);
    const r = await copy('contacts', s.source, { toRecordId: s.target, objectTypes: ['contacts', 'tickets'] });
    expect(r.status).toBe(207);
    expect(r.body.refused).toEqual([{ toObjectTypeId: '0-1', toObjectType: 'contacts', toObjectId: String(s.target), code: 'SELF_ASSOCIATION', message: expect.any(String) }]);
    expect(r.body.copied).toHaveLength(1);
  });

  it('B6, R14: when only the labels are refused (plan), the association is still copied and the labels are reported', async () => {
    const other = await t.call('POST', '/api/workspaces', { name: 'Pro', plan: 'professional' });
    const token = other.body.adminToken as string;
    const made = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' }, token);
    const label = made.body.results[0].typeId as number;
    const mk = async (type: string, properties: Record<string, string>) => Number((await t.call('POST', `/crm/v3/objects/${type}`, { properties }, token)).body.id);
    const source = await mk('contacts', { email: 'pro-src@x.com' });
    const target = await mk('contacts', { email: 'pro-dst@x.com' });
    const deal = await mk('deals', { dealname: 'Pro deal' });
    await link('contacts', source, 'deals', deal, [label], token);
    // the plan is the instance owner's to change
    expect((await t.call('PATCH', `/api/workspaces/${other.body.id}`, { plan: 'starter' })).status).toBe(200);
    const r = await copy('contacts', source, { toRecordId: target, includeLabels: true }, token);
    expect(r.status).toBe(207);
    expect(r.body.copied).toEqual([{ toObjectTypeId: '0-3', toObjectType: 'deals', toObjectId: String(deal), labels: [] }]);
    expect(r.body.refused).toEqual([{ toObjectTypeId: '0-3', toObjectType: 'deals', toObjectId: String(deal), code: 'PLAN_REQUIRED', message: expect.any(String), labels: ['Champion'] }]);
    expect(await typesOf('contacts', target, 'deals', token)).toEqual({ [deal]: [4] });
  });
});

describe('errors and security', () => {
  it('bad input is named and nothing is written', async () => {
    const s = await scene();
    const edges = (await allEdges(t.db.db, ws())).length;
    expect((await copy('contacts', s.source, { toRecordId: s.source })).body).toMatchObject({ subCategory: 'VALIDATION_ERROR', errors: [{ in: 'body:toRecordId' }] });
    expect((await copy('contacts', s.source, { toRecordId: s.d1 })).body).toMatchObject({ subCategory: 'NOT_FOUND', errors: [{ in: 'body:toRecordId' }] });
    expect((await copy('deals', s.source, { toRecordId: s.d1 })).status).toBe(404);
    expect((await copy('contacts', s.source, { toRecordId: s.target, objectTypes: ['deals', 'spaceships'] })).body).toMatchObject({ errors: [{ in: 'body:objectTypes[1]' }] });
    expect((await copy('contacts', s.source, { toRecordId: 'x' })).body.errors[0].in).toBe('body:toRecordId');
    expect((await copy('contacts', s.source, {})).status).toBe(400);
    expect((await allEdges(t.db.db, ws())).length).toBe(edges);
  });

  it('too many associations at once: TOO_MANY_INPUTS, nothing written; per object type it goes', async () => {
    const [source, target] = await seedRecords(t.db.db, ws(), '0-1', [{ email: 'many-src@x.com' }, { email: 'many-dst@x.com' }]);
    const notes = await seedRecords(t.db.db, ws(), '0-46', Array.from({ length: 1001 }, (_, i) => ({ hs_note_body: `n${i}` })));
    // straight into the table (both directions, contact→note 201, note→contact 202): setup, not the thing tested
    await t.db.db.execute(sql`insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type)
      select ${ws()}::uuid, ${source}::bigint, '0-46', n, 201, '0-1' from unnest(${`{${notes.join(',')}}`}::bigint[]) n
      union all select ${ws()}::uuid, n, '0-1', ${source}::bigint, 202, '0-46' from unnest(${`{${notes.join(',')}}`}::bigint[]) n`);
    const [deal] = await seedRecords(t.db.db, ws(), '0-3', [{ dealname: 'One' }]);
    await link('contacts', source!, 'deals', deal!);
    const r = await copy('contacts', source!, { toRecordId: target });
    expect(r).toMatchObject({ status: 400, body: { subCategory: 'TOO_MANY_INPUTS' } });
    expect(await typesOf('contacts', target!, 'notes')).toEqual({});
    expect((await copy('contacts', source!, { toRecordId: target, objectTypes: ['deals'] })).body.copied).toHaveLength(1);
  });

  it("security: another workspace's ids are 404 (source and target), no token is 401", async () => {
    const s = await scene();
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'enterprise' });
    const token = other.body.adminToken as string;
    const theirs = Number((await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'theirs@x.com' } }, token)).body.id);
    expect((await copy('contacts', s.source, { toRecordId: theirs })).status).toBe(404);
    expect((await copy('contacts', theirs, { toRecordId: s.target })).status).toBe(404);
    const r = await copy('contacts', s.source, { toRecordId: theirs }, token);
    expect(r.status).toBe(404);
    expect(await typesOf('contacts', theirs, 'companies', token)).toEqual({});
    expect((await copy('contacts', s.source, { toRecordId: s.target }, null as never)).status).toBe(401);
  });
});
