/**
 * The companion end to end (X1–X3, R8, R10, R18): the built extension in Debian's Chromium, the
 * real server on a fresh PGlite directory, Gmail served from the fixture pages at its real URL.
 * A rep signs in with the connect link, opens a thread, sees who is known, creates a contact,
 * accepts a recommendation, logs the email and associates from the popup; then the server's
 * state is read back through the API.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_MATCHES, WEBMAIL_MATCHES } from '../../extension/mail/hosts.ts';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id.ts';
import type { ListeningServer } from '../helpers/server-process.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, fixtureHtml, launchWithExtension, personIn, seedFixtureAccounts, serveGmailFixture, serverApi, sidebarIn } from './helpers/companion.ts';

const THREAD_URL = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJRenewalQ3Northwind';

let work: string;
let extensionDir: string;
let server: ListeningServer;
let token: string;
let browser: CompanionBrowser;
let gmail: Page;
let artifacts: string;
const ids = {} as Record<'northwind' | 'contoso' | 'alice' | 'bob' | 'renewal' | 'expansion' | 'ticket' | 'email', string>;

const client = serverApi(() => ({ url: server.url, token }));
const { api, create, associated } = client;

async function historyOf(type: string, id: string) {
  return (await api<{ results: Array<{ action: string; source: string; sourceUserName?: string; toObjectType: string; toObjectId: string; labels: string[] }> }>('GET', `/api/objects/${type}/${id}/association-history`)).results;
}

const sidebar = () => sidebarIn(gmail);
const person = (email: string) => personIn(gmail, email);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-companion-'));
  artifacts = await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  extensionDir = started.extensionDir;
  token = server.printedToken!;
  expect(token).toBeTruthy();

  Object.assign(ids, await seedFixtureAccounts(client));
  ids.renewal = await create('deals', { dealname: 'Northwind Q3 renewal', dealstage: 'appointmentscheduled' });
  ids.expansion = await create('deals', { dealname: 'Contoso expansion', dealstage: 'qualifiedtobuy' });
  ids.ticket = await create('tickets', { subject: 'Contoso onboarding blocked', hs_pipeline_stage: '1' });
  await api('PUT', `/crm/v4/objects/contacts/${ids.alice}/associations/default/deals/${ids.renewal}`);
  await api('PUT', `/crm/v4/objects/companies/${ids.contoso}/associations/default/deals/${ids.expansion}`);

  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
  await serveGmailFixture(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the companion in Chromium (X1–X3)', () => {
  it('X1: the built manifest runs the content script on the webmail hosts and the loopback demo mailbox of mail/hosts.ts, and asks for those hosts and loopback only', async () => {
    const manifest = JSON.parse(await readFile(join(extensionDir, 'manifest.json'), 'utf8')) as { content_scripts: Array<{ matches: string[] }>; host_permissions: string[] };
    expect(manifest.content_scripts.map((script) => [...script.matches].sort())).toEqual([[...MAIL_MATCHES].sort()]);
    expect(manifest.host_permissions).toEqual([...WEBMAIL_MATCHES, 'http://127.0.0.1/*', 'http://localhost/*']);
  });

  it('X3: the manifest key fixes the extension id, so the printed connect link works', () => {
    expect(browser.extensionId).toBe(CHROME_EXTENSION_ID);
  });

  it('X3: the connect link signs in without a prompt; internal domains are saved on the options page', async () => {
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${browser.extensionId}/options.html?server=${encodeURIComponent(server.url)}&token=${encodeURIComponent(token)}`);
    await expect.poll(() => page.getByTestId('signed-in').textContent(), { timeout: 15_000 }).toBe(`Signed in to ${server.url}`);
    // the token does not stay in the address bar
    expect(page.url()).not.toContain(token);
    await page.locator('textarea[name="internalDomains"]').fill('acme.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('message').textContent()).toBe('Saved');
    await page.close();
  });

  it('X1, X2: a Gmail thread shows its known and unknown participants with what the CRM knows', async () => {
    gmail = await browser.context.newPage();
    const opened = Date.now();
    await gmail.goto(THREAD_URL);
    await sidebar().and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    console.log(`thread opened → sidebar with server data: ${Date.now() - opened} ms (page load included)`);
    const emails = await sidebar().locator('li.crm-person').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')));
    // the rep and colleagues (acme.com, eu.acme.com) are no participants
    expect(emails.sort()).toEqual(['alice.chen@northwind.example', 'bob.smith@contoso.example', 'carol@fabrikam.example', 'frank@notacme.example']);
    await expect.poll(() => person('alice.chen@northwind.example').getAttribute('data-state')).toBe('contact');
    const alice = (await person('alice.chen@northwind.example').textContent())!;
    expect(alice).toContain('Northwind Traders'); // R18 brought the company by domain, R8 made it primary
    // the open deal with its stage's label, never the stage's id
    expect(alice).toContain('Northwind Q3 renewal · Appointment Scheduled');
    expect(alice).not.toContain('appointmentscheduled');
    expect(alice).toContain('1 company · 1 deal · 0 tickets');
    expect(await person('bob.smith@contoso.example').getAttribute('data-state')).toBe('unknown');
    expect(await person('bob.smith@contoso.example').textContent()).toContain('with company Contoso (primary)');
  });

  it('X2, R18, R8: one click creates the contact, which brings its company by domain as primary', async () => {
    await person('bob.smith@contoso.example').getByRole('button', { name: 'Create contact' }).click();
    await expect.poll(() => person('bob.smith@contoso.example').getAttribute('data-state'), { timeout: 15_000 }).toBe('contact');
    expect(await person('bob.smith@contoso.example').textContent()).toContain('Contoso');
    const found = await api<{ results: Array<{ id: string; properties: Record<string, string> }> }>('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'bob.smith@contoso.example' }] }],
      properties: ['email', 'firstname', 'lastname'],
    });
    expect(found.results).toHaveLength(1);
    ids.bob = found.results[0]!.id;
    expect(found.results[0]!.properties).toMatchObject({ firstname: 'Bob', lastname: 'Smith' });
    expect(await associated('contacts', ids.bob, 'companies')).toEqual([ids.contoso]);
  });

  it('X2: a recommendation is associated in one click with the thread\'s contacts', async () => {
    const rec = sidebar().locator(`li.crm-rec[data-rec="deals:${ids.expansion}"]`);
    await rec.waitFor({ timeout: 15_000 });
    expect(await rec.locator('.crm-reasons').textContent()).not.toBe('');
    await rec.getByRole('button').click();
    await expect.poll(() => rec.getAttribute('data-state'), { timeout: 15_000 }).toBe('associated');
    expect(await associated('deals', ids.expansion, 'contacts')).toEqual([ids.alice, ids.bob].sort());
  });

  it('X2, R10: "log this email" makes an email activity on the chosen records and the primary company', async () => {
    const log = sidebar().locator('section.crm-log');
    await log.getByRole('button', { name: 'Log this thread' }).click();
    await expect.poll(() => log.getAttribute('data-state'), { timeout: 15_000 }).toBe('logged');
    // R3: one email per message of the thread (four)
    const emails = await associated('contacts', ids.alice, 'emails');
    expect(emails).toHaveLength(4);
    ids.email = emails[0]!;
    const email = await api<{ properties: Record<string, string> }>('GET', `/crm/v3/objects/emails/${ids.email}?properties=hs_email_subject`);
    expect(email.properties.hs_email_subject).toBe('Q3 renewal — Northwind & Contoso');
    expect(await associated('emails', ids.email, 'contacts')).toEqual([ids.alice, ids.bob].sort());
    // Alice's primary company automatically (R10); Bob's because the sidebar proposed it (logDefaults)
    expect(await associated('emails', ids.email, 'companies')).toEqual([ids.northwind, ids.contoso].sort());
    await gmail.setViewportSize({ width: 1280, height: 1000 });
    await sidebar().evaluate((el) => el.scrollTo(0, 0));
    await gmail.evaluate(() => window.scrollTo(0, 0));
    await sidebar().screenshot({ path: join(artifacts, 'companion-sidebar.png') });
    await gmail.screenshot({ path: join(artifacts, 'companion-gmail-thread.png') });
  });

  it('X3: the popup searches, associates a result with the people on the tab, and shows the connection and pending changes', async () => {
    const tabId = await browser.worker.evaluate(async () => {
      const tabs = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<Array<{ id?: number }>> } } }).chrome.tabs;
      const [tab] = await tabs.query({ url: 'https://mail.google.com/*' });
      return tab?.id;
    });
    expect(tabId).toBeTypeOf('number');
    const popup = await browser.context.newPage();
    await popup.setViewportSize({ width: 380, height: 600 });
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tab=${tabId}`);
    await expect.poll(() => popup.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe(`Connected to ${server.url}`);
    expect(await popup.getByTestId('pending-count').textContent()).toBe('All changes confirmed');
    // empty search: the thread's recommendations
    expect(await popup.locator('.crm-muted').first().textContent()).toContain('Recommended for');
    expect(await popup.locator('li.crm-result').count()).toBeGreaterThan(0);

    await popup.getByRole('searchbox').fill('onboarding');
    await expect.poll(() => popup.locator('.crm-muted').first().textContent(), { timeout: 15_000 }).toMatch(/^\d+ found$/);
    const hit = popup.locator(`li.crm-result[data-result="tickets:${ids.ticket}"]`);
    await hit.waitFor({ timeout: 15_000 });
    // the ticket's second line is its stage's label (stage 1: New), read from the pipelines API
    expect(await hit.textContent()).toContain('Contoso onboarding blocked · New');
    await popup.screenshot({ path: join(artifacts, 'companion-popup.png') });
    await hit.getByRole('button', { name: /Associate with/ }).click();
    await expect.poll(() => associated('tickets', ids.ticket, 'contacts'), { timeout: 15_000 }).toEqual([ids.alice, ids.bob].sort());
    await expect.poll(async () => {
      await popup.reload();
      return popup.getByTestId('pending-count').textContent();
    }, { timeout: 15_000 }).toBe('All changes confirmed');
    await popup.close();
  });

  it('R20, R21: every association the rep made is in history with source User; the company by domain with its own source', async () => {
    const user = (entries: Awaited<ReturnType<typeof historyOf>>, toType: string, toId: string) => entries.filter((e) => e.toObjectType === toType && e.toObjectId === toId && e.action === 'CREATED');
    const deal = await historyOf('deals', ids.expansion);
    for (const contact of [ids.alice, ids.bob]) {
      const made = user(deal, 'contacts', contact);
      expect(made.length, `deal → contact ${contact}`).toBeGreaterThan(0);
      expect(made.every((e) => e.source === 'USER' && e.sourceUserName)).toBe(true);
    }
    const ticket = await historyOf('tickets', ids.ticket);
    for (const contact of [ids.alice, ids.bob]) expect(user(ticket, 'contacts', contact).map((e) => e.source)).toContain('USER');
    const email = await historyOf('emails', ids.email);
    for (const [type, id] of [['contacts', ids.alice], ['contacts', ids.bob], ['companies', ids.northwind], ['companies', ids.contoso]] as const) {
      const made = user(email, type, id);
      expect(made.length, `email → ${type} ${id}`).toBeGreaterThan(0);
      expect(made.every((e) => e.source === 'USER')).toBe(true);
    }
    // Bob's company came from the domain rule, not from the rep's click (R18, R21)
    const bob = await historyOf('contacts', ids.bob);
    expect(user(bob, 'companies', ids.contoso).map((e) => e.source)).toContain('AUTO_DOMAIN');
  });

  it('X1: the sidebar follows the single-page app: another thread, a reply arriving, back to the inbox', async () => {
    const fixture = (call: string) => gmail.evaluate((c) => (window as unknown as { __fixture: Record<string, (...a: string[]) => unknown> }).__fixture[c.split(':')[0]!]!(...c.split(':').slice(1).join(':').split(',').filter(Boolean)), call);
    const people = () => sidebar().locator('li.crm-person').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')).sort());
    await fixture('openThread:FMfcgzQXJOnboardingErin');
    await expect.poll(() => sidebar().locator('.crm-subject').textContent(), { timeout: 15_000 }).toBe('Onboarding kickoff');
    await expect.poll(people).toEqual(['carol@fabrikam.example', 'erin@tailspin.example']);
    await fixture('openThread:FMfcgzQXJRenewalQ3Northwind');
    await expect.poll(people, { timeout: 15_000 }).toEqual(['alice.chen@northwind.example', 'bob.smith@contoso.example', 'carol@fabrikam.example', 'frank@notacme.example']);
    await fixture('receiveReply');
    await expect.poll(people, { timeout: 15_000 }).toEqual(['alice.chen@northwind.example', 'bob.smith@contoso.example', 'carol@fabrikam.example', 'dave.kim@northwind.example', 'erin@tailspin.example', 'frank@notacme.example']);
    await sidebar().and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 15_000 });
    await fixture('backToInbox');
    await expect.poll(() => sidebar().count(), { timeout: 15_000 }).toBe(0);
  });

  it('X1, X2: Outlook on the web gets the same sidebar', async () => {
    const html = await fixtureHtml('outlook/reading-pane.html');
    await browser.context.route('https://outlook.office.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    const outlook = await browser.context.newPage();
    await outlook.goto('https://outlook.office.com/mail/inbox');
    // the rep clicks the renewal conversation in the list
    await outlook.evaluate(() => {
      const f = (window as unknown as { __fixture: { threads(): Array<{ hashId: string; subject: string }>; openThread(id: string): void } }).__fixture;
      f.openThread(f.threads().find((t) => t.subject.startsWith('Q3 renewal'))!.hashId);
    });
    const bar = outlook.locator('[data-testid="crm-sidebar"][data-ready="true"]');
    await bar.waitFor({ timeout: 20_000 });
    const emails = await bar.locator('li.crm-person').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')).sort());
    expect(emails).toEqual(['alice.chen@northwind.example', 'bob.smith@contoso.example', 'carol@fabrikam.example', 'frank@notacme.example']);
    // the contacts made from Gmail are known here too
    await expect.poll(() => bar.locator('li.crm-person[data-email="bob.smith@contoso.example"]').getAttribute('data-state')).toBe('contact');
    await outlook.close();
  });

  it('X1: Gmail replacing the thread view after the hash, the browser\'s back and forward, search results, an unreadable thread', async () => {
    const html = await fixtureHtml('gmail/navigation.html');
    const page = await browser.context.newPage();
    await page.route('https://mail.google.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    const bar = sidebarIn(page);
    const people = () => bar.locator('li.crm-person').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')).sort());
    const fixture = (call: string, arg: string) => page.evaluate(([c, a]) => (window as unknown as { __fixture: Record<string, (x: string) => unknown> }).__fixture[c!]!(a!), [call, arg]);
    const renewalPeople = ['alice.chen@northwind.example', 'bob.smith@contoso.example', 'carol@fabrikam.example', 'frank@notacme.example'];
    await page.goto(THREAD_URL);
    await expect.poll(people, { timeout: 20_000 }).toEqual(renewalPeople);
    // the hash changes first; Gmail builds a new view a moment later and keeps the old one hidden
    await fixture('openThread', 'FMfcgzQXJOnboardingErin');
    await expect.poll(people, { timeout: 15_000 }).toEqual(['carol@fabrikam.example', 'erin@tailspin.example']);
    expect(await page.locator('h2.hP').count()).toBe(2);
    await page.goBack();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#inbox/FMfcgzQXJRenewalQ3Northwind');
    await expect.poll(people, { timeout: 15_000 }).toEqual(renewalPeople);
    await page.goForward();
    await expect.poll(people, { timeout: 15_000 }).toEqual(['carol@fabrikam.example', 'erin@tailspin.example']);
    // from search results: #search/rollout/<id>; Dave wrote only the first message, shown collapsed
    await fixture('search', 'rollout');
    await expect.poll(() => bar.count(), { timeout: 15_000 }).toBe(0);
    await page.locator('[data-fixture-open="FMfcgzQXJRolloutPlanGroup"]').click();
    await expect.poll(people, { timeout: 15_000 }).toEqual(['alice.chen@northwind.example', 'bob.smith@contoso.example', 'dave.kim@northwind.example']);
    await page.locator('.adx').click();
    await expect.poll(people, { timeout: 15_000 }).toContain('erin@tailspin.example');
    // an address Gmail never draws a view for: the old people go, the sidebar says it cannot read the thread
    await page.evaluate(() => (location.hash = '#inbox/FMfcgzQXJNeverRenderedThread'));
    await expect.poll(() => bar.getAttribute('data-state'), { timeout: 15_000 }).toBe('unreadable');
    expect(await bar.locator('li.crm-person').count()).toBe(0);
    expect(await bar.textContent()).toContain('The companion cannot read this thread.');
    await bar.getByLabel('Search the CRM by name, email address or company').fill('Contoso');
    await bar.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => bar.locator(`[data-hit="companies:${ids.contoso}"]`).count(), { timeout: 15_000 }).toBe(1);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(artifacts, 'companion-gmail-unreadable.png') });
    await page.close();
  });

  it('X1: a second Gmail account at /mail/u/1/: its own address is never a participant', async () => {
    const html = await fixtureHtml('gmail/second-account.html');
    const page = await browser.context.newPage();
    await page.route('https://mail.google.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto('https://mail.google.com/mail/u/1/#inbox/FMfcgzQXJPersonalIntro');
    const people = () => sidebarIn(page).locator('li.crm-person').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')).sort());
    await expect.poll(people, { timeout: 20_000 }).toEqual(['alice.chen@northwind.example', 'erin@tailspin.example']);
    await page.close();
  });

  it('X1, X2: Outlook: plain-text recipients, "See more", and a sidebar in its own column that never covers Reply and Forward, collapsed to a tab that is remembered', async () => {
    const files: Record<string, Promise<string>> = { invitation: fixtureHtml('outlook/long-recipients.html'), renewal: fixtureHtml('outlook/reading-pane.html') };
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    let serve = 'invitation';
    await page.route('https://outlook.office.com/**', async (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: await files[serve]! }));
    await page.goto('https://outlook.office.com/mail/inbox');
    await page.locator('[role="option"]').first().click();
    const bar = sidebarIn(page);
    const people = () => bar.locator('li.crm-person').evaluateAll((els) => els.map((e) => e.getAttribute('data-email')));
    await expect.poll(async () => (await people()).length, { timeout: 20_000 }).toBe(6);
    await page.getByRole('button', { name: 'See more recipients' }).click();
    await expect.poll(async () => (await people()).length, { timeout: 15_000 }).toBe(14);

    serve = 'renewal';
    await page.goto('https://outlook.office.com/mail/inbox');
    await page.locator('[role="option"]').first().click();
    // Frank (cc) and Carol (bcc) are plain text on this page; Alice's collapsed message shows her name only
    await expect.poll(async () => (await people()).sort(), { timeout: 20_000 }).toEqual(['alice.chen@northwind.example', 'bob.smith@contoso.example', 'carol@fabrikam.example', 'frank@notacme.example']);
    const covered = async () => {
      const side = (await bar.boundingBox())!;
      const controls = await page.locator('[aria-label="Reply"], [aria-label="Reply all"], [aria-label="Forward"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
      expect(controls.length).toBeGreaterThan(0);
      const pane = (await page.locator('#ReadingPaneContainerId').boundingBox())!;
      return { sidebarLeft: side.x, sidebarWidth: side.width, rightmostControl: Math.max(...controls, pane.x + pane.width) };
    };
    const open = await covered();
    expect(open.sidebarWidth).toBe(320);
    expect(open.rightmostControl).toBeLessThanOrEqual(open.sidebarLeft);
    await page.screenshot({ path: join(artifacts, 'companion-outlook-column.png') });
    await bar.getByRole('button', { name: 'Hide' }).click();
    await expect.poll(async () => (await bar.boundingBox())?.width).toBe(32);
    const tab = await covered();
    expect(tab.rightmostControl).toBeLessThanOrEqual(tab.sidebarLeft);
    // the rep's choice stays: a new page load opens collapsed
    await page.reload();
    await page.locator('[role="option"]').first().click();
    await expect.poll(() => bar.getAttribute('data-collapsed'), { timeout: 20_000 }).toBe('true');
    await bar.getByRole('button', { name: 'Show' }).click();
    await expect.poll(async () => (await bar.boundingBox())?.width).toBe(320);
    await page.close();
  });
});
