import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { upload } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'enterprise' });

const NUL = 'a\u0000b';
const LONE = 'a\uD800b';
const count = async (table: string) => rowsOf<{ n: number }>(await t.db.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;

/** A 400 in HubSpot's shape whose `errors[0].in` names the place. */
function expectRefusedAt(r: { status: number; body: any }, where: string | RegExp) {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) });
  expect(r.body.errors[0].in).toMatch(where);
}

describe('issue 13: a NUL character or a lone surrogate is a 400 naming where it is, and nothing is written', () => {
  for (const [what, bad] of [['NUL', NUL], ['a lone surrogate', LONE]] as const) {
    it(`${what} in a property value, a label, the workspace, user, token and schema names, a search and a thread subject`, async () => {
      const records = await count('records');
      expectRefusedAt(await t.call('POST', '/crm/v3/objects/contacts', { properties: { firstname: bad } }), 'body:properties.firstname');
      expectRefusedAt(await t.call('POST', '/crm/v3/objects/contacts', { properties: { [`first${bad}`]: 'x' } }), /^body:properties\.first/);
      expect(await count('records')).toBe(records);
      expectRefusedAt(await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: bad, name: 'champion' }), 'body:label');
      expectRefusedAt(await t.call('PATCH', '/api/workspace', { name: bad }), 'body:name');
      expectRefusedAt(await t.call('PATCH', '/api/workspace', { settings: { internalDomains: [bad] } }), 'body:settings.internalDomains[0]');
      expectRefusedAt(await t.call('POST', '/api/users', { name: bad, email: 'u@example.com', role: 'rep' }), 'body:name');
      expectRefusedAt(await t.call('POST', '/api/tokens', { name: bad }), 'body:name');
      expectRefusedAt(await t.call('POST', '/crm/v3/schemas', { name: `x${bad}`, labels: { singular: 'x', plural: 'xs' }, properties: [], requiredProperties: [], primaryDisplayProperty: 'a' }), 'body:name');
      expectRefusedAt(await t.call('POST', '/crm/v3/objects/contacts/search', { query: bad }), 'body:query');
      expectRefusedAt(await t.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: bad }] }] }), 'body:filterGroups[0].filters[0].value');
      expectRefusedAt(await t.call('POST', '/api/recommendations/thread', { participants: [{ email: 'p@example.com' }], subject: bad }), 'body:subject');
      expect(await count('records')).toBe(records);
      expect((await t.call('GET', '/api/workspace')).body.name).not.toContain(bad);
    });
  }

  it('NUL in a path parameter, a query value and a query name', async () => {
    expectRefusedAt(await t.call('GET', '/crm/v3/objects/contacts/a%00b?idProperty=email'), 'path');
    expectRefusedAt(await t.call('GET', '/crm/v3/objects/contacts?properties=first%00name'), 'query:properties');
    expectRefusedAt(await t.call('GET', '/crm/v3/objects/contacts?x%00=1'), /^query:x/);
    expectRefusedAt(await t.call('GET', '/api/imports/%00'), 'path');
  });

  it('a batch keeps its good inputs: the bad one is its own error, naming the property', async () => {
    const before = await count('records');
    const r = await t.call('POST', '/crm/v3/objects/contacts/batch/create', {
      inputs: [{ properties: { email: 'good1@hostile-text.com' } }, { properties: { email: 'bad@hostile-text.com', firstname: NUL } }, { properties: { email: 'good2@hostile-text.com', lastname: LONE } }, { properties: { email: 'good3@hostile-text.com' } }],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(207);
    expect(r.body.results).toHaveLength(2);
    expect(r.body.errors.map((e: any) => [e.context.index[0], e.errors[0].in])).toEqual([
      ['1', 'inputs[1].properties.firstname'],
      ['2', 'inputs[2].properties.lastname'],
    ]);
    expect(await count('records')).toBe(before + 2);
    // a lookup by a value no record can hold finds nothing (and sends no such statement)
    const read = await t.call('POST', '/crm/v3/objects/contacts/batch/read', { idProperty: 'email', inputs: [{ id: 'good1@hostile-text.com' }, { id: `x${NUL}@y.com` }] });
    expect(read.status, JSON.stringify(read.body)).toBe(207);
    expect(read.body.results).toHaveLength(1);
    const update = await t.call('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: `x${NUL}@y.com`, idProperty: 'email', properties: { firstname: 'x' } }, { id: 'good1@hostile-text.com', idProperty: 'email', properties: { firstname: 'Ok' } }] });
    expect(update.status, JSON.stringify(update.body)).toBe(207);
    expect(update.body.results.map((x: any) => x.properties.firstname)).toEqual(['Ok']);
    // the rest of a batch body is checked whole
    expectRefusedAt(await t.call('POST', '/crm/v3/objects/contacts/batch/read', { properties: [NUL], inputs: [{ id: '1' }] }), 'body:properties[0]');
  });

  it('an import: a file name or options with NUL is refused; a CSV cell with NUL refuses only its row; a header cell with NUL refuses the file', async () => {
    const jobs = await count('import_jobs');
    expectRefusedAt(await upload(t, 'email\nx@y.com\n', { objectType: 'contacts', mode: 'create' }, t.token, `a${NUL}.csv`), 'body:file.filename');
    expectRefusedAt(await upload(t, 'email\nx@y.com\n', { objectType: 'contacts', mode: 'create', columnMapping: { [NUL]: null } }), /^body:options\.columnMapping/);
    expectRefusedAt(await upload(t, `email,first${NUL}\nx@y.com,a\n`, { objectType: 'contacts', mode: 'create' }), 'file:header[1]');
    expect(await count('import_jobs')).toBe(jobs);
    expect(await count('import_chunks')).toBe(0);
  });
});

describe('issue 13: PATCH /api/workspace with nothing to change', () => {
  it('{} and a body that is not JSON are a 400 saying what to send, not a 500', async () => {
    const empty = await t.call('PATCH', '/api/workspace', {});
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/at least one of name, plan, settings/);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await t.app.request('/api/workspace', { method: 'PATCH', headers: { authorization: `Bearer ${t.token}`, ...(type ? { 'content-type': type } : {}) }, body: 'name=x' });
      expect(res.status, type).toBeGreaterThanOrEqual(400);
      expect(res.status, type).toBeLessThan(500);
    }
  });
});

describe('issue 13: 500s the route fuzz found, now 4xx or fine', () => {
  it('a repeated object type in a thread recommendation is taken once (was: WITH query name specified more than once)', async () => {
    for (const path of ['/api/recommendations/thread', '/api/companion/thread']) {
      const r = await t.call('POST', path, { participants: [{ email: 'ann@fuzz-found.example' }], objectTypes: ['companies', 'companies'] });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  it('an association type id past the integer range is a 400 naming it (was: out of range for type integer)', async () => {
    const r = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/contacts/batch/purge', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 9007199254740991 }] });
    expectRefusedAt(r, 'body:inputs[0].typeId');
    const c = await t.call('POST', '/crm/v4/associations/contacts/companies/batch/create', { inputs: [{ from: { id: '1' }, to: { id: '2' }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: 2 ** 40 }] }] });
    expectRefusedAt(c, /^body:inputs\[0\]\.types\[0\]\.associationTypeId/);
  });
});
