/**
 * The companion's language in Chromium: the browser speaks English; the rep picks Nederlands on the
 * options page, and the open Gmail thread's sidebar, a new popup and a reloaded Gmail page show
 * Dutch (with dates and numbers the Dutch way); "Browser language" brings English back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningServer } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, personIn, seedFixtureAccounts, serveGmailFixture, serverApi, signIn, sidebarIn } from './helpers/companion.ts';

const THREAD_URL = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJRenewalQ3Northwind';

let work: string;
let server: ListeningServer;
let token: string;
let browser: CompanionBrowser;
let gmail: Page;
let options: Page;
let artifacts: string;
const client = serverApi(() => ({ url: server.url, token }));

const sidebar = () => sidebarIn(gmail);
const alice = () => personIn(gmail, 'alice.chen@northwind.example');

async function gmailTabId(): Promise<number> {
  const id = await browser.worker.evaluate(async () => {
    const tabs = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<Array<{ id?: number }>> } } }).chrome.tabs;
    const [tab] = await tabs.query({ url: 'https://mail.google.com/*' });
    return tab?.id;
  });
  expect(id).toBeTypeOf('number');
  return id!;
}

async function openPopup(): Promise<Page> {
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 380, height: 600 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tab=${await gmailTabId()}`);
  return popup;
}

const choose = (label: string, value: string) => options.getByRole('combobox', { name: label }).selectOption(value);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-language-'));
  artifacts = await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  token = server.printedToken!;
  const ids = await seedFixtureAccounts(client);
  const deal = await client.create('deals', { dealname: 'Northwind Q3 renewal', dealstage: 'appointmentscheduled', amount: '12500' });
  await client.api('PUT', `/crm/v4/objects/contacts/${ids.alice}/associations/default/deals/${deal}`);
  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'), { lang: 'en-US' });
  await serveGmailFixture(browser);
  await signIn(browser, server.url, token);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the companion\'s language, chosen on the options page', () => {
  it('follows the browser (English) until the rep chooses', async () => {
    gmail = await browser.context.newPage();
    await gmail.goto(THREAD_URL);
    await sidebar().and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    expect(await sidebar().getByRole('heading', { name: 'People' }).count()).toBe(1);
    await expect.poll(() => alice().textContent(), { timeout: 15_000 }).toContain('1 company · 1 deal · 0 tickets');

    options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await expect.poll(() => options.getByTestId('signed-in').textContent(), { timeout: 15_000 }).toBe(`Signed in to ${server.url}`);
    expect(await options.getByRole('combobox', { name: 'Language of the companion' }).inputValue()).toBe('browser');
    expect(await options.evaluate(() => document.documentElement.lang)).toBe('en');
  });

  it('Nederlands: the options page at once, the open sidebar without a reload, a new popup, a reloaded page', async () => {
    await choose('Language of the companion', 'nl');
    await expect.poll(() => options.getByRole('heading', { level: 1 }).textContent(), { timeout: 10_000 }).toBe('CRM-companion');
    expect(await options.getByTestId('signed-in').textContent()).toBe(`Aangemeld bij ${server.url}`);
    expect(await options.evaluate(() => [document.documentElement.lang, document.title])).toEqual(['nl', 'CRM-companion: opties']);
    expect(await seriousViolations(options)).toEqual([]);

    // the sidebar already open in the Gmail tab
    await sidebar().getByRole('heading', { name: 'Personen' }).waitFor({ timeout: 10_000 });
    expect(await sidebar().getByRole('button', { name: 'Verbergen' }).count()).toBe(1);
    expect(await alice().textContent()).toContain('1 bedrijf · 1 deal · 0 tickets');
    expect(await sidebar().getByRole('heading', { name: 'Aanbevolen' }).count()).toBe(1);
    // the webmail's own page keeps its language: only the companion's texts change
    expect(await gmail.evaluate(() => document.documentElement.lang)).not.toBe('nl');

    const popup = await openPopup();
    await expect.poll(() => popup.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe(`Verbonden met ${server.url}`);
    expect(await popup.getByTestId('pending-count').textContent()).toBe('Alle wijzigingen bevestigd');
    expect(await popup.getByRole('searchbox').getAttribute('placeholder')).toBe('Zoek contactpersonen, bedrijven, deals, tickets');
    expect(await popup.evaluate(() => document.documentElement.lang)).toBe('nl');
    await popup.screenshot({ path: join(artifacts, 'language-popup-nl.png') });
    await popup.close();

    // a fresh page: the content script asks the background for the Dutch texts before its first render
    await gmail.reload();
    await sidebar().and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    await sidebar().getByRole('heading', { name: 'Personen' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => alice().textContent(), { timeout: 15_000 }).toContain('1 bedrijf · 1 deal · 0 tickets');
    expect(await sidebar().getByRole('button', { name: 'Contactpersoon aanmaken' }).count()).toBeGreaterThan(0);
    expect(await seriousViolations(gmail, '[data-testid="crm-sidebar"]')).toEqual([]);
    await sidebar().screenshot({ path: join(artifacts, 'sidebar-nl.png') });
  });

  it('"Browser language" brings English back everywhere', async () => {
    await choose('Taal van de companion', 'browser');
    await expect.poll(() => options.getByRole('heading', { level: 1 }).textContent(), { timeout: 10_000 }).toBe('CRM companion');
    expect(await options.evaluate(() => document.documentElement.lang)).toBe('en');
    await sidebar().getByRole('heading', { name: 'People' }).waitFor({ timeout: 10_000 });
    expect(await alice().textContent()).toContain('1 company · 1 deal · 0 tickets');
    const popup = await openPopup();
    await expect.poll(() => popup.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe(`Connected to ${server.url}`);
    expect(await popup.getByTestId('pending-count').textContent()).toBe('All changes confirmed');
    await popup.close();
  });
});
