/**
 * The association history view (`app.html#/{objectType}/{id}/history`) in Debian's Chromium against
 * the real server: a company whose history has every kind of source (a user, a rep, an import,
 * automatic association by domain, a merge, a revert), its filters in the address (they survive a
 * reload and open the same view in another tab), one association's history, the associations as of
 * a moment (marked as the past), Copy link, Undo, and refused undos with the server's reason.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type ListeningServer, until } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, serverApi, signIn } from './helpers/companion.ts';

let work: string;
let server: ListeningServer;
let browser: CompanionBrowser;
let adminToken: string;
let repToken: string;
let adminName: string;
const client = serverApi(() => ({ url: server.url, token: adminToken }));
const { api } = client;

type Entry = { id: string; action: string; source: string; sourceId?: string; toObjectType: string; toObjectId: string; toName: string | null; occurredAt: string; detail?: string };

const ids = {} as { acme: string; ada: string; rita: string; bob: string; carl: string; keep: string; dupe: string; importId: string };
/** A moment between the users' associations and everything after them (B3). */
let between: string;

const app = (hash = '') => `chrome-extension://${browser.extensionId}/app.html${hash}`;
const historyOf = async (query = '') => (await api<{ results: Entry[] }>('GET', `/api/objects/companies/${ids.acme}/association-history${query}`)).results;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const docs = join(import.meta.dirname, '../../docs');

async function shot(page: Page, name: string): Promise<void> {
  const path = join(await ensureArtifacts(), name);
  await page.screenshot({ path, fullPage: true });
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(docs, name));
}

async function importCsv(csv: string): Promise<string> {
  const form = new FormData();
  form.set('file', new File([csv], 'people.csv', { type: 'text/csv' }));
  form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
  const res = await fetch(`${server.url}/api/imports`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: form });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await until(() => api<{ state: string }>('GET', `/api/imports/${id}`), (v) => v.state === 'done', 30_000, 100);
  return id;
}

const associate = (token: string, contact: string) => request(server.url, 'PUT', `/crm/v4/objects/companies/${ids.acme}/associations/default/contacts/${contact}`, token);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-history-'));
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  adminToken = server.printedToken!;
  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
  adminName = (await api<{ caller: { name: string } }>('GET', '/api/me')).caller.name;
  const rep = await api<{ token: string }>('POST', '/api/users', { name: 'Rory Rep', email: 'rory@example.com', role: 'rep' });
  repToken = rep.token;

  // the users' associations
  await api('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true } });
  ids.acme = await client.create('companies', { name: 'Acme', domain: 'acme.example' });
  ids.ada = await client.create('contacts', { email: 'ada@elsewhere.example', firstname: 'Ada', lastname: 'Admin' });
  ids.rita = await client.create('contacts', { email: 'rita@elsewhere.example', firstname: 'Rita', lastname: 'Rep' });
  ids.keep = await client.create('contacts', { email: 'kim@elsewhere.example', firstname: 'Kim', lastname: 'Keep' });
  ids.dupe = await client.create('contacts', { email: 'kim.k@elsewhere.example', firstname: 'Kim', lastname: 'Duplicate' });
  expect((await associate(adminToken, ids.ada)).status).toBe(200);
  expect((await associate(repToken, ids.rita)).status).toBe(200);
  expect((await associate(adminToken, ids.dupe)).status).toBe(200);
  // a whole second (the picker's precision) after the users' changes, and before the others
  const second = Math.ceil((Date.now() + 1) / 1000) * 1000;
  between = new Date(second).toISOString();
  await sleep(second - Date.now() + 1100);

  // automatic association by domain, an import, a merge
  ids.bob = await client.create('contacts', { email: 'bob@acme.example', firstname: 'Bob', lastname: 'Domain' });
  ids.importId = await importCsv(['Email,First Name,Last Name,Company Domain Name', 'carl@imported.example,Carl,Import,acme.example'].join('\n'));
  ids.carl = (await api<{ results: Array<{ id: string }> }>('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'carl@imported.example' }] }] })).results[0]!.id;
  await api('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: ids.keep, objectIdToMerge: ids.dupe });

  const sources = new Set((await historyOf()).map((e) => e.source));
  expect([...sources].sort()).toEqual(['AUTO_DOMAIN', 'IMPORT', 'OBJECT_MERGE', 'USER']);
  await signIn(browser, server.url, adminToken);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The rows of the history table: "name | action | source". */
const rowsOf = (page: Page) =>
  page.locator('table.crm-history-table tbody tr').evaluateAll((trs) => trs.map((tr) => [1, 2, 4].map((i) => (tr.children[i] as HTMLElement).innerText.split('\n')[0]!.trim()).join(' | ')));
const rowOf = (page: Page, entryId: string) => page.locator(`tr[data-entry="${entryId}"]`);

async function openHistory(page: Page, query = ''): Promise<void> {
  await page.goto(app(`#/companies/${ids.acme}/history${query}`));
  await page.getByRole('heading', { level: 1, name: 'Acme' }).waitFor({ timeout: 15_000 });
  await page.locator('table.crm-history-table, .crm-history p.crm-muted').first().waitFor();
}

describe('the association history view', () => {
  it('R20, R21, R22: every change of the record newest first, with name, type, id, action, time and source; the import links to its page', async () => {
    const page = await browser.context.newPage();
    await openHistory(page);
    const entries = await historyOf();
    await until(() => rowsOf(page), (rows) => rows.length === entries.length, 10_000, 50);
    const rows = await rowsOf(page);
    expect(rows).toContain(`Ada Admin | Associated | User: ${adminName}`);
    expect(rows).toContain('Rita Rep | Associated | User: Rory Rep');
    expect(rows).toContain('Bob Domain | Associated | Automatic association by domain');
    expect(rows).toContain('Carl Import | Associated | Import');
    expect(rows).toContain('Kim Duplicate | Association removed | Object merge');
    expect(rows).toContain('Kim Keep | Associated | Object merge');
    // newest first, as the API answers
    expect(await page.locator('tbody tr').evaluateAll((trs: Element[]) => trs.map((tr) => tr.getAttribute('data-entry')))).toEqual(entries.map((e) => e.id));
    const carl = entries.find((e) => e.toObjectId === ids.carl && e.action === 'CREATED')!;
    const carlRow = rowOf(page, carl.id);
    expect(await carlRow.getByRole('link', { name: 'Carl Import' }).getAttribute('href')).toBe(`#/contacts/${ids.carl}`);
    expect(await carlRow.getByRole('link', { name: 'Import', exact: true }).getAttribute('href')).toBe(`#/imports/${ids.importId}`);
    expect(await carlRow.innerText()).toContain(`Contacts · ID ${ids.carl}`);
    expect(await carlRow.locator('time').getAttribute('datetime')).toBe(carl.occurredAt);
    // the header: the record's name and the way back to its page
    expect(await page.getByRole('link', { name: 'Back to Acme' }).getAttribute('href')).toBe(`#/companies/${ids.acme}`);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'history-view.png');
    await page.close();
  });

  it('R20: filters by type, source, action and time live in the address: they survive a reload and open the same view elsewhere', async () => {
    const page = await browser.context.newPage();
    await openHistory(page);
    await page.getByLabel('Source').selectOption({ label: 'Object merge' });
    await page.getByLabel('Action').selectOption({ label: 'Association removed' });
    await page.getByLabel('Object or activity type').selectOption({ label: 'Contacts' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(() => page.url(), (u) => u.includes('source=OBJECT_MERGE'), 5_000, 20);
    const query = new URL(page.url()).hash.split('?')[1];
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({ type: 'contacts', source: 'OBJECT_MERGE', action: 'DELETED' });
    await until(() => rowsOf(page), (rows) => rows.length === 1, 10_000, 50);
    expect(await rowsOf(page)).toEqual(['Kim Duplicate | Association removed | Object merge']);

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Acme' }).waitFor();
    await until(() => rowsOf(page), (rows) => rows.length === 1, 10_000, 50);
    expect(await page.getByLabel('Source').inputValue()).toBe('OBJECT_MERGE');
    expect(await page.getByLabel('Action').inputValue()).toBe('DELETED');

    // a shared address: a new tab opens the same view
    const other = await browser.context.newPage();
    await other.goto(page.url());
    await until(() => rowsOf(other), (rows) => rows.length === 1, 15_000, 50);
    expect(await rowsOf(other)).toEqual(['Kim Duplicate | Association removed | Object merge']);
    await other.close();

    // a time range: only the users' associations were before `between`
    await openHistory(page, `?to=${encodeURIComponent(between)}`);
    await until(() => rowsOf(page), (rows) => rows.length === 6, 10_000, 50);
    expect(new Set((await rowsOf(page)).map((r: string) => r.split(' | ')[0]))).toEqual(new Set(['Kim Duplicate', 'Rita Rep', 'Ada Admin']));
    expect(await page.getByLabel('To', { exact: true }).inputValue()).not.toBe('');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await until(() => new URL(page.url()).hash, (h) => h === `#/companies/${ids.acme}/history`, 5_000, 20);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it("R22: one association's full history, newest first, from any entry", async () => {
    const page = await browser.context.newPage();
    await openHistory(page);
    const pair = (await historyOf()).filter((e) => e.toObjectId === ids.carl);
    expect(pair.length).toBeGreaterThan(1); // the import made it primary too
    await rowOf(page, pair[0]!.id).getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'History of the association with Carl Import' }).waitFor();
    expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('with')).toBe(`contacts/${ids.carl}`);
    await until(() => page.locator('tbody tr').evaluateAll((trs: Element[]) => trs.map((tr) => tr.getAttribute('data-entry'))), (rows) => rows.join() === pair.map((e) => e.id).join(), 10_000, 50);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Show every association' }).click();
    await until(() => page.url(), (u) => !u.includes('with='), 5_000, 20);
    await page.close();
  });

  it('B3: as of a moment, the associations as they were then, marked as the past', async () => {
    const page = await browser.context.newPage();
    await openHistory(page);
    const d = new Date(between);
    const pad = (n: number) => String(n).padStart(2, '0');
    const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    await page.getByLabel('As of').fill(local);
    await page.getByRole('button', { name: 'Show as of' }).click();
    const past = page.getByTestId('history-as-of');
    await past.getByRole('link').first().waitFor({ timeout: 10_000 });
    expect(await past.getByRole('heading', { level: 2 }).innerText()).toMatch(/^PAST Associations as of /i);
    expect((await past.getByRole('link').allTextContents()).sort()).toEqual(['Ada Admin', 'Kim Duplicate', 'Rita Rep']);
    expect(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('at')).toBe(new Date(local).toISOString());
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'history-as-of.png');
    await past.getByRole('button', { name: 'Back to now' }).click();
    await past.waitFor({ state: 'detached' });
    await page.close();
  });

  it("R22: Copy link puts the associated record's page address on the clipboard", async () => {
    const page = await browser.context.newPage();
    await openHistory(page);
    const bob = (await historyOf()).find((e) => e.toObjectId === ids.bob)!;
    await rowOf(page, bob.id).getByRole('button', { name: 'Copy link' }).click();
    await rowOf(page, bob.id).getByText('Link copied.').waitFor();
    // the browser's clipboard, read from an ordinary page (Chromium grants no permission to an extension's origin)
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const reader = await browser.context.newPage();
    await reader.goto(`${server.url}/openapi.json`);
    expect(await reader.evaluate(() => navigator.clipboard.readText())).toBe(app(`#/contacts/${ids.bob}`));
    await reader.close();
    await page.close();
  });

  it('B1: Undo reverts an entry; a refused undo shows the reason (a merged record; a rep undoing another user\'s change)', async () => {
    const page = await browser.context.newPage();
    await openHistory(page);
    const entries = await historyOf();
    const rita = entries.find((e) => e.toObjectId === ids.rita && e.action === 'CREATED')!;
    await rowOf(page, rita.id).getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('status').filter({ hasText: `Entry ${rita.id} undone.` }).waitFor({ timeout: 10_000 });
    expect(await client.associated('companies', ids.acme, 'contacts')).not.toContain(ids.rita);
    const reverted = (await historyOf())[0]!;
    expect(reverted).toMatchObject({ toObjectId: ids.rita, action: 'DELETED', source: 'USER', detail: `revert of entry ${rita.id}` });
    await until(() => rowsOf(page), (rows) => rows[0] === `Rita Rep | Association removed | User: ${adminName}`, 10_000, 50);
    // the undone entry was changed again since: no Undo on it any more
    expect(await rowOf(page, rita.id).getByRole('button', { name: 'Undo' }).count()).toBe(0);
    expect(await rowOf(page, reverted.id).getByRole('button', { name: 'Undo' }).count()).toBe(1);

    // the merged contact is gone: its removal cannot be undone, and the page says why
    const merged = entries.find((e) => e.toObjectId === ids.dupe && e.action === 'DELETED')!;
    await rowOf(page, merged.id).getByRole('button', { name: 'Undo' }).click();
    const refusal = rowOf(page, merged.id).getByRole('alert');
    await refusal.waitFor({ timeout: 10_000 });
    expect(await refusal.innerText()).toMatch(/^Cannot undo: .*archived or merged; restore it first/);
    await shot(page, 'history-undo-refused.png');
    await page.close();

    // a rep may not undo an admin's change
    await signIn(browser, server.url, repToken);
    const repPage = await browser.context.newPage();
    await openHistory(repPage);
    const ada = entries.find((e) => e.toObjectId === ids.ada)!;
    await rowOf(repPage, ada.id).getByRole('button', { name: 'Undo' }).click();
    const repRefusal = rowOf(repPage, ada.id).getByRole('alert');
    await repRefusal.waitFor({ timeout: 10_000 });
    expect(await repRefusal.innerText()).toMatch(/^Cannot undo: ./);
    expect(await client.associated('companies', ids.acme, 'contacts')).toContain(ids.ada);
    expect(await seriousViolations(repPage)).toEqual([]);
    await repPage.close();
  });
});
