import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';
import { importCsv } from './fixtures/imports/upload.ts';

/**
 * Issue 13, "a stored value must never break reads": values a cast would refuse (numbers that
 * overflow or underflow numeric, dates out of range) are compared and sorted as text, whichever
 * way they were written; the same values as filter values or cursors are text or a 400, never a 500.
 */
const t = useTestApp({ plan: 'professional' });

const HOSTILE = ['1e999999', '1e-999999', '-1e999999', '9'.repeat(200), `0.${'0'.repeat(150)}1`, '1e20', '275760-09-13', '+275760-09-13T00:00:00.000Z'];

const search = (body: Record<string, unknown>) => t.call('POST', '/crm/v3/objects/contacts/search', { limit: 100, ...body });
const filter = (propertyName: string, operator: string, value?: string, highValue?: string) => ({
  filterGroups: [{ filters: [{ propertyName, operator, ...(value !== undefined ? { value } : {}), ...(highValue !== undefined ? { highValue } : {}) }] }],
});
const ids = (r: { body: { results: Array<{ id: string }> } }) => r.body.results.map((x) => x.id);

/**
 * Every read that compares or sorts firstname answers 200, and finds `ordinary` (firstname 42) where
 * it should. firstname is a string property: it compares as text ("42" is between "4" and "5").
 */
async function readsStillWork(ordinary: string) {
  for (const direction of ['ASCENDING', 'DESCENDING']) {
    const r = await search({ sorts: [{ propertyName: 'firstname', direction }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  const numeric = [filter('firstname', 'GT', '4'), filter('firstname', 'LTE', '5'), filter('firstname', 'BETWEEN', '4', '5'), filter('firstname', 'EQ', '42')];
  for (const body of numeric) {
    const r = await search(body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(ids(r)).toContain(ordinary);
  }
  for (const query of ['sort=firstname', 'sort=-firstname', 'filter=firstname:gt:4', 'filter=firstname:between:4|5']) {
    const r = await t.call('GET', `/api/objects/contacts/index?columns=firstname&limit=100&${query}`);
    expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(200);
    if (query.startsWith('filter')) expect(r.body.results.map((x: { id: string }) => x.id)).toContain(ordinary);
  }
}

describe('stored values that a cast would refuse (issue 13)', () => {
  it('written through the API: searches and index pages that sort or compare them numerically still answer', async () => {
    const made = [];
    for (const [i, v] of HOSTILE.entries()) {
      const r = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: `api${i}@stored.com`, firstname: v } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      made.push(r.body.id);
    }
    const ordinary = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'api-ordinary@stored.com', firstname: '42' } });
    // the dates a record keeps itself are not the caller's to write
    for (const v of ['1e20', '+275760-09-13T00:00:00.000Z']) {
      expect(await t.call('PATCH', `/crm/v3/objects/contacts/${ordinary.body.id}`, { properties: { createdate: v } })).toMatchObject({ status: 400, body: { subCategory: 'PROPERTY_INVALID' } });
    }
    // a value stored as text finds itself by equality, as text
    const exact = await search(filter('firstname', 'EQ', '1e999999'));
    expect(exact.status).toBe(200);
    expect(ids(exact)).toContain(made[0]);
    await readsStillWork(ordinary.body.id);
    // updating to such a value is the same
    expect((await t.call('PATCH', `/crm/v3/objects/contacts/${ordinary.body.id}`, { properties: { lastname: '1e999999' } })).status).toBe(200);
    expect((await search({ sorts: [{ propertyName: 'lastname', direction: 'ASCENDING' }] })).status).toBe(200);
  });

  it('written through batch create and update', async () => {
    const created = await t.call('POST', '/crm/v3/objects/contacts/batch/create', { inputs: HOSTILE.map((v, i) => ({ properties: { email: `batch${i}@stored.com`, firstname: v } })) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ordinary = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'batch-ordinary@stored.com', firstname: '42' } });
    const updated = await t.call('POST', '/crm/v3/objects/contacts/batch/update', { inputs: created.body.results.map((r: { id: string }) => ({ id: r.id, properties: { firstname: '-1e-999999' } })) });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    await readsStillWork(ordinary.body.id);
  });

  it('written by an import', async () => {
    const csv = ['Email,First Name', ...HOSTILE.map((v, i) => `import${i}@stored.com,"${v}"`), 'import-ordinary@stored.com,42'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view).toMatchObject({ state: 'done', errorCount: 0 });
    const found = await search(filter('email', 'EQ', 'import-ordinary@stored.com'));
    await readsStillWork(ids(found)[0]!);
  });

  it('written straight into the database (older data): reads still answer', async () => {
    const [odd] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'seeded@stored.com', firstname: '1e999999', amount: '1e-999999' }]);
    const [ordinary] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'seeded-ordinary@stored.com', firstname: '42' }]);
    expect(odd).toBeDefined();
    await readsStillWork(String(ordinary));
  });
});

describe('filter values and cursors a cast would refuse (issue 13)', () => {
  it('numbers that overflow or underflow are compared as text: 200', async () => {
    for (const v of ['1e999999', '1e-999999', '-1e999999', '1e1000']) {
      for (const op of ['EQ', 'NEQ', 'GT', 'LT', 'GTE', 'LTE']) {
        const r = await search(filter('firstname', op, v));
        expect(r.status, `${op} ${v}: ${JSON.stringify(r.body)}`).toBe(200);
      }
      expect((await search(filter('firstname', 'BETWEEN', v, '5'))).status).toBe(200);
      expect((await search(filter('firstname', 'IN', undefined))).status).toBe(400);
      const r = await t.call('GET', `/api/objects/contacts/index?columns=firstname&filter=firstname:gt:${encodeURIComponent(v)}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  it('dates out of range are refused with 400 naming the filter', async () => {
    for (const v of ['1e20', '-1e20', '8.64e15', '275760-09-13T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '1e999999']) {
      for (const name of ['createdate', 'lastmodifieddate']) {
        const r = await search(filter(name, 'GT', v));
        expect(r, `${name} > ${v}`).toMatchObject({ status: 400, body: { subCategory: 'VALIDATION_ERROR', errors: [{ in: expect.stringContaining('filterGroups[0].filters[0].value') }] } });
      }
      const r = await t.call('GET', `/api/objects/contacts/index?columns=firstname&filter=createdate:gt:${encodeURIComponent(v)}`);
      expect(r.status, `index createdate > ${v}: ${JSON.stringify(r.body)}`).toBe(400);
    }
    // the far ends that are fine still are
    for (const v of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '0']) expect((await search(filter('createdate', 'GT', v))).status).toBe(200);
  });

  it('cursors and paging parameters too big or not a number: 400', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'cursor@stored.com' }]);
    const huge = '99999999999999999999';
    for (const path of [
      `/api/objects/contacts/${c}/association-history?after=${huge}`,
      `/api/objects/contacts/${c}/association-history?after=1e5`,
      `/api/objects/contacts/${c}/association-history/companies/1?after=${huge}`,
      `/crm/v4/objects/contacts/${c}/associations/companies?after=${huge}`,
      `/crm/v3/objects/contacts?after=${huge}`,
      `/crm/v3/objects/contacts?limit=${huge}`,
      `/api/changes?after=${huge}`,
    ]) {
      const r = await t.call('GET', path);
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(400);
    }
    expect((await t.call('POST', '/crm/v4/associations/contacts/companies/batch/read', { inputs: [{ id: String(c), after: huge }] })).status).toBe(400);
    expect((await search({ after: huge })).status).toBe(400);
    expect((await search({ after: 1e300 })).status).toBe(400);
    // index-page cursors carrying values the casts would refuse
    const cursor = (k: Array<string | null>, s: string, id = 1) => Buffer.from(JSON.stringify({ s, k, id })).toString('base64url');
    for (const [sort, k] of [['firstname', ['1e999999', '1e999999']], ['hs_object_id', [huge]], ['createdate', ['275760-09-13T00:00:00.000Z']]] as const) {
      const r = await t.call('GET', `/api/objects/contacts/index?columns=firstname&sort=${sort}&after=${cursor([...k], sort)}`);
      expect(r.status, `${sort}: ${JSON.stringify(r.body)}`).toBe(400);
    }
  });
});
