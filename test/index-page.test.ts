import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../server/db/client.ts';
import * as schema from '../server/db/schema/index.ts';
import { indexPage, pageRowsOf } from '../server/domain/index-page.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import { createApp } from '../server/app.ts';
import { indexQuery } from '../shared/views.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();

/**
 * The same database through a second drizzle instance that logs every statement it sends: a thin
 * wrapper for counting round trips, not a mock (the real database runs every statement).
 */
function countingDb(): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const logger = { logQuery: (query: string) => void statements.push(query) };
  const client = (t.db.db as unknown as { $client: never }).$client;
  const db = (t.db.kind === 'pglite' ? drizzlePglite(client, { schema, logger }) : drizzlePg(client, { schema, logger })) as unknown as Db;
  return { db, statements };
}

async function create(type: string, properties: Record<string, string>): Promise<string> {
  const r = await t.call('POST', `/crm/v3/objects/${type}`, { properties });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}
async function link(from: string, fromId: string, to: string, toId: string, typeId?: number) {
  const r =
    typeId === undefined
      ? await t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`)
      : await t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }]);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
}
async function index(type: string, query: string, token?: string) {
  return t.call('GET', `/api/objects/${type}/index?${query}`, undefined, token);
}
async function page(type: string, query: string) {
  const r = await index(type, query);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const ids = {} as Record<'acme' | 'globex' | 'initech' | 'ada' | 'grace' | 'alan' | 'big' | 'small' | 'none' | 'ticket', string>;

beforeAll(async () => {
  ids.acme = await create('companies', { name: 'Acme', domain: 'acme.com' });
  ids.globex = await create('companies', { name: 'Globex', domain: 'globex.com' });
  ids.initech = await create('companies', { name: '', domain: 'initech.com' });
  ids.ada = await create('contacts', { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@acme.com' });
  ids.grace = await create('contacts', { firstname: 'Grace', lastname: 'Hopper', email: 'grace@globex.com' });
  ids.alan = await create('contacts', { email: 'alan@bletchley.uk' });
  ids.big = await create('deals', { dealname: 'Big deal', amount: '5000', dealstage: 'closedwon' });
  ids.small = await create('deals', { dealname: 'Small deal', amount: '100', dealstage: 'closedlost' });
  ids.none = await create('deals', { dealname: 'No company' });
  ids.ticket = await create('tickets', { subject: 'Broken login' });
  // R8: a contact's first company is its primary
  await link('contacts', ids.ada, 'companies', ids.acme);
  await link('contacts', ids.ada, 'companies', ids.globex);
  await link('contacts', ids.grace, 'companies', ids.globex);
  // R6: a deal's primary company is set with type 5
  await link('deals', ids.big, 'companies', ids.globex);
  await link('deals', ids.big, 'companies', ids.acme, 5);
  await link('deals', ids.small, 'companies', ids.initech);
  await link('deals', ids.big, 'contacts', ids.ada);
  await link('deals', ids.big, 'contacts', ids.grace);
  await link('deals', ids.big, 'tickets', ids.ticket);
});

const DEAL_COLUMNS = 'columns=dealname,amount,assoc:companies,assoc:contacts,primary:company';

describe('index columns (R19, R9)', () => {
  it('R19: "[Object] → [Objects]" gives the count and the first records by id, with names; labels as HubSpot heads them', async () => {
    const body = await page('deals', DEAL_COLUMNS);
    expect(body.objectType).toBe('deals');
    expect(body.columns).toEqual([
      { key: 'dealname', kind: 'property', label: 'Deal Name', property: 'dealname' },
      { key: 'amount', kind: 'property', label: 'Amount', property: 'amount' },
      { key: 'assoc:companies', kind: 'associations', label: 'Deal → Companies', toObjectTypeId: '0-2', toObjectType: 'companies' },
      { key: 'assoc:contacts', kind: 'associations', label: 'Deal → Contacts', toObjectTypeId: '0-1', toObjectType: 'contacts' },
      { key: 'primary:company', kind: 'primaryCompany', label: 'Deal → Company (primary)', toObjectTypeId: '0-2', toObjectType: 'companies' },
    ]);
    expect(body.results.map((r: { id: string }) => r.id)).toEqual([ids.big, ids.small, ids.none]);
    const [big, small, none] = body.results;
    expect(big).toEqual({
      id: ids.big,
      name: 'Big deal',
      values: {
        dealname: 'Big deal',
        amount: '5000',
        'assoc:companies': { count: 2, first: [{ id: ids.acme, name: 'Acme' }, { id: ids.globex, name: 'Globex' }] },
        'assoc:contacts': { count: 2, first: [{ id: ids.ada, name: 'Ada Lovelace' }, { id: ids.grace, name: 'Grace Hopper' }] },
        'primary:company': { id: ids.acme, name: 'Acme' },
      },
    });
    // a company without a name is shown by its domain, as everywhere else
    expect(small.values['assoc:companies']).toEqual({ count: 1, first: [{ id: ids.initech, name: 'initech.com' }] });
    expect(small.values['primary:company']).toBeNull();
    expect(none.values).toEqual({ dealname: 'No company', amount: null, 'assoc:companies': { count: 0, first: [] }, 'assoc:contacts': { count: 0, first: [] }, 'primary:company': null });
  });

  it('R9: "Contact → Company (primary)" names the primary company, "Contact → Companies" counts them all', async () => {
    const body = await page('contacts', 'columns=email,assoc:companies,primary:company,assoc:deals');
    expect(body.columns.map((c: { label: string }) => c.label)).toEqual(['Email', 'Contact → Companies', 'Contact → Company (primary)', 'Contact → Deals']);
    const byId = Object.fromEntries(body.results.map((r: { id: string }) => [r.id, r]));
    expect(byId[ids.ada].values['primary:company']).toEqual({ id: ids.acme, name: 'Acme' });
    expect(byId[ids.ada].values['assoc:companies'].count).toBe(2);
    expect(byId[ids.grace].values['primary:company']).toEqual({ id: ids.globex, name: 'Globex' });
    expect(byId[ids.alan]).toMatchObject({ name: 'alan@bletchley.uk', values: { 'primary:company': null, 'assoc:companies': { count: 0, first: [] } } });
  });

  it('R9: a primary change shows at once in the primary column; the old company stays in "Companies"', async () => {
    await link('contacts', ids.ada, 'companies', ids.globex, 1);
    const body = await page('contacts', `columns=assoc:companies,primary:company&filter=hs_object_id:eq:${ids.ada}`);
    expect(body.results[0].values).toEqual({
      'assoc:companies': { count: 2, first: [{ id: ids.acme, name: 'Acme' }, { id: ids.globex, name: 'Globex' }] },
      'primary:company': { id: ids.globex, name: 'Globex' },
    });
    await link('contacts', ids.ada, 'companies', ids.acme, 1);
  });

  it('R19: the first three only, the count says how many in all', async () => {
    const deal = await create('deals', { dealname: 'Crowded' });
    const people = await seedRecords(t.db.db, t.workspaceId, '0-1', Array.from({ length: 5 }, (_, i) => ({ firstname: `P${i}`, email: `p${i}@crowd.io` })));
    for (const p of people.reverse()) await link('deals', deal, 'contacts', String(p));
    const body = await page('deals', `columns=assoc:contacts&filter=hs_object_id:eq:${deal}`);
    const sorted = [...people].sort((a, b) => a - b);
    expect(body.results[0].values['assoc:contacts']).toEqual({ count: 5, first: sorted.slice(0, 3).map((id, i) => ({ id: String(id), name: `P${i}` })) });
  });

  it('every column type: system properties, association columns with activities and the same type, type ids', async () => {
    const body = await page('companies', 'columns=hs_object_id,createdate,name,assoc:0-1,assoc:deals,assoc:companies,assoc:emails');
    expect(body.columns.map((c: { label: string }) => c.label)).toEqual(['Record ID', 'Create Date', 'Company name', 'Company → Contacts', 'Company → Deals', 'Company → Companies', 'Company → Emails']);
    const acme = body.results.find((r: { id: string }) => r.id === ids.acme);
    expect(acme.values.hs_object_id).toBe(ids.acme);
    expect(new Date(acme.values.createdate).toISOString()).toBe(acme.values.createdate);
    expect(acme.values['assoc:0-1']).toEqual({ count: 1, first: [{ id: ids.ada, name: 'Ada Lovelace' }] });
    expect(acme.values['assoc:deals']).toEqual({ count: 1, first: [{ id: ids.big, name: 'Big deal' }] });
    expect(acme.values['assoc:companies']).toEqual({ count: 0, first: [] });
    expect(acme.values['assoc:emails']).toEqual({ count: 0, first: [] });
  });

  it('tickets: "Ticket → Deals" and "Ticket → Company (primary)"', async () => {
    const body = await page('tickets', `columns=subject,assoc:deals,primary:company&filter=hs_object_id:eq:${ids.ticket}`);
    expect(body.columns.map((c: { label: string }) => c.label)).toEqual(['Ticket name', 'Ticket → Deals', 'Ticket → Company (primary)']);
    expect(body.results[0].values).toEqual({ subject: 'Broken login', 'assoc:deals': { count: 1, first: [{ id: ids.big, name: 'Big deal' }] }, 'primary:company': null });
  });
});

describe('one query per page (R19)', () => {
  it('R19: a page of 50 rows with 4 association columns is ONE SQL statement', async () => {
    const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', Array.from({ length: 60 }, (_, i) => ({ dealname: `Bulk ${i}`, amount: String(i * 10) })));
    const inputs = deals.slice(0, 30).map((d) => ({ from: { id: d }, to: { id: Number(ids.globex) } }));
    expect((await t.call('POST', '/crm/v4/associations/deals/companies/batch/associate/default', { inputs })).status).toBe(200);
    const type = await resolveObjectType(t.db.db, t.workspaceId, 'deals');
    const query = indexQuery.parse({ columns: 'dealname,amount,assoc:companies,assoc:contacts,assoc:tickets,primary:company', limit: '50' });
    const counting = countingDb();
    const result = await indexPage(counting.db, t.workspaceId, type, { columns: query.columns, limit: query.limit });
    expect(result.rows).toHaveLength(50);
    expect(result.rows.filter((r) => (r.values['assoc:companies'] as { count: number }).count > 0).length).toBeGreaterThan(30);
    // reading a type's definitions when their cache has expired is not the page
    const pageStatements = () => counting.statements.filter((q) => !/from "(object_schemas|property_definitions)"/.test(q));
    expect(pageStatements(), counting.statements.join('\n')).toHaveLength(1);
    // the same with a filter on the primary company, a sort and a cursor
    counting.statements.length = 0;
    const sorted = await indexPage(counting.db, t.workspaceId, type, { columns: query.columns, limit: 10, sorts: [{ propertyName: 'amount', descending: true }], filters: [{ propertyName: 'associations.companies', operator: 'HAS_PROPERTY' }] });
    await indexPage(counting.db, t.workspaceId, type, { columns: query.columns, limit: 10, sorts: [{ propertyName: 'amount', descending: true }], filters: [{ propertyName: 'associations.companies', operator: 'HAS_PROPERTY' }], after: sorted.after! });
    expect(pageStatements(), counting.statements.join('\n')).toHaveLength(2);
  });

  it('R19: through HTTP too: one statement reads the page, whatever the number of columns', async () => {
    const counting = countingDb();
    const app = createApp({ db: counting.db, tokenCacheMs: 60_000 });
    const get = (columns: string) => app.request(`/api/objects/deals/index?limit=50&columns=${columns}`, { headers: { authorization: `Bearer ${t.token}` } });
    expect((await get('dealname')).status).toBe(200); // warms the token cache
    for (const columns of ['dealname', 'dealname,assoc:companies', 'assoc:companies,assoc:contacts,assoc:tickets,primary:company,assoc:deals,assoc:emails,assoc:calls,assoc:notes']) {
      counting.statements.length = 0;
      const res = await get(columns);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { results: unknown[] }).results).toHaveLength(50);
      // the page's own statements; the type catalog (kept 5 s) may be read again on a slow machine
      expect(counting.statements.filter((q) => !/from "(object_schemas|property_definitions)"/.test(q)), columns).toHaveLength(1);
    }
  });
});

describe('filters, sorts, paging', () => {
  const names = async (type: string, query: string) => (await page(type, query)).results.map((r: { name: string }) => r.name);

  it('filter: property operators with search semantics (numbers numeric, eq case-insensitive, neq keeps empties)', async () => {
    const base = 'columns=dealname&filter=dealname:not_contains:bulk&filter=dealname:not_contains:crowded';
    expect(await names('deals', `${base}&filter=amount:gt:1000`)).toEqual(['Big deal']);
    expect(await names('deals', `${base}&filter=amount:lte:5000`)).toEqual(['Big deal', 'Small deal']);
    expect(await names('deals', `${base}&filter=dealstage:eq:CLOSEDWON`)).toEqual(['Big deal']);
    expect(await names('deals', `${base}&filter=dealstage:neq:closedwon`)).toEqual(['Small deal', 'No company']);
    expect(await names('deals', `${base}&filter=dealstage:in:closedwon|closedlost`)).toEqual(['Big deal', 'Small deal']);
    expect(await names('deals', `${base}&filter=amount:between:50|200`)).toEqual(['Small deal']);
    expect(await names('deals', `${base}&filter=amount:not_has`)).toEqual(['No company']);
    expect(await names('deals', `${base}&filter=dealname:contains:big`)).toEqual(['Big deal']);
    expect(await names('deals', `${base}&filter=amount:has&filter=dealstage:eq:closedlost`)).toEqual(['Small deal']);
  });

  it('R12: filter on the primary company and on "has associations with"', async () => {
    expect(await names('contacts', 'columns=email&filter=associations.company.primary.domain:eq:acme.com')).toEqual(['Ada Lovelace']);
    expect(await names('deals', 'columns=dealname&filter=associations.company.primary.name:eq:acme')).toEqual(['Big deal']);
    expect(await names('deals', `columns=dealname&filter=associations.tickets:has`)).toEqual(['Big deal']);
    expect(await names('deals', `columns=dealname&filter=associations.contacts:eq:${ids.grace}`)).toEqual(['Big deal']);
  });

  it('sort: numbers numerically, descending, empty values last; ties by record id', async () => {
    const base = 'columns=dealname&filter=dealname:not_contains:bulk&filter=dealname:not_contains:crowded';
    expect(await names('deals', `${base}&sort=amount`)).toEqual(['Small deal', 'Big deal', 'No company']);
    expect(await names('deals', `${base}&sort=-amount`)).toEqual(['Big deal', 'Small deal', 'No company']);
    expect(await names('deals', `${base}&sort=-dealname`)).toEqual(['Small deal', 'No company', 'Big deal']);
  });

  it('paging: `after` walks every row once, in order, for the id order and for sorts with empty values and ties', async () => {
    for (const sort of ['', '&sort=-amount', '&sort=amount,-dealname', '&sort=dealstage', '&sort=-createdate']) {
      const all = (await page('deals', `columns=dealname&limit=100${sort}`)).results.map((r: { id: string }) => r.id);
      expect(all.length).toBeGreaterThan(60);
      const walked: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const body = await page('deals', `columns=dealname&limit=7${sort}${after ? `&after=${after}` : ''}`);
        walked.push(...body.results.map((r: { id: string }) => r.id));
        after = body.paging?.next?.after;
        if (after) expect(body.paging.next.link).toContain(`after=${after}`);
        pages++;
      } while (after && pages < 50);
      expect(walked, sort).toEqual(all);
    }
  });

  it('R19: deep pages of a one-key sort read index ranges: ties (by id, backwards when descending), empty values and both directions walk every row once, in order', async () => {
    // lower-case ASCII names compare the same in every collation; many ties, some empty
    const lastnames = Array.from({ length: 45 }, (_, i) => (i % 9 === 0 ? null : ['kappa', 'alpha', 'mu', 'beta', 'alpha'][i % 5]!));
    const seeded = await seedRecords(t.db.db, t.workspaceId, '0-1', lastnames.map((lastname) => ({ firstname: 'walker', ...(lastname ? { lastname } : {}) })));
    const rows = seeded.map((id, i) => ({ id: String(id), lastname: lastnames[i]! }));
    const filled = rows.filter((r) => r.lastname !== null);
    for (const descending of [false, true]) {
      // ties by id, backwards in a descending sort (the ascending order reversed, empty values still last)
      const byId = (a: { id: string }, b: { id: string }) => (Number(a.id) - Number(b.id)) * (descending ? -1 : 1);
      const empty = rows.filter((r) => r.lastname === null).sort(byId);
      const expected = [...filled.sort((a, b) => (a.lastname === b.lastname ? byId(a, b) : (a.lastname < b.lastname) !== descending ? -1 : 1)), ...empty].map((r) => r.id);
      for (const limit of [1, 4, 10]) {
        const walked: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const body = await page('contacts', `columns=lastname&filter=firstname:eq:walker&limit=${limit}&sort=${descending ? '-' : ''}lastname${after ? `&after=${after}` : ''}`);
          walked.push(...body.results.map((r: { id: string }) => r.id));
          after = body.paging?.next?.after;
          pages++;
        } while (after && pages < 100);
        expect(walked, `${descending ? 'descending' : 'ascending'}, ${limit} a page`).toEqual(expected);
      }
    }
  });

  /** Every page of a view, forward from the first page by `after`, then backward from the last page by `before`. */
  async function walk(type: string, query: string, limit: number): Promise<{ forward: string[][]; backward: string[][] }> {
    const forward: string[][] = [];
    let body = await page(type, `${query}&limit=${limit}`);
    expect(body.paging?.prev, 'the first page has no previous page').toBeUndefined();
    for (;;) {
      forward.push(body.results.map((r: { id: string }) => r.id));
      const after = body.paging?.next?.after;
      if (!after || forward.length > 100) break;
      body = await page(type, `${query}&limit=${limit}&after=${after}`);
      if (body.paging?.prev) expect(body.paging.prev.link).toContain(`before=${body.paging.prev.before}`);
      expect(body.paging?.prev?.link ?? '').not.toContain('after=');
    }
    const backward: string[][] = [body.results.map((r: { id: string }) => r.id)];
    while (body.paging?.prev && backward.length <= 100) {
      body = await page(type, `${query}&limit=${limit}&before=${body.paging.prev.before}`);
      backward.push(body.results.map((r: { id: string }) => r.id));
    }
    return { forward, backward: backward.reverse() };
  }

  it('R19: "Previous page": `before` walks back over the same pages, for the id order, one-key and several-key sorts with ties and empty values', async () => {
    const lastnames = Array.from({ length: 23 }, (_, i) => (i % 7 === 0 ? null : ['zeta', 'eta', 'zeta', 'theta'][i % 4]!));
    const seeded = await seedRecords(t.db.db, t.workspaceId, '0-1', lastnames.map((lastname, i) => ({ firstname: 'stepper', jobtitle: `s${i % 3}`, ...(lastname ? { lastname } : {}) })));
    expect(seeded).toHaveLength(23);
    for (const sort of ['', '&sort=lastname', '&sort=-lastname', '&sort=jobtitle,-lastname', '&sort=-createdate']) {
      const query = `columns=lastname&filter=firstname:eq:stepper${sort}`;
      const all = (await page('contacts', `${query}&limit=100`)).results.map((r: { id: string }) => r.id);
      expect(all).toHaveLength(23);
      for (const limit of [3, 23]) {
        const { forward, backward } = await walk('contacts', query, limit);
        expect(forward.flat(), `${sort}, ${limit} a page`).toEqual(all);
        expect(backward, `${sort}, ${limit} a page, backward`).toEqual(forward);
      }
    }
    // a shared address whose page starts on the third row: "previous" is the first page, in full
    const third = await page('contacts', 'columns=lastname&filter=firstname:eq:stepper&sort=lastname&limit=2');
    const shared = await page('contacts', `columns=lastname&filter=firstname:eq:stepper&sort=lastname&limit=5&after=${third.paging.next.after}`);
    const previous = await page('contacts', `columns=lastname&filter=firstname:eq:stepper&sort=lastname&limit=5&before=${shared.paging.prev.before}`);
    const first = await page('contacts', 'columns=lastname&filter=firstname:eq:stepper&sort=lastname&limit=5');
    expect(previous.results).toEqual(first.results);
    expect(previous.paging.prev).toBeUndefined();
    expect(previous.paging.next.after).toBe(first.paging.next.after);
    // a cursor of one direction is a cursor of the other; both at once are refused
    const both = await index('contacts', `columns=lastname&sort=lastname&after=${third.paging.next.after}&before=${third.paging.next.after}`);
    expect(both).toMatchObject({ status: 400, body: { subCategory: 'VALIDATION_ERROR', errors: [{ in: 'query:before' }] } });
    expect((await index('contacts', 'columns=lastname&sort=-lastname&before=abc')).body).toMatchObject({ errors: [{ in: 'query:before' }] });
  }, 180_000);

  it('R9, R19: association columns sort: the primary company by its name, "→ [Objects]" by how many; ties by id and empty values last on every page, both ways', async () => {
    const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'umber' }, { name: 'cobalt' }, { name: 'umber' }, { name: 'amber' }]);
    const people = await seedRecords(t.db.db, t.workspaceId, '0-1', Array.from({ length: 19 }, (_, i) => ({ firstname: 'sorter', lastname: `s${i}` })));
    const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'd1' }, { dealname: 'd2' }, { dealname: 'd3' }]);
    // person i: primary company i % 5 (4: none, so two companies named "umber" and empty values); i % 4 deals
    const primaryOf = (i: number) => (i % 5 === 4 ? null : companies[i % 5]!);
    const dealCount = (i: number) => i % 4;
    const toCompanies = people.flatMap((p, i) => (primaryOf(i) === null ? [] : [{ from: { id: p }, to: { id: primaryOf(i)! } }]));
    const toDeals = people.flatMap((p, i) => deals.slice(0, dealCount(i)).map((d) => ({ from: { id: p }, to: { id: d } })));
    expect((await t.call('POST', '/crm/v4/associations/contacts/companies/batch/associate/default', { inputs: toCompanies })).status).toBe(200);
    expect((await t.call('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', { inputs: toDeals })).status).toBe(200);
    const names = ['umber', 'cobalt', 'umber', 'amber'];
    const rows = people.map((id, i) => ({ id: String(id), company: primaryOf(i) === null ? null : names[i % 5]!, deals: dealCount(i) === 0 ? null : dealCount(i) }));
    const expected = <K extends 'company' | 'deals'>(key: K, descending: boolean) => {
      const byId = (a: { id: string }, b: { id: string }) => (Number(a.id) - Number(b.id)) * (descending ? -1 : 1);
      const filled = rows.filter((r) => r[key] !== null).sort((a, b) => (a[key] === b[key] ? byId(a, b) : (a[key]! < b[key]!) !== descending ? -1 : 1));
      return [...filled, ...rows.filter((r) => r[key] === null).sort(byId)].map((r) => r.id);
    };
    const query = 'columns=lastname,primary:company,assoc:deals&filter=firstname:eq:sorter';
    const cases: Array<[string, string[]]> = [
      ['primary:company', expected('company', false)],
      ['-primary:company', expected('company', true)],
      ['assoc:deals', expected('deals', false)],
      ['-assoc:deals', expected('deals', true)],
    ];
    for (const [sort, ids] of cases) {
      const one = await page('contacts', `${query}&sort=${sort}&limit=100`);
      expect(one.results.map((r: { id: string }) => r.id), sort).toEqual(ids);
      // the order is what the cells show
      if (sort.endsWith('primary:company')) expect(one.results.slice(0, 3).map((r: { values: Record<string, { name: string }> }) => r.values['primary:company']!.name)).toEqual(sort.startsWith('-') ? ['umber', 'umber', 'umber'] : ['amber', 'amber', 'amber']);
      for (const limit of [2, 5]) {
        const { forward, backward } = await walk('contacts', `${query}&sort=${sort}`, limit);
        expect(forward.flat(), `${sort}, ${limit} a page`).toEqual(ids);
        expect(backward, `${sort}, ${limit} a page, backward`).toEqual(forward);
      }
    }
    // with a property after it, and the heading's answer for a cursor of another sort
    const mixed = await page('contacts', `${query}&sort=-assoc:deals,lastname&limit=100`);
    expect(mixed.results).toHaveLength(19);
    const other = await index('contacts', `${query}&sort=assoc:deals&after=${(await page('contacts', `${query}&sort=-assoc:deals&limit=2`)).paging.next.after}`);
    expect(other).toMatchObject({ status: 400, body: { errors: [{ in: 'query:after' }] } });
    // what cannot be sorted is named
    expect((await index('contacts', `${query}&sort=assoc:nonsense`)).body).toMatchObject({ errors: [{ in: 'query:sort[0]' }] });
    expect((await index('companies', 'columns=name&sort=primary:company')).body).toMatchObject({ errors: [{ in: 'query:sort[0]' }] });
    expect((await index('contacts', `${query}&sort=primary:deal`)).status).toBe(400);
  }, 180_000);

  it('a date property sorts as instants whatever its stored form (the comparison search uses), on every page both ways', async () => {
    // epoch milliseconds and ISO 8601 mixed: by text they would interleave wrongly
    const stored = ['2024-03-01T00:00:00.000Z', String(Date.parse('2024-01-15T00:00:00Z')), '2024-02-01', String(Date.parse('2024-12-31T00:00:00Z')), '2024-02-01T00:00:00Z'];
    const seeded = await seedRecords(t.db.db, t.workspaceId, '0-3', [...stored.map((closedate) => ({ dealname: 'dated', closedate })), { dealname: 'dated' }]);
    const expected = [1, 2, 4, 0, 3, 5].map((i) => String(seeded[i]));
    const query = 'columns=dealname,closedate&filter=dealname:eq:dated&sort=closedate';
    expect((await page('deals', `${query}&limit=100`)).results.map((r: { id: string }) => r.id)).toEqual(expected);
    const { forward, backward } = await walk('deals', query, 2);
    expect(forward.flat()).toEqual(expected);
    expect(backward).toEqual(forward);
  });

  it('a cursor belongs to its sort; a made-up one is refused', async () => {
    const first = await page('deals', 'columns=dealname&limit=2&sort=-amount');
    const other = await index('deals', `columns=dealname&limit=2&sort=amount&after=${first.paging.next.after}`);
    expect(other).toMatchObject({ status: 400, body: { subCategory: 'VALIDATION_ERROR', errors: [{ in: 'query:after' }] } });
    for (const after of ['abc', Buffer.from('{"s":"","k":[],"id":"1 or 1=1"}').toString('base64url'), Buffer.from('{"s":"-amount","k":["x; drop table records",null],"id":1}').toString('base64url')]) {
      const r = await index('deals', `columns=dealname&sort=-amount&after=${after}`);
      expect(r.status, after).toBe(400);
    }
  });
});

describe("a page's rows are checked as they come from the database", () => {
  type Columns = Parameters<typeof pageRowsOf>[2];
  const columns = [{ kind: 'property' }, { kind: 'associations' }, { kind: 'primaryCompany' }] as unknown as Columns;
  const good = () => ({
    id: '12',
    properties: { firstname: 'Ada', lastname: null },
    created_at: new Date('2026-01-02T03:04:05Z'),
    updated_at: '2026-01-02T03:04:06Z',
    kt0: 'lovelace',
    c1: { count: 4, first: [{ id: '7', name: 'Acme' }, { id: '8', name: null }] },
    c2: null,
  });

  it('a row of the statement\'s shape: ids as numbers, timestamps as dates, keys and cells by column', () => {
    const [row] = pageRowsOf({ rows: [good()] }, 1, columns);
    expect(row).toEqual({
      id: 12,
      properties: { firstname: 'Ada', lastname: null },
      created_at: new Date('2026-01-02T03:04:05Z'),
      updated_at: new Date('2026-01-02T03:04:06Z'),
      keys: ['lovelace'],
      cells: [null, { count: 4, first: [{ id: '7', name: 'Acme' }, { id: '8', name: null }] }, null],
    });
  });

  it('a row that does not fit names the query, the row and the column', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ id: 'x1' }, /at 1\.id: not an id/],
      [{ properties: { firstname: 3 } }, /at 1\.properties\.firstname: not text or null/],
      [{ properties: null }, /at 1\.properties: not a map/],
      [{ created_at: 'yesterday' }, /at 1\.created_at: not a timestamp/],
      [{ kt0: 5 }, /at 1\.kt0: not text or null/],
      [{ c1: { first: [] } }, /at 1\.c1: not an associations cell/],
      [{ c1: { count: 1, first: [{ id: 7, name: 'Acme' }] } }, /at 1\.c1: not a record reference/],
      [{ c2: { id: '9' } }, /at 1\.c2: not a record reference/],
    ];
    for (const [change, message] of cases) {
      expect(() => pageRowsOf({ rows: [good(), { ...good(), ...change }] }, 1, columns), JSON.stringify(change)).toThrow(message);
      expect(() => pageRowsOf({ rows: [good(), { ...good(), ...change }] }, 1, columns)).toThrow(/^index page: a page: a row does not have the expected shape/);
    }
    expect(() => pageRowsOf({}, 1, columns)).toThrow(/the result has no rows/);
  });
});

describe('bad input is named', () => {
  it('columns: syntax, unknown object types, pairs that cannot be associated, primary on companies', async () => {
    const cases: Array<[string, string, string]> = [
      ['deals', 'columns=dealname,assoc:', 'query:columns[1]'],
      ['deals', 'columns=dealname,assoc:nonsense', 'query:columns[1]'],
      ['deals', 'columns=primary:contact', 'query:columns[0]'],
      ['companies', 'columns=name,primary:company', 'query:columns[1]'],
      ['deals', "columns=deal'name", 'query:columns[0]'],
      ['deals', 'columns=0-2', 'query:columns[0]'],
      ['calls', 'columns=assoc:emails', 'query:columns[0]'],
      ['deals', 'columns=', 'query:columns'],
      ['deals', 'columns=dealname&limit=101', 'query:limit'],
      ['deals', 'columns=dealname&filter=amount:like:1', 'query:filter[0]'],
      ['deals', 'columns=dealname&filter=amount', 'query:filter[0]'],
      ['deals', 'columns=dealname&filter=amount:gt', 'query:filter[0].value'],
      ['deals', 'columns=dealname&filter=amount:between:1', 'query:filter[0]'],
      ['deals', 'columns=dealname&filter=associations.company.primary.domain:eq:x&filter=associations.nonsense:has', 'query:filter[1].propertyName'],
      ['companies', 'columns=name&filter=associations.company.primary.domain:eq:x', 'query:filter[0].propertyName'],
      ['deals', 'columns=dealname&sort=deal-name', 'query:sort[0]'],
    ];
    for (const [type, query, where] of cases) {
      const r = await index(type, query);
      expect(r.status, `${type}?${query}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.errors.map((e: { in: string }) => e.in), query).toContain(where);
    }
    expect((await index('nonsense', 'columns=name')).status).toBe(404);
    const tooMany = await index('deals', `columns=${Array.from({ length: 21 }, () => 'assoc:contacts').join(',')}`);
    expect(tooMany).toMatchObject({ status: 400, body: { errors: [{ in: 'query:columns' }] } });
    expect(tooMany.body.message).toContain('20 association columns');
  });
});

describe('custom objects', () => {
  it('R19: custom object columns: "Boat → Contacts", "Contact → Boats", names from the primary display property', async () => {
    const schemaRes = await t.call('POST', '/crm/v3/schemas', {
      name: 'boats',
      labels: { singular: 'Boat', plural: 'Boats' },
      primaryDisplayProperty: 'boat_name',
      properties: [{ name: 'boat_name', label: 'Boat name', type: 'string', fieldType: 'text' }, { name: 'length', label: 'Length (m)', type: 'number', fieldType: 'number' }],
      associatedObjects: ['CONTACT'],
    });
    expect(schemaRes.status, JSON.stringify(schemaRes.body)).toBe(201);
    const boat = await create('boats', { boat_name: 'Nautilus', length: '20' });
    const dinghy = await create('boats', { boat_name: 'Dinghy' });
    await link('boats', boat, 'contacts', ids.grace);
    const body = await page('boats', 'columns=boat_name,length,assoc:contacts');
    expect(body.columns.map((c: { label: string }) => c.label)).toEqual(['Boat name', 'Length (m)', 'Boat → Contacts']);
    expect(body.results).toEqual([
      { id: boat, name: 'Nautilus', values: { boat_name: 'Nautilus', length: '20', 'assoc:contacts': { count: 1, first: [{ id: ids.grace, name: 'Grace Hopper' }] } } },
      { id: dinghy, name: 'Dinghy', values: { boat_name: 'Dinghy', length: null, 'assoc:contacts': { count: 0, first: [] } } },
    ]);
    const contacts = await page('contacts', `columns=assoc:boats&filter=hs_object_id:in:${ids.grace}|${ids.ada}`);
    expect(contacts.columns[0].label).toBe('Contact → Boats');
    // ada was created before grace: id order
    expect(contacts.results.map((r: { values: Record<string, unknown> }) => r.values['assoc:boats'])).toEqual([{ count: 0, first: [] }, { count: 1, first: [{ id: boat, name: 'Nautilus' }] }]);
    // a number property sorts by number, a string property by text
    const raft = await create('boats', { boat_name: 'raft', length: '9' });
    expect((await page('boats', 'columns=boat_name&sort=length')).results.map((r: { id: string }) => r.id)).toEqual([raft, boat, dinghy]);
    expect((await page('boats', 'columns=boat_name&sort=-boat_name')).results.map((r: { name: string }) => r.name)).toEqual(['raft', 'Nautilus', 'Dinghy']);
    expect((await index('boats', 'columns=sails')).body).toMatchObject({ subCategory: 'PROPERTY_INVALID', errors: [{ in: 'query:columns[0]' }] });
    expect((await index('boats', 'columns=boat_name,primary:company')).status).toBe(400);
  });
});

describe('security', () => {
  it('no token: 401', async () => {
    expect((await index('deals', 'columns=dealname', null as never)).status).toBe(401);
  });

  it("another workspace sees none of these records, and its rows never count in this workspace's cells", async () => {
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'enterprise' });
    const token = other.body.adminToken as string;
    const theirs = await t.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Their deal' } }, token);
    const mine = await index('deals', `columns=dealname,assoc:companies&filter=hs_object_id:eq:${ids.big}`, token);
    expect(mine.body.results).toEqual([]);
    const list = await index('deals', 'columns=dealname', token);
    expect(list.body.results.map((r: { id: string }) => r.id)).toEqual([theirs.body.id]);
    // rows of the other workspace that name our records (a corrupt or hostile write) are never read here
    await t.db.db.execute(sql`insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type) values
      (${other.body.id}, ${Number(ids.big)}, '0-2', ${Number(ids.initech)}, 341, '0-3'),
      (${other.body.id}, ${Number(ids.big)}, '0-2', ${Number(ids.initech)}, 5, '0-3'),
      (${other.body.id}, ${Number(ids.small)}, '0-2', ${Number(theirs.body.id)}, 5, '0-3')`);
    const body = await page('deals', `${DEAL_COLUMNS}&filter=hs_object_id:in:${ids.big}|${ids.small}`);
    expect(body.results.map((r: { values: Record<string, unknown> }) => [r.values['assoc:companies'], r.values['primary:company']])).toEqual([
      [{ count: 2, first: [{ id: ids.acme, name: 'Acme' }, { id: ids.globex, name: 'Globex' }] }, { id: ids.acme, name: 'Acme' }],
      [{ count: 1, first: [{ id: ids.initech, name: 'initech.com' }] }, null],
    ]);
    // nor filters
    expect((await page('deals', `columns=dealname&filter=associations.company.primary.hs_object_id:eq:${ids.initech}`)).results).toEqual([]);
    // their custom types are unknown here
    expect((await index('boats', 'columns=boat_name', token)).status).toBe(404);
  });
});
