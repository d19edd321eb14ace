/**
 * Logging an email for real, and the sidebar's timeline (R3, B8), end to end: the built extension
 * in Chromium, the real server, Gmail served from the fixture page. The rep logs the thread (one
 * email per message, with its text, headers and send time), reloads and sees "Logged" on each
 * message, logs again and nothing is duplicated, adds a note and a follow-up task from the sidebar
 * and sees them in the contact's timeline.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renewal } from '../fixtures/mail/people.ts';
import type { ListeningServer } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, seedFixtureAccounts, serveGmailFixture, serverApi, sidebarIn, signIn } from './helpers/companion.ts';

/** The sidebar inside the companion's open shadow root, for axe. */
const SIDEBAR_IN_SHADOW = '[data-testid="crm-sidebar"]';
const THREAD_URL = `https://mail.google.com/mail/u/0/#inbox/${renewal.hashId}`;

let work: string;
let server: ListeningServer;
let token: string;
let browser: CompanionBrowser;
let gmail: Page;
let artifacts: string;
let alice: string;

const client = serverApi(() => ({ url: server.url, token }));
const { api, associated } = client;
const sidebar = () => sidebarIn(gmail);
const log = () => sidebar().locator('section.crm-log');
const activityOf = (id: string) => sidebar().locator(`li.crm-activity[data-contact-id="${id}"]`);

interface Email {
  properties: Record<string, string>;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-logging-'));
  artifacts = await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  token = server.printedToken!;
  ({ alice } = await seedFixtureAccounts(client));
  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
  await serveGmailFixture(browser);
  await signIn(browser, server.url, token);
  const options = await browser.context.newPage();
  await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
  await options.locator('textarea[name="internalDomains"]').fill('acme.com');
  await options.getByRole('button', { name: 'Save' }).click();
  await options.getByTestId('message').filter({ hasText: 'Saved' }).waitFor({ timeout: 15_000 });
  await options.close();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('logging a thread and the timeline in the sidebar (R3, B8)', () => {
  it('R3: "Log this thread" logs each message as its own email with text, headers, direction and send time', async () => {
    gmail = await browser.context.newPage();
    await gmail.setViewportSize({ width: 1280, height: 1000 });
    await gmail.goto(THREAD_URL);
    await sidebar().and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    await expect.poll(() => log().locator('li[data-message-id]').count(), { timeout: 15_000 }).toBe(renewal.messages.length);
    expect(await activityOf(alice).locator('[data-testid="last-contacted"]').textContent()).toBe('Not contacted yet');
    await log().getByRole('button', { name: 'Log this thread' }).click();
    await expect.poll(() => log().getAttribute('data-state'), { timeout: 20_000 }).toBe('logged');
    const emails = await associated('contacts', alice, 'emails');
    expect(emails).toHaveLength(renewal.messages.length);
    const read = await Promise.all(emails.map((id) => api<Email>('GET', `/crm/v3/objects/emails/${id}?properties=hs_email_message_id,hs_email_direction,hs_email_headers,hs_email_text,hs_timestamp,hs_email_subject`)));
    expect(read.map((e) => e.properties.hs_email_message_id).sort()).toEqual(renewal.messages.map((m) => `msg-f:${m.n}`).sort());
    const last = read.find((e) => e.properties.hs_email_message_id === `msg-f:${renewal.messages.at(-1)!.n}`)!;
    expect(last.properties.hs_email_subject).toBe(renewal.subject);
    // Alice wrote it: received; the rep's own message is sent
    expect(last.properties.hs_email_direction).toBe('INCOMING_EMAIL');
    expect(read.find((e) => e.properties.hs_email_message_id === `msg-f:${renewal.messages[1]!.n}`)!.properties.hs_email_direction).toBe('EMAIL');
    expect(last.properties.hs_email_text).toContain('Thursday works.');
    expect(JSON.parse(last.properties.hs_email_headers!).from).toEqual({ email: 'alice.chen@northwind.example', firstName: 'Alice', lastName: 'Chen' });
    // the message's send time, not the click's (the fixture's dates are in November 2026)
    expect(last.properties.hs_timestamp!.slice(0, 7)).toBe('2026-11');
  });

  it('B8: after a reload every message shows "Logged"; logging again makes no duplicate', async () => {
    await gmail.reload();
    await sidebar().and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    await expect.poll(() => log().locator('li[data-logged="true"]').count(), { timeout: 15_000 }).toBe(renewal.messages.length);
    expect(await log().locator('li[data-logged="true"]').first().textContent()).toContain('Logged by');
    expect(await log().getByRole('button', { name: 'Log this thread' }).count()).toBe(0);
    // the same messages logged again through the API, as a second rep or a retry would: the first emails answer
    const first = await api<{ activity: { id: string }; existing?: boolean }>('POST', `/api/objects/contacts/${alice}/activities`, { type: 'emails', properties: { hs_email_message_id: `msg-f:${renewal.messages[0]!.n}`, hs_email_subject: 'Again' } });
    expect(first.existing).toBe(true);
    expect(await associated('contacts', alice, 'emails')).toHaveLength(renewal.messages.length);
    // last contacted: the newest logged message
    await expect.poll(() => activityOf(alice).locator('[data-testid="last-contacted"]').textContent(), { timeout: 15_000 }).toMatch(/^Last contacted: .*2026/);
  });

  it('R3: a note and a follow-up task added in the sidebar show in the timeline; the sidebar has no serious accessibility violation', async () => {
    const card = activityOf(alice);
    await card.getByRole('button', { name: 'Add note' }).click();
    await card.getByRole('textbox', { name: 'Note' }).fill('Wants the renewal signed before December');
    await card.getByRole('button', { name: 'Save note' }).click();
    await expect.poll(() => card.locator('.crm-timeline li[data-type="notes"]').count(), { timeout: 20_000 }).toBe(1);
    expect(await card.locator('.crm-timeline li').first().textContent()).toContain('Wants the renewal signed before December');
    await card.getByRole('button', { name: 'Create follow-up task' }).click();
    await card.getByRole('textbox', { name: 'Task title' }).fill('Send the signed contract');
    expect(await seriousViolations(gmail, SIDEBAR_IN_SHADOW)).toEqual([]);
    await card.getByRole('button', { name: 'Save task' }).click();
    await expect.poll(() => card.locator('.crm-timeline li[data-type="tasks"]').count(), { timeout: 20_000 }).toBe(1);
    const timeline = await api<{ results: Array<{ type: string; properties: Record<string, string> }> }>('GET', `/api/objects/contacts/${alice}/activities?limit=20`);
    expect(timeline.results.filter((a) => a.type === 'notes').map((a) => a.properties.hs_note_body)).toEqual(['Wants the renewal signed before December']);
    expect(timeline.results.filter((a) => a.type === 'tasks').map((a) => a.properties.hs_task_subject)).toEqual(['Send the signed contract']);
    expect(await seriousViolations(gmail, SIDEBAR_IN_SHADOW)).toEqual([]);
    await sidebar().evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const path = join(artifacts, 'logging-sidebar.png');
    await sidebar().screenshot({ path });
    // the docs' picture, when they are being renewed
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(import.meta.dirname, '../../docs/logging-sidebar.png'));
  });
});
