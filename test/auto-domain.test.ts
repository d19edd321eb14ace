import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'professional' });

const settings = (s: Record<string, unknown>) => t.call('PATCH', '/api/workspace', { settings: s });
const createContact = async (properties: Record<string, string>) => {
  const r = await t.call('POST', '/crm/v3/objects/contacts', { properties });
  expect(r.status).toBe(201);
  return Number(r.body.id);
};
const companiesOf = async (contactId: number) => {
  const r = await t.call('GET', `/crm/v4/objects/contacts/${contactId}/associations/companies`);
  return r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => ({ id: Number(x.toObjectId), types: x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b) }));
};
const companyByDomain = async (domain: string) => {
  const r = await t.call('POST', '/crm/v3/objects/companies/search', { filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: domain }] }], properties: ['domain', 'name'] });
  return r.body.results as Array<{ id: string; properties: Record<string, string> }>;
};

describe('automatic association by domain (R18)', () => {
  it('R18: off by default: a contact of a known domain gets no company', async () => {
    await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Off Co', domain: 'off.example' }]);
    const c = await createContact({ email: 'ann@off.example' });
    expect(await companiesOf(c)).toEqual([]);
  });

  it('R18, R8: a new contact is associated with the company of its email domain, which becomes primary; history source AUTO_DOMAIN', async () => {
    expect((await settings({ autoAssociateCompaniesByDomain: true })).status).toBe(200);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme', domain: 'acme-r18.com' }]);
    const c = await createContact({ email: 'Jan@ACME-r18.com', firstname: 'Jan' });
    expect(await companiesOf(c)).toEqual([{ id: co, types: [1, 279] }]);
    const h = await historyOf(t.db.db, t.workspaceId, c);
    expect(h.map((x) => `${x.action}:${x.source}`)).toEqual(['CREATED:AUTO_DOMAIN', 'PRIMARY_SET:AUTO_DOMAIN']);
    expect(h[0]!.detail).toContain('email domain acme-r18.com');
    const api = await t.call('GET', `/api/objects/contacts/${c}/association-history`);
    expect(api.body.results[0]).toMatchObject({ source: 'AUTO_DOMAIN', toObjectType: 'companies', toObjectId: String(co) });
  });

  it('R18: personal mail providers (from the maintained list) never match or create a company', async () => {
    await settings({ autoAssociateCompaniesByDomain: true, autoCreateCompaniesByDomain: true });
    await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Gmail Inc', domain: 'gmail.com' }]);
    const before = (await companyByDomain('yahoo.co.uk')).length;
    const a = await createContact({ email: 'someone@gmail.com' });
    const b = await createContact({ email: 'other@yahoo.co.uk' });
    const c = await createContact({ email: 'third@protonmail.com' });
    for (const id of [a, b, c]) expect(await companiesOf(id)).toEqual([]);
    expect((await companyByDomain('yahoo.co.uk')).length).toBe(before);
    await settings({ autoCreateCompaniesByDomain: false });
  });

  it('R18: a subdomain falls back to its registrable domain only when no company has the exact one', async () => {
    await settings({ autoAssociateCompaniesByDomain: true });
    const [uk] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme UK', domain: 'acme-sub.co.uk' }]);
    const c = await createContact({ email: 'x@mail.acme-sub.co.uk' });
    expect((await companiesOf(c)).map((x: { id: number }) => x.id)).toEqual([uk]);
    expect((await historyOf(t.db.db, t.workspaceId, c))[0]!.detail).toContain('registrable domain acme-sub.co.uk');
    const [eu] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme EU', domain: 'eu.acme-sub.co.uk' }]);
    const d = await createContact({ email: 'y@eu.acme-sub.co.uk' });
    expect((await companiesOf(d)).map((x: { id: number }) => x.id)).toEqual([eu]);
  });

  it('R17, R18: a company domain typed in Unicode is stored in its ASCII form, and a contact of that domain gets the company', async () => {
    await settings({ autoAssociateCompaniesByDomain: true });
    const created = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Bücher', domain: 'https://www.Bücher-r18.de/' } });
    expect(created.status).toBe(201);
    expect(created.body.properties.domain).toBe('xn--bcher-r18-q9a.de');
    const c = await createContact({ email: 'jan@xn--bcher-r18-q9a.de' });
    expect((await companiesOf(c)).map((x: { id: number }) => x.id)).toEqual([Number(created.body.id)]);
    // an address typed with the Unicode domain is stored in the same form and gets the company too
    const typed = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'Piet@Bücher-r18.de' } });
    expect(typed.status).toBe(201);
    expect(typed.body.properties.email).toBe('piet@xn--bcher-r18-q9a.de');
    expect((await companiesOf(Number(typed.body.id))).map((x: { id: number }) => x.id)).toEqual([Number(created.body.id)]);
  });

  it('R18: several companies with the domain: the oldest one, and the history entry says so', async () => {
    await settings({ autoAssociateCompaniesByDomain: true });
    const [older] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Twin A', domain: 'twins.example' }]);
    await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Twin B', domain: 'twins.example' }]);
    const c = await createContact({ email: 'z@twins.example' });
    expect((await companiesOf(c)).map((x: { id: number }) => x.id)).toEqual([older]);
    expect((await historyOf(t.db.db, t.workspaceId, c))[0]!.detail).toContain('oldest of 2 companies with domain twins.example');
  });

  it('R18: with auto-create on, the company is created first (registrable domain, a name from it) and becomes primary', async () => {
    await settings({ autoAssociateCompaniesByDomain: true, autoCreateCompaniesByDomain: true });
    const c = await createContact({ email: 'new@sales.brand-new-co.com' });
    const found = await companyByDomain('brand-new-co.com');
    expect(found).toHaveLength(1);
    expect(found[0]!.properties.name).toBe('Brand New Co');
    expect(await companiesOf(c)).toEqual([{ id: Number(found[0]!.id), types: [1, 279] }]);
    // a second colleague joins the same company, no second company is created
    const d = await createContact({ email: 'two@brand-new-co.com' });
    expect((await companyByDomain('brand-new-co.com'))).toHaveLength(1);
    expect((await companiesOf(d)).map((x: { id: number }) => x.id)).toEqual([Number(found[0]!.id)]);
    await settings({ autoCreateCompaniesByDomain: false });
  });

  it('R18: the exclusion list keeps a domain and its subdomains out; it holds at most 1,000 valid domains', async () => {
    await settings({ autoAssociateCompaniesByDomain: true, autoAssociateExcludedDomains: ['Partner-Excluded.com'] });
    await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Partner', domain: 'partner-excluded.com' }]);
    expect(await companiesOf(await createContact({ email: 'p@partner-excluded.com' }))).toEqual([]);
    expect(await companiesOf(await createContact({ email: 'p@eu.partner-excluded.com' }))).toEqual([]);
    const tooMany = await settings({ autoAssociateExcludedDomains: Array.from({ length: 1001 }, (_, i) => `d${i}.com`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].in).toContain('autoAssociateExcludedDomains');
    const bad = await settings({ autoAssociateExcludedDomains: ['not a domain'] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('autoAssociateExcludedDomains');
    expect((await settings({ autoAssociateExcludedDomains: Array.from({ length: 1000 }, (_, i) => `d${i}.com`) })).status).toBe(200);
    await settings({ autoAssociateExcludedDomains: [] });
  });

  it('R18, R8: an email change associates the new domain\'s company; the first company stays primary', async () => {
    await settings({ autoAssociateCompaniesByDomain: true });
    const [first, second] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'First', domain: 'first-move.com' }, { name: 'Second', domain: 'second-move.com' }]);
    const c = await createContact({ email: 'mover@first-move.com' });
    const r = await t.call('PATCH', `/crm/v3/objects/contacts/${c}`, { properties: { email: 'mover@second-move.com' } });
    expect(r.status).toBe(200);
    expect(await companiesOf(c)).toEqual([{ id: first, types: [1, 279] }, { id: second, types: [279] }]);
    // a change to another property does nothing more
    await t.call('PATCH', `/crm/v3/objects/contacts/${c}`, { properties: { firstname: 'Mo' } });
    expect(await companiesOf(c)).toHaveLength(2);
  });
});

describe('automatic association by domain: existing contacts and imports (R18)', () => {
  it('R18: turned on later, a background job associates every existing contact, with progress visible; source AUTO_DOMAIN with the job id', async () => {
    await settings({ autoAssociateCompaniesByDomain: false, autoCreateCompaniesByDomain: false });
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Later', domain: 'later-job.com' }]);
    const people = await seedRecords(t.db.db, t.workspaceId, '0-1', Array.from({ length: 7 }, (_, i) => ({ email: `p${i}@later-job.com` })));
    await settings({ autoAssociateCompaniesByDomain: true });
    const rep = await t.call('POST', '/api/users', { name: 'Rep', email: 'rep@auto.example', role: 'rep' });
    expect((await t.call('POST', '/api/auto-domain/jobs', undefined, rep.body.token)).status).toBe(403);
    const start = await t.call('POST', '/api/auto-domain/jobs');
    expect(start.status).toBe(202);
    const queued = await t.call('GET', `/api/auto-domain/jobs/${start.body.id}`);
    expect(queued.body).toMatchObject({ id: start.body.id, state: 'queued', contactsDone: 0, associations: 0 });
    expect(queued.body.contactsTotal).toBeGreaterThanOrEqual(7);
    const { claimJob, runJob } = await import('../server/domain/imports/runner.ts');
    const seen: number[] = [];
    await runJob(t.db.db, (await claimJob(t.db.db, t.workspaceId, start.body.id))!, { batchSize: 3, onProgress: (j) => seen.push(j.rowsDone) });
    expect(seen.length).toBeGreaterThan(2);
    const done = await t.call('GET', `/api/auto-domain/jobs/${start.body.id}`);
    expect(done.body).toMatchObject({ state: 'done', contactsDone: queued.body.contactsTotal, errorCount: 0 });
    expect(done.body.associations).toBeGreaterThanOrEqual(7);
    for (const p of people) expect(await companiesOf(p)).toEqual([{ id: co, types: [1, 279] }]);
    const h = await historyOf(t.db.db, t.workspaceId, people[0]!);
    expect(h[0]).toMatchObject({ action: 'CREATED', source: 'AUTO_DOMAIN' });
    const api = await t.call('GET', `/api/objects/contacts/${people[0]}/association-history`);
    expect(api.body.results[0]).toMatchObject({ source: 'AUTO_DOMAIN', sourceId: start.body.id });
  });

  it('R18: contacts created by an import get the company of their domain too (created when enabled), and undoing the import takes it back', async () => {
    await settings({ autoAssociateCompaniesByDomain: true, autoCreateCompaniesByDomain: true });
    const { importCsv } = await import('./fixtures/imports/upload.ts');
    const view = await importCsv(t, 'Email,First Name\nimp1@imported-domain.com,I\nimp2@gmail.com,G', { objectType: 'contacts', mode: 'create' });
    expect(view).toMatchObject({ state: 'done', created: { contacts: 2, companies: 1 }, associations: 1, errors: [] });
    const [company] = await companyByDomain('imported-domain.com');
    const r = await t.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'imp1@imported-domain.com' }] }] });
    const contactId = Number(r.body.results[0].id);
    expect(await companiesOf(contactId)).toEqual([{ id: Number(company!.id), types: [1, 279] }]);
    expect((await historyOf(t.db.db, t.workspaceId, contactId))[0]).toMatchObject({ source: 'AUTO_DOMAIN' });
    expect((await t.call('POST', `/api/imports/${view.id}/undo`)).status).toBe(200);
    expect(await companyByDomain('imported-domain.com')).toEqual([]);
    await settings({ autoCreateCompaniesByDomain: false });
  });
});

describe('import labels on Starter (R14, plans)', () => {
  const s = useTestApp({ plan: 'starter' });
  it('R14: on Starter the built-in Primary label imports, other label names are refused (Starter has none); rows without labels land', async () => {
    const { importCsv } = await import('./fixtures/imports/upload.ts');
    const view = await importCsv(s, 'Email,Company Domain Name,Association Label\nst1@starter-co.com,starter-co.com,\nst2@starter-co.com,starter-co.com,Primary\nst3@starter-co.com,starter-co.com,Advisor', { objectType: 'contacts', mode: 'create' });
    expect(view.created).toEqual({ contacts: 2, companies: 1 });
    expect(view.errors.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual(['4:ASSOCIATION_LABEL_NOT_FOUND']);
  });
});
