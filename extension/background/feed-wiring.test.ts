// @vitest-environment node
// The real server over HTTP (the live stream is a real streamed response); WXT's fake browser for storage.
import 'fake-indexeddb/auto';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MailThread } from '../mail/types.ts';
import type { CompanionRequest, Replies, TabMessage } from '../messaging.ts';
import { startTestServer, type TestServer } from '../../test/helpers/extension-server.ts';
import { until } from '../../test/helpers/until.ts';
import { makeOp } from '../ui/model.ts';
import { createThreadSession } from '../ui/session.ts';
import { listenToTab, type MessageEvent } from '../ui/tab-listener.ts';
import { type Companion, createCompanion } from './companion.ts';
import { serve } from './requests.ts';

let server: TestServer;
let companion: Companion;
let broadcasts: TabMessage[];
/** The webmail tab's runtime.onMessage: every broadcast reaches its listeners, as in the browser. */
let tab: MessageEvent & { deliver(message: TabMessage): void };
/** While false, every request the companion makes fails as if the server were down. */
let online = true;
const requests: string[] = [];
let n = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  fakeBrowser.reset();
});

beforeEach(async () => {
  fakeBrowser.reset();
  broadcasts = [];
  tab = fakeTab();
  online = true;
  requests.length = 0;
  n++;
  companion = createCompanion({
    storage: fakeBrowser.storage.local,
    broadcast: (m) => {
      broadcasts.push(m);
      tab.deliver(m);
    },
    hasHostPermission: async () => false,
    fetch: async (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(input).pathname}`);
      if (!online) throw new TypeError('fetch failed');
      return fetch(input, init);
    },
    outboxName: `wiring-outbox-${n}`,
    cacheName: `wiring-cache-${n}`,
    reconnectMs: 50,
  });
  await ask({ type: 'connect', server: server.connection.server, token: server.connection.token });
});
afterEach(async () => {
  await companion.close();
});

function fakeTab(): typeof tab {
  type Listener = Parameters<MessageEvent['addListener']>[0];
  const listeners = new Set<Listener>();
  return {
    addListener: (l) => void listeners.add(l),
    removeListener: (l) => void listeners.delete(l),
    deliver: (m) => listeners.forEach((l) => l(m, {}, () => {})),
  };
}

async function ask<T extends CompanionRequest>(request: T): Promise<Replies[T['type']]> {
  const reply = await serve(companion.handlers, request, {});
  if (!reply?.ok) throw new Error(reply ? reply.error : 'no answer');
  return reply.value as Replies[T['type']];
}

async function create(type: string, properties: Record<string, string>): Promise<string> {
  const r = await server.call('POST', `/crm/v3/objects/${type}`, { properties });
  expect(r.status).toBe(201);
  return String(r.body.id);
}

async function associate(fromType: string, fromId: string, toType: string, toId: string): Promise<void> {
  const r = await server.call('PUT', `/crm/v4/objects/${fromType}/${fromId}/associations/default/${toType}/${toId}`);
  expect(r.status).toBeLessThan(300);
}

function threadWith(...emails: string[]): MailThread {
  return { provider: 'gmail', threadId: `t-${n}`, subject: 'Renewal', messageIds: ['m1'], participants: emails.map((email) => ({ email, name: '', roles: ['from'] })) };
}

/** A contact with a primary company and an open deal, in a domain of this test's own. */
async function seedContact(): Promise<{ email: string; contact: string; company: string; deal: string }> {
  const email = `ann@wiring${n}.example`;
  const company = await create('companies', { name: `Wiring ${n} Ltd`, domain: `wiring${n}.example` });
  const contact = await create('contacts', { email, firstname: 'Ann', lastname: `Test${n}` });
  await associate('contacts', contact, 'companies', company);
  const deal = await create('deals', { dealname: `Deal ${n}`, dealstage: 'appointmentscheduled' });
  await associate('contacts', contact, 'deals', deal);
  return { email, contact, company, deal };
}

describe('the sidebar answers from the cache first, the server second (X4)', () => {
  it('X4: after one server read, the cache answers for the thread even with the server down', async () => {
    const s = await seedContact();
    const thread = threadWith(s.email);
    expect(await ask({ type: 'cachedThreadView', thread })).toBeNull(); // never read: the cache cannot answer
    const fresh = (await ask({ type: 'threadView', thread })).view;
    expect(fresh.summaries[s.contact]?.counts).toEqual({ companies: 1, deals: 1, tickets: 0 });
    await companion.flush();

    online = false;
    await expect(ask({ type: 'threadView', thread })).rejects.toThrow();
    const cached = (await ask({ type: 'cachedThreadView', thread }))!;
    expect(cached.participants).toEqual([{ email: s.email, name: null, contact: { id: s.contact, name: `Ann Test${n}`, primaryCompany: { id: s.company, name: `Wiring ${n} Ltd` } }, proposedCompany: null }]);
    expect(cached.summaries[s.contact]).toMatchObject({
      primaryCompany: fresh.summaries[s.contact]!.primaryCompany,
      counts: fresh.summaries[s.contact]!.counts,
      openDeals: [{ id: s.deal, name: `Deal ${n}`, stage: 'appointmentscheduled', stageLabel: 'Appointment Scheduled' }],
    });
    expect(cached.logDefaults).toEqual([{ objectType: 'contacts', id: s.contact }, { objectType: 'companies', id: s.company }]);
  });

  it('X4: the cache follows the workspace\'s own stages (a deal moved into a stage an admin flagged closed leaves the open ones; labels shown), also in a new service worker without the network', async () => {
    const s = await seedContact();
    const stage = await server.call('POST', '/crm/v3/pipelines/deals/default/stages', { label: `Lost to rival ${n}`, displayOrder: 10 + n, metadata: { probability: '0.0', isClosed: 'true' } });
    expect(stage.status).toBe(201);
    const other = await create('deals', { dealname: `Other ${n}`, dealstage: 'qualifiedtobuy' });
    await associate('contacts', s.contact, 'deals', other);
    const thread = threadWith(s.email);
    await ask({ type: 'threadView', thread });
    await companion.flush();
    const shown = async () => (await ask({ type: 'cachedThreadView', thread }))!.summaries[s.contact]!.openDeals.map((d) => `${d.id} ${d.stageLabel}`).sort();
    expect(await shown()).toEqual([`${s.deal} Appointment Scheduled`, `${other} Qualified To Buy`].sort());

    expect((await server.call('PATCH', `/crm/v3/objects/deals/${s.deal}`, { properties: { dealstage: stage.body.id } })).status).toBe(200);
    await companion.feed.pull();
    expect(await shown()).toEqual([`${other} Qualified To Buy`]);

    // the service worker stops; a new one starts with the server out of reach: the cache kept the stages
    await companion.close();
    online = false;
    companion = createCompanion({ storage: fakeBrowser.storage.local, broadcast: () => {}, hasHostPermission: async () => false, fetch: async () => Promise.reject(new TypeError('fetch failed')), outboxName: `wiring-outbox-${n}`, cacheName: `wiring-cache-${n}` });
    expect(await shown()).toEqual([`${other} Qualified To Buy`]);
  });

  it('X4: a deal or ticket closed since, as the feed brought it, is not among the cached open ones (the server\'s rule)', async () => {
    const s = await seedContact();
    const ticket = await create('tickets', { subject: `Ticket ${n}`, hs_pipeline: '0', hs_pipeline_stage: '1' });
    await associate('contacts', s.contact, 'tickets', ticket);
    const thread = threadWith(s.email);
    await ask({ type: 'threadView', thread });
    await companion.flush();
    expect((await ask({ type: 'cachedThreadView', thread }))!.summaries[s.contact]!.openTickets.map((t) => t.id)).toEqual([ticket]);

    expect((await server.call('PATCH', `/crm/v3/objects/tickets/${ticket}`, { properties: { hs_pipeline_stage: '4' } })).status).toBe(200);
    expect((await server.call('PATCH', `/crm/v3/objects/deals/${s.deal}`, { properties: { hs_is_closed: 'true' } })).status).toBe(200);
    await companion.feed.pull();
    const cached = (await ask({ type: 'cachedThreadView', thread }))!.summaries[s.contact]!;
    const fresh = (await ask({ type: 'threadView', thread })).view.summaries[s.contact]!;
    expect({ deals: cached.openDeals, tickets: cached.openTickets }).toEqual({ deals: [], tickets: [] });
    expect({ deals: fresh.openDeals, tickets: fresh.openTickets }).toEqual({ deals: [], tickets: [] });
  });

  it('X4: a participant the cache does not know means no cached answer (never shown as unknown)', async () => {
    const s = await seedContact();
    await ask({ type: 'threadView', thread: threadWith(s.email) });
    await companion.flush();
    expect(await ask({ type: 'cachedThreadView', thread: threadWith(s.email, `nobody@wiring${n}.example`) })).toBeNull();
  });

  it('X4: the session shows the cache\'s answer at once, then the server\'s', async () => {
    const s = await seedContact();
    await ask({ type: 'threadView', thread: threadWith(s.email) });
    await companion.flush();
    // a server that answers slowly: the cache's answer is shown meanwhile
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const session = createThreadSession(async (request) => {
      if (request.type === 'threadView') await held;
      return ask(request);
    });
    const sources: string[] = [];
    session.subscribe((st) => sources.push(st.view ? (st.cached ? 'cache' : 'server') : 'none'));
    session.onMailEvent({ type: 'threadOpened', thread: threadWith(s.email) });
    await until(session.getState, (st) => st.cached, 5_000);
    expect(session.getState().view!.summaries[s.contact]!.counts.deals).toBe(1);
    release();
    await until(session.getState, (st) => !st.loading, 5_000);
    expect(session.getState().cached).toBe(false);
    expect(session.getState().view!.participants[0]!.contact!.id).toBe(s.contact);
    expect(sources.filter((x, i) => x !== sources[i - 1])).toEqual(['none', 'cache', 'server']);
  });
});

describe('the change feed keeps what the sidebar gets fresh (B2, X4)', () => {
  it('B2: a pulled change to a shown contact reaches the cache and is broadcast to the tabs', async () => {
    const s = await seedContact();
    const thread = threadWith(s.email);
    await ask({ type: 'threadView', thread });
    await companion.flush();
    await companion.feed.pull();
    broadcasts.length = 0;

    const ticket = await create('tickets', { subject: `Ticket ${n}`, hs_pipeline_stage: '1' });
    await associate('contacts', s.contact, 'tickets', ticket);
    expect(await companion.feed.pull()).toBeGreaterThan(0);
    const news = broadcasts.filter((m): m is Extract<TabMessage, { type: 'feedChanged' }> => m.type === 'feedChanged');
    expect(news.some((m) => m.ids.includes(s.contact) && m.ids.includes(ticket))).toBe(true);
    // the cache applied the association: its answer counts the ticket without asking the server
    online = false;
    expect((await ask({ type: 'cachedThreadView', thread }))!.summaries[s.contact]!.counts).toEqual({ companies: 1, deals: 1, tickets: 1 });
  });

  it('B2, X4: while a thread session is open the live stream brings a new contact; the sidebar reads again and shows it', async () => {
    const email = `late@wiring${n}.example`;
    const thread = threadWith(email);
    await companion.feed.pull(); // the cursor is at the feed's end
    const session = createThreadSession(ask);
    // the tabs get what the background broadcasts
    const deliver = (m: TabMessage) => {
      if (m.type === 'feedChanged') session.onFeed(m.ids, m.emails, m.cursor);
    };
    const release = companion.watch();
    try {
      session.onMailEvent({ type: 'threadOpened', thread });
      await until(session.getState, (st) => st.view !== null && !st.loading, 5_000);
      expect(session.getState().view!.participants[0]!.contact).toBeNull();
      await until(companion.feed.live, Boolean, 5_000);
      const seenBefore = broadcasts.length;

      const id = await create('contacts', { email, firstname: 'Late' });
      const news = await until(() => broadcasts.slice(seenBefore).find((m) => m.type === 'feedChanged' && m.emails.includes(email)), (m) => m !== undefined, 5_000);
      deliver(news);
      await until(session.getState, (st) => st.view?.participants[0]?.contact?.id === id, 5_000);
    } finally {
      release();
    }
    await until(companion.feed.live, (live) => !live, 5_000);
  });

  it('B2: a change to records the sidebar does not show does not make it read again', async () => {
    const s = await seedContact();
    const reads: string[] = [];
    const session = createThreadSession(async (request) => {
      reads.push(request.type);
      return ask(request);
    });
    session.onMailEvent({ type: 'threadOpened', thread: threadWith(s.email) });
    await until(session.getState, (st) => st.view !== null && !st.loading, 5_000);
    const before = reads.filter((r) => r === 'threadView').length;
    session.onFeed(['999999'], ['someone@else.example']);
    session.onFeed([s.deal], []);
    await until(session.getState, (st) => !st.loading && reads.filter((r) => r === 'threadView').length === before + 1, 5_000);
    expect(reads.filter((r) => r === 'threadView')).toHaveLength(before + 1);
  });
});

describe('one click in the sidebar, one read of the thread (X2, B2)', () => {
  it('X2, B2: creating a contact reads the thread once, though the outbox\'s confirmation and each of the change\'s feed events say it changed', async () => {
    // a company for the domain, with association by domain on: the one click also associates it (more events in the feed)
    const company = await create('companies', { name: `Click ${n}`, domain: `click${n}.example` });
    expect((await server.call('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true } })).status).toBe(200);
    const email = `new@click${n}.example`;
    const threadReads = () => requests.filter((r) => r === 'POST /api/companion/thread').length;
    await companion.feed.pull();
    const session = createThreadSession(ask);
    const stopListening = listenToTab(tab, session);
    const release = companion.watch();
    try {
      session.onMailEvent({ type: 'threadOpened', thread: threadWith(email) });
      await until(session.getState, (st) => st.view !== null && !st.loading, 5_000);
      await until(companion.feed.live, Boolean, 5_000);
      const before = threadReads();

      await session.submit(makeOp<'createContact'>({ kind: 'createContact', email, firstname: 'New' }));
      const news = () => broadcasts.filter((m): m is Extract<TabMessage, { type: 'feedChanged' }> => m.type === 'feedChanged');
      // every event of the change has reached the tab: the new contact, and its association with the company
      await until(news, (all) => all.some((m) => m.emails.includes(email)) && all.some((m) => m.ids.includes(company)), 5_000);
      const shown = await until(session.getState, (st) => !st.loading && st.changes.length === 0 && st.view?.participants[0]?.contact?.primaryCompany?.id === company, 5_000);
      expect(shown.view!.participants[0]!.contact!.name).toBe('New');
      expect(threadReads() - before).toBe(1);
    } finally {
      release();
      stopListening();
      await server.call('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: false } });
    }
  });
});

describe('the outbox resolves merged records through the cache (X4)', () => {
  it('X4: an association queued for a contact merged meanwhile is made on the survivor', async () => {
    const s = await seedContact();
    const loser = await create('contacts', { email: `old@wiring${n}.example`, firstname: 'Old' });
    const thread = threadWith(s.email, `old@wiring${n}.example`);
    await ask({ type: 'threadView', thread });
    await companion.flush();
    await companion.feed.pull();
    const merged = await server.call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: s.contact, objectIdToMerge: loser });
    expect(merged.status).toBe(200);
    await companion.feed.pull();
    expect(await companion.cache.resolve({ objectType: 'contacts', id: loser })).toEqual({ objectType: 'contacts', id: s.contact });

    const deal = await create('deals', { dealname: `Merged ${n}`, dealstage: 'appointmentscheduled' });
    await ask({ type: 'submit', operation: { opId: `op-merge-${n}-xyz`, createdAt: Date.now(), kind: 'associate', from: { objectType: 'contacts', id: loser }, to: { objectType: 'deals', id: deal } } });
    await companion.outbox.drain({ now: true });
    expect((await ask({ type: 'status' })).changes).toEqual([]);
    const onSurvivor = await server.call('GET', `/crm/v4/objects/contacts/${s.contact}/associations/deals`);
    expect(onSurvivor.body.results.map((r: { toObjectId: string | number }) => String(r.toObjectId))).toContain(deal);
    expect(requests).toContain(`PUT /crm/v4/objects/contacts/${s.contact}/associations/default/deals/${deal}`);
  });
});

describe('status', () => {
  it('X4: a successful status check sends what waited for its retry at once', async () => {
    online = false;
    await ask({ type: 'submit', operation: { opId: `op-status-${n}-xyz`, createdAt: Date.now(), kind: 'createContact', email: `new@wiring${n}.example` } });
    await until(async () => (await companion.outbox.entries())[0]?.lastError, Boolean, 5_000);
    const due = (await companion.outbox.nextAttemptAt())!;
    online = true;
    const status = await ask({ type: 'status', probe: true });
    expect(status.reachable).toBe(true);
    await until(() => companion.outbox.entries(), (entries) => entries.length === 0, 5_000);
    // sent because the server answered the status check, not because its backoff ran out
    expect(Date.now()).toBeLessThan(due);
    const found = await server.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: `new@wiring${n}.example` }] }] });
    expect(found.body.total).toBe(1);
  });
});
