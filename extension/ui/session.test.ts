// @vitest-environment node
// (the session needs no DOM; the server under test resolves its files from file: URLs, which the DOM environment's URL does not)
import 'fake-indexeddb/auto';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers/app.ts';
import { until } from '../../test/helpers/until.ts';
import type { FetchLike } from '../api/client.ts';
import { type Companion, createCompanion } from '../background/companion.ts';
import { serve } from '../background/requests.ts';
import type { MailThread } from '../mail/types.ts';
import type { CompanionRequest, Replies, ThreadRead } from '../messaging.ts';
import { makeOp } from './model.ts';
import { type Ask, createThreadSession, type ThreadSession } from './session.ts';

const t = useTestApp();
/** While set, the server's writes wait for it (a change stays `sending`). */
let holdWrites: Promise<void> | null = null;
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  if (holdWrites && init?.method && init.method !== 'GET') await holdWrites;
  return t.app.request(`${url.pathname}${url.search}`, init);
};

let companion: Companion;
let session: ThreadSession;
let n = 0;

/** The session talks to the real background logic, which talks to the real app. */
async function ask<T extends CompanionRequest>(request: T): Promise<Replies[T['type']]> {
  const reply = await serve(companion.handlers, request, {});
  if (!reply?.ok) throw new Error(reply ? reply.error : 'no answer');
  return reply.value as Replies[T['type']];
}

const thread = (id: string, emails: string[]): MailThread => ({
  provider: 'gmail',
  threadId: id,
  subject: `Subject of ${id}`,
  messageIds: [`msg-${id}`],
  participants: emails.map((email) => ({ email, name: '', roles: ['to'] })),
});

beforeAll(async () => {
  fakeBrowser.reset();
  companion = createCompanion({
    storage: fakeBrowser.storage.local,
    broadcast: (m) => m.type === 'changesUpdated' && session?.onChanges(m.changes, m.confirmedAt, m.seq),
    hasHostPermission: async () => false,
    fetch: appFetch,
    outboxName: `session-test-${++n}`,
  });
  await ask({ type: 'connect', server: 'http://127.0.0.1:4997', token: t.token });
});
afterEach(() => {
  session = undefined as unknown as ThreadSession;
});
afterAll(async () => {
  await companion.close();
  fakeBrowser.reset();
});

describe('thread session (X2)', () => {
  it('X2: an opened thread loads its view; a created contact shows pending at once, then as the contact the server made', async () => {
    session = createThreadSession(ask);
    session.onMailEvent({ type: 'threadOpened', thread: thread('t1', ['fresh@session.example']) });
    expect(session.getState().loading).toBe(true);
    const loaded = await until(() => session.getState(), (s) => s.view !== null, 10_000);
    expect(loaded.view!.participants[0]!.contact).toBeNull();

    const op = makeOp<'createContact'>({ kind: 'createContact', email: 'fresh@session.example', firstname: 'Fresh' });
    const submitting = session.submit(op);
    // before the background has even stored it
    expect(session.getState().changes.map((c) => [c.opId, c.state])).toEqual([[op.opId, 'pending']]);
    await submitting;
    const done = await until(() => session.getState(), (s) => s.view?.participants[0]?.contact !== null && s.changes.length === 0, 10_000);
    expect(done.view!.participants[0]!.contact!.name).toBe('Fresh');
    expect(done.confirmed.map((o) => o.opId)).toEqual([op.opId]);
  });

  it('X1, X2: moving to another thread drops the old view; a late answer for the old thread is ignored', async () => {
    session = createThreadSession(ask);
    session.onMailEvent({ type: 'threadOpened', thread: thread('a', ['a@session.example']) });
    session.onMailEvent({ type: 'threadClosed', threadId: 'a' });
    session.onMailEvent({ type: 'threadOpened', thread: thread('b', ['b@session.example']) });
    const s = await until(() => session.getState(), (x) => x.view !== null && !x.loading, 10_000);
    expect(s.thread!.threadId).toBe('b');
    expect(s.view!.participants.map((p) => p.email)).toEqual(['b@session.example']);
    session.onMailEvent({ type: 'threadClosed', threadId: 'b' });
    expect(session.getState()).toMatchObject({ thread: null, view: null });
  });

  it('X2: an update with the same people (a message expanded) reads nothing again; a new person does', async () => {
    session = createThreadSession(ask);
    session.onMailEvent({ type: 'threadOpened', thread: thread('c', ['c@session.example']) });
    await until(() => session.getState(), (x) => x.view !== null, 10_000);
    session.onMailEvent({ type: 'threadUpdated', thread: { ...thread('c', ['c@session.example']), messageIds: ['m1', 'm2'] } });
    expect(session.getState().loading).toBe(false);
    session.onMailEvent({ type: 'threadUpdated', thread: thread('c', ['c@session.example', 'd@session.example']) });
    expect(session.getState().loading).toBe(true);
    const s = await until(() => session.getState(), (x) => !x.loading && x.view?.participants.length === 2, 10_000);
    expect(s.view!.participants.map((p) => p.email)).toEqual(['c@session.example', 'd@session.example']);
  });

  it('X2: a read that fails shows the reason', async () => {
    session = createThreadSession(ask);
    await ask({ type: 'signOut' });
    session.onMailEvent({ type: 'threadOpened', thread: thread('e', ['e@session.example']) });
    const s = await until(() => session.getState(), (x) => x.error !== null, 10_000);
    expect(s.error).toContain('Not signed in');
    await ask({ type: 'connect', server: 'http://127.0.0.1:4997', token: t.token });
  });

  it('X2: the cache is asked only when the server is slow (it then shows what it knows until the answer) or fails', async () => {
    const email = `cached-${++n}@session.example`;
    expect((await t.call('POST', '/crm/v3/objects/contacts', { properties: { email } })).status).toBe(201);
    const asked: string[] = [];
    let gate: Promise<void> | null = null;
    let failing = false;
    const recording: Ask = async (request) => {
      asked.push(request.type);
      if (request.type === 'threadView') {
        if (failing) throw new Error('server unreachable');
        if (gate) await gate;
      }
      return ask(request);
    };
    const shownEmails = (s: { view: { participants: Array<{ email: string }> } | null }) => s.view?.participants.map((p) => p.email);

    // a fast answer: the cache is never asked
    session = createThreadSession(recording, {}, { cacheAfterMs: 100 });
    session.onMailEvent({ type: 'threadOpened', thread: thread('fast', [email]) });
    await until(() => session.getState(), (s) => s.view !== null && !s.loading, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(asked).toEqual(['threadView']);
    await companion.flush(); // what that read showed is in the cache now

    // a slow answer: the cache's view meanwhile, marked as such, then the server's
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    asked.length = 0;
    session = createThreadSession(recording, {}, { cacheAfterMs: 100 });
    session.onMailEvent({ type: 'threadOpened', thread: thread('slow', [email]) });
    const meanwhile = await until(() => session.getState(), (s) => s.cached, 10_000);
    expect(meanwhile.loading).toBe(true);
    expect(shownEmails(meanwhile)).toEqual([email]);
    expect(asked).toEqual(['threadView', 'cachedThreadView']);
    release();
    const answered = await until(() => session.getState(), (s) => !s.loading, 10_000);
    expect(answered.cached).toBe(false);
    expect(shownEmails(answered)).toEqual([email]);
    gate = null;

    // a failed read: the cache at once, with the reason
    failing = true;
    asked.length = 0;
    session = createThreadSession(recording, {}, { cacheAfterMs: 60_000 });
    session.onMailEvent({ type: 'threadOpened', thread: thread('down', [email]) });
    const failed = await until(() => session.getState(), (s) => s.error !== null && s.cached, 10_000);
    expect(failed.error).toBe('server unreachable');
    expect(shownEmails(failed)).toEqual([email]);
    expect(asked).toEqual(['threadView', 'cachedThreadView']);
  });

  it('X2: news of a change waits for the read under way; what that read shows costs nothing more, anything newer one read however much of it came', async () => {
    const reads: ThreadRead[] = [];
    let hold: Promise<void> | null = null;
    session = createThreadSession(async (request) => {
      if (request.type !== 'threadView') return ask(request);
      await hold;
      const read = await ask(request);
      reads.push(read as ThreadRead);
      return read;
    });
    session.onMailEvent({ type: 'threadOpened', thread: thread('f', ['f@session.example']) });
    await until(() => session.getState(), (x) => x.view !== null && !x.loading, 10_000);
    const shown = reads[0]!.asOf!;
    expect(shown).toMatch(/^\d+$/);

    // news up to what the view shows: nothing to read
    session.onFeed([], ['f@session.example'], shown);
    session.onChanges([], shown);
    expect(session.getState().loading).toBe(false);
    // news whose position is not known: read
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    session.onFeed([], ['f@session.example'], null);
    expect(session.getState().loading).toBe(true);
    // during that read: news it will show, and news after it (three pieces): one more read, not four
    const after = `${BigInt(shown) + 1000n}.1`;
    session.onFeed([], ['f@session.example'], shown);
    for (const cursor of [after, `${BigInt(shown) + 1000n}.2`, `${BigInt(shown) + 999n}`]) session.onFeed([], ['f@session.example'], cursor);
    hold = null;
    release();
    await until(() => reads.length, (count) => count === 3, 10_000);
    const s = await until(() => session.getState(), (x) => !x.loading, 10_000);
    expect(reads).toHaveLength(3);
    expect(s.view).not.toBeNull();
  });

  it('X2, X4: the outbox\'s list read before the one shown, arriving after it, does not bring a confirmed change back as pending', async () => {
    // the answer to the session's `status` question (asked once the background stored a change)
    // is read while the change is still being sent, and held until its confirmation was broadcast
    let releaseStatus!: () => void;
    const statusHeld = new Promise<void>((r) => (releaseStatus = r));
    let statusRead!: () => void;
    const statusWasRead = new Promise<void>((r) => (statusRead = r));
    const crossing = async <T extends CompanionRequest>(request: T): Promise<Replies[T['type']]> => {
      if (request.type !== 'status') return ask(request);
      const reply = await ask(request);
      statusRead();
      await statusHeld;
      return reply;
    };
    session = createThreadSession(crossing);
    session.onMailEvent({ type: 'threadOpened', thread: thread('crossed', ['crossed@session.example']) });
    await until(() => session.getState(), (s) => s.view !== null && !s.loading, 10_000);

    let releaseWrites!: () => void;
    holdWrites = new Promise((r) => (releaseWrites = r));
    const op = makeOp<'createContact'>({ kind: 'createContact', email: 'crossed@session.example', firstname: 'Crossed' });
    const submitted = session.submit(op);
    await statusWasRead;
    expect((await ask({ type: 'status' })).changes.map((c) => [c.opId, c.state])).toEqual([[op.opId, 'sending']]);
    // the write goes through; its confirmation is broadcast while the old list is still on its way
    holdWrites = null;
    releaseWrites();
    const confirmed = await until(() => session.getState(), (s) => s.confirmed.some((o) => o.opId === op.opId), 10_000);
    expect(confirmed.changes.filter((c) => c.opId === op.opId)).toEqual([]);
    releaseStatus();
    await submitted;
    // the older list came last and was dropped: the change is not pending again
    expect(session.getState().changes.filter((c) => c.opId === op.opId)).toEqual([]);
    const done = await until(() => session.getState(), (s) => s.view?.participants[0]?.contact !== null && !s.loading, 10_000);
    expect(done.view!.participants[0]!.contact!.name).toBe('Crossed');
  });

  it('X2: a recommendation associated from the thread stays shown as associated after the read that no longer recommends it', async () => {
    const company = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Kept Co', domain: 'kept.example' } });
    const contact = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'kept@kept.example', firstname: 'Kept' }, associations: [{ to: { id: company.body.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] }] });
    const deal = await t.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Kept Co renewal', pipeline: 'default', dealstage: 'appointmentscheduled' }, associations: [{ to: { id: company.body.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 341 }] }] });
    expect([company.status, contact.status, deal.status]).toEqual([201, 201, 201]);
    session = createThreadSession(ask);
    session.onMailEvent({ type: 'threadOpened', thread: thread('kept', ['kept@kept.example']) });
    const shown = await until(() => session.getState(), (s) => s.view !== null && !s.loading, 10_000);
    expect(shown.view!.recommendations.map((r) => r.id)).toContain(deal.body.id);

    const op = makeOp<'associate'>({ kind: 'associate', from: { objectType: 'contacts', id: contact.body.id }, to: { objectType: 'deals', id: deal.body.id } });
    await session.submit(op);
    const after = await until(() => session.getState(), (s) => s.confirmed.some((o) => o.opId === op.opId) && !s.loading && s.changes.length === 0, 10_000);
    // the server no longer recommends it (it is linked to everyone in the thread): the sidebar still shows it, done
    const reread = await ask({ type: 'threadView', thread: thread('kept', ['kept@kept.example']) });
    expect(reread.view.recommendations.map((r) => r.id)).not.toContain(deal.body.id);
    expect(after.view!.recommendations.map((r) => r.id)).toContain(deal.body.id);
    // another thread forgets it
    session.onMailEvent({ type: 'threadOpened', thread: thread('other-kept', ['kept@kept.example']) });
    const other = await until(() => session.getState(), (s) => s.view !== null && !s.loading, 10_000);
    expect(other.view!.recommendations.map((r) => r.id)).not.toContain(deal.body.id);
  });
});
