/**
 * Themes, keyboard and accessibility of every companion surface, in Chromium against the real
 * server: the light and dark palettes follow the system's setting (prefers-color-scheme, emulated
 * here), axe-core finds no serious or critical violation in either (colour contrast included) on
 * the popup, options, welcome and app pages and the sidebar, every control the Tab key reaches shows
 * a focus ring, and the sidebar's shortcut (the manifest's `toggle-sidebar` command, dispatched to
 * the background's listener: a headless browser has no global shortcuts to press) hides and shows
 * the sidebar. Screenshots of the sidebar and the record page in dark mode for docs/companion.md.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_POPUP_KEY, TOGGLE_SIDEBAR_COMMAND, TOGGLE_SIDEBAR_KEY } from '../../extension/commands.ts';
import type { ListeningServer } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { ARTIFACTS, buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, seedFixtureAccounts, serveGmailFixture, serverApi, sidebarIn, signIn } from './helpers/companion.ts';

const THREAD_URL = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJRenewalQ3Northwind';
const SIDEBAR = '[data-testid="crm-sidebar"]';
const docs = fileURLToPath(new URL('../../docs', import.meta.url));
const SCHEMES = ['light', 'dark'] as const;
type Scheme = (typeof SCHEMES)[number];

let work: string;
let extensionDir: string;
let server: ListeningServer;
let token: string;
let browser: CompanionBrowser;
let gmail: Page;
let ids: { northwind: string; contoso: string; alice: string };

const client = serverApi(() => ({ url: server.url, token }));
const page = (file: string) => `chrome-extension://${browser.extensionId}/${file}`;

/** A screenshot into test-results/, and into docs/ when the docs' pictures are being renewed. */
async function shot(take: (path: string) => Promise<unknown>, name: string): Promise<void> {
  const path = join(ARTIFACTS, name);
  await take(path);
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(docs, name));
}

/** Relative luminance (WCAG) of a computed `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const parts = rgb.match(/\d+(\.\d+)?/g)?.slice(0, 3).map(Number);
  if (!parts || parts.length < 3) throw new Error(`not an rgb() colour: ${rgb}`);
  const [r, g, b] = parts.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The computed background and text colour of the first element `selector` finds (inside the sidebar's shadow root too). */
async function colours(p: Page, selector: string): Promise<{ background: string; color: string }> {
  return p.evaluate((sel) => {
    const find = (root: Document | ShadowRoot): Element | null => root.querySelector(sel) ?? [...root.querySelectorAll('*')].map((el) => (el.shadowRoot ? find(el.shadowRoot) : null)).find(Boolean) ?? null;
    const el = find(document);
    if (!el) throw new Error(`nothing matches ${sel}`);
    const style = getComputedStyle(el);
    return { background: style.backgroundColor, color: style.color };
  }, selector);
}

/** Asserts the palette of `scheme`: a dark background with light text, or the reverse. */
async function expectScheme(p: Page, selector: string, scheme: Scheme): Promise<void> {
  const { background, color } = await colours(p, selector);
  if (scheme === 'dark') {
    expect(luminance(background), `${selector} background ${background}`).toBeLessThan(0.05);
    expect(luminance(color), `${selector} text ${color}`).toBeGreaterThan(0.6);
  } else {
    expect(luminance(background), `${selector} background ${background}`).toBeGreaterThan(0.9);
    expect(luminance(color), `${selector} text ${color}`).toBeLessThan(0.05);
  }
}

interface Stop {
  what: string;
  key: string;
  outline: string;
}

/**
 * Browser-side helpers, installed once per document: where an element is (a path through shadow
 * roots, the same for the same element), what it is, and the controls a keyboard should reach.
 */
async function installProbe(p: Page): Promise<void> {
  await p.evaluate(() => {
    const w = window as unknown as { crmProbe?: unknown };
    if (w.crmProbe) return;
    const key = (el: Element): string => {
      const path: string[] = [];
      for (let n: Node | null = el; n && n !== document; ) {
        if (n instanceof ShadowRoot) {
          path.unshift('#shadow');
          n = n.host;
          continue;
        }
        const e = n as Element;
        path.unshift(`${e.tagName}${e.parentNode ? [...e.parentNode.children].indexOf(e) : 0}`);
        n = e.parentNode;
      }
      return path.join('/');
    };
    const what = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('type') ? `[${el.getAttribute('type')}]` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`;
    const deepActive = (): Element | null => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      return el;
    };
    /** Controls a keyboard should reach in `scope` (a radio group counts by its checked or first button). */
    const controls = (scope: Element | Document | ShadowRoot): Element[] => {
      const found: Element[] = [];
      const groups = new Set<string>();
      const walk = (root: Element | Document | ShadowRoot) => {
        for (const el of root.querySelectorAll('*')) {
          if (el.shadowRoot) walk(el.shadowRoot);
          if (!el.matches('a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')) continue;
          if (el.matches(':disabled, [tabindex="-1"]') || !(el as HTMLElement).checkVisibility({ visibilityProperty: true })) continue;
          if (el.closest('[inert]') || (document.querySelector('dialog:modal') && !el.closest('dialog:modal'))) continue;
          if (el.matches('input[type="radio"]')) {
            const name = (el as HTMLInputElement).name;
            if (groups.has(name)) continue;
            groups.add(name);
          }
          found.push(el);
        }
      };
      walk(scope);
      return found;
    };
    w.crmProbe = { key, what, deepActive, controls };
  });
}

interface Probe {
  key(el: Element): string;
  what(el: Element): string;
  deepActive(): Element | null;
  controls(scope: Element | Document | ShadowRoot): Element[];
}

/**
 * Presses Tab up to `max` times and gives, for each control reached (followed into shadow roots),
 * what it is and its focus outline; stops at the first control reached again or outside `within`.
 */
async function tabStops(p: Page, max: number, within?: string): Promise<Stop[]> {
  await installProbe(p);
  const stops: Stop[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < max; i++) {
    await p.keyboard.press('Tab');
    const stop = await p.evaluate((sel) => {
      const probe = (window as unknown as { crmProbe: Probe }).crmProbe;
      const el = probe.deepActive();
      if (!el || el === document.body) return null;
      if (sel && !el.closest(sel)) return null;
      const s = getComputedStyle(el);
      return { what: probe.what(el), key: probe.key(el), outline: s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 1 ? 'none' : `${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}` };
    }, within ?? null);
    // a date and time field takes several presses (one per part): still the same control
    if (stop && stop.key === stops.at(-1)?.key) continue;
    if (!stop || seen.has(stop.key)) break;
    seen.add(stop.key);
    stops.push(stop);
  }
  return stops;
}

/**
 * Every control in the page (or in `within`) is reached with Tab, and each shows a focus outline
 * when reached; answers how many were reached. A control focused before the first Tab counts as reached.
 */
async function expectKeyboardReach(p: Page, max = 150, within?: string): Promise<number> {
  await installProbe(p);
  const before = await p.evaluate(() => {
    const probe = (window as unknown as { crmProbe: Probe }).crmProbe;
    const el = probe.deepActive();
    return el && el !== document.body ? probe.key(el) : null;
  });
  const stops = await tabStops(p, max, within);
  expect(stops.filter((s) => s.outline === 'none').map((s) => s.what), 'controls without a focus ring').toEqual([]);
  const reached = new Set([...stops.map((s) => s.key), ...(before ? [before] : [])]);
  const unreached = await p.evaluate(
    ({ sel, reached }) => {
      const probe = (window as unknown as { crmProbe: Probe }).crmProbe;
      const find = (root: Document | ShadowRoot, s: string): Element | null => root.querySelector(s) ?? [...root.querySelectorAll('*')].map((el) => (el.shadowRoot ? find(el.shadowRoot, s) : null)).find(Boolean) ?? null;
      const scope = sel ? find(document, sel) : document;
      if (!scope) throw new Error(`nothing matches ${sel}`);
      return probe.controls(scope).filter((el) => !reached.includes(probe.key(el))).map((el) => probe.what(el));
    },
    { sel: within ?? null, reached: [...reached] },
  );
  expect(unreached, 'controls the Tab key never reached').toEqual([]);
  return reached.size;
}

/** What the worker's `chrome` is, as far as these tests use it. */
interface WorkerChrome {
  chrome: {
    commands: { getAll(): Promise<Array<{ name: string; shortcut: string }>>; onCommand: { dispatch(command: string, tab?: object): void } };
    tabs: { query(q: object): Promise<Array<{ id?: number; url?: string }>> };
  };
}

/** Runs the background's own command listener, as the browser does when the rep presses the shortcut. */
async function pressCommand(command: string, inGmailTab: boolean): Promise<void> {
  await browser.worker.evaluate(
    async ({ command, inGmailTab }) => {
      const { chrome } = globalThis as unknown as WorkerChrome;
      const [tab] = inGmailTab ? await chrome.tabs.query({ url: 'https://mail.google.com/*' }) : [];
      chrome.commands.onCommand.dispatch(command, tab);
    },
    { command, inGmailTab },
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-themes-'));
  await ensureArtifacts();
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1' });
  server = started.server;
  extensionDir = started.extensionDir;
  token = server.printedToken!;
  ids = await seedFixtureAccounts(client);
  const deal = await client.create('deals', { dealname: 'Northwind Q3 renewal', dealstage: 'appointmentscheduled' });
  await client.api('PUT', `/crm/v4/objects/contacts/${ids.alice}/associations/default/deals/${deal}`);
  browser = await launchWithExtension(extensionDir, join(work, 'profile'));
  await serveGmailFixture(browser);
  await signIn(browser, server.url, token);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('keyboard shortcuts', () => {
  it('the built manifest has both commands with their suggested keys and translated names, and Chromium assigns the keys', async () => {
    const manifest = JSON.parse(await readFile(join(extensionDir, 'manifest.json'), 'utf8')) as { commands?: Record<string, { suggested_key?: { default?: string }; description?: string }> };
    expect(manifest.commands).toEqual({
      _execute_action: { suggested_key: { default: OPEN_POPUP_KEY }, description: '__MSG_commandOpenPopup__' },
      [TOGGLE_SIDEBAR_COMMAND]: { suggested_key: { default: TOGGLE_SIDEBAR_KEY }, description: '__MSG_commandToggleSidebar__' },
    });
    const assigned = await browser.worker.evaluate(() => (globalThis as unknown as WorkerChrome).chrome.commands.getAll());
    expect(Object.fromEntries(assigned.map((c) => [c.name, c.shortcut]))).toEqual({ _execute_action: OPEN_POPUP_KEY, [TOGGLE_SIDEBAR_COMMAND]: TOGGLE_SIDEBAR_KEY });
  });

  it('the sidebar shortcut hides and shows the sidebar in the tab it was pressed in, and the choice is kept', async () => {
    gmail = await browser.context.newPage();
    await gmail.goto(THREAD_URL);
    const sidebar = sidebarIn(gmail);
    await sidebar.and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    expect(await sidebar.getAttribute('data-collapsed')).toBe('false');
    await pressCommand(TOGGLE_SIDEBAR_COMMAND, true);
    await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('true');
    expect(await sidebar.locator('.crm-body').count()).toBe(0);
    expect(await sidebar.getByRole('button', { name: 'Show' }).getAttribute('aria-expanded')).toBe('false');
    // the browser names no tab: the active one (the Gmail page, brought to the front) is meant
    await gmail.bringToFront();
    await pressCommand(TOGGLE_SIDEBAR_COMMAND, false);
    await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('false');
    await sidebar.locator('.crm-body').waitFor();
    // kept like the button's choice: a reload opens it collapsed after one more press
    await pressCommand(TOGGLE_SIDEBAR_COMMAND, true);
    await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('true');
    await gmail.reload();
    await sidebar.waitFor({ timeout: 20_000 });
    expect(await sidebar.getAttribute('data-collapsed')).toBe('true');
    await pressCommand(TOGGLE_SIDEBAR_COMMAND, true);
    await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('false');
    // another command, and a tab without the sidebar, change nothing and break nothing
    await pressCommand('something-else', true);
    const other = await browser.context.newPage();
    await other.goto(page('options.html'));
    await other.bringToFront();
    await pressCommand(TOGGLE_SIDEBAR_COMMAND, false);
    await other.close();
    await gmail.bringToFront();
    await pressCommand(TOGGLE_SIDEBAR_COMMAND, true);
    await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('true');
    await pressCommand(TOGGLE_SIDEBAR_COMMAND, true);
    await expect.poll(() => sidebar.getAttribute('data-collapsed')).toBe('false');
  });
});

describe.each(SCHEMES)('the %s colour scheme', (scheme) => {
  it('popup: the palette, no serious accessibility violations, every control reached with Tab, with a focus ring', async () => {
    const tabId = await browser.worker.evaluate(async () => (await (globalThis as unknown as WorkerChrome).chrome.tabs.query({ url: 'https://mail.google.com/*' }))[0]?.id);
    const popup = await browser.context.newPage();
    await popup.emulateMedia({ colorScheme: scheme });
    await popup.setViewportSize({ width: 380, height: 600 });
    await popup.goto(page(`popup.html?tab=${tabId}`));
    await expect.poll(() => popup.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe(`Connected to ${server.url}`);
    await popup.locator('li.crm-result').first().waitFor({ timeout: 15_000 });
    await expectScheme(popup, 'body', scheme);
    expect(await seriousViolations(popup)).toEqual([]);
    expect(await expectKeyboardReach(popup)).toBeGreaterThan(2);
    await popup.screenshot({ path: join(ARTIFACTS, `${scheme}-popup.png`) });
    // the check can fail: buttons without a focus ring are named
    await popup.addStyleTag({ content: '.crm-button:focus-visible { outline: none; }' });
    await popup.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const unringed = (await tabStops(popup, 60)).filter((s) => s.outline === 'none').map((s) => s.what);
    expect(unringed.length).toBeGreaterThan(0);
    expect(unringed.every((what) => what.startsWith('button'))).toBe(true);
    await popup.close();
  });

  it('options and welcome pages: the palette, no serious accessibility violations, every control reached with Tab, with a focus ring', async () => {
    for (const file of ['options.html', 'welcome.html']) {
      const p = await browser.context.newPage();
      await p.emulateMedia({ colorScheme: scheme });
      await p.goto(page(file));
      await p.locator('h1').waitFor({ timeout: 15_000 });
      if (file === 'options.html') await p.getByTestId('signed-in').waitFor({ timeout: 15_000 });
      await expectScheme(p, 'body', scheme);
      expect(await seriousViolations(p), file).toEqual([]);
      expect(await expectKeyboardReach(p), file).toBeGreaterThan(1);
      await p.screenshot({ path: join(ARTIFACTS, `${scheme}-${file.replace('.html', '')}.png`), fullPage: true });
      await p.close();
    }
  });

  it('sidebar in Gmail: the palette, no serious accessibility violations, every control reached with Tab, with a focus ring', async () => {
    await gmail.emulateMedia({ colorScheme: scheme });
    await gmail.reload();
    const sidebar = sidebarIn(gmail);
    await sidebar.and(gmail.locator('[data-ready="true"]')).waitFor({ timeout: 20_000 });
    await gmail.locator('li.crm-person[data-email="alice.chen@northwind.example"][data-state="contact"]').waitFor({ timeout: 15_000 });
    await expectScheme(gmail, SIDEBAR, scheme);
    expect(await seriousViolations(gmail, SIDEBAR)).toEqual([]);
    await sidebar.evaluate((el) => {
      el.scrollTo(0, 0);
      (el.querySelector('button') as HTMLButtonElement).focus();
    });
    expect(await expectKeyboardReach(gmail, 150, SIDEBAR)).toBeGreaterThan(5);
    await gmail.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await sidebar.evaluate((el) => el.scrollTo(0, 0));
    await gmail.setViewportSize({ width: 1280, height: 900 });
    if (scheme === 'dark') await shot((path) => sidebar.screenshot({ path }), 'dark-sidebar.png');
  });

  it('app pages (start, indexes, record and its dialog, history, imports, every settings section): the palette, no serious accessibility violations, every control reached with Tab, with a focus ring', async () => {
    const p = await browser.context.newPage();
    await p.emulateMedia({ colorScheme: scheme });
    await p.setViewportSize({ width: 1280, height: 900 });
    const routes: Array<[string, string]> = [
      ['#/', 'nav'],
      ['#/contacts', '.crm-index-table tbody tr'],
      [`#/contacts/${ids.alice}`, '.crm-card'],
      [`#/contacts/${ids.alice}/history`, '.crm-history-table, .crm-history'],
      ['#/deals', '.crm-index-table'],
      ['#/imports', '.crm-imports'],
      ['#/settings/associations', '.crm-settings'],
      ['#/settings/domains', '.crm-settings'],
      ['#/settings/activities', '.crm-settings'],
      ['#/settings/users', '.crm-settings'],
    ];
    for (const [hash, ready] of routes) {
      await p.goto(page(`app.html${hash}`));
      await p.reload();
      await p.locator(ready).first().waitFor({ timeout: 15_000 });
      await expectScheme(p, 'body', scheme);
      expect(await seriousViolations(p), hash).toEqual([]);
      expect(await expectKeyboardReach(p), hash).toBeGreaterThan(2);
      if (hash === `#/contacts/${ids.alice}`) {
        await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        await expectScheme(p, '.crm-card', scheme);
        if (scheme === 'dark') await shot((path) => p.screenshot({ path }), 'dark-record.png');
        // a modal dialog: its own palette, and the keyboard stays in it
        await p.locator('section[data-card="companies"]').getByRole('button', { name: 'Add existing' }).click();
        const dialog = p.getByRole('dialog');
        await dialog.waitFor();
        await expectScheme(p, 'dialog', scheme);
        expect(await seriousViolations(p), `${hash} dialog`).toEqual([]);
        expect(await expectKeyboardReach(p, 60, 'dialog'), `${hash} dialog`).toBeGreaterThan(1);
        await p.screenshot({ path: join(ARTIFACTS, `${scheme}-record-dialog.png`) });
        await p.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
      }
    }
    await p.close();
  });
});
