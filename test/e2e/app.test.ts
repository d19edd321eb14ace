/**
 * The app page (`app.html`, hash routes) in Debian's Chromium against the real server: signed out
 * it says so and links the options page; signed in it shows the workspace, the navigation a rep
 * may use (settings for admins only), and an address that is no page as "not found". No serious
 * accessibility violations (axe-core).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type ListeningServer } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, launchWithExtension, signIn } from './helpers/companion.ts';

let work: string;
let server: ListeningServer;
let browser: CompanionBrowser;
let token: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-app-'));
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  token = server.printedToken!;
  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const app = (hash = '') => `chrome-extension://${browser.extensionId}/app.html${hash}`;

describe('app.html', () => {
  it('signed out: says the companion is not connected and links the options page', async () => {
    const page = await browser.context.newPage();
    await page.goto(app('#/contacts/1'));
    await page.getByText('not connected to a CRM server yet').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('link', { name: 'Open the options' }).getAttribute('href')).toBe(`chrome-extension://${browser.extensionId}/options.html`);
    expect(await seriousViolations(page)).toEqual([]);
    // the check can fail: a button without a name is a critical violation
    await page.evaluate(() => document.body.append(Object.assign(document.createElement('button'), { id: 'nameless' })));
    expect((await seriousViolations(page)).map((v) => [v.id, v.targets])).toEqual([['button-name', ['#nameless']]]);
    await page.close();
  });

  it('signed in as an admin: the workspace, the navigation with Settings, not found for an unknown address', async () => {
    await signIn(browser, server.url, token);
    const workspace = (await request(server.url, 'GET', '/api/workspace', token)).body as { name: string };
    const page = await browser.context.newPage();
    await page.goto(app());
    const nav = page.getByRole('navigation', { name: 'CRM' });
    await nav.waitFor({ timeout: 15_000 });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(workspace.name);
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Contacts', 'Companies', 'Deals', 'Tickets', 'Imports', 'Settings']);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(app('#/contacts/42/notes'));
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'Go to the start page' }).click();
    await page.getByRole('heading', { name: workspace.name }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/');
    await page.close();
  });

  it('signed in as a rep: no Settings in the navigation', async () => {
    const rep = await request(server.url, 'POST', '/api/users', token, { name: 'Rory Rep', email: 'rory@example.com', role: 'rep' });
    expect(rep.status).toBe(201);
    await signIn(browser, server.url, (rep.body as { token: string }).token);
    const page = await browser.context.newPage();
    await page.goto(app());
    const nav = page.getByRole('navigation', { name: 'CRM' });
    await nav.waitFor({ timeout: 15_000 });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Contacts', 'Companies', 'Deals', 'Tickets', 'Imports']);
    expect(await page.getByText('Rory Rep').count()).toBe(1);
    await page.close();
  });
});
