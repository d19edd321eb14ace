/**
 * Index pages (R9, R19, R4) in Debian's Chromium against the real server: a 50-row page with four
 * association columns, "[x] records" opening the associated records, the primary company linking
 * to its record, filters on the primary company and on associations kept in the address across a
 * reload, sorting by a heading with the keyboard, sorting by association columns, "Previous page",
 * the column choice remembered, and a rep's bulk
 * association refused on the rows over a limit. No serious accessibility violations (axe-core).
 * Also measures the page's render time in the browser (p90 of 20 renders of 50 rows × 4
 * association columns), written to test-results/index-page-ui.json.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningServer } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, serverApi, signIn } from './helpers/companion.ts';

const docs = fileURLToPath(new URL('../../docs', import.meta.url));
let work: string;
let artifacts: string;
let server: ListeningServer;
let browser: CompanionBrowser;
const admin = serverApi(() => ({ url: server.url, token: server.printedToken! }));

const LASTNAMES = ['Adams', 'Baker', 'Clark', 'Davis', 'Evans', 'Fisher'];
const ids = { contacts: [] as string[], acme: '', globex: '', initech: '', deals: [] as string[] };

async function shot(take: (path: string) => Promise<unknown>, name: string): Promise<void> {
  const path = join(artifacts, name);
  await take(path);
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(docs, name));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-index-'));
  artifacts = await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
  // 60 contacts; the first 30 at Acme (primary), the first 5 also at Globex; contact 0 on 3 deals
  const contacts = await admin.api<{ results: Array<{ id: string; properties: { firstname: string } }> }>('POST', '/crm/v3/objects/contacts/batch/create', {
    inputs: Array.from({ length: 60 }, (_, i) => ({ properties: { firstname: `Person${String(i).padStart(2, '0')}`, lastname: LASTNAMES[i % LASTNAMES.length]!, email: `person${i}@example.org` } })),
  });
  ids.contacts = contacts.results.sort((a, b) => a.properties.firstname.localeCompare(b.properties.firstname)).map((r) => r.id);
  ids.acme = await admin.create('companies', { name: 'Acme', domain: 'acme.example' });
  ids.globex = await admin.create('companies', { name: 'Globex', domain: 'globex.example' });
  ids.initech = await admin.create('companies', { name: 'Initech', domain: 'initech.example' });
  const link = (toType: string, pairs: Array<[string, string]>) =>
    admin.api('POST', `/crm/v4/associations/contacts/${toType}/batch/associate/default`, { inputs: pairs.map(([from, to]) => ({ from: { id: from }, to: { id: to } })) });
  await link('companies', ids.contacts.slice(0, 30).map((c) => [c, ids.acme]));
  await link('companies', ids.contacts.slice(0, 5).map((c) => [c, ids.globex]));
  for (const name of ['Renewal', 'Upsell', 'Pilot']) ids.deals.push(await admin.create('deals', { dealname: name, amount: '1000' }));
  await link('deals', ids.deals.map((d) => [ids.contacts[0]!, d]));
  await link('tickets', [[ids.contacts[1]!, await admin.create('tickets', { subject: 'Login fails' })]]);
  // R4: at most 2 companies per contact
  await admin.api('POST', '/crm/v4/associations/definitions/configurations/contacts/companies/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 279, maxToObjectIds: 2 }] });
  await signIn(browser, server.url, server.printedToken!);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const app = (hash: string) => `chrome-extension://${browser.extensionId}/app.html${hash}`;
const table = (page: Page) => page.locator('table.crm-index-table[aria-busy="false"]');
const rowOf = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });

async function openIndex(hash: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(app(hash));
  await table(page).waitFor({ timeout: 20_000 });
  return page;
}

describe('index pages as an admin', () => {
  it('R19, R9: 50 rows with association columns; "[x] records" opens the list with links and "View all"; the primary company links to its record', async () => {
    const page = await openIndex('#/contacts?sort=lastname');
    const headers = await page.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['Contact → Companies', 'Contact → Company (primary)', 'Contact → Deals', 'Contact → Tickets']));
    expect(await page.locator('tbody tr').count()).toBe(50);
    expect(await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('ascending');

    const first = rowOf(page, 'Person00 Adams');
    // R9: the primary company's name links to its record page
    expect(await first.getByRole('link', { name: 'Acme' }).getAttribute('href')).toBe(`#/companies/${ids.acme}`);
    expect(await first.getByRole('link', { name: 'Person00 Adams' }).getAttribute('href')).toBe(`#/contacts/${ids.contacts[0]}`);
    // R19: several records show as "[x] records"; one record shows its name
    expect(await first.getByRole('link', { name: '2 records' }).count()).toBe(1);
    expect(await rowOf(page, 'Person01 Baker').getByRole('link', { name: 'Login fails' }).count()).toBe(1);
    const deals = first.getByRole('link', { name: '3 records' });
    await deals.click();
    const dialog = page.getByRole('dialog', { name: 'Person00 Adams: Contact → Deals' });
    await dialog.getByRole('link', { name: 'Renewal' }).waitFor();
    const links = await dialog.getByRole('listitem').getByRole('link').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
    expect(links.sort()).toEqual([
      ['Pilot', `#/deals/${ids.deals[2]}`],
      ['Renewal', `#/deals/${ids.deals[0]}`],
      ['Upsell', `#/deals/${ids.deals[1]}`],
    ]);
    expect(await dialog.getByRole('link', { name: 'View all' }).getAttribute('href')).toBe(`#/deals?filter=associations.contacts%3Aeq%3A${ids.contacts[0]}`);
    expect(await seriousViolations(page)).toEqual([]);
    await shot((path) => page.screenshot({ path }), 'index-records-popup.png');
    // keyboard: Escape closes and gives focus back to the link that opened it
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await deals.evaluate((a) => a === document.activeElement)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await shot((path) => page.screenshot({ path, fullPage: false }), 'index-contacts.png');
    await page.close();
  });

  it('R12, R19: filters on the primary company\'s domain and "has no deal" are in the address and survive a reload; a heading sorts by keyboard', async () => {
    const page = await openIndex('#/contacts');
    const form = page.getByRole('form', { name: 'Add filter' });
    await form.getByLabel('Field').selectOption({ label: 'Primary company domain' });
    await form.getByLabel('Condition').selectOption({ label: 'is' });
    await form.getByLabel('Value').fill('acme.example');
    await form.getByRole('button', { name: 'Add filter' }).click();
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('filter=associations.company.primary.domain:eq:acme.example'));
    await form.getByLabel('Field').selectOption({ label: '→ Deals' });
    await form.getByLabel('Condition').selectOption({ label: 'has none' });
    await form.getByRole('button', { name: 'Add filter' }).click();
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('filter=associations.deals:not_has'));
    await table(page).waitFor();
    const names = async () => (await page.getByRole('rowheader').allTextContents()).sort();
    const expected = ids.contacts.slice(1, 30).map((_, i) => `Person${String(i + 1).padStart(2, '0')} ${LASTNAMES[(i + 1) % LASTNAMES.length]}`).sort();
    // the rows of the first filter stay on screen until the answer for both arrives
    await expect.poll(names, { timeout: 20_000 }).toEqual(expected);
    await page.reload();
    await table(page).waitFor({ timeout: 20_000 });
    await expect.poll(names, { timeout: 20_000 }).toEqual(expected);
    expect(await page.getByRole('list', { name: 'Filters' }).getByRole('listitem').allTextContents()).toEqual(['Primary company domain is acme.example×', '→ Deals: has none×']);
    // keyboard: Tab to the Name heading's button, Enter sorts ascending, Enter again descending
    const sort = page.getByRole('columnheader', { name: 'Name' }).getByRole('button');
    await sort.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash.includes('sort=lastname'));
    // the heading shows the new order before the next press: the address changes a moment before the page follows it
    await page.locator('th[aria-sort="ascending"]').waitFor();
    await table(page).waitFor();
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').press('Enter');
    await page.waitForFunction(() => location.hash.includes('sort=-lastname'));
    await page.locator('th[aria-sort="descending"]').waitFor();
    await table(page).waitFor();
    const descending = await page.getByRole('rowheader').allTextContents();
    expect(descending[0]).toMatch(/ Fisher$/);
    expect(await seriousViolations(page)).toEqual([]);
    await shot((path) => page.screenshot({ path }), 'index-filters.png');
    await page.close();
  });

  it('R19: the column choice is remembered per object type (chooser by keyboard, Escape returns focus)', async () => {
    const page = await openIndex('#/contacts');
    const columns = page.getByRole('button', { name: 'Columns' });
    await columns.focus();
    await page.keyboard.press('Enter');
    const chooser = page.getByRole('dialog', { name: 'Choose columns' });
    await chooser.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await chooser.waitFor({ state: 'detached' });
    expect(await columns.evaluate((b) => b === document.activeElement)).toBe(true);
    await columns.click();
    await chooser.getByRole('checkbox', { name: '→ Tickets' }).uncheck();
    await chooser.getByRole('checkbox', { name: 'Job Title' }).check();
    await chooser.getByRole('button', { name: 'Save columns' }).click();
    await page.getByRole('columnheader', { name: 'Job Title' }).waitFor();
    expect(await page.getByRole('columnheader', { name: 'Contact → Tickets' }).count()).toBe(0);
    await page.reload();
    await table(page).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('columnheader', { name: 'Job Title' }).count()).toBe(1);
    expect(await page.getByRole('columnheader', { name: 'Contact → Tickets' }).count()).toBe(0);
    // other types keep their own
    await page.goto(app('#/companies'));
    await page.getByRole('heading', { name: 'Companies' }).waitFor();
    await table(page).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('columnheader', { name: 'Company → Contacts' }).count()).toBe(1);
    // back to the defaults for the tests after this one
    await page.goto(app('#/contacts'));
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    await table(page).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Columns' }).click();
    await chooser.getByRole('checkbox', { name: '→ Tickets' }).check();
    await chooser.getByRole('checkbox', { name: 'Job Title' }).uncheck();
    await chooser.getByRole('button', { name: 'Save columns' }).click();
    await page.getByRole('columnheader', { name: 'Contact → Tickets' }).waitFor();
    await page.close();
  });

  it('R9, R19: an association column sorts by its heading; "Previous page" walks back and the address holds the cursor', async () => {
    const page = await openIndex('#/contacts');
    const names = () => page.getByRole('rowheader').allTextContents();
    const person = (i: number) => `Person${String(i).padStart(2, '0')} ${LASTNAMES[i % LASTNAMES.length]}`;
    // "→ Company (primary)" by the company's name: the 30 contacts at Acme (ties by id), then the 30 without one
    await page.getByRole('columnheader', { name: 'Contact → Company (primary)' }).getByRole('button').click();
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('sort=primary:company'));
    await page.locator('th[aria-sort="ascending"]').filter({ hasText: 'Company (primary)' }).waitFor();
    await table(page).waitFor();
    const firstPage = Array.from({ length: 50 }, (_, i) => person(i));
    await expect.poll(names, { timeout: 20_000 }).toEqual(firstPage);
    expect(await page.getByRole('link', { name: 'Previous page' }).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next page' }).click();
    await page.waitForFunction(() => location.hash.includes('after='));
    await expect.poll(names, { timeout: 20_000 }).toEqual(Array.from({ length: 10 }, (_, i) => person(50 + i)));
    expect(await page.getByRole('link', { name: 'Next page' }).count()).toBe(0);
    const previous = page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Previous page' });
    expect(await seriousViolations(page)).toEqual([]);
    // by keyboard
    await previous.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash.includes('before=') && !location.hash.includes('after='));
    await expect.poll(names, { timeout: 20_000 }).toEqual(firstPage);
    expect(await page.getByRole('link', { name: 'Previous page' }).count()).toBe(0);
    // a copied address shows the same page
    const shared = await openIndex(new URL(page.url()).hash);
    await expect.poll(() => shared.getByRole('rowheader').allTextContents(), { timeout: 20_000 }).toEqual(firstPage);
    await shared.close();
    // "→ Companies" by how many, descending: the 5 with two companies first, then the 25 with one
    const companies = page.getByRole('columnheader', { name: 'Contact → Companies' }).getByRole('button');
    await companies.click();
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('sort=assoc:companies'));
    await page.locator('th[aria-sort="ascending"]').filter({ hasText: 'Contact → Companies' }).waitFor();
    await table(page).waitFor();
    await page.getByRole('columnheader', { name: 'Contact → Companies' }).getByRole('button').click();
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('sort=-assoc:companies'));
    await page.locator('th[aria-sort="descending"]').filter({ hasText: 'Contact → Companies' }).waitFor();
    // ties go by id backwards in a descending sort
    await expect.poll(async () => (await names()).slice(0, 6), { timeout: 20_000 }).toEqual([person(4), person(3), person(2), person(1), person(0), person(29)]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next page' }).click();
    await page.waitForFunction(() => location.hash.includes('after='));
    await table(page).waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Previous page' }).waitFor();
    await shot((path) => page.screenshot({ path }), 'index-sorted-association.png');
    await page.close();
  });

  it('R19: a page of 50 rows with 4 association columns is one request and renders in the browser (p90 measured over 20 renders)', async () => {
    const page = await openIndex('#/contacts');
    const times: number[] = [];
    for (let i = 0; i < 22; i++) {
      const sort = i % 2 === 0 ? 'lastname' : '-lastname';
      // from the address change to the table showing the new page
      const ms = await page.evaluate(async (s) => {
        const t0 = performance.now();
        location.hash = `#/contacts?sort=${s}`;
        await new Promise<void>((resolve) => {
          const done = () => document.querySelector('table.crm-index-table[aria-busy="false"]')?.getAttribute('data-view')?.endsWith(`?sort=${s}`) === true;
          const check = () => (done() ? resolve() : requestAnimationFrame(check));
          check();
        });
        return performance.now() - t0;
      }, sort);
      expect(await page.locator('tbody tr').count()).toBe(50);
      if (i >= 2) times.push(ms);
    }
    // one server request a page, whatever the number of association columns
    const reads: string[] = [];
    page.on('request', (r) => void (new URL(r.url()).pathname.startsWith('/api/') && reads.push(new URL(r.url()).pathname)));
    await page.evaluate(() => void (location.hash = '#/contacts?sort=email'));
    await page.locator('th[aria-sort="ascending"]').filter({ hasText: 'Email' }).waitFor();
    await table(page).waitFor();
    expect(reads).toEqual(['/api/objects/contacts/index']);
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)]!;
    const p90 = times[Math.ceil(times.length * 0.9) - 1]!;
    await writeFile(join(artifacts, 'index-page-ui.json'), `${JSON.stringify({ renders: times.length, p50, p90, times }, null, 2)}\n`);
    // a loose bound for a shared machine; the figure itself goes to docs/screens-index.md
    expect(p90).toBeLessThan(3_000);
    await page.close();
  });
});

describe('index pages as a rep', () => {
  it('R4: "Associate selected" associates every row with one company in one request; rows over the limit are refused on their rows', async () => {
    const rep = await admin.api<{ token: string }>('POST', '/api/users', { name: 'Rita Rep', email: 'rita@example.com', role: 'rep' });
    await signIn(browser, server.url, rep.token);
    const page = await openIndex('#/contacts');
    const selectedNames = ids.contacts.slice(3, 8).map((_, i) => `Person${String(i + 3).padStart(2, '0')} ${LASTNAMES[(i + 3) % LASTNAMES.length]}`);
    for (const name of selectedNames) await page.getByRole('checkbox', { name: `Select ${name}` }).check();
    const requests: string[] = [];
    page.on('request', (r) => void (r.method() === 'POST' && requests.push(new URL(r.url()).pathname)));
    await page.getByRole('button', { name: 'Associate selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Associate 5 selected records' });
    await dialog.getByLabel('Object type').selectOption({ label: 'Companies' });
    await dialog.getByLabel('Search records').fill('Initech');
    await dialog.getByRole('button', { name: 'Search', exact: true }).click();
    await dialog.getByRole('radio', { name: 'Initech' }).check();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Associate', exact: true }).click();
    const status = page.getByRole('status').filter({ hasText: 'Associated' });
    await status.waitFor();
    // Person03 and Person04 have Acme and Globex already: a third company is over the limit of 2
    expect(await status.textContent()).toBe('Associated 3 records; 2 refused (see the rows marked).');
    expect(requests.filter((p) => p.includes('/batch/associate/'))).toEqual(['/crm/v4/associations/contacts/companies/batch/associate/default']);
    for (const [i, name] of selectedNames.entries()) {
      const refusal = rowOf(page, name).getByText(/^Not associated: /);
      expect(await refusal.count(), name).toBe(i < 2 ? 1 : 0);
    }
    expect(await rowOf(page, selectedNames[0]!).getByText(/^Not associated: /).textContent()).toMatch(/limit/i);
    expect(await admin.associated('contacts', ids.contacts[3]!, 'companies')).toEqual([ids.acme, ids.globex].sort());
    expect(await admin.associated('contacts', ids.contacts[5]!, 'companies')).toEqual([ids.acme, ids.initech].sort());
    // the table shows the new associations once read again
    await table(page).waitFor();
    await rowOf(page, selectedNames[2]!).getByRole('link', { name: '2 records' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot((path) => page.screenshot({ path }), 'index-bulk-refused.png');
    await page.close();
  });
});
