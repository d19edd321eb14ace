import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { records } from '../server/db/schema/index.ts';
import { useTestApp } from './helpers/app.ts';
import { defineProperties } from './helpers/properties.ts';

const SEARCH = '/crm/v3/objects/contacts/search';

describe('CRM v3 search', () => {
  const t = useTestApp();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await defineProperties(t.call, 'contacts', [{ name: 'age', type: 'number' }]);
    const people = [
      { key: 'ada', properties: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@analytical.org', age: '36', city: 'London', company: 'Analytical Engines' } },
      { key: 'grace', properties: { firstname: 'Grace', lastname: 'Hopper', email: 'grace@navy.mil', age: '85', city: 'New York' } },
      { key: 'alan', properties: { firstname: 'Alan', lastname: 'Turing', email: 'alan@bletchley.uk', age: '9', city: 'London' } },
      { key: 'edsger', properties: { firstname: 'Edsger', lastname: 'Dijkstra', email: 'edsger@tue.nl', age: '100' } },
    ];
    for (const [day, p] of people.entries()) {
      const r = await t.call('POST', '/crm/v3/objects/contacts', { properties: p.properties });
      ids[p.key] = r.body.id;
      // one creation day each, so date filters and sorts do not depend on timing
      await t.db.db
        .update(records)
        .set({ createdAt: new Date(Date.UTC(2024, 0, day + 1)) })
        .where(and(eq(records.workspaceId, t.workspaceId), eq(records.id, Number(r.body.id))));
    }
  });

  /** Ids of the contacts a search body finds, in answer order. */
  const found = async (body: unknown) => {
    const r = await t.call('POST', SEARCH, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    return r.body.results.map((x: { id: string }) => byId[x.id]);
  };
  const one = (propertyName: string, operator: string, extra: Record<string, unknown> = {}) => ({
    filterGroups: [{ filters: [{ propertyName, operator, ...extra }] }],
  });

  describe('operators', () => {
    it('R17: an email typed with a Unicode domain finds the contact stored in its ASCII form (EQ and IN); a company domain too', async () => {
      const created = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'jan@bücher-search.de' } });
      expect(created.body.properties.email).toBe('jan@xn--bcher-search-dlb.de');
      const company = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Bücher', domain: 'bücher-search.de' } });
      try {
        for (const filter of [
          { propertyName: 'email', operator: 'EQ', value: 'Jan@Bücher-search.de' },
          { propertyName: 'email', operator: 'IN', values: ['nobody@bücher-search.de', 'jan@bücher-search.de'] },
          { propertyName: 'email', operator: 'EQ', value: 'jan@xn--bcher-search-dlb.de' },
        ]) {
          const r = await t.call('POST', SEARCH, { filterGroups: [{ filters: [filter] }] });
          expect(r.body.results.map((x: { id: string }) => x.id), JSON.stringify(filter)).toEqual([created.body.id]);
        }
        const byDomain = await t.call('POST', '/crm/v3/objects/companies/search', { filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: 'Bücher-search.de' }] }] });
        expect(byDomain.body.results.map((x: { id: string }) => x.id)).toEqual([company.body.id]);
      } finally {
        await t.call('DELETE', `/crm/v3/objects/contacts/${created.body.id}`);
        await t.call('DELETE', `/crm/v3/objects/companies/${company.body.id}`);
      }
    });

    it('EQ matches case-insensitively', async () => {
      expect(await found(one('city', 'EQ', { value: 'london' }))).toEqual(['ada', 'alan']);
    });
    it('NEQ keeps records without the property', async () => {
      expect(await found(one('city', 'NEQ', { value: 'London' }))).toEqual(['grace', 'edsger']);
    });
    it('LT, LTE, GT, GTE compare numerically when the value is a number (9 < 36 < 85 < 100)', async () => {
      expect(await found(one('age', 'LT', { value: '36' }))).toEqual(['alan']);
      expect(await found(one('age', 'LTE', { value: 36 }))).toEqual(['ada', 'alan']);
      expect(await found(one('age', 'GT', { value: '85' }))).toEqual(['edsger']);
      expect(await found(one('age', 'GTE', { value: '85' }))).toEqual(['grace', 'edsger']);
    });
    it('LT compares text when the value is text', async () => {
      expect(await found(one('lastname', 'LT', { value: 'H' }))).toEqual(['edsger']);
    });
    it('BETWEEN includes both ends', async () => {
      expect(await found(one('age', 'BETWEEN', { value: '9', highValue: '36' }))).toEqual(['ada', 'alan']);
    });
    it('IN and NOT_IN', async () => {
      expect(await found(one('firstname', 'IN', { values: ['ada', 'GRACE'] }))).toEqual(['ada', 'grace']);
      expect(await found(one('firstname', 'NOT_IN', { values: ['ada', 'grace'] }))).toEqual(['alan', 'edsger']);
    });
    it('HAS_PROPERTY and NOT_HAS_PROPERTY', async () => {
      expect(await found(one('city', 'HAS_PROPERTY'))).toEqual(['ada', 'grace', 'alan']);
      expect(await found(one('city', 'NOT_HAS_PROPERTY'))).toEqual(['edsger']);
    });
    it('CONTAINS_TOKEN matches a whole token, or a wildcard pattern', async () => {
      expect(await found(one('company', 'CONTAINS_TOKEN', { value: 'engines' }))).toEqual(['ada']);
      expect(await found(one('company', 'CONTAINS_TOKEN', { value: 'engine' }))).toEqual([]);
      expect(await found(one('email', 'CONTAINS_TOKEN', { value: '*@navy.mil' }))).toEqual(['grace']);
      expect(await found(one('city', 'CONTAINS_TOKEN', { value: 'york' }))).toEqual(['grace']);
    });
    it('NOT_CONTAINS_TOKEN keeps records without the token or the property', async () => {
      expect(await found(one('city', 'NOT_CONTAINS_TOKEN', { value: 'london' }))).toEqual(['grace', 'edsger']);
    });
    it('pseudo-properties: hs_object_id, createdate, lastmodifieddate', async () => {
      expect(await found(one('hs_object_id', 'EQ', { value: ids.grace }))).toEqual(['grace']);
      expect(await found(one('hs_object_id', 'IN', { values: [ids.ada, ids.edsger] }))).toEqual(['ada', 'edsger']);
      const grace = await t.call('GET', `/crm/v3/objects/contacts/${ids.grace}`);
      const millis = new Date(grace.body.createdAt).getTime();
      expect(await found(one('createdate', 'GTE', { value: String(millis) }))).toEqual(expect.arrayContaining(['grace', 'alan', 'edsger']));
      expect(await found(one('createdate', 'LT', { value: grace.body.createdAt }))).toEqual(['ada']);
      expect(await found(one('lastmodifieddate', 'HAS_PROPERTY'))).toHaveLength(4);
    });
  });

  describe('groups, query, sorts, paging', () => {
    it('filter groups are ORed, filters inside a group ANDed', async () => {
      const body = {
        filterGroups: [
          { filters: [{ propertyName: 'city', operator: 'EQ', value: 'London' }, { propertyName: 'age', operator: 'GT', value: '10' }] },
          { filters: [{ propertyName: 'lastname', operator: 'EQ', value: 'Dijkstra' }] },
        ],
      };
      expect(await found(body)).toEqual(['ada', 'edsger']);
    });
    it("`query` searches the type's default searchable properties (contacts: names, email, phone, company)", async () => {
      expect(await found({ query: 'hopper' })).toEqual(['grace']);
      expect(await found({ query: 'bletchley' })).toEqual(['alan']);
      expect(await found({ query: 'analytical' })).toEqual(['ada']);
      expect(await found({ query: 'London' })).toEqual([]);
    });
    it('sorts: objects and "-name" strings; numbers sort numerically', async () => {
      expect(await found({ sorts: [{ propertyName: 'age', direction: 'DESCENDING' }] })).toEqual(['edsger', 'grace', 'ada', 'alan']);
      expect(await found({ sorts: ['age'] })).toEqual(['alan', 'ada', 'grace', 'edsger']);
      expect(await found({ sorts: ['-firstname'] })).toEqual(['grace', 'edsger', 'alan', 'ada']);
      expect(await found({ sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' }] })).toEqual(['edsger', 'alan', 'grace', 'ada']);
    });
    it('limit and after page through the results; total counts them all', async () => {
      const first = await t.call('POST', SEARCH, { limit: 3, sorts: ['firstname'], properties: ['firstname'] });
      expect(first.body.total).toBe(4);
      expect(first.body.results.map((r: { properties: { firstname: string } }) => r.properties.firstname)).toEqual(['Ada', 'Alan', 'Edsger']);
      expect(first.body.results[0].properties).not.toHaveProperty('email');
      expect(first.body.paging.next.after).toBe('3');
      const second = await t.call('POST', SEARCH, { limit: 3, after: first.body.paging.next.after, sorts: ['firstname'] });
      expect(second.body).toMatchObject({ total: 4, results: [{ properties: { firstname: 'Grace' } }] });
      expect(second.body.paging).toBeUndefined();
      const past = await t.call('POST', SEARCH, { limit: 3, after: '10' });
      expect(past.body).toMatchObject({ total: 4, results: [] });
    });
    it('search by type id and on companies (name, domain, website)', async () => {
      await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Bletchley Park', domain: 'bletchleypark.org.uk' } });
      const r = await t.call('POST', '/crm/v3/objects/0-2/search', { query: 'bletchleypark' });
      expect(r.body.total).toBe(1);
    });
  });

  describe('limits and bad input', () => {
    const filter = { propertyName: 'city', operator: 'HAS_PROPERTY' };
    it('at most 5 filter groups', async () => {
      const r = await t.call('POST', SEARCH, { filterGroups: Array.from({ length: 6 }, () => ({ filters: [filter] })) });
      expect(r).toMatchObject({ status: 400, body: { subCategory: 'VALIDATION_ERROR', errors: [{ in: 'filterGroups' }] } });
      expect(r.body.message).toContain('5 filter groups');
    });
    it('at most 6 filters in a group', async () => {
      const r = await t.call('POST', SEARCH, { filterGroups: [{ filters: Array.from({ length: 7 }, () => filter) }] });
      expect(r).toMatchObject({ status: 400, body: { errors: [{ in: 'filterGroups[0].filters' }] } });
    });
    it('at most 18 filters in all', async () => {
      const r = await t.call('POST', SEARCH, { filterGroups: Array.from({ length: 4 }, () => ({ filters: Array.from({ length: 5 }, () => filter) })) });
      expect(r.status).toBe(400);
      expect(r.body.message).toContain('18 filters');
    });
    it('a missing value, a bad operator and limit over 200 are named', async () => {
      const noValue = await t.call('POST', SEARCH, one('city', 'EQ'));
      expect(noValue).toMatchObject({ status: 400, body: { errors: [{ in: 'filterGroups[0].filters[0].value' }] } });
      const noValues = await t.call('POST', SEARCH, one('city', 'IN'));
      expect(noValues.body.errors[0].in).toBe('filterGroups[0].filters[0].values');
      const badOp = await t.call('POST', SEARCH, one('city', 'LIKE', { value: 'x' }));
      expect(badOp.body.errors[0].in).toBe('body:filterGroups[0].filters[0].operator');
      expect((await t.call('POST', SEARCH, { limit: 201 })).body.errors[0].in).toBe('body:limit');
      const badId = await t.call('POST', SEARCH, one('hs_object_id', 'EQ', { value: 'abc' }));
      expect(badId.status).toBe(400);
      const badDate = await t.call('POST', SEARCH, one('createdate', 'GT', { value: 'yesterday' }));
      expect(badDate.body.errors[0].in).toBe('filterGroups[0].filters[0].value');
    });
    it('user input never becomes SQL: odd property names are refused, odd values are just values', async () => {
      const name = await t.call('POST', SEARCH, one("city'); drop table records; --", 'HAS_PROPERTY'));
      expect(name).toMatchObject({ status: 400, body: { subCategory: 'PROPERTY_INVALID' } });
      expect(await found(one('city', 'EQ', { value: "x' or '1'='1" }))).toEqual([]);
      expect(await found(one('city', 'CONTAINS_TOKEN', { value: '(.*' }))).toEqual([]);
      expect(await found({ query: "%' or 1=1 --" })).toEqual([]);
      expect((await t.call('POST', SEARCH, {})).body.total).toBe(4);
    });
  });

  describe('custom objects', () => {
    beforeAll(async () => {
      const r = await t.call('POST', '/crm/v3/schemas', {
        name: 'boats',
        labels: { singular: 'Boat', plural: 'Boats' },
        primaryDisplayProperty: 'boat_name',
        searchableProperties: ['boat_name', 'harbour'],
        properties: [
          { name: 'boat_name', label: 'Name', type: 'string', fieldType: 'text' },
          { name: 'harbour', label: 'Harbour', type: 'string', fieldType: 'text' },
          { name: 'length', label: 'Length', type: 'number', fieldType: 'number' },
        ],
        associatedObjects: [],
      });
      expect(r.status).toBe(201);
      for (const [boat_name, harbour, length] of [['Sea Breeze', 'Rotterdam', '12'], ['Nautilus', 'Den Helder', '8']]) {
        await t.call('POST', '/crm/v3/objects/boats', { properties: { boat_name, harbour, length } });
      }
    });
    it("`query` searches the definition's searchableProperties", async () => {
      const r = await t.call('POST', '/crm/v3/objects/boats/search', { query: 'helder' });
      expect(r.body.results.map((x: { properties: { boat_name: string } }) => x.properties.boat_name)).toEqual(['Nautilus']);
      const num = await t.call('POST', '/crm/v3/objects/boats/search', one('length', 'GT', { value: 10 }));
      expect(num.body.total).toBe(1);
    });
    it('a filter on a property the definition lacks is PROPERTY_INVALID naming it', async () => {
      const r = await t.call('POST', '/crm/v3/objects/boats/search', one('sails', 'HAS_PROPERTY'));
      expect(r).toMatchObject({ status: 400, body: { subCategory: 'PROPERTY_INVALID', errors: [{ in: 'filterGroups[0].filters[0].propertyName' }] } });
      expect(r.body.message).toContain('sails');
    });
  });
});
