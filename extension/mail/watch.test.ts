import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../../test/helpers/fixture-page.ts';
import type { MailEvent, MailWatcher } from './types.ts';
import { watch, type Adapter, type ThreadReading } from './watch.ts';

/** An adapter whose page is a variable: it shows what the test says and counts how often it is read. */
function scriptedAdapter() {
  const state = { thread: null as ThreadReading | null, account: null as string | null, reads: 0, key: null as string | null };
  const adapter: Adapter = {
    provider: 'generic',
    readThread: () => {
      state.reads++;
      return state.thread && structuredClone(state.thread);
    },
    readAccount: () => state.account,
    threadInUrl: () => state.key,
  };
  return { state, adapter };
}

const reading = (threadId: string, emails: string[], messageIds = ['m1']): ThreadReading => ({
  threadId,
  subject: `subject ${threadId}`,
  messageIds,
  sightings: emails.map((email) => ({ email, name: '', role: 'to' as const })),
});

let watcher: MailWatcher | undefined;
let events: MailEvent[];
let page: ReturnType<typeof scriptedAdapter>;

beforeEach(() => {
  document.body.replaceChildren();
  events = [];
  page = scriptedAdapter();
});
afterEach(() => watcher?.stop());

function start(options: { ownAddresses?: string[]; internalDomains?: string[]; unreadableAfterMs?: number } = {}) {
  watcher = watch(page.adapter, { document, ownAddresses: [], internalDomains: [], unreadableAfterMs: 40, ...options, onEvent: (e) => events.push(e) });
  return watcher;
}

/** Changes the page the way a webmail would: the DOM moves, so the observer fires. */
function pageShows(thread: ThreadReading | null) {
  page.state.thread = thread;
  document.body.append(document.createElement('div'));
}

describe('watch: events from what the page shows', () => {
  it('X1: opened, updated only when something reported changed, closed, and another opened', async () => {
    start();
    await settle();
    expect(events).toEqual([]);
    pageShows(reading('a', ['x@one.example']));
    await settle();
    pageShows(reading('a', ['x@one.example']));
    await settle();
    pageShows(reading('a', ['x@one.example'], ['m1', 'm2']));
    await settle();
    pageShows(reading('b', ['y@two.example']));
    await settle();
    pageShows(null);
    await settle();
    expect(events.map((e) => (e.type === 'threadClosed' || e.type === 'threadUnreadable' ? `${e.type} ${e.threadId}` : `${e.type} ${e.thread.threadId}`))).toEqual([
      'threadOpened a',
      'threadUpdated a',
      'threadClosed a',
      'threadOpened b',
      'threadClosed b',
    ]);
  });

  it('X1: the signed-in account appearing later is left out from then on', async () => {
    page.state.thread = reading('a', ['rep@acme.example', 'x@one.example']);
    const w = start();
    await settle();
    expect(w.account).toBeNull();
    page.state.account = 'Rep@Acme.example';
    pageShows(page.state.thread);
    await settle();
    expect(w.account).toBe('rep@acme.example');
    expect(events.map((e) => (e.type === 'threadClosed' || e.type === 'threadUnreadable' ? [] : e.thread.participants.map((p) => p.email)))).toEqual([
      ['rep@acme.example', 'x@one.example'],
      ['x@one.example'],
    ]);
  });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const names = () => events.map((e) => (e.type === 'threadClosed' || e.type === 'threadUnreadable' ? `${e.type} ${e.threadId}` : `${e.type} ${e.thread.threadId}`));

describe('watch: the address and the page disagreeing', () => {
  it('X1: a thread the address names whose view shows no address yet: nothing while it renders, then its people', async () => {
    page.state.key = 'K1';
    pageShows(reading('a', []));
    start();
    await settle();
    expect(events).toEqual([]);
    pageShows(reading('a', ['x@one.example']));
    await pause(80);
    expect(names()).toEqual(['threadOpened a']);
  });

  it('X1: another thread still rendering (no address yet): the previous one closes at once, the new one opens when readable', async () => {
    page.state.key = 'K1';
    pageShows(reading('a', ['x@one.example']));
    start();
    await settle();
    page.state.key = 'K2';
    pageShows(reading('b', []));
    await settle();
    expect(names()).toEqual(['threadOpened a', 'threadClosed a']);
    pageShows(reading('b', ['y@two.example']));
    await settle();
    expect(names()).toEqual(['threadOpened a', 'threadClosed a', 'threadOpened b']);
  });

  it('X1: a view that never shows an address is reported unreadable after the wait, once, with its subject', async () => {
    page.state.key = 'K1';
    pageShows(reading('a', []));
    start();
    await pause(80);
    pageShows(reading('a', []));
    await pause(80);
    expect(events).toEqual([{ type: 'threadUnreadable', threadId: 'K1', subject: 'subject a' }]);
  });

  it('X1: the address moving on while the previous thread stays on screen: closed, then unreadable; its changes bring nobody back', async () => {
    page.state.key = 'K1';
    pageShows(reading('a', ['x@one.example']));
    start();
    await settle();
    page.state.key = 'K2';
    pageShows(reading('a', ['x@one.example']));
    await settle();
    expect(names()).toEqual(['threadOpened a']);
    await pause(80);
    pageShows(reading('a', ['x@one.example', 'y@two.example']));
    await pause(80);
    expect(names()).toEqual(['threadOpened a', 'threadClosed a', 'threadUnreadable K2']);
    // the address naming the old thread again: it is the one shown
    page.state.key = 'K1';
    pageShows(reading('a', ['x@one.example']));
    await settle();
    expect(names()).toEqual(['threadOpened a', 'threadClosed a', 'threadUnreadable K2', 'threadClosed K2', 'threadOpened a']);
  });

  it('X1: an address naming a message of the thread, or rewritten from one of its own ids, is the same thread', async () => {
    page.state.key = 'legacy-a';
    pageShows({ ...reading('a', ['x@one.example'], ['m1', 'm2']), aliases: ['legacy-a'] });
    start();
    await settle();
    page.state.key = 'OpaqueViewIdOfA';
    pageShows({ ...reading('a', ['x@one.example'], ['m1', 'm2']), aliases: ['legacy-a'] });
    await pause(80);
    page.state.key = 'm2';
    pageShows({ ...reading('a', ['x@one.example'], ['m1', 'm2']), aliases: ['legacy-a'] });
    await pause(80);
    expect(names()).toEqual(['threadOpened a']);
  });

  it('X1: a list (the address names no thread) closes the thread at once; stop() cancels a pending wait', async () => {
    page.state.key = 'K1';
    pageShows(reading('a', ['x@one.example']));
    const w = start();
    await settle();
    page.state.key = null;
    pageShows(null);
    await settle();
    expect(names()).toEqual(['threadOpened a', 'threadClosed a']);
    page.state.key = 'K2';
    pageShows(null);
    await settle();
    w.stop();
    await pause(80);
    expect(names()).toEqual(['threadOpened a', 'threadClosed a']);
  });
});

describe('watch: coalescing and stopping', () => {
  it('X1: a burst of mutations and a hash change in one task are read once', async () => {
    start();
    await settle();
    const before = page.state.reads;
    for (let i = 0; i < 100; i++) document.body.append(document.createElement('span'));
    document.body.setAttribute('class', 'busy');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle();
    expect(page.state.reads - before).toBe(1);
  });

  it('X1: after stop() nothing reads the page any more: no observer, no listeners', async () => {
    const w = start();
    await settle();
    const before = page.state.reads;
    w.stop();
    pageShows(reading('a', ['x@one.example']));
    document.body.setAttribute('class', 'changed');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    window.dispatchEvent(new PopStateEvent('popstate'));
    await settle();
    expect(page.state.reads).toBe(before);
    expect(events).toEqual([]);
  });

  it('X1: stop() disconnects the one observer it started', () => {
    const Platform = window.MutationObserver;
    let live = 0;
    class Counted extends Platform {
      override observe(target: Node, options?: MutationObserverInit) {
        live++;
        super.observe(target, options);
      }
      override disconnect() {
        live--;
        super.disconnect();
      }
    }
    window.MutationObserver = Counted;
    try {
      const w = start();
      expect(live).toBe(1);
      w.stop();
      w.stop();
      expect(live).toBe(0);
    } finally {
      window.MutationObserver = Platform;
    }
  });
});
