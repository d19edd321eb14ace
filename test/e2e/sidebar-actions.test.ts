/**
 * The sidebar's actions end to end (X2, X4, R5, R7, R8, R15): the built extension in Chromium, the
 * real server, Gmail served from the fixture page at its real URL. In one person's card the rep
 * associates a record with that person only, sets the primary company and removes it choosing
 * the next primary; from the thread they create a deal, prefilled and associated on creation.
 * The server's state is read back through the API. Screenshot for docs/screens-sidebar.md.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningServer } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, personIn, seedFixtureAccounts, serveGmailFixture, serverApi, sidebarIn, signIn } from './helpers/companion.ts';

const THREAD_URL = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJRenewalQ3Northwind';
const ALICE = 'alice.chen@northwind.example';
const BOB = 'bob.smith@contoso.example';
const docs = fileURLToPath(new URL('../../docs', import.meta.url));

let work: string;
let server: ListeningServer;
let token: string;
let browser: CompanionBrowser;
let gmail: Page;
let artifacts: string;
const ids = {} as Record<'northwind' | 'contoso' | 'alice' | 'bob' | 'fabrikam' | 'renewal', string>;

const client = serverApi(() => ({ url: server.url, token }));
const { api, create, associated } = client;

/** The companies a contact has as primary (type 1). */
async function primaryOf(contact: string): Promise<string[]> {
  const page = await api<{ results: Array<{ toObjectId: number | string; associationTypes: Array<{ typeId: number }> }> }>('GET', `/crm/v4/objects/contacts/${contact}/associations/companies`);
  return page.results.filter((r) => r.associationTypes.some((t) => t.typeId === 1)).map((r) => String(r.toObjectId));
}

/** The whole sidebar (a page tall enough to show it unscrolled), into test-results/ and, when renewing them, docs/. */
async function shot(name: string): Promise<void> {
  const path = join(artifacts, name);
  const before = gmail.viewportSize();
  const height = await sidebarIn(gmail).evaluate((el) => el.scrollHeight);
  await gmail.setViewportSize({ width: before?.width ?? 1280, height: Math.max(height + 20, before?.height ?? 0) });
  await sidebarIn(gmail).screenshot({ path });
  if (before) await gmail.setViewportSize(before);
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(docs, name));
}

const person = (email: string) => personIn(gmail, email);
const company = (email: string, id: string) => person(email).locator(`li[data-company="${id}"]`);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-sidebar-actions-'));
  artifacts = await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  token = server.printedToken!;
  expect(token).toBeTruthy();

  Object.assign(ids, await seedFixtureAccounts(client));
  // Bob is known too (his company by domain, primary); Alice has a second company
  ids.bob = await create('contacts', { email: BOB, firstname: 'Bob', lastname: 'Smith' });
  ids.fabrikam = await create('companies', { name: 'Fabrikam Partners' });
  await api('PUT', `/crm/v4/objects/contacts/${ids.alice}/associations/default/companies/${ids.fabrikam}`);
  ids.renewal = await create('deals', { dealname: 'Northwind Q3 renewal', dealstage: 'qualifiedtobuy' });
  expect(await primaryOf(ids.alice)).toEqual([ids.northwind]);
  expect(await primaryOf(ids.bob)).toEqual([ids.contoso]);

  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
  await serveGmailFixture(browser);
  await signIn(browser, server.url, token);
  gmail = await browser.context.newPage();
  await gmail.goto(THREAD_URL);
  await sidebarIn(gmail).and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the sidebar's actions in Chromium (X2, X4)", () => {
  it("X2, R5: a record found with one person's search goes to that person only, not to everyone in the thread", async () => {
    const alice = person(ALICE);
    await alice.getByRole('searchbox', { name: 'Search to associate' }).fill('Q3 renewal');
    await alice.getByRole('searchbox', { name: 'Search to associate' }).press('Enter');
    // the stage shows as its label, never its id
    await expect.poll(() => alice.locator('ul.crm-hits').textContent(), { timeout: 15_000 }).toContain('Northwind Q3 renewal · Qualified To Buy');
    expect(await alice.locator('ul.crm-hits').textContent()).not.toContain('qualifiedtobuy');
    await alice.getByRole('button', { name: 'Associate Northwind Q3 renewal' }).click();
    await expect.poll(() => associated('contacts', ids.alice, 'deals'), { timeout: 15_000 }).toEqual([ids.renewal]);
    expect(await associated('contacts', ids.bob, 'deals')).toEqual([]);
    // the open deal shows on Alice's card once the thread is read again
    await expect.poll(() => alice.textContent(), { timeout: 15_000 }).toContain('Northwind Q3 renewal · Qualified To Buy');
    expect(await alice.getByRole('link', { name: 'Open record page' }).getAttribute('href')).toMatch(new RegExp(`app\\.html#/contacts/${ids.alice}$`));
  });

  it('R8: "Set as primary company" makes Fabrikam primary; Northwind stays associated', async () => {
    await company(ALICE, ids.fabrikam).getByRole('button', { name: 'Set as primary company' }).click();
    await expect.poll(() => primaryOf(ids.alice), { timeout: 15_000 }).toEqual([ids.fabrikam]);
    expect(await associated('contacts', ids.alice, 'companies')).toEqual([ids.northwind, ids.fabrikam].sort());
    await expect.poll(() => company(ALICE, ids.fabrikam).getAttribute('data-state'), { timeout: 15_000 }).toBe('primary');
  });

  it('R15: removing the primary company asks which becomes primary; the chosen one does', async () => {
    const row = company(ALICE, ids.fabrikam);
    await row.getByRole('button', { name: 'Remove association' }).click();
    const choice = row.getByRole('group', { name: 'Which company becomes primary?' });
    await choice.getByRole('radio', { name: 'Northwind Traders' }).check();
    expect(await seriousViolations(gmail, '[data-testid="crm-sidebar"]')).toEqual([]);
    await row.getByRole('button', { name: 'Remove association' }).click();
    await expect.poll(() => associated('contacts', ids.alice, 'companies'), { timeout: 15_000 }).toEqual([ids.northwind]);
    expect(await primaryOf(ids.alice)).toEqual([ids.northwind]);
    await expect.poll(() => company(ALICE, ids.fabrikam).count(), { timeout: 15_000 }).toBe(0);
  });

  it('X2, R5, R7: a deal created from the thread is named after the subject, starts in the first stage, and goes to its contacts and their primary companies', async () => {
    const sidebar = sidebarIn(gmail);
    const subject = (await sidebar.locator('.crm-subject').textContent())!.trim();
    await sidebar.getByRole('group', { name: 'Create from this thread' }).getByRole('button', { name: 'Deal' }).click();
    const name = sidebar.getByRole('textbox', { name: 'Deal name' });
    expect(await name.inputValue()).toBe(subject);
    await expect.poll(() => sidebar.locator('.crm-create-form').textContent(), { timeout: 15_000 }).toContain('Stage: Appointment Scheduled');
    expect(await seriousViolations(gmail, '[data-testid="crm-sidebar"]')).toEqual([]);
    await person(ALICE).getByRole('searchbox', { name: 'Search to associate' }).fill('Northwind');
    await person(ALICE).getByRole('searchbox', { name: 'Search to associate' }).press('Enter');
    await person(ALICE).locator('ul.crm-hits li').first().waitFor({ timeout: 15_000 });
    await shot('sidebar-actions.png');
    await sidebar.getByRole('button', { name: 'Create and associate' }).click();
    await expect.poll(() => associated('contacts', ids.bob, 'deals'), { timeout: 15_000 }).toHaveLength(1);
    const [deal] = await associated('contacts', ids.bob, 'deals');
    const read = await api<{ properties: Record<string, string> }>('GET', `/crm/v3/objects/deals/${deal}?properties=dealname,dealstage,pipeline`);
    expect(read.properties).toMatchObject({ dealname: subject, dealstage: 'appointmentscheduled', pipeline: 'default' });
    await expect.poll(() => associated('deals', deal!, 'contacts'), { timeout: 15_000 }).toEqual([ids.alice, ids.bob].sort());
    await expect.poll(() => associated('deals', deal!, 'companies'), { timeout: 15_000 }).toEqual([ids.northwind, ids.contoso].sort());
    await expect.poll(() => sidebar.locator('ul.crm-created').textContent(), { timeout: 15_000 }).toContain(`Created ${subject}`);
  });
});
