/**
 * The first ten minutes, end to end: `npm start -- --demo` on a new data directory (it builds the
 * extension and loads the demo workspace), the extension loaded into Debian's Chromium and signed
 * in with the printed link, then the demo mailbox: a known contact, a recommendation associated, a
 * contact created, an email logged, the popup's search. The screenshots of the README come from
 * here (written into docs/ when UPDATE_DOCS_SCREENSHOTS=1, into test-results/ always).
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASTRID, DEALS, ERIK, HALDEN, MAJA, TICKETS, TOMAS } from '../../server/demo/people.ts';
import { type ListeningServer, startServerProcess, until } from '../helpers/server-process.ts';
import { type CompanionBrowser, ensureArtifacts, launchWithExtension, personIn, serverApi, sidebarIn } from './helpers/companion.ts';

const docs = fileURLToPath(new URL('../../docs', import.meta.url));

let work: string;
let server: ListeningServer;
let browser: CompanionBrowser;
let mail: Page;
let artifacts: string;
let token: string;
const ids = {} as Record<'astrid' | 'expansion' | 'renewal' | 'ticket' | 'maja' | 'email', string>;
const { api, associated } = serverApi(() => ({ url: server.url, token }));

async function find(type: string, property: string, value: string): Promise<string> {
  const found = await api<{ results: Array<{ id: string }> }>('POST', `/crm/v3/objects/${type}/search`, { filterGroups: [{ filters: [{ propertyName: property, operator: 'EQ', value }] }] });
  expect(found.results, `${type} ${property}=${value}`).toHaveLength(1);
  return found.results[0]!.id;
}

/** A screenshot into test-results/, and into docs/ when the docs' pictures are being renewed. */
async function shot(take: (path: string) => Promise<unknown>, name: string, inDocs = true): Promise<void> {
  const path = join(artifacts, name);
  await take(path);
  if (inDocs && process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(docs, name));
}

const sidebar = () => sidebarIn(mail);
const person = (email: string) => personIn(mail, email);
const people = () => sidebar().locator('li.crm-person').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')).sort());

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-demo-'));
  artifacts = await ensureArtifacts();
  server = await startServerProcess({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1', CRM_EXTENSION_OUT_DIR: join(work, 'build') }, 'server/cli/start.ts', ['--demo']);
  token = server.printedToken!;
  expect(token).toBeTruthy();
  await until(() => /^Browser extension \(Chrome, just built\): /m.test(server.stdout()) || /WARNING: the browser extension/.test(server.stderr()), Boolean, 240_000, 200);
  const extensionDir = /^Browser extension \(Chrome, just built\): (.+)$/m.exec(server.stdout())?.[1];
  expect(extensionDir, server.stderr()).toBeTruthy();
  browser = await launchWithExtension(extensionDir!, join(work, 'profile'));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the first ten minutes with the demo', () => {
  it('npm start -- --demo loads the demo workspace and prints the demo mailbox beside the address and token', async () => {
    const out = server.stdout();
    expect(out).toMatch(/^Demo workspace loaded in \d+\.\d s \(seed \d+\): 32 companies, \d+ contacts, \d+ deals, \d+ tickets$/m);
    expect(out).toContain(`Demo mailbox: ${server.url}/demo/mail`);
    expect(out.indexOf('Sign-in token')).toBeLessThan(out.indexOf('Demo mailbox'));
    ids.astrid = await find('contacts', 'email', ASTRID.email);
    ids.expansion = await find('deals', 'dealname', DEALS.expansion.dealname);
    ids.renewal = await find('deals', 'dealname', DEALS.renewal.dealname);
    ids.ticket = await find('tickets', 'subject', TICKETS.routeExport.subject);
  });

  it('X3: the printed connect link signs the extension in', async () => {
    const link = /sign it in with this link[^:]*: (\S+)$/m.exec(server.stdout())?.[1];
    expect(link).toBeTruthy();
    const page = await browser.context.newPage();
    await page.goto(link!);
    await expect.poll(() => page.getByTestId('signed-in').textContent(), { timeout: 15_000 }).toBe(`Signed in to ${server.url}`);
    await page.close();
  });

  it('the welcome page the install opened links the demo mailbox of a server started with --demo', async () => {
    const url = `chrome-extension://${browser.extensionId}/welcome.html`;
    const welcome = browser.context.pages().find((p) => p.url() === url) ?? (await browser.context.newPage());
    await welcome.goto(url);
    expect(await welcome.getByTestId('connected').textContent()).toBe(`Connected to ${server.url}.`);
    const link = welcome.getByTestId('demo').locator('a');
    await link.waitFor({ timeout: 15_000 });
    expect(await link.getAttribute('href')).toBe(`${server.url}/demo/mail`);
    await welcome.close();
  });

  it('X1, X2: the demo mailbox opens a thread by its link (the hash changes, no reload) and the sidebar shows a known contact', async () => {
    mail = await browser.context.newPage();
    await mail.setViewportSize({ width: 1280, height: 860 });
    await mail.goto(`${server.url}/demo/mail`);
    await shot((path) => mail.screenshot({ path }), 'demo-inbox.png');
    // the inbox: no thread open, no sidebar
    expect(await sidebar().count()).toBe(0);
    const loaded = await mail.evaluate(() => performance.timeOrigin);
    await mail.getByRole('link', { name: /Fleet tracking renewal/ }).click();
    expect(new URL(mail.url()).hash).toBe('#inbox/FMfcgzDemoHaldenRenewal');
    await sidebar().and(mail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    expect(await mail.evaluate(() => performance.timeOrigin)).toBe(loaded);
    expect(await people()).toEqual([ASTRID.email, ERIK.email, MAJA.email].sort());
    await expect.poll(() => person(ASTRID.email).getAttribute('data-state')).toBe('contact');
    const astrid = (await person(ASTRID.email).textContent())!;
    expect(astrid).toContain(HALDEN.name);
    expect(astrid).toContain(`${DEALS.renewal.dealname} · Contract Sent`);
    expect(await person(ERIK.email).getAttribute('data-state')).toBe('contact');
    expect(await person(MAJA.email).getAttribute('data-state')).toBe('unknown');
    expect(await person(MAJA.email).textContent()).toContain(`with company ${HALDEN.name}`);
    await sidebar().locator(`li.crm-rec[data-rec="deals:${ids.expansion}"]`).waitFor({ timeout: 15_000 });
    await shot((path) => mail.screenshot({ path }), 'demo-thread.png');
  });

  it('X2, R18: one click creates Maja as a contact, with Halden Freight by her email domain', async () => {
    await person(MAJA.email).getByRole('button', { name: 'Create contact' }).click();
    await expect.poll(() => person(MAJA.email).getAttribute('data-state'), { timeout: 15_000 }).toBe('contact');
    ids.maja = await find('contacts', 'email', MAJA.email);
    expect(await associated('contacts', ids.maja, 'companies')).toEqual([await find('companies', 'domain', HALDEN.domain)]);
  });

  it('X2: the Nordic expansion deal is recommended and associated with the thread\'s contacts in one click', async () => {
    const rec = sidebar().locator(`li.crm-rec[data-rec="deals:${ids.expansion}"]`);
    await rec.waitFor({ timeout: 15_000 });
    await rec.getByRole('button').click();
    await expect.poll(() => rec.getAttribute('data-state'), { timeout: 15_000 }).toBe('associated');
    expect(await associated('deals', ids.expansion, 'contacts')).toEqual(expect.arrayContaining([ids.astrid, ids.maja]));
  });

  it('X2, R10: "Log this email" logs the thread on its contacts and their company', async () => {
    const before = await associated('contacts', ids.astrid, 'emails');
    const log = sidebar().locator('section.crm-log');
    await log.getByRole('button', { name: 'Log this thread' }).click();
    await expect.poll(() => log.getAttribute('data-state'), { timeout: 15_000 }).toBe('logged');
    const logged = (await associated('contacts', ids.astrid, 'emails')).filter((id) => !before.includes(id));
    // R3: one email per message of the thread (three)
    expect(logged).toHaveLength(3);
    ids.email = logged[0]!;
    const email = await api<{ properties: Record<string, string> }>('GET', `/crm/v3/objects/emails/${ids.email}?properties=hs_email_subject`);
    expect(email.properties.hs_email_subject).toBe('Fleet tracking renewal — contract for 140 vehicles');
    expect(await associated('emails', ids.email, 'companies')).toEqual([await find('companies', 'domain', HALDEN.domain)]);
    await sidebar().evaluate((el) => el.scrollTo(0, 0));
    await mail.evaluate(() => window.scrollTo(0, 0));
    await shot((path) => mail.screenshot({ path }), 'demo-logged.png', false);
  });

  it('X1: back to the inbox and into another thread, as a webmail does: the sidebar follows', async () => {
    await mail.getByRole('link', { name: 'Back to Inbox' }).first().click();
    await expect.poll(() => sidebar().count(), { timeout: 15_000 }).toBe(0);
    await mail.getByRole('link', { name: /Brand refresh/ }).click();
    await expect.poll(people, { timeout: 15_000 }).toEqual([TOMAS.email]);
    await expect.poll(() => person(TOMAS.email).getAttribute('data-state'), { timeout: 15_000 }).toBe('unknown');
    await mail.goBack();
    await expect.poll(() => sidebar().count(), { timeout: 15_000 }).toBe(0);
    await mail.goBack();
    await expect.poll(people, { timeout: 15_000 }).toEqual([ASTRID.email, ERIK.email, MAJA.email].sort());
  });

  it('X3: the popup finds Erik\'s ticket and associates it with the people on the tab', async () => {
    const tabId = await browser.worker.evaluate(async (url) => {
      const tabs = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<Array<{ id?: number }>> } } }).chrome.tabs;
      const [tab] = await tabs.query({ url });
      return tab?.id;
    }, `${server.url}/demo/mail*`);
    expect(tabId).toBeTypeOf('number');
    const popup = await browser.context.newPage();
    await popup.setViewportSize({ width: 380, height: 600 });
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tab=${tabId}`);
    await expect.poll(() => popup.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe(`Connected to ${server.url}`);
    await popup.getByRole('searchbox').fill('route export');
    const hit = popup.locator(`li.crm-result[data-result="tickets:${ids.ticket}"]`);
    await hit.waitFor({ timeout: 15_000 });
    expect(await hit.textContent()).toContain(TICKETS.routeExport.subject);
    await shot((path) => popup.screenshot({ path }), 'demo-popup.png');
    await hit.getByRole('button', { name: /Associate with/ }).click();
    await expect.poll(() => associated('tickets', ids.ticket, 'contacts'), { timeout: 15_000 }).toEqual(expect.arrayContaining([ids.astrid, ids.maja]));
    await popup.close();
  });
});
