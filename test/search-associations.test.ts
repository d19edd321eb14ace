import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';

const t = useTestApp();

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

const ids = {} as Record<'acme' | 'globex' | 'ada' | 'grace' | 'alan' | 'bob' | 'big' | 'small' | 'ticket', string>;
const one = (propertyName: string, operator: string, extra: Record<string, unknown> = {}) => ({ filterGroups: [{ filters: [{ propertyName, operator, ...extra }] }] });

/** The keys of the records a search finds, in id order. */
async function found(type: string, body: unknown): Promise<string[]> {
  const r = await t.call('POST', `/crm/v3/objects/${type}/search`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
  return r.body.results.map((x: { id: string }) => byId[x.id] ?? x.id);
}

beforeAll(async () => {
  ids.acme = await create('companies', { name: 'Acme', domain: 'acme.com', industry: 'Rockets', numberofemployees: '500' });
  ids.globex = await create('companies', { name: 'Globex', domain: 'globex.com', numberofemployees: '40' });
  ids.ada = await create('contacts', { firstname: 'Ada', email: 'ada@acme.com' });
  ids.grace = await create('contacts', { firstname: 'Grace', email: 'grace@globex.com' });
  ids.alan = await create('contacts', { firstname: 'Alan', email: 'alan@bletchley.uk' });
  ids.bob = await create('contacts', { firstname: 'Bob', email: 'bob@both.com' });
  ids.big = await create('deals', { dealname: 'Big' });
  ids.small = await create('deals', { dealname: 'Small' });
  ids.ticket = await create('tickets', { subject: 'Outage' });
  // ada: primary acme; grace: primary globex; bob: primary globex, also acme; alan: no company
  await link('contacts', ids.ada, 'companies', ids.acme);
  await link('contacts', ids.grace, 'companies', ids.globex);
  await link('contacts', ids.bob, 'companies', ids.globex);
  await link('contacts', ids.bob, 'companies', ids.acme);
  await link('deals', ids.big, 'companies', ids.acme, 5);
  await link('deals', ids.small, 'companies', ids.globex);
  await link('deals', ids.big, 'contacts', ids.ada);
  await link('tickets', ids.ticket, 'companies', ids.globex, 26);
  await link('tickets', ids.ticket, 'contacts', ids.grace);
});

describe("R12: filters on the primary company's properties", () => {
  it('R12: associations.company.primary.domain EQ matches the primary company only (bob is at acme, but not primarily)', async () => {
    expect(await found('contacts', one('associations.company.primary.domain', 'EQ', { value: 'ACME.com' }))).toEqual(['ada']);
    expect(await found('contacts', one('associations.company.primary.domain', 'EQ', { value: 'globex.com' }))).toEqual(['grace', 'bob']);
  });

  it('R12: every operator: numbers, tokens, IN, HAS_PROPERTY; deals (type 5) and tickets (type 26) too', async () => {
    expect(await found('contacts', one('associations.company.primary.numberofemployees', 'GT', { value: 100 }))).toEqual(['ada']);
    expect(await found('contacts', one('associations.company.primary.numberofemployees', 'BETWEEN', { value: '10', highValue: '50' }))).toEqual(['grace', 'bob']);
    expect(await found('contacts', one('associations.company.primary.name', 'IN', { values: ['acme', 'initech'] }))).toEqual(['ada']);
    expect(await found('contacts', one('associations.company.primary.industry', 'HAS_PROPERTY'))).toEqual(['ada']);
    expect(await found('contacts', one('associations.company.primary.name', 'CONTAINS_TOKEN', { value: 'glob*' }))).toEqual(['grace', 'bob']);
    expect(await found('contacts', one('associations.company.primary.hs_object_id', 'EQ', { value: ids.acme }))).toEqual(['ada']);
    expect(await found('deals', one('associations.companies.primary.domain', 'EQ', { value: 'acme.com' }))).toEqual(['big']);
    expect(await found('tickets', one('associations.0-2.primary.domain', 'EQ', { value: 'globex.com' }))).toEqual(['ticket']);
  });

  it('R12: negations keep records without a primary company, as they keep records without the property', async () => {
    expect(await found('contacts', one('associations.company.primary.domain', 'NEQ', { value: 'acme.com' }))).toEqual(['grace', 'alan', 'bob']);
    expect(await found('contacts', one('associations.company.primary.industry', 'NOT_HAS_PROPERTY'))).toEqual(['grace', 'alan', 'bob']);
    expect(await found('contacts', one('associations.company.primary.name', 'NOT_IN', { values: ['globex'] }))).toEqual(['ada', 'alan']);
    expect(await found('contacts', one('associations.company.primary.name', 'NOT_CONTAINS_TOKEN', { value: 'acme' }))).toEqual(['grace', 'alan', 'bob']);
  });

  it('R12: "has a primary company" and "primary company is X"', async () => {
    expect(await found('contacts', one('associations.company.primary', 'HAS_PROPERTY'))).toEqual(['ada', 'grace', 'bob']);
    expect(await found('contacts', one('associations.company.primary', 'NOT_HAS_PROPERTY'))).toEqual(['alan']);
    expect(await found('contacts', one('associations.company.primary', 'EQ', { value: ids.globex }))).toEqual(['grace', 'bob']);
    expect(await found('contacts', one('associations.company.primary', 'NOT_IN', { values: [ids.globex] }))).toEqual(['ada', 'alan']);
  });

  it('R12: a primary change moves the record between results at once', async () => {
    await link('contacts', ids.bob, 'companies', ids.acme, 1);
    expect(await found('contacts', one('associations.company.primary.domain', 'EQ', { value: 'acme.com' }))).toEqual(['ada', 'bob']);
    await link('contacts', ids.bob, 'companies', ids.globex, 1);
    expect(await found('contacts', one('associations.company.primary.domain', 'EQ', { value: 'acme.com' }))).toEqual(['ada']);
  });
});

describe('filters on "has associations with"', () => {
  it('HAS_PROPERTY / NOT_HAS_PROPERTY: any association with that object type (name, singular or type id)', async () => {
    expect(await found('contacts', one('associations.deals', 'HAS_PROPERTY'))).toEqual(['ada']);
    expect(await found('contacts', one('associations.companies', 'NOT_HAS_PROPERTY'))).toEqual(['alan']);
    expect(await found('contacts', one('associations.ticket', 'HAS_PROPERTY'))).toEqual(['grace']);
    expect(await found('companies', one('associations.0-1', 'HAS_PROPERTY'))).toEqual(['acme', 'globex']);
  });

  it('EQ / IN: associated with these records; NEQ / NOT_IN: with none of them', async () => {
    expect(await found('contacts', one('associations.companies', 'EQ', { value: ids.acme }))).toEqual(['ada', 'bob']);
    expect(await found('contacts', one('associations.companies', 'IN', { values: [ids.acme, Number(ids.globex)] }))).toEqual(['ada', 'grace', 'bob']);
    expect(await found('contacts', one('associations.companies', 'NEQ', { value: ids.acme }))).toEqual(['grace', 'alan']);
    expect(await found('contacts', one('associations.companies', 'NOT_IN', { values: [ids.acme, ids.globex] }))).toEqual(['alan']);
  });

  it('combines with property filters (AND in a group, OR between groups), sorts and paging', async () => {
    const body = {
      filterGroups: [
        { filters: [{ propertyName: 'associations.company.primary.domain', operator: 'EQ', value: 'globex.com' }, { propertyName: 'firstname', operator: 'EQ', value: 'bob' }] },
        { filters: [{ propertyName: 'associations.companies', operator: 'NOT_HAS_PROPERTY' }] },
      ],
      sorts: ['-firstname'],
    };
    expect(await found('contacts', body)).toEqual(['bob', 'alan']);
    const r = await t.call('POST', '/crm/v3/objects/contacts/search', { ...body, limit: 1 });
    expect(r.body).toMatchObject({ total: 2, paging: { next: { after: '1' } } });
  });
});

describe('bad input is named', () => {
  const refused = async (type: string, body: unknown, where: string, code = 'VALIDATION_ERROR') => {
    const r = await t.call('POST', `/crm/v3/objects/${type}/search`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body).toMatchObject({ subCategory: code, errors: [{ in: where }] });
    return r.body;
  };
  it('unknown object types, companies without primaries, malformed names, odd operators and ids', async () => {
    expect((await refused('contacts', one('associations.boats', 'HAS_PROPERTY'), 'filterGroups[0].filters[0].propertyName', 'PROPERTY_INVALID')).message).toContain('boats');
    expect((await refused('companies', one('associations.company.primary.domain', 'EQ', { value: 'x' }), 'filterGroups[0].filters[0].propertyName', 'PROPERTY_INVALID')).message).toContain('no primary company');
    await refused('contacts', one('associations.company.secondary.domain', 'EQ', { value: 'x' }), 'filterGroups[0].filters[0].propertyName', 'PROPERTY_INVALID');
    await refused('contacts', one('associations.company.primary.dom ain', 'EQ', { value: 'x' }), 'filterGroups[0].filters[0].propertyName', 'PROPERTY_INVALID');
    await refused('contacts', one('associations.', 'HAS_PROPERTY'), 'filterGroups[0].filters[0].propertyName', 'PROPERTY_INVALID');
    await refused('contacts', one('associations.deals', 'GT', { value: 3 }), 'filterGroups[0].filters[0].operator');
    await refused('contacts', one('associations.deals', 'EQ', { value: 'big' }), 'filterGroups[0].filters[0].value');
    await refused('contacts', one('associations.deals', 'IN', { values: [ids.big, 'x'] }), 'filterGroups[0].filters[0].values[1]');
    await refused('contacts', one('associations.deals', 'IN'), 'filterGroups[0].filters[0].values');
    await refused('contacts', one('associations.company.primary.domain', 'EQ'), 'filterGroups[0].filters[0].value');
  });

  it('values never become SQL', async () => {
    expect(await found('contacts', one('associations.company.primary.domain', 'EQ', { value: "x' or '1'='1" }))).toEqual([]);
  });
});

describe('security', () => {
  it("another workspace's associations and companies never match, even rows that name our records", async () => {
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'enterprise' });
    const token = other.body.adminToken as string;
    const theirCompany = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Evil', domain: 'evil.com' } }, token);
    await t.db.db.execute(sql`insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type) values
      (${other.body.id}, ${Number(ids.alan)}, '0-2', ${Number(theirCompany.body.id)}, 1, '0-1'),
      (${other.body.id}, ${Number(ids.alan)}, '0-2', ${Number(theirCompany.body.id)}, 279, '0-1')`);
    expect(await found('contacts', one('associations.company.primary.domain', 'EQ', { value: 'evil.com' }))).toEqual([]);
    expect(await found('contacts', one('associations.companies', 'EQ', { value: theirCompany.body.id }))).toEqual([]);
    expect(await found('contacts', one('associations.companies', 'NOT_HAS_PROPERTY'))).toEqual(['alan']);
    // and they cannot find ours through theirs
    const r = await t.call('POST', '/crm/v3/objects/contacts/search', one('associations.company.primary.domain', 'EQ', { value: 'acme.com' }), token);
    expect(r.body).toMatchObject({ total: 0, results: [] });
  });
});
