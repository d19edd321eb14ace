/**
 * The first minutes with the companion, in Debian's Chromium: installing it opens the welcome page,
 * in the browser's language (English, Dutch); testing a connection names what is wrong (token
 * refused, server unreachable, permission not granted for a remote origin) and a good connect
 * link signs in. The demo mailbox link stays away from a server without `--demo`.
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLink } from '../../shared/extension-id.ts';
import type { ListeningServer } from '../helpers/server-process.ts';
import { until } from '../helpers/until.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension } from './helpers/companion.ts';

let work: string;
let extensionDir: string;
let server: ListeningServer;
let token: string;
let artifacts: string;
/** An address on this machine where nothing listens. */
let nowhere: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-welcome-'));
  artifacts = await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  extensionDir = started.extensionDir;
  token = server.printedToken!;
  expect(token).toBeTruthy();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  nowhere = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise((resolve) => probe.close(resolve));
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The tab the companion opened itself when it was installed. */
async function welcomeTab(browser: CompanionBrowser): Promise<Page> {
  // the install opens it, often before the test looks
  const url = `chrome-extension://${browser.extensionId}/welcome.html`;
  const page = await until(() => browser.context.pages().find((p) => p.url() === url), (p) => p !== undefined, 15_000, 50);
  await page.waitForLoadState();
  return page;
}

async function testConnection(page: Page, serverAddress: string, tokenText: string) {
  await page.locator('input[name="server"]').fill(serverAddress);
  await page.locator('input[name="token"]').fill(tokenText);
  await page.locator('form').nth(1).locator('button[type="submit"]').click();
  const result = page.getByTestId('result');
  await result.waitFor({ timeout: 15_000 });
  return { kind: await result.getAttribute('data-kind'), text: (await result.textContent()) ?? '' };
}

describe('welcome page, English', () => {
  let browser: CompanionBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchWithExtension(extensionDir, join(work, 'profile-en'), { lang: 'en-US' });
    page = await welcomeTab(browser);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens by itself on install and says what the companion does', async () => {
    expect(await page.locator('h1').textContent()).toBe('Welcome to the CRM companion');
    expect(await page.locator('main').textContent()).toContain('Gmail or Outlook on the web');
    expect(await page.evaluate(() => document.documentElement.lang)).toMatch(/^en/);
  });

  it('a wrong token: "token refused"', async () => {
    const result = await testConnection(page, server.url, 'not-the-token');
    expect(result.kind).toBe('tokenRefused');
    expect(result.text).toBe(`Token refused: ${server.url} answered, but does not accept this sign-in token. Copy it again from the server's output, or ask for a new one.`);
  });

  it('nothing listening: "server unreachable"', async () => {
    const result = await testConnection(page, nowhere, token);
    expect(result.kind).toBe('unreachable');
    expect(result.text).toContain(`Server unreachable: nothing answered at ${nowhere}`);
  });

  it('a remote server not yet allowed: "permission not granted", and the button that asks for it', async () => {
    const result = await testConnection(page, 'https://crm.example.com', token);
    expect(result.kind).toBe('noPermission');
    expect(result.text).toContain('Permission not granted');
    expect(await page.getByTestId('allow').textContent()).toBe('Allow access to https://crm.example.com');
  });

  it('the connect link: connected, stored for the rest of the companion, and no demo mailbox on a server without --demo', async () => {
    await page.locator('input[name="link"]').fill(connectLink(server.url, token, browser.extensionId));
    await page.locator('form').first().locator('button[type="submit"]').click();
    const result = page.getByTestId('result');
    await result.and(page.locator('[data-kind="connected"]')).waitFor({ timeout: 15_000 });
    expect(await result.textContent()).toMatch(new RegExp(`^Connected to .+ at ${server.url.replaceAll('.', '\\.')}\\.$`));
    expect(await page.getByTestId('demo').count()).toBe(0);
    expect(await page.locator('input[name="link"]').inputValue()).toBe('');
    await page.screenshot({ path: join(artifacts, 'welcome-en.png'), fullPage: true });
    // opened again, the page knows the companion is connected
    await page.reload();
    expect(await page.getByTestId('connected').textContent()).toBe(`Connected to ${server.url}.`);

    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
    await options.getByTestId('signed-in').filter({ hasText: `Signed in to ${server.url}` }).waitFor({ timeout: 15_000 });
    await options.close();
  });
});

describe('welcome page, Dutch', () => {
  let browser: CompanionBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchWithExtension(extensionDir, join(work, 'profile-nl'), { lang: 'nl' });
    page = await welcomeTab(browser);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("follows the browser's language", async () => {
    expect(await page.locator('h1').textContent()).toBe('Welkom bij de CRM-companion');
    expect(await page.evaluate(() => document.documentElement.lang)).toMatch(/^nl/);
  });

  it('names each failure in Dutch', async () => {
    const refused = await testConnection(page, server.url, 'not-the-token');
    expect(refused.kind).toBe('tokenRefused');
    expect(refused.text).toContain('Token geweigerd');
    const unreachable = await testConnection(page, nowhere, token);
    expect(unreachable.text).toContain('Server onbereikbaar');
    await page.screenshot({ path: join(artifacts, 'welcome-nl.png'), fullPage: true });
  });
});
