import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { importCsv } from './fixtures/imports/upload.ts';

const t = useTestApp();

const emailsOf = async (query: string) => {
  const r = await t.call('GET', `/api/objects/contacts/index?columns=email&sort=email${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return (r.body.results as Array<{ values: Record<string, unknown> }>).map((row) => row.values.email);
};

describe('index page filtered by import: the records an import created (R16, B1)', () => {
  it('import=<id> lists the records that import created, not those it updated nor another import\'s; with the other filters; gone once undone', async () => {
    const before = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'old@byimport.example', firstname: 'Old' } });
    expect(before.status).toBe(201);
    const first = await importCsv(t, 'Email,First Name\nnew1@byimport.example,Ann\nnew2@byimport.example,Ben\nold@byimport.example,Olga\n', { objectType: 'contacts' });
    expect(first.state).toBe('done');
    const second = await importCsv(t, 'Email\nother@byimport.example\n', { objectType: 'contacts' });
    expect(await emailsOf(`&import=${first.id}`)).toEqual(['new1@byimport.example', 'new2@byimport.example']);
    expect(await emailsOf(`&import=${second.id}`)).toEqual(['other@byimport.example']);
    expect(await emailsOf(`&import=${first.id}&filter=${encodeURIComponent('firstname:eq:Ben')}`)).toEqual(['new2@byimport.example']);
    // all contacts without the filter
    expect(await emailsOf('')).toEqual(expect.arrayContaining(['new1@byimport.example', 'old@byimport.example', 'other@byimport.example']));
    // another type's index: the import made no companies
    const companies = await t.call('GET', `/api/objects/companies/index?columns=name&import=${first.id}`);
    expect(companies.body.results).toEqual([]);
    const bad = await t.call('GET', '/api/objects/contacts/index?columns=email&import=42');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('query:import');
    expect((await t.call('POST', `/api/imports/${first.id}/undo`)).status).toBe(200);
    expect(await emailsOf(`&import=${first.id}`)).toEqual([]);
  });
});
