// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the DOM environment's transform breaks the server's file paths)
import '../../../test/helpers/dom-in-node.ts';
import { cleanup, configure, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/helpers/app.ts';
import { installI18n } from '../../../test/helpers/i18n.ts';
import type { FetchLike } from '../../api/client.ts';

// the page's texts come from the browser's i18n: Dutch here, from the real messages file
installI18n('nl');
const { apiPaths } = await import('../../../shared/api-paths.ts');
const { meView } = await import('../../../shared/workspace.ts');
const { createApiClient } = await import('../../api/client.ts');
const { appUrl, hashOf, routeOf } = await import('../routes.ts');
const { HistoryPage, NAME_WAIT_MS } = await import('./HistoryPage.tsx');
type Session = import('../App.tsx').AppSession;

configure({ asyncUtilTimeout: 10_000 });

const t = useTestApp();
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  return t.app.request(`${url.pathname}${url.search}`, init);
};
const CONTACTS = 60;
let company: string;
let session: Session;

beforeAll(async () => {
  company = (await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Veel BV' } })).body.id;
  const inputs = Array.from({ length: CONTACTS }, (_, i) => ({ properties: { email: `p${i}@veel.example`, firstname: 'Persoon', lastname: String(i) } }));
  const created = await t.call('POST', '/crm/v3/objects/contacts/batch/create', { inputs });
  expect(created.status).toBe(201);
  const linked = await t.call('POST', '/crm/v4/associations/companies/contacts/batch/associate/default', { inputs: created.body.results.map((r: { id: string }) => ({ from: { id: company }, to: { id: r.id } })) });
  expect(linked.status).toBeLessThan(300);
  const connection = { server: 'http://127.0.0.1:4995', token: t.token };
  const client = createApiClient(connection, { fetch: appFetch });
  const me = await client.request(apiPaths.me(), { method: 'GET', schema: meView });
  session = {
    connection,
    client,
    me,
    ask: () => Promise.reject(new Error('the history view asks the background for nothing')),
    href: hashOf,
    url: (r) => appUrl('chrome-extension://abc/app.html', r),
    navigate: (r) => void (location.hash = hashOf(r)),
  };
});
afterEach(cleanup);

const route = (hash: string) => {
  const r = routeOf(hash);
  if (r.page !== 'history') throw new Error(`${hash} is no history route`);
  return r;
};
const entryIds = () => [...document.querySelectorAll('tbody tr')].map((tr) => Number(tr.getAttribute('data-entry')));

describe('the history view, paged, in Dutch (R20)', () => {
  it('R20: 50 entries a page, newest first; "older" pages on until the end, no entry twice', async () => {
    render(<HistoryPage route={route(`#/companies/${company}/history`)} session={session} />);
    await screen.findByRole('heading', { level: 1, name: 'Veel BV' });
    await waitFor(() => expect(entryIds()).toHaveLength(50));
    expect(screen.getByRole('link', { name: 'Terug naar Veel BV' }).getAttribute('href')).toBe(`#/companies/${company}`);
    expect(screen.getAllByRole('button', { name: 'Link kopiëren' })).toHaveLength(50);
    expect(document.querySelector('tbody tr')!.textContent).toContain('Gebruiker: ');
    fireEvent.click(screen.getByRole('button', { name: 'Oudere wijzigingen tonen' }));
    await waitFor(() => expect(entryIds()).toHaveLength(100));
    fireEvent.click(screen.getByRole('button', { name: 'Oudere wijzigingen tonen' }));
    await waitFor(() => expect(entryIds()).toHaveLength(CONTACTS * 2));
    expect(screen.queryByRole('button', { name: 'Oudere wijzigingen tonen' })).toBeNull();
    const ids = entryIds();
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    const all = (await t.call('GET', `/api/objects/companies/${company}/association-history?limit=500`)).body.results.map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual(all);
  });

  it('a record that is not there: the server\'s answer, said in the page', async () => {
    render(<HistoryPage route={route('#/companies/999999/history?source=IMPORT')} session={session} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^De geschiedenis kon niet worden geladen: .*999999/);
  });
});

describe('the first page and the record\'s name, shown together (R20)', () => {
  /** The session's client with the record's own read (its name) held until `release()`. */
  function holdingName(): { session: Session; release(): void; asked: Promise<void> } {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const askedFor = new Promise<void>((resolve) => (asked = resolve));
    const fetch: FetchLike = async (input, init) => {
      if (new URL(input).pathname === `/crm/v3/objects/companies/${company}`) {
        asked();
        await released;
      }
      return appFetch(input, init);
    };
    return { session: { ...session, client: createApiClient(session.connection, { fetch }) }, release, asked: askedFor };
  }

  it('rows answered before the name wait for it, then show with it in one render', async () => {
    const held = holdingName();
    const seen: string[] = [];
    const observer = new MutationObserver(() => {
      if (document.querySelector('tbody tr')) seen.push(document.querySelector('h1')?.textContent ?? '');
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    try {
      render(<HistoryPage route={route(`#/companies/${company}/history`)} session={held.session} />);
      await held.asked;
      // the first page is answered meanwhile; the name comes well within NAME_WAIT_MS
      await new Promise((resolve) => setTimeout(resolve, NAME_WAIT_MS / 4));
      expect(entryIds()).toHaveLength(0);
      held.release();
      await waitFor(() => expect(entryIds()).toHaveLength(50));
      await screen.findByRole('heading', { level: 1, name: 'Veel BV' });
    } finally {
      observer.disconnect();
    }
    // the rows never showed under a stand-in heading
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['Veel BV']));
  });

  it('a name that is late does not hold the rows back longer than NAME_WAIT_MS', async () => {
    const held = holdingName();
    const start = performance.now();
    render(<HistoryPage route={route(`#/companies/${company}/history`)} session={held.session} />);
    await held.asked;
    // the first page is answered, the name is not: the rows wait
    await new Promise((resolve) => setTimeout(resolve, NAME_WAIT_MS / 2));
    expect(entryIds()).toHaveLength(0);
    expect(screen.getByText('Laden…')).toBeTruthy();
    // then show, under the record's type and id
    await waitFor(() => expect(entryIds()).toHaveLength(50));
    expect(performance.now() - start).toBeGreaterThanOrEqual(NAME_WAIT_MS - 5);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(`Bedrijven ${company}`);
    held.release();
    await screen.findByRole('heading', { level: 1, name: 'Veel BV' });
    expect(entryIds()).toHaveLength(50);
  });
});
