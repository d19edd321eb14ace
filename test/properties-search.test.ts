import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { defineProperties } from './helpers/properties.ts';
import { importCsv } from './fixtures/imports/upload.ts';

/** Search compares and sorts a property by its defined type, never by the look of a value. */
const t = useTestApp({ plan: 'enterprise' });

const ids = new Map<string, string>();
async function search(body: object) {
  const r = await t.call('POST', '/crm/v3/objects/deals/search', { limit: 100, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.results.map((x: { properties: { dealname: string } }) => x.properties.dealname) as string[];
}

beforeAll(async () => {
  await defineProperties(t.call, 'deals', [{ name: 'code', type: 'string' }, { name: 'won', type: 'bool' }, { name: 'starts', type: 'date' }]);
  const deals = [
    { dealname: 'nine', amount: '9', code: '9', won: 'true', starts: '2024-03-01', closedate: '1709251200000' },
    { dealname: 'ten', amount: '10', code: '10', won: 'false', starts: '2023-12-31', closedate: '2024-01-15T10:00:00Z' },
    { dealname: 'huge', amount: '1e5', code: '1e999999', won: 'TRUE', starts: '1700000000000', closedate: '2023-06-01' },
  ];
  const r = await t.call('POST', '/crm/v3/objects/deals/batch/create', { inputs: deals.map((properties) => ({ properties })) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  for (const x of r.body.results) ids.set(x.properties.dealname, x.id);
});

describe('type-aware search', () => {
  it('a number property compares and sorts as a number (9 < 10 < 1e5)', async () => {
    expect(await search({ sorts: [{ propertyName: 'amount', direction: 'ASCENDING' }] })).toEqual(['nine', 'ten', 'huge']);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'amount', operator: 'GT', value: '9.5' }] }], sorts: ['amount'] })).toEqual(['ten', 'huge']);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'amount', operator: 'EQ', value: '100000' }] }] })).toEqual(['huge']);
    const bad = await t.call('POST', '/crm/v3/objects/deals/search', { filterGroups: [{ filters: [{ propertyName: 'amount', operator: 'LT', value: 'lots' }] }] });
    expect(bad).toMatchObject({ status: 400, body: { errors: [{ in: 'filterGroups[0].filters[0].value' }] } });
  });

  it('a string property holding digits stays text: "10" < "1e999999" < "9", and EQ "10.0" matches nothing', async () => {
    expect(await search({ sorts: [{ propertyName: 'code', direction: 'ASCENDING' }] })).toEqual(['ten', 'huge', 'nine']);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'code', operator: 'LT', value: '2' }] }], sorts: ['code'] })).toEqual(['ten', 'huge']);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'code', operator: 'EQ', value: '10.0' }] }] })).toEqual([]);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'code', operator: 'EQ', value: '1e999999' }] }] })).toEqual(['huge']);
  });

  it('date and datetime properties compare as time, ISO and epoch milliseconds alike', async () => {
    // as text "1700000000000" would sort before "2023-12-31"; as time it is 2023-11-14
    expect(await search({ sorts: [{ propertyName: 'starts', direction: 'ASCENDING' }] })).toEqual(['huge', 'ten', 'nine']);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'starts', operator: 'BETWEEN', value: '2023-11-01', highValue: String(Date.parse('2024-01-01')) }] }], sorts: ['starts'] })).toEqual(['huge', 'ten']);
    // closedate 1709251200000 is 2024-03-01: after the ISO ones
    expect(await search({ sorts: [{ propertyName: 'closedate', direction: 'DESCENDING' }] })).toEqual(['nine', 'ten', 'huge']);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'closedate', operator: 'GTE', value: '2024-01-01T00:00:00Z' }] }], sorts: ['closedate'] })).toEqual(['ten', 'nine']);
  });

  it('a bool property compares as a boolean (stored lower case), and refuses other values', async () => {
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'won', operator: 'EQ', value: true }] }], sorts: ['dealname'] })).toEqual(['huge', 'nine']);
    expect(await search({ filterGroups: [{ filters: [{ propertyName: 'won', operator: 'NEQ', value: 'TRUE' }] }] })).toEqual(['ten']);
    const bad = await t.call('POST', '/crm/v3/objects/deals/search', { filterGroups: [{ filters: [{ propertyName: 'won', operator: 'EQ', value: 'yes' }] }] });
    expect(bad.status).toBe(400);
  });
});

describe('values are checked by type on every write', () => {
  it('bad numbers, booleans, dates and unknown names are refused, naming the input; good inputs of a batch still land', async () => {
    const r = await t.call('POST', '/crm/v3/objects/deals/batch/create', {
      inputs: [
        { properties: { dealname: 'ok' } },
        { properties: { dealname: 'bad', amount: 'ten', won: 'maybe', starts: '2024-02-30', invented_name: 'x' } },
      ],
    });
    expect(r.status).toBe(207);
    expect(r.body.results.map((x: { properties: { dealname: string } }) => x.properties.dealname)).toEqual(['ok']);
    expect(r.body.errors[0]).toMatchObject({ category: 'VALIDATION_ERROR', context: { index: ['1'] } });
    expect(r.body.errors[0].errors.map((e: { in: string; code: string }) => [e.in, e.code])).toEqual([
      ['inputs[1].properties.amount', 'PROPERTY_INVALID'],
      ['inputs[1].properties.won', 'PROPERTY_INVALID'],
      ['inputs[1].properties.starts', 'PROPERTY_INVALID'],
      ['inputs[1].properties.invented_name', 'PROPERTY_DOESNT_EXIST'],
    ]);
    const single = await t.call('PATCH', `/crm/v3/objects/deals/${ids.get('nine')}`, { properties: { hs_is_closed_won: 'true' } });
    expect(single).toMatchObject({ status: 400, body: { category: 'VALIDATION_ERROR', message: expect.stringContaining('Property values were not valid'), errors: [{ code: 'READ_ONLY_VALUE', in: 'properties.hs_is_closed_won' }] } });
    const checkbox = await t.call('POST', '/crm/v3/objects/tickets', { properties: { subject: 'x', hs_ticket_category: 'billing_issue;FEATURE_REQUEST' } });
    expect(checkbox.status, JSON.stringify(checkbox.body)).toBe(201);
    expect(checkbox.body.properties.hs_ticket_category).toBe('BILLING_ISSUE;FEATURE_REQUEST');
  });

  it('a property created with hasUniqueValue is unique on plain create and update, not only upsert', async () => {
    await defineProperties(t.call, 'companies', [{ name: 'vat_number', type: 'string', hasUniqueValue: true }]);
    const a = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'A', vat_number: 'DE1' } });
    expect(a.status).toBe(201);
    const b = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'B', vat_number: 'DE1' } });
    expect(b).toMatchObject({ status: 409, body: { errors: [{ in: 'properties.vat_number' }] } });
    const c = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'C', vat_number: 'DE2' } });
    expect((await t.call('PATCH', `/crm/v3/objects/companies/${c.body.id}`, { properties: { vat_number: 'DE1' } })).status).toBe(409);
    const batch = await t.call('POST', '/crm/v3/objects/companies/batch/update', { inputs: [{ id: c.body.id, properties: { vat_number: 'DE1' } }] });
    expect(batch.status).toBe(207);
    // it identifies records too
    expect((await t.call('GET', '/crm/v3/objects/companies/DE1?idProperty=vat_number')).body.id).toBe(a.body.id);
    // and the import holds to it: a value of another record, or of an earlier row, refuses the row
    const view = await importCsv(t, 'Company name,vat_number\nImp1,DE9\nImp2,DE9\nImp3,DE1\nImp4,DE10\n', { objectType: 'companies', mode: 'create' });
    expect(view.created).toEqual({ companies: 2 });
    expect(view.errors.map((e: { code: string; column: string }) => [e.code, e.column])).toEqual([
      ['CONFLICT', 'vat_number'],
      ['CONFLICT', 'vat_number'],
    ]);
  });
});
