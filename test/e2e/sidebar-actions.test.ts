/**
 * The sidebar's actions end to end (X2, X4, R5, R7, R8, R15): the built extension in Chromium, the
 * real server, Gmail served from the fixture page at its real URL. In one person's card the rep
 * associates a record with that person only, edits the labels of the person's deal (one change
 * refused, with its reason) and removes it after confirming, sets the primary company and removes
 * it choosing the next primary; from the thread they create a deal, prefilled and associated on creation.
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
const deal = (email: string, id: string) => person(email).locator(`li[data-record="deals:${id}"]`);

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
    // a record found opens its record page too, as every record name in the sidebar
    expect(await alice.locator('ul.crm-hits').getByRole('link', { name: 'Northwind Q3 renewal' }).getAttribute('href')).toMatch(new RegExp(`app\\.html#/deals/${ids.renewal}$`));
    await alice.getByRole('button', { name: 'Associate Northwind Q3 renewal' }).click();
    await expect.poll(() => associated('contacts', ids.alice, 'deals'), { timeout: 15_000 }).toEqual([ids.renewal]);
    expect(await associated('contacts', ids.bob, 'deals')).toEqual([]);
    // the open deal shows on Alice's card once the thread is read again
    await expect.poll(() => alice.textContent(), { timeout: 15_000 }).toContain('Northwind Q3 renewal · Qualified To Buy');
    expect(await alice.getByRole('link', { name: 'Open record page' }).getAttribute('href')).toMatch(new RegExp(`app\\.html#/contacts/${ids.alice}$`));
  });

  it("R14: a person's deal has the same compact actions; \"Edit labels\" adds a contact–deal label to this person's association only", async () => {
    const created = await api<{ results: Array<{ typeId: number; label: string | null }> }>('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Decision maker', name: 'decision_maker' });
    const typeId = created.results.find((r) => r.label === 'Decision maker')!.typeId;
    const row = deal(ALICE, ids.renewal);
    await row.waitFor({ timeout: 15_000 });
    expect(await person(ALICE).getByRole('list', { name: /^Open deals and tickets of / }).count()).toBe(1);
    // the deal's name opens its record page in a new tab, as every record name in the sidebar
    const link = row.getByRole('link', { name: 'Northwind Q3 renewal' });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`app\\.html#/deals/${ids.renewal}$`));
    expect(await link.getAttribute('target')).toBe('_blank');
    await row.getByRole('button', { name: 'Edit labels' }).click();
    const labels = row.getByRole('group', { name: 'Labels of the association with Northwind Q3 renewal' });
    await labels.getByRole('checkbox', { name: 'Decision maker' }).check();
    expect(await seriousViolations(gmail, '[data-testid="crm-sidebar"]')).toEqual([]);
    await shot('sidebar-deal-labels.png');
    await row.getByRole('button', { name: 'Save' }).click();
    const types = async () => {
      const page = await api<{ results: Array<{ toObjectId: number | string; associationTypes: Array<{ typeId: number }> }> }>('GET', `/crm/v4/objects/contacts/${ids.alice}/associations/deals`);
      return page.results.filter((r) => String(r.toObjectId) === ids.renewal).flatMap((r) => r.associationTypes.map((t) => t.typeId)).sort((a, b) => a - b);
    };
    await expect.poll(types, { timeout: 15_000 }).toEqual([4, typeId].sort((a, b) => a - b));
    expect(await associated('contacts', ids.bob, 'deals')).toEqual([]);
  });

  it('R14: a label deleted while the rep ticks it is refused, and the row says why', async () => {
    const created = await api<{ results: Array<{ typeId: number; label: string | null }> }>('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Gone soon', name: 'gone_soon' });
    const typeId = created.results.find((r) => r.label === 'Gone soon')!.typeId;
    const row = deal(ALICE, ids.renewal);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('associated');
    await row.getByRole('button', { name: 'Edit labels' }).click();
    await row.getByRole('checkbox', { name: 'Gone soon' }).check();
    await api('DELETE', `/crm/v4/associations/contacts/deals/labels/${typeId}`);
    await row.getByRole('button', { name: 'Save' }).click();
    const refused = row.getByRole('alert');
    await expect.poll(() => refused.textContent(), { timeout: 15_000 }).toMatch(/^Refused: \S/);
    expect(await seriousViolations(gmail, '[data-testid="crm-sidebar"]')).toEqual([]);
    // the refused change stays until the rep dismisses it; then the row offers its actions again
    await sidebarIn(gmail).locator('.crm-changes').getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('associated');
  });

  it('X2: a person\'s deal is removed from that person only, after the rep confirms', async () => {
    await api('PUT', `/crm/v4/objects/contacts/${ids.bob}/associations/default/deals/${ids.renewal}`);
    try {
      const row = deal(ALICE, ids.renewal);
      await row.waitFor({ timeout: 15_000 });
      const remove = row.getByRole('button', { name: 'Remove association' });
      await remove.click();
      await expect.poll(() => row.textContent()).toMatch(/Remove Northwind Q3 renewal from .+\?/);
      // Escape cancels: nothing is removed and the focus goes back to the button
      await gmail.keyboard.press('Escape');
      // (the sidebar lives in a shadow root: its focused element is the root's)
      await expect.poll(() => remove.evaluate((el) => el === (el.getRootNode() as Document | ShadowRoot).activeElement)).toBe(true);
      expect(await associated('contacts', ids.alice, 'deals')).toEqual([ids.renewal]);
      await remove.click();
      await row.getByRole('button', { name: 'Remove association' }).click();
      await expect.poll(() => associated('contacts', ids.alice, 'deals'), { timeout: 15_000 }).toEqual([]);
      expect(await associated('contacts', ids.bob, 'deals')).toEqual([ids.renewal]);
      await expect.poll(() => deal(ALICE, ids.renewal).count(), { timeout: 15_000 }).toBe(0);
    } finally {
      // the thread's deal test below counts Bob's deals from none
      await api('DELETE', `/crm/v4/objects/contacts/${ids.bob}/associations/deals/${ids.renewal}`);
    }
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
