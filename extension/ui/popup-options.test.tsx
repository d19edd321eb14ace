// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the DOM environment's transform breaks the server's file paths)
import 'fake-indexeddb/auto'; // before the DOM: it installs itself on `window` when there is one
import '../../test/helpers/dom-in-node.ts';
import '../../test/helpers/i18n-en.ts'; // before the companion's modules: the popup's reasons are worded through the browser's i18n
import { cleanup, configure, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers/app.ts';
import { installI18n } from '../../test/helpers/i18n.ts';
import type { FetchLike } from '../api/client.ts';
import type { Companion } from '../background/companion.ts';
import type { CompanionRequest, Replies, TabThread } from '../messaging.ts';

// the texts come from the browser's i18n: English here, from the real messages file (before the
// companion's modules load: wxt/browser takes `chrome` when first imported)
installI18n('en');
const { createCompanion } = await import('../background/companion.ts');
const { serve } = await import('../background/requests.ts');
const { Options } = await import('./Options.tsx');
const { Popup } = await import('./Popup.tsx');

// every answer comes from the real app: on a busy machine a sign-in takes longer than waitFor's 1 s default
configure({ asyncUtilTimeout: 10_000 });

const t = useTestApp();
const SERVER = 'http://127.0.0.1:4996';
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  return t.app.request(`${url.pathname}${url.search}`, init);
};

let companion: Companion;
async function ask<T extends CompanionRequest>(request: T): Promise<Replies[T['type']]> {
  const reply = await serve(companion.handlers, request, {});
  if (!reply?.ok) throw new Error(reply ? reply.error : 'no answer');
  return reply.value as Replies[T['type']];
}

beforeAll(() => {
  fakeBrowser.reset();
  companion = createCompanion({ storage: fakeBrowser.storage.local, broadcast: () => {}, hasHostPermission: async () => false, fetch: appFetch, outboxName: 'popup-test' });
});
afterEach(cleanup);
afterAll(async () => {
  await companion.close();
  fakeBrowser.reset();
});

describe('Options (X3)', () => {
  it('X3: the connect link signs in by itself (loopback: no permission prompt) and leaves the address bar', async () => {
    let forgotten = 0;
    const asked: string[] = [];
    render(<Options ask={ask} saveLists={async () => {}} requestHostPermission={async (p) => (asked.push(p), true)} link={{ server: SERVER, token: t.token }} forgetLink={() => forgotten++} />);
    await waitFor(() => expect(screen.getByTestId('signed-in').textContent).toBe(`Signed in to ${SERVER}`));
    expect(screen.getByTestId('message').textContent).toContain(`at ${SERVER}`);
    expect(forgotten).toBe(1);
    expect(asked).toEqual([]);
  });

  it('X3: a remote server asks for its origin\'s permission on the rep\'s click, and a refusal says so', async () => {
    const asked: string[] = [];
    render(<Options ask={ask} saveLists={async () => {}} requestHostPermission={async (p) => (asked.push(p), false)} link={{ server: 'https://crm.example.org', token: t.token }} forgetLink={() => {}} />);
    const button = await screen.findByRole('button', { name: 'Allow access and sign in' });
    expect(asked).toEqual([]); // never without a click
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByTestId('message').textContent).toBe('Access to https://crm.example.org was not allowed: the companion cannot reach the server'));
    expect(asked).toEqual(['https://crm.example.org/*']);
  });

  it('X3: a bad token is refused with the server\'s reason', async () => {
    render(<Options ask={ask} saveLists={async () => {}} requestHostPermission={async () => true} link={{ server: SERVER, token: 'crm_nope' }} forgetLink={() => {}} />);
    await waitFor(() => expect(screen.getByTestId('message').textContent).toContain('bearer token is not valid'));
  });
});

describe('Popup (X3)', () => {
  it('X3: connection state, pending count, recommendations as the empty state, search, associate with the people on the tab', async () => {
    await ask({ type: 'connect', server: SERVER, token: t.token });
    const contact = (await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'popup.person@popup.example', firstname: 'Pat' } })).body.id as string;
    const company = (await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Quokka Systems' } })).body.id as string;
    const tab: TabThread = {
      thread: { provider: 'gmail', threadId: 'thread-f:5', subject: 'Quokka pilot', messageIds: [], participants: [{ email: 'popup.person@popup.example', name: 'Pat', roles: ['from'] }] },
      view: {
        participants: [{ email: 'popup.person@popup.example', name: 'Pat', contact: { id: contact, name: 'Pat', primaryCompany: null }, proposedCompany: null }],
        summaries: {},
        recommendations: [{ objectType: 'companies', id: company, name: 'Quokka Systems', score: 1, evidence: true, reasons: [{ kind: 'subject', values: { tokens: ['quokka'] }, weight: 1 }] }],
        logDefaults: [],
      },
    };
    render(<Popup ask={ask} tabThread={tab} openOptions={() => {}} debounceMs={0} />);
    await waitFor(() => expect(screen.getByTestId('connection').textContent).toBe(`Connected to ${SERVER}`));
    expect(screen.getByTestId('pending-count').textContent).toBe('All changes confirmed');
    expect(screen.getByText('Recommended for “Quokka pilot”')).toBeTruthy();
    expect(document.querySelector(`li[data-result="companies:${company}"]`)!.textContent).toContain('subject mentions “quokka”');

    fireEvent.input(screen.getByRole('searchbox'), { target: { value: 'quokka' } });
    await waitFor(() => expect(screen.getByText('1 found')).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Associate with Pat' }));
    await companion.outbox.drain();
    const linked = await t.call('GET', `/crm/v4/objects/contacts/${contact}/associations/companies`);
    expect(linked.body.results.map((r: any) => String(r.toObjectId))).toEqual([company]);
    await waitFor(() => expect(document.querySelector(`li[data-result="companies:${company}"]`)!.textContent).toContain('Associated'));
  });

  it('X3: signed out, the popup says so and offers to connect', async () => {
    await ask({ type: 'signOut' });
    let opened = 0;
    render(<Popup ask={ask} tabThread={null} openOptions={() => opened++} />);
    await waitFor(() => expect(screen.getByTestId('connection').textContent).toContain('Not signed in'));
    fireEvent.click(screen.getByRole('button', { name: 'Connect' }));
    expect(opened).toBe(1);
    expect(screen.getByText('Open an email thread to see recommendations')).toBeTruthy();
  });
});
