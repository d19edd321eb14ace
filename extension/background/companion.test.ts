// @vitest-environment node
// (no DOM here; the server under test resolves its files from file: URLs, which the DOM environment's URL does not)
import 'fake-indexeddb/auto';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers/app.ts';
import type { FetchLike } from '../api/client.ts';
import type { MailThread } from '../mail/types.ts';
import type { PendingChange, TabMessage, ThreadRead } from '../messaging.ts';
import type { Operation } from '../outbox/operation.ts';
import { loadSettings } from '../settings.ts';
import { type Companion, createCompanion } from './companion.ts';
import { serve } from './requests.ts';

const t = useTestApp();
const SERVER = 'http://127.0.0.1:4999';

/** The real app behind the loopback address the extension would call; every request is kept. */
const seen: Array<{ method: string; path: string; idempotencyKey: string | null }> = [];
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  seen.push({ method: init?.method ?? 'GET', path: url.pathname, idempotencyKey: new Headers(init?.headers).get('idempotency-key') });
  return t.app.request(`${url.pathname}${url.search}`, init);
};

let companion: Companion;
let broadcasts: TabMessage[];
let permitted: string[];
let wakeups: Array<number | null>;
let n = 0;

function start(): Companion {
  broadcasts = [];
  permitted = [];
  wakeups = [];
  return createCompanion({
    wakeAt: (when) => wakeups.push(when),
    storage: fakeBrowser.storage.local,
    broadcast: (m) => broadcasts.push(m),
    hasHostPermission: async (pattern) => permitted.includes(pattern),
    fetch: appFetch,
    outboxName: `companion-test-${++n}`,
    cacheName: `companion-cache-${n}`,
  });
}

const message = (m: unknown) => serve(companion.handlers, m, {});
async function ok<T = any>(m: unknown): Promise<T> {
  const reply = await message(m);
  if (!reply?.ok) throw new Error(`not ok: ${JSON.stringify(reply)}`);
  return reply.value as T;
}

/** The requests made, less the change feed's (a sign-in catches the cache up with it). */
const besidesFeed = () => seen.filter((s) => !s.path.startsWith('/api/changes'));

/** Waits until the outbox holds nothing but refused changes. */
async function settled(): Promise<PendingChange[]> {
  await companion.outbox.drain();
  return (await ok<{ changes: PendingChange[] }>({ type: 'status' })).changes;
}

beforeEach(() => {
  fakeBrowser.reset();
  seen.length = 0;
  companion = start();
});
afterEach(async () => {
  await companion.close();
});
afterAll(() => fakeBrowser.reset());

describe('sign-in (X3)', () => {
  it('X3: connect checks the token with the server, then stores server and token', async () => {
    const r = await ok({ type: 'connect', server: `${SERVER}/some/path`, token: ` ${t.token} ` });
    expect(r).toEqual({ server: SERVER, workspace: expect.any(String) });
    expect(await loadSettings(fakeBrowser.storage.local)).toMatchObject({ server: SERVER, token: t.token });
    expect((await ok({ type: 'status' })).signedIn).toBe(true);
  });

  it('X3: a wrong token is refused with the server\'s reason and nothing is stored', async () => {
    const reply = await message({ type: 'connect', server: SERVER, token: 'crm_wrong' });
    expect(reply).toEqual({
      ok: false,
      error: expect.stringContaining('bearer token is not valid'),
      // the frame is the companion's (a notice), the reason the server's words as it sent them
      notice: { kind: 'noticeSignInFailed', values: [SERVER, expect.stringContaining('bearer token is not valid')] },
    });
    expect((await loadSettings(fakeBrowser.storage.local)).token).toBe('');
  });

  it('X3: a remote server needs its host permission first; loopback does not', async () => {
    const remote = await message({ type: 'connect', server: 'https://crm.example.org', token: t.token });
    expect(remote).toEqual({
      ok: false,
      error: expect.stringContaining('no permission to reach https://crm.example.org'),
      notice: { kind: 'noticeNoPermission', values: ['https://crm.example.org'] },
    });
    expect(seen).toHaveLength(0);
    permitted.push('https://crm.example.org/*');
    expect((await ok({ type: 'connect', server: 'https://crm.example.org', token: t.token })).server).toBe('https://crm.example.org');
  });

  it('X3: a server address that is no http(s) URL is refused, naming it', async () => {
    expect(await message({ type: 'connect', server: 'ftp://x.example', token: 't' })).toEqual({
      ok: false,
      error: 'Server address "ftp://x.example" must start with http:// or https://',
      notice: { kind: 'noticeAddressScheme', values: ['ftp://x.example'] },
    });
  });

  it('X3: status probes the server: reachable with a good token, not with a revoked one', async () => {
    await ok({ type: 'connect', server: SERVER, token: t.token });
    expect(await ok({ type: 'status', probe: true })).toMatchObject({ signedIn: true, reachable: true, problem: null, pending: 0 });
    await fakeBrowser.storage.local.set({ settings: { ...(await loadSettings(fakeBrowser.storage.local)), token: 'crm_revoked' } });
    expect(await ok({ type: 'status', probe: true })).toMatchObject({ signedIn: true, reachable: false, problem: expect.stringContaining('not valid') });
  });
});

describe('messages', () => {
  it('a malformed message gets an error naming the field; a foreign one is left for other listeners', async () => {
    expect(await message({ type: 'search', q: 42 })).toEqual({ ok: false, error: expect.stringMatching(/^Invalid search message: q: /) });
    expect(await message({ type: 'submit', operation: { kind: 'associate', opId: 'short' } })).toMatchObject({ ok: false, error: expect.stringContaining('Invalid submit message: operation') });
    expect(await message({ type: 'somebodyElse' })).toBeUndefined();
    expect(await message('text')).toBeUndefined();
  });

  it('reads need a sign-in first, and say so', async () => {
    expect(await message({ type: 'search', q: 'acme' })).toEqual({ ok: false, error: expect.stringContaining('Not signed in'), notice: { kind: 'noticeSignInNeeded', values: [] } });
  });
});

describe('reads and writes through the background (X2, X3, X4)', () => {
  beforeEach(async () => {
    await ok({ type: 'connect', server: SERVER, token: t.token });
    seen.length = 0;
  });

  it('X2: the thread view names known and unknown participants, with summaries', async () => {
    const known = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'known@bg-test.example', firstname: 'Known' } });
    const thread: MailThread = {
      provider: 'gmail',
      threadId: 'thread-f:1',
      subject: 'Hello',
      messageIds: ['msg-f:1'],
      participants: [
        { email: 'known@bg-test.example', name: 'Known', roles: ['from'] },
        { email: 'stranger@bg-test.example', name: 'Stranger', roles: ['to'] },
      ],
    };
    const { view, asOf } = await ok<ThreadRead>({ type: 'threadView', thread });
    // the feed's end, which the server read before the view and said in a header: no request of its own
    expect(asOf).toMatch(/^\d+$/);
    expect(asOf).toBe((await t.call('GET', '/api/changes/latest')).body.after);
    expect(seen.filter((s) => s.path === '/api/changes/latest')).toEqual([]);
    expect(view.participants.map((p) => p.contact?.id ?? null)).toEqual([known.body.id, null]);
    expect(Object.keys(view.summaries)).toEqual([known.body.id]);
    // one read answers the sidebar; then what it showed is read into the cache (contacts and their
    // associations), with the workspace's stages once per session
    await companion.flush();
    expect(besidesFeed()[0]).toEqual({ method: 'POST', path: '/api/companion/thread', idempotencyKey: null });
    expect(besidesFeed().slice(1).map((s) => s.path).sort()).toEqual([
      '/crm/v3/objects/contacts/batch/read',
      '/crm/v3/pipelines/deals',
      '/crm/v3/pipelines/tickets',
      '/crm/v4/associations/contacts/companies/batch/read',
      '/crm/v4/associations/contacts/deals/batch/read',
      '/crm/v4/associations/contacts/tickets/batch/read',
    ]);
    seen.length = 0;
    await ok<ThreadRead>({ type: 'threadView', thread });
    await companion.flush();
    expect(besidesFeed().filter((s) => s.path.startsWith('/crm/v3/pipelines'))).toEqual([]);
  });

  it('X3: search covers contacts, companies, deals and tickets; a deal\'s and a ticket\'s line is its stage\'s label, the pipelines read once per session', async () => {
    await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Zebrafish Labs', domain: 'zebrafish.example' } });
    await t.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Zebrafish pilot', dealstage: 'decisionmakerboughtin' } });
    await t.call('POST', '/crm/v3/objects/tickets', { properties: { subject: 'Zebrafish tank leaks', hs_pipeline_stage: '3' } });
    const hits = await ok({ type: 'search', q: 'zebrafish' });
    expect(hits.map((h: any) => `${h.objectType}:${h.name}:${h.detail}`).sort()).toEqual([
      'companies:Zebrafish Labs:zebrafish.example',
      'deals:Zebrafish pilot:Decision Maker Bought-In',
      'tickets:Zebrafish tank leaks:Waiting on us',
    ]);
    expect(besidesFeed().map((s) => s.path).sort()).toEqual([
      '/crm/v3/objects/companies/search',
      '/crm/v3/objects/contacts/search',
      '/crm/v3/objects/deals/search',
      '/crm/v3/objects/tickets/search',
      '/crm/v3/pipelines/deals',
      '/crm/v3/pipelines/tickets',
    ]);
    seen.length = 0;
    expect((await ok({ type: 'search', q: 'pilot' })).map((h: any) => h.detail)).toEqual(['Decision Maker Bought-In']);
    expect(besidesFeed().map((s) => s.path).filter((p) => p.startsWith('/crm/v3/pipelines'))).toEqual([]);
  });

  it('X4: a submitted change goes through the outbox with its Idempotency-Key, and the tabs hear of it', async () => {
    const op: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'createContact', email: 'new.person@bg-test.example', firstname: 'New', lastname: 'Person' };
    const entry = await ok({ type: 'submit', operation: op });
    expect(entry).toMatchObject({ opId: op.opId, state: 'pending' });
    expect(await settled()).toEqual([]);
    expect(besidesFeed()).toEqual([{ method: 'POST', path: '/crm/v3/objects/contacts', idempotencyKey: op.opId }]);
    const found = await t.call('POST', '/crm/v3/objects/contacts/search', { query: 'new.person@bg-test.example' });
    expect(found.body.total).toBe(1);
    // the tabs saw it pending, then gone
    const lists = broadcasts.map((b) => (b.type === 'changesUpdated' ? b.changes.map((c) => c.opId) : null));
    expect(lists).toContainEqual([op.opId]);
    expect(lists.at(-1)).toEqual([]);
  });

  it('X4: a change the server refuses stays visible with its reason until dismissed', async () => {
    const op: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'associate', from: { objectType: 'contacts', id: '987654321' }, to: { objectType: 'companies', id: '987654322' } };
    await ok({ type: 'submit', operation: op });
    const [refused] = await settled();
    expect(refused).toMatchObject({ opId: op.opId, state: 'refused', message: expect.stringMatching(/987654321|not found/i) });
    expect((await ok({ type: 'status' })).pending).toBe(0);
    expect(await ok({ type: 'dismiss', opId: op.opId })).toEqual({ dismissed: true });
    expect(await settled()).toEqual([]);
  });

  it('X4: signed out, changes wait in the outbox (a wake-up set for their retry) and are sent after the next sign-in', async () => {
    await ok({ type: 'signOut' });
    const op: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'createContact', email: 'later@bg-test.example' };
    await ok({ type: 'submit', operation: op });
    await companion.outbox.drain();
    expect((await ok({ type: 'status' })).changes).toMatchObject([{ opId: op.opId, state: 'pending', message: expect.stringContaining('Not signed in'), notice: { kind: 'noticeNotSignedInOptions', values: [] } }]);
    // the worker may be stopped before its timer fires: it asked for a wake-up when the change is due
    await expect.poll(() => wakeups.at(-1)).toBeTypeOf('number');
    await ok({ type: 'connect', server: SERVER, token: t.token });
    await companion.outbox.retry(op.opId);
    expect(await settled()).toEqual([]);
    await expect.poll(() => wakeups.at(-1)).toBeNull();
    expect((await t.call('POST', '/crm/v3/objects/contacts/search', { query: 'later@bg-test.example' })).body.total).toBe(1);
  });
  it('X4: the cache is emptied on sign-out and when signing in to another server or account, never mixed across them', async () => {
    await ok({ type: 'connect', server: SERVER, token: t.token });
    await companion.cache.putRecords([{ id: '1', objectType: 'contacts', properties: { email: 'kept@bg-test.example' } }]);
    // the same server and token again: what the cache knows stays
    await ok({ type: 'connect', server: SERVER, token: t.token });
    expect(await companion.cache.recordCount()).toBe(1);
    await ok({ type: 'signOut' });
    expect(await companion.cache.recordCount()).toBe(0);
    expect(await companion.cache.cursor()).toBeUndefined();
    await companion.cache.putRecords([{ id: '2', objectType: 'contacts', properties: { email: 'other@bg-test.example' } }]);
    await ok({ type: 'connect', server: 'http://localhost:4999', token: t.token });
    expect(await companion.cache.recordCount()).toBe(0);
  });
});
