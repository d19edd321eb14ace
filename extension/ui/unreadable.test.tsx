// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the DOM environment's transform breaks the server's file paths)
import 'fake-indexeddb/auto'; // before the DOM: it installs itself on `window` when there is one
import '../../test/helpers/dom-in-node.ts';
import { cleanup, configure, fireEvent, render, screen } from '@testing-library/preact';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers/app.ts';
import { installI18n } from '../../test/helpers/i18n.ts';
import { until } from '../../test/helpers/until.ts';
import type { FetchLike } from '../api/client.ts';
import type { Companion } from '../background/companion.ts';
import type { MailThread } from '../mail/types.ts';
import type { CompanionRequest, Replies } from '../messaging.ts';

// the sidebar's "cannot read" texts come from the browser's i18n: English here, from the real messages file
installI18n('en');
const { createCompanion } = await import('../background/companion.ts');
const { serve } = await import('../background/requests.ts');
const { App } = await import('./App.tsx');
const { createThreadSession } = await import('./session.ts');
const { reservePageSpace, releasePageSpace, spaceFor, storedCollapsed, SIDEBAR_LAYOUT_KEY } = await import('./page-space.ts');

configure({ asyncUtilTimeout: 10_000 });

const t = useTestApp();
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

beforeAll(async () => {
  fakeBrowser.reset();
  companion = createCompanion({ storage: fakeBrowser.storage.local, broadcast: () => {}, hasHostPermission: async () => false, fetch: appFetch, outboxName: 'unreadable-test' });
  await ask({ type: 'connect', server: 'http://127.0.0.1:4996', token: t.token });
  const created = await t.app.request('/crm/v3/objects/contacts', {
    method: 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { email: 'nora@northwind.example', firstname: 'Nora', lastname: 'Lindqvist' } }),
  });
  expect(created.status).toBe(201);
});
afterEach(cleanup);
afterAll(async () => {
  await companion.close();
  fakeBrowser.reset();
});

const previous: MailThread = {
  provider: 'gmail',
  threadId: 'thread-f:1',
  subject: 'Old thread',
  messageIds: ['msg-f:1'],
  participants: [{ email: 'old.person@previous.example', name: 'Old Person', roles: ['from'] }],
};

describe('the sidebar when the thread cannot be read (X1, X2)', () => {
  it('X2: says so plainly, shows nobody from the previous thread, and a manual search finds records', async () => {
    const session = createThreadSession(ask);
    session.onMailEvent({ type: 'threadOpened', thread: previous });
    await until(() => session.getState(), (s) => s.view !== null && !s.loading, 10_000);
    session.onMailEvent({ type: 'threadClosed', threadId: previous.threadId });
    session.onMailEvent({ type: 'threadUnreadable', threadId: 'FMfcgzNew', subject: 'Pricing question' });
    expect(session.getState()).toMatchObject({ thread: null, view: null, unreadable: { threadId: 'FMfcgzNew', subject: 'Pricing question' } });
    const { container } = render(<App session={session} />);
    const text = container.textContent ?? '';
    expect(text).toContain('The companion cannot read this thread.');
    expect(text).toContain('“Pricing question” is open, but who is in it could not be read from the page.');
    expect(text).not.toContain('Old Person');
    expect(text).not.toContain('old.person@previous.example');
    expect(container.querySelector('[data-state="unreadable"]')).not.toBeNull();

    fireEvent.input(screen.getByLabelText('Search the CRM by name, email address or company'), { target: { value: 'nora' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    const hit = await screen.findByText('Nora Lindqvist');
    expect(hit.closest('[data-hit]')?.textContent).toContain('nora@northwind.example');

    fireEvent.input(screen.getByLabelText('Search the CRM by name, email address or company'), { target: { value: 'zzznothing' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await screen.findByText('Nothing found for “zzznothing”.');
  });

  it('X2: a thread that can be read again replaces the message with its people', async () => {
    const session = createThreadSession(ask);
    session.onMailEvent({ type: 'threadUnreadable', threadId: 'FMfcgzNew', subject: '' });
    const { container } = render(<App session={session} />);
    expect(container.textContent).toContain('The companion cannot read this thread.');
    expect(container.textContent).not.toContain('is open, but');
    session.onMailEvent({ type: 'threadOpened', thread: { ...previous, threadId: 'thread-f:2', subject: 'Readable' } });
    await screen.findByText('Old Person');
    await until(() => session.getState(), (s) => s.view !== null && !s.loading, 10_000);
    expect(container.textContent).not.toContain('cannot read');
    expect(session.getState().unreadable).toBeNull();
    session.onMailEvent({ type: 'threadClosed', threadId: 'thread-f:2' });
    expect(session.getState()).toMatchObject({ thread: null, unreadable: null });
  });
});

describe('the sidebar\'s room beside the webmail (X2)', () => {
  it('X2: a column while it shows, a tab\'s width when collapsed, the page\'s whole width when it shows nothing', () => {
    expect(spaceFor({ thread: null, unreadable: null, collapsed: false })).toBe('none');
    expect(spaceFor({ thread: previous, unreadable: null, collapsed: false })).toBe('column');
    expect(spaceFor({ thread: null, unreadable: { threadId: 'x', subject: '' }, collapsed: true })).toBe('tab');
    reservePageSpace(document, 'column');
    reservePageSpace(document, 'column');
    expect(document.documentElement.getAttribute('data-crm-companion')).toBe('column');
    expect(document.querySelectorAll('#crm-companion-page-space')).toHaveLength(1);
    reservePageSpace(document, 'tab');
    expect(document.documentElement.getAttribute('data-crm-companion')).toBe('tab');
    reservePageSpace(document, 'none');
    expect(document.documentElement.hasAttribute('data-crm-companion')).toBe(false);
    releasePageSpace(document);
    expect(document.getElementById('crm-companion-page-space')).toBeNull();
  });

  it('X2: the stored choice is read defensively: collapsed only when it says so', () => {
    expect(storedCollapsed({ [SIDEBAR_LAYOUT_KEY]: { collapsed: true } })).toBe(true);
    expect(storedCollapsed({ [SIDEBAR_LAYOUT_KEY]: { collapsed: 'yes' } })).toBe(false);
    expect(storedCollapsed({ [SIDEBAR_LAYOUT_KEY]: null })).toBe(false);
    expect(storedCollapsed({})).toBe(false);
  });
});
