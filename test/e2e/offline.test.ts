/**
 * Never lose a rep's click (X4), end to end: the built companion in Chromium, the real server as a
 * child process on a PGlite directory. The server is stopped; the rep associates three records and
 * logs an email; the popup shows 4 pending; the service worker is killed; the server comes back at
 * the same address; all four land exactly once (checked through the API and history), the
 * pending count reaches 0 and the sidebar shows the server's state.
 *
 * The changes are submitted with the messages the sidebar and popup send (`submit` with an
 * Operation): the sidebar cannot show a thread while the server is down (it reads the server for
 * it), so the clicks are made in the rep's stead through the same message channel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../extension/outbox/operation.ts';
import { type ListeningServer, startServerProcess } from '../helpers/server-process.ts';
import { buildAndStart, type CompanionBrowser, launchWithExtension, serveGmailFixture, serverApi, signIn } from './helpers/companion.ts';

const THREAD_URL = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJRenewalQ3Northwind';
const TOKEN = `crm_e2e_offline_${'k'.repeat(24)}`;

let work: string;
let env: Record<string, string>;
let server: ListeningServer | undefined;
let browser: CompanionBrowser;
const ids: Record<string, string> = {};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const { api, create, associated } = serverApi(() => ({ url: server!.url, token: TOKEN }));

/** `chrome.runtime.sendMessage` in an extension page (the page's global, untyped here). */
function sendFromPage(message: unknown): Promise<any> {
  return (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage(message);
}

async function pendingText(popup: Page): Promise<string | null> {
  await popup.reload();
  const count = popup.getByTestId('pending-count');
  await count.waitFor({ timeout: 15_000 });
  return count.textContent();
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-offline-'));
  env = { DATA_DIR: join(work, 'data'), HOST: '127.0.0.1', PORT: String(await freePort()), CRM_ADMIN_TOKEN: TOKEN };
  const { extensionDir, server: started } = await buildAndStart(env);
  server = started;
  ids.alice = await create('contacts', { email: 'alice.chen@northwind.example', firstname: 'Alice', lastname: 'Chen' });
  ids.dealA = await create('deals', { dealname: 'Offline deal A' });
  ids.dealB = await create('deals', { dealname: 'Offline deal B' });
  ids.ticket = await create('tickets', { subject: 'Offline ticket', hs_pipeline_stage: '1' });

  browser = await launchWithExtension(extensionDir, join(work, 'profile'));
  await serveGmailFixture(browser);
  await signIn(browser, server.url, TOKEN);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('offline, then back (X4)', () => {
  it('X4: four clicks made while the server is down land exactly once after the worker was killed and the server came back', async () => {
    const url = server!.url;
    await server!.stop();
    server = undefined;

    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
    const at = Date.now();
    const alice = { objectType: 'contacts', id: ids.alice! };
    const ops: Operation[] = [
      { opId: crypto.randomUUID(), createdAt: at, kind: 'associate', from: alice, to: { objectType: 'deals', id: ids.dealA! } },
      { opId: crypto.randomUUID(), createdAt: at + 1, kind: 'associate', from: alice, to: { objectType: 'deals', id: ids.dealB! } },
      { opId: crypto.randomUUID(), createdAt: at + 2, kind: 'associate', from: alice, to: { objectType: 'tickets', id: ids.ticket! } },
      { opId: crypto.randomUUID(), createdAt: at + 3, kind: 'logEmail', on: alice, alsoAssociate: [], subject: 'Offline renewal notes', threadId: 'offline-thread-1', messageIds: ['<offline-1@northwind.example>'] },
    ];
    for (const op of ops) {
      const reply = await popup.evaluate(sendFromPage, { type: 'submit', operation: op });
      expect(reply).toMatchObject({ ok: true, value: { opId: op.opId } });
    }
    expect(await pendingText(popup)).toBe('4 changes not yet confirmed');
    const status = await popup.evaluate(sendFromPage, { type: 'status' });
    expect(status.value.changes.map((c: { opId: string }) => c.opId)).toEqual(ops.map((o) => o.opId));

    // the browser stops the service worker; nothing of the outbox lived only in its memory
    await browser.worker.evaluate(() => void ((globalThis as { crmMarker?: number }).crmMarker = 1));
    const cdp = await browser.context.newCDPSession(popup);
    const stopped = new Promise<void>((resolve) =>
      cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
        if (e.versions.some((v) => v.scriptURL.startsWith(`chrome-extension://${browser.extensionId}/`) && v.runningStatus === 'stopped')) resolve();
      }),
    );
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await Promise.race([stopped, new Promise((_, reject) => setTimeout(() => reject(new Error('the service worker did not stop')), 15_000))]);
    await cdp.detach();
    await popup.close();

    server = await startServerProcess(env);
    expect(server.url).toBe(url);
    const started = Date.now();
    const again = await browser.context.newPage();
    await again.goto(`chrome-extension://${browser.extensionId}/popup.html`);
    await expect.poll(() => pendingText(again), { timeout: 90_000, interval: 500 }).toBe('All changes confirmed');
    // a new worker did the sending: the old one's memory is gone
    const worker = browser.context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${browser.extensionId}/`))!;
    expect(await worker.evaluate(() => (globalThis as { crmMarker?: number }).crmMarker)).toBeUndefined();
    console.log(`offline: server back → 4 changes confirmed in ${Date.now() - started} ms (the popup's polling included)`);
    await again.close();

    // each landed once: the API and history agree
    expect(await associated('contacts', ids.alice!, 'deals')).toEqual([ids.dealA!, ids.dealB!].sort());
    expect(await associated('contacts', ids.alice!, 'tickets')).toEqual([ids.ticket!]);
    const emails = await associated('contacts', ids.alice!, 'emails');
    expect(emails).toHaveLength(1);
    const email = await api<{ properties: Record<string, string> }>('GET', `/crm/v3/objects/emails/${emails[0]}?properties=hs_email_subject`);
    expect(email.properties.hs_email_subject).toBe('Offline renewal notes');
    const history = (await api<{ results: Array<{ action: string; toObjectType: string; toObjectId: string }> }>('GET', `/api/objects/contacts/${ids.alice}/association-history`)).results;
    const created = history.filter((h) => h.action === 'CREATED').map((h) => `${h.toObjectType}:${h.toObjectId}`).sort();
    expect(created).toEqual([`deals:${ids.dealA}`, `deals:${ids.dealB}`, `emails:${emails[0]}`, `tickets:${ids.ticket}`].sort());
    const found = await api<{ total: number }>('POST', '/crm/v3/objects/emails/search', { filterGroups: [{ filters: [{ propertyName: 'hs_email_subject', operator: 'EQ', value: 'Offline renewal notes' }] }] });
    expect(found.total).toBe(1);

    // the sidebar shows the server's state
    const gmail = await browser.context.newPage();
    await gmail.goto(THREAD_URL);
    const card = gmail.locator('[data-testid="crm-sidebar"] li.crm-person[data-email="alice.chen@northwind.example"]');
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 20_000 }).toBe('contact');
    const text = (await card.textContent())!;
    expect(text).toContain('0 companies · 2 deals · 1 ticket');
    for (const name of ['Offline deal A', 'Offline deal B', 'Offline ticket']) expect(text).toContain(name);
    await gmail.close();
  });
});
