/**
 * The import screens (`app.html#/imports`, `#/imports/{id}`) in Chromium against the real server:
 * an admin uploads a CSV with refused rows, sees and changes the mapping, follows the progress to
 * Done, reads the refused rows, downloads the error file and undoes the import (R16, R17, B1); a
 * rep's undo of someone else's import is refused and the screen says so; a 50 MB file is streamed
 * from disk with the page's memory flat, its progress bar moves while it runs, and it is canceled.
 * No serious accessibility violations (axe-core). Screenshots into test-results/ (docs/ with
 * UPDATE_DOCS_SCREENSHOTS=1).
 */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningServer, request, until } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, serverApi, signIn } from './helpers/companion.ts';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
let work: string;
let artifacts: string;
let server: ListeningServer;
let browser: CompanionBrowser;
let adminToken: string;
let repToken: string;
const admin = serverApi(() => ({ url: server.url, token: adminToken }));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-imports-'));
  artifacts = await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  adminToken = server.printedToken!;
  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
  const rep = await request(server.url, 'POST', '/api/users', adminToken, { name: 'Rory Rep', email: 'rory@example.com', role: 'rep' });
  expect(rep.status).toBe(201);
  repToken = (rep.body as { token: string }).token;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Until `check` holds (polling every 50 ms). */
const holds = (check: () => Promise<boolean>, ms = 15_000) => until(check, (v) => v, ms, 50);

const app = (hash = '') => `chrome-extension://${browser.extensionId}/app.html${hash}`;

async function shot(page: Page, name: string): Promise<void> {
  const path = join(artifacts, name);
  await page.screenshot({ path, fullPage: true });
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(docs, name));
}

/** The import id of the page's address (`#/imports/{id}`). */
const importIdOf = (page: Page) => new URL(page.url()).hash.replace('#/imports/', '');

// three good contacts, a bad email (row 4), a row repeating row 2 (row 6)
const SMALL_CSV = [
  'Email,First Name,Last Name,Shoe Size',
  'ann@imports.example,Ann,Archer,38',
  'ben@imports.example,Ben,Baker,44',
  'not-an-email,Cid,Cole,41',
  'dee@imports.example,Dee,Dunn,39',
  'ann@imports.example,Ann,Archer,38',
].join('\r\n');

let smallImport = '';

describe('the import screens', () => {
  it('R16, R17: an admin drops a CSV, changes a column\'s target, follows it to Done, reads the refused rows and downloads them', async () => {
    await signIn(browser, server.url, adminToken);
    // a custom object: offered in the Object choice beside the standard ones
    await admin.api('POST', '/crm/v3/schemas', { name: 'cars', labels: { singular: 'Car', plural: 'Cars' }, properties: [{ name: 'model', label: 'Model', type: 'string', fieldType: 'text' }], primaryDisplayProperty: 'model', associatedObjects: ['contacts'] });
    const file = join(work, 'people.csv');
    await writeFile(file, SMALL_CSV);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(app('#/imports'));
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor({ timeout: 15_000 });
    await page.getByText('No imports yet.').waitFor();
    expect(await page.getByRole('button', { name: 'Start import' }).isDisabled()).toBe(true);
    await holds(async () => (await page.getByLabel('Object').locator('option').allTextContents()).includes('Cars'));
    expect(await page.getByLabel('Object').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['contacts', 'companies', 'deals', 'tickets', 'cars']);

    // dropped on the drop area (the 50 MB file below is picked with the file input)
    const dropped = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'people.csv', { type: 'text/csv' }));
      return transfer;
    }, await readFile(file, 'utf8'));
    await page.locator('.crm-imports-drop').dispatchEvent('drop', { dataTransfer: dropped });
    expect(await page.getByLabel('CSV file').evaluate((input: HTMLInputElement) => input.files?.[0]?.name)).toBe('people.csv');
    await page.getByLabel('Object').selectOption('contacts');
    // the mapping preview: a header that is no property of contacts is refused before anything is sent
    const target = (header: string) => page.getByRole('textbox', { name: `Target of column ${header}` });
    const refusal = page.getByRole('alert').filter({ hasText: 'The mapping is refused' });
    await refusal.filter({ hasText: 'Shoe Size' }).waitFor();
    expect(await page.getByRole('button', { name: 'Start import' }).isDisabled()).toBe(true);
    // its target changed to a property contacts have: the server's targets for every header
    await target('Shoe Size').fill('contacts.jobtitle');
    await holds(async () => (await target('Email').inputValue()) === 'contacts.email').catch(async (err) => {
      await page.screenshot({ path: join(artifacts, 'imports-failed.png'), fullPage: true });
      throw new Error(`${err}: ${problems.join('; ')} ${await page.locator('main').innerText()}`);
    });
    expect(await target('First Name').inputValue()).toBe('contacts.firstname');
    expect(await target('Shoe Size').inputValue()).toBe('contacts.jobtitle');
    expect(await refusal.count()).toBe(0);
    await holds(async () => !(await page.getByRole('button', { name: 'Start import' }).isDisabled()));
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'imports-new.png');

    await page.getByRole('button', { name: 'Start import' }).click();
    await page.waitForURL(/#\/imports\/[0-9a-f-]{36}$/);
    smallImport = importIdOf(page);
    await page.getByText('Done', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('people.csv');
    expect(await page.getByRole('progressbar', { name: 'Rows imported' }).evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([5, 5]);
    const counts = await page.getByRole('definition').allTextContents();
    expect(counts).toEqual(['3', '0', '0', '2']);
    // the refused rows: row as a spreadsheet numbers it, column, code
    const rows = await page.getByRole('table').first().locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)));
    expect(rows).toEqual([
      ['4', 'Email', 'INVALID_EMAIL'],
      ['6', '—', 'DUPLICATE_ROW_CONTENT'],
    ]);
    const view = await admin.api('GET', `/api/imports/${smallImport}`);
    expect(view.columns).toContainEqual({ header: 'Shoe Size', target: 'contacts.jobtitle' });
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'imports-done.png');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download errors' }).click()]);
    const saved = join(work, 'errors.csv');
    await download.saveAs(saved);
    const csv = await readFile(saved, 'utf8');
    expect(csv).toContain('INVALID_EMAIL');
    expect(csv).toContain('not-an-email');

    // the list: state, who started it, the records it made
    await page.getByRole('link', { name: 'All imports' }).click();
    const listed = page.getByRole('row').filter({ hasText: 'people.csv' });
    await listed.waitFor();
    expect(await listed.locator('td').allTextContents()).toEqual(expect.arrayContaining(['people.csv', 'contacts', 'Done']));
    expect(await listed.getByRole('link', { name: 'Records of people.csv' }).getAttribute('href')).toBe(`#/contacts?import=${smallImport}`);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('B1: a rep cannot undo an import someone else started; the screen shows the refusal and the import stays', async () => {
    await signIn(browser, server.url, repToken);
    const page = await browser.context.newPage();
    await page.goto(app(`#/imports/${smallImport}`));
    await page.getByText('Done', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Undo import' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Only an admin or whoever started this import may undo or cancel it');
    expect(await page.getByText('Done', { exact: true }).count()).toBe(1);
    expect((await admin.api('GET', `/api/imports/${smallImport}`)).state).toBe('done');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'imports-refused.png');
    // an import that does not exist: the server's words
    await page.goto(app('#/imports/00000000-0000-4000-8000-000000000000'));
    await page.getByRole('alert').filter({ hasText: 'No import with id 00000000-0000-4000-8000-000000000000' }).waitFor({ timeout: 15_000 });
    await page.close();
  });

  it('B1: the admin undoes the import: Undone, and the contacts it created are archived', async () => {
    await signIn(browser, server.url, adminToken);
    const page = await browser.context.newPage();
    await page.goto(app(`#/imports/${smallImport}`));
    await page.getByText('Done', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Undo import' }).click();
    await page.getByText('Undone', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: 'Undo import' }).count()).toBe(0);
    const found = await admin.api('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ann@imports.example' }] }] });
    expect(found.total).toBe(0);
    await page.close();
  });

  it('R16: a 50 MB file streams from disk with the page\'s memory flat; its progress bar moves while it runs, and it is canceled', async () => {
    const big = join(work, 'big.csv');
    const out = createWriteStream(big);
    const filler = 'x'.repeat(90);
    out.write('Email,First Name,contacts.jobtitle\n');
    let rows = 0;
    for (let written = 0; written < 50 * 1024 * 1024; rows++) {
      const line = `big${rows}@bulk.example,Person ${rows},${filler}\n`;
      written += line.length;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
    const bytes = (await stat(big)).size;
    expect(bytes).toBeGreaterThanOrEqual(50 * 1024 * 1024);

    const page = await browser.context.newPage();
    await page.goto(app('#/imports'));
    await page.getByRole('heading', { name: 'Imports', level: 1 }).waitFor({ timeout: 15_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
    await cdp.send('HeapProfiler.collectGarbage');
    const before = await heap();

    await page.getByLabel('CSV file').setInputFiles(big);
    await holds(async () => (await page.getByRole('textbox', { name: 'Target of column Email' }).inputValue()) === 'contacts.email');
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await heap());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const startedAt = Date.now();
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('status').filter({ hasText: 'Uploading big.csv' }).waitFor();
    await page.waitForURL(/#\/imports\/[0-9a-f-]{36}$/, { timeout: 120_000 });
    const uploadMs = Date.now() - startedAt;
    sampling = false;
    await sampler;
    const bigImport = importIdOf(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const after = await heap();
    const peak = Math.max(...samples);
    const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
    console.log(`50 MB upload (${bytes} bytes, ${rows} rows) in ${uploadMs} ms: JS heap before ${mb(before)} MB, peak during ${mb(peak)} MB (${samples.length} samples), after ${mb(after)} MB`);
    // the file never enters the page's memory: the heap grows by nothing like its size
    expect(peak - before).toBeLessThan(10 * 1024 * 1024);
    expect(samples.length).toBeGreaterThan(0);

    // the progress bar moves while the import runs
    const progress = page.getByRole('progressbar', { name: 'Rows imported' });
    const valueOf = () => progress.evaluate((p: HTMLProgressElement) => p.value);
    await holds(async () => (await valueOf()) > 0, 60_000);
    const first = await valueOf();
    await holds(async () => (await valueOf()) > first, 60_000);
    expect(await progress.evaluate((p: HTMLProgressElement) => p.max)).toBe(rows);
    await page.getByText('Running', { exact: true }).waitFor();
    await shot(page, 'imports-running.png');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Cancel import' }).click();
    await page.getByText('Canceled', { exact: true }).waitFor({ timeout: 60_000 });
    const view = await admin.api('GET', `/api/imports/${bigImport}`);
    expect(view.state).toBe('failed');
    expect(view.failure).toMatch(/^CANCELED/);
    expect(view.rowsDone).toBeLessThan(rows);
    expect(await page.getByRole('button', { name: 'Cancel import' }).count()).toBe(0);

    // the list: the canceled import, and the undone one
    await page.getByRole('link', { name: 'All imports' }).click();
    const bigRow = page.getByRole('row').filter({ hasText: 'big.csv' });
    await bigRow.waitFor();
    expect(await bigRow.locator('td').nth(2).textContent()).toBe('Canceled');
    expect(await page.getByRole('row').filter({ hasText: 'people.csv' }).locator('td').nth(2).textContent()).toBe('Undone');
    await shot(page, 'imports-list.png');
    await page.close();
  });
});
