/**
 * The built companion in real Chromium (Debian's), for end-to-end tests: the run builds it once
 * (test/e2e/global-setup.ts); launch a persistent context with only that extension, find its worker.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import { inject } from 'vitest';
import { type ListeningServer, request, startServerProcess } from '../../helpers/server-process.ts';
import { until } from '../../helpers/until.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(root, 'test-results');

/** `wxt build` (Chrome, MV3) into `outDir`; answers the unpacked extension's folder. */
export async function buildExtension(outDir: string): Promise<string> {
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/wxt/bin/wxt.mjs'), 'build'], {
    cwd: root,
    env: { ...process.env, CRM_EXTENSION_OUT_DIR: outDir },
    maxBuffer: 16 * 1024 * 1024,
  });
  const dir = join(outDir, 'chrome-mv3');
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`wxt build wrote no manifest into ${dir}`);
  return dir;
}

export interface CompanionBrowser {
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
  close(): Promise<void>;
}

/** Chromium (new headless) with the unpacked extension loaded and nothing else; `lang`: the browser's language (`nl`). */
export async function launchWithExtension(extensionDir: string, userDataDir: string, options: { lang?: string } = {}): Promise<CompanionBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.lang ? [`--lang=${options.lang}`] : []),
    ],
    ...(options.lang ? { env: { ...process.env, LANGUAGE: options.lang } } : {}),
  });
  // the worker often registers before anyone waits for it
  const worker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
  const extensionId = new URL(worker.url()).host;
  return { context, worker, extensionId, close: () => context.close() };
}

export async function ensureArtifacts(): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

export function fixtureHtml(path: string): Promise<string> {
  return readFile(join(root, 'test/fixtures/mail', path), 'utf8');
}

/** Serves a Gmail fixture page at Gmail's real address, in this browser only. */
export async function serveGmailFixture(browser: CompanionBrowser, fixture = 'gmail/conversation.html'): Promise<void> {
  const html = await fixtureHtml(fixture);
  await browser.context.route('https://mail.google.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
}

/** Signs the companion in with the printed connect link (options page), as a rep would. */
export async function signIn(browser: CompanionBrowser, serverUrl: string, token: string): Promise<void> {
  const options = await browser.context.newPage();
  await options.goto(`chrome-extension://${browser.extensionId}/options.html?server=${encodeURIComponent(serverUrl)}&token=${encodeURIComponent(token)}`);
  await options.getByTestId('signed-in').filter({ hasText: `Signed in to ${serverUrl}` }).waitFor({ timeout: 15_000 });
  await options.close();
  // signed in to the same server before, the page shows that at once: wait until this token is the one kept
  const kept = () => browser.worker.evaluate(async () => ((await (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } } }).chrome.storage.local.get('settings')).settings as { token?: string } | undefined)?.token);
  await until(kept, (t) => t === token, 15_000, 50);
}

/**
 * The server's API as one token sees it, for checks around the browser: every call throws on an
 * answer other than 2xx. `where` is read at each call, so it may be set up after this is made.
 */
export function serverApi(where: () => { url: string; token: string }) {
  async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const { url, token } = where();
    const r = await request<T>(url, method, path, token, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  return {
    api,
    /** Creates a record; answers its id. */
    async create(type: string, properties: Record<string, string>): Promise<string> {
      return (await api<{ id: string }>('POST', `/crm/v3/objects/${type}`, { properties })).id;
    },
    /** The ids a record is associated with in `toType`, sorted. */
    async associated(fromType: string, fromId: string, toType: string): Promise<string[]> {
      const page = await api<{ results: Array<{ toObjectId: number | string }> }>('GET', `/crm/v4/objects/${fromType}/${fromId}/associations/${toType}`);
      return page.results.map((r) => String(r.toObjectId)).sort();
    },
  };
}

/** The companion as the end-to-end run built it once (test/e2e/global-setup.ts), and a server process started with `env`. */
export async function buildAndStart(env: Record<string, string>): Promise<{ extensionDir: string; server: ListeningServer }> {
  const server = await startServerProcess(env);
  return { extensionDir: inject('extensionBuild'), server };
}

/**
 * What the Gmail fixture thread's people belong to: automatic association by domain (with company
 * creation) on, the companies Northwind Traders and Contoso, and the contact Alice Chen at Northwind.
 */
export async function seedFixtureAccounts(client: ReturnType<typeof serverApi>): Promise<{ northwind: string; contoso: string; alice: string }> {
  await client.api('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true, autoCreateCompaniesByDomain: true } });
  const northwind = await client.create('companies', { name: 'Northwind Traders', domain: 'northwind.example' });
  const contoso = await client.create('companies', { name: 'Contoso', domain: 'contoso.example' });
  const alice = await client.create('contacts', { email: 'alice.chen@northwind.example', firstname: 'Alice', lastname: 'Chen' });
  return { northwind, contoso, alice };
}

/** The companion's sidebar in a webmail page, and one person's row in it. */
export const sidebarIn = (page: Page) => page.locator('[data-testid="crm-sidebar"]');
export const personIn = (page: Page, email: string) => sidebarIn(page).locator(`li.crm-person[data-email="${email}"]`);
