// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the DOM environment's transform breaks the server's file paths)
import 'fake-indexeddb/auto'; // before the DOM: it installs itself on `window` when there is one
import '../../test/helpers/dom-in-node.ts';
import { cleanup, configure, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers/app.ts';
import { installI18n } from '../../test/helpers/i18n.ts';
import type { FetchLike } from '../api/client.ts';
import type { Companion } from '../background/companion.ts';
import type { CompanionRequest, Replies } from '../messaging.ts';

// the welcome page's texts come from the browser's i18n: English here, from the real messages file
installI18n('en');
const { createCompanion } = await import('../background/companion.ts');
const { serve } = await import('../background/requests.ts');
const { checkConnection, hasDemoMailbox } = await import('../connection-check.ts');
const { DEMO_MAIL_PATH } = await import('../../shared/api-paths.ts');
const { Welcome } = await import('./Welcome.tsx');

configure({ asyncUtilTimeout: 10_000 });

const t = useTestApp();
/** A remote server: its origin needs the browser's permission. Requests go to the app in this process. */
const REMOTE = 'https://crm.example.org';
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  return t.app.request(`${url.pathname}${url.search}`, init);
};
/** The same server started with `--demo`: its demo mailbox is a page (the route itself lives with the demo workspace). */
const demoFetch: FetchLike = async (input, init) =>
  new URL(input).pathname === DEMO_MAIL_PATH ? new Response('<!doctype html><title>Demo mailbox</title>', { headers: { 'content-type': 'text/html; charset=utf-8' } }) : appFetch(input, init);

let companion: Companion;
const granted = new Set<string>();
async function ask<T extends CompanionRequest>(request: T): Promise<Replies[T['type']]> {
  const reply = await serve(companion.handlers, request, {});
  if (!reply?.ok) throw new Error(reply ? reply.error : 'no answer');
  return reply.value as Replies[T['type']];
}

beforeAll(() => {
  fakeBrowser.reset();
  companion = createCompanion({ storage: fakeBrowser.storage.local, broadcast: () => {}, hasHostPermission: async (p) => granted.has(p), fetch: appFetch, outboxName: 'welcome-test' });
});
afterEach(cleanup);
afterAll(async () => {
  await companion.close();
  fakeBrowser.reset();
});

function renderWelcome(options: { fetch: FetchLike; grant: boolean; asked: string[] }) {
  render(
    <Welcome
      ask={ask}
      check={(input) => checkConnection(input, { hasHostPermission: async (p) => granted.has(p), fetch: options.fetch })}
      requestHostPermission={async (pattern) => {
        options.asked.push(pattern);
        if (options.grant) granted.add(pattern);
        return options.grant;
      }}
      hasDemoMailbox={(server) => hasDemoMailbox(server, options.fetch)}
      optionsUrl="chrome-extension://test/options.html"
    />,
  );
}

async function testConnection(server: string, token: string) {
  fireEvent.input(screen.getByLabelText('Server address'), { target: { value: server } });
  fireEvent.input(screen.getByLabelText('Sign-in token'), { target: { value: token } });
  fireEvent.click(screen.getByRole('button', { name: 'Test the connection and connect' }));
  return waitFor(() => screen.getByTestId('result'));
}

describe('Welcome page', () => {
  it('a remote server: "permission not granted"; refused at the prompt, it stays so and nothing is stored', async () => {
    granted.clear();
    const asked: string[] = [];
    renderWelcome({ fetch: appFetch, grant: false, asked });
    const result = await testConnection(REMOTE, t.token);
    expect(result.dataset.kind).toBe('noPermission');
    expect(result.textContent).toBe(`Permission not granted: the browser does not let the companion contact ${REMOTE} yet. Allow it with the button below.`);
    expect(asked).toEqual([]); // never without the rep's click
    fireEvent.click(screen.getByRole('button', { name: `Allow access to ${REMOTE}` }));
    await waitFor(() => expect(asked).toEqual(['https://crm.example.org/*']));
    expect(screen.getByTestId('result').dataset.kind).toBe('noPermission');
    expect((await ask({ type: 'status' })).signedIn).toBe(false);
  });

  it('allowed at the prompt: tests again and connects; no demo link on a server without --demo', async () => {
    granted.clear();
    const asked: string[] = [];
    renderWelcome({ fetch: appFetch, grant: true, asked });
    await testConnection(REMOTE, t.token);
    fireEvent.click(screen.getByRole('button', { name: `Allow access to ${REMOTE}` }));
    await waitFor(() => expect(screen.getByTestId('result').dataset.kind).toBe('connected'));
    expect(screen.getByTestId('result').textContent).toMatch(new RegExp(`^Connected to .+ at ${REMOTE.replaceAll('.', '\\.')}\\.$`));
    expect(await ask({ type: 'status' })).toMatchObject({ signedIn: true, server: REMOTE });
    expect(screen.queryByTestId('demo')).toBeNull();
    // the sign-in starts the change feed's catch-up: let it end before the database closes
    await companion.feed.pull();
  });

  it('a server with --demo: the page links its demo mailbox, also when opened again later', async () => {
    granted.add('https://crm.example.org/*');
    renderWelcome({ fetch: demoFetch, grant: true, asked: [] });
    // already connected (the test before): the page says so and looks for the demo mailbox itself
    await waitFor(() => expect(screen.getByTestId('connected').textContent).toBe(`Connected to ${REMOTE}.`));
    const demo = await waitFor(() => screen.getByTestId('demo'));
    expect(demo.querySelector('a')!.getAttribute('href')).toBe(`${REMOTE}${DEMO_MAIL_PATH}`);
    expect(demo.textContent).toContain('Open the demo mailbox');
  });

  it('a link that is not a connect link says so, without a request', async () => {
    renderWelcome({ fetch: () => Promise.reject(new Error('no request expected')), grant: false, asked: [] });
    fireEvent.input(screen.getByLabelText('Paste the connect link that the server printed when it started'), { target: { value: 'https://example.com/hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Connect with the link' }));
    const result = await waitFor(() => screen.getByTestId('result'));
    expect(result.dataset.kind).toBe('badLink');
    expect(result.textContent).toContain('That is not a connect link');
  });
});
