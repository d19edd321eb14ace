import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailThread } from '../mail/types.ts';
import { FEED_PORT } from '../messaging.ts';
import { holdFeedPort, type Port, type PortOpener } from './feed-port.ts';
import { createThreadSession } from './session.ts';

const thread: MailThread = { provider: 'gmail', threadId: 't1', subject: 'Hi', messageIds: ['m1'], participants: [{ email: 'ann@x.example', name: 'Ann', roles: ['from'] }] };

/** The browser's runtime.connect as the content script sees it: ports that the background (or the browser) can drop. */
function fakeRuntime() {
  const ports: Array<Port & { open: boolean; messages: unknown[]; drop(): void; name: string }> = [];
  const runtime: PortOpener = {
    connect({ name }) {
      const listeners: Array<() => void> = [];
      const port = {
        name,
        open: true,
        messages: [] as unknown[],
        postMessage: (m: unknown) => void port.messages.push(m),
        disconnect: () => void (port.open = false),
        onDisconnect: { addListener: (l: () => void) => void listeners.push(l) },
        drop() {
          port.open = false;
          for (const l of listeners) l();
        },
      };
      ports.push(port);
      return port;
    },
  };
  return { runtime, ports };
}

// The port's pings and reconnects are timers: the tests move the clock, so "nothing more happens"
// is shown by no timer being left, not by waiting a while. The session's own timer (the cache asked
// when a read is slow) ends once its failed read has settled: `settled()` lets it.
beforeEach(() => vi.useFakeTimers());
const settled = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
afterEach(() => vi.useRealTimers());

describe('the feed port (X4)', () => {
  it('X4: held open while a thread is shown, opened again when the background drops it, closed once no thread is shown for lingerMs', async () => {
    const { runtime, ports } = fakeRuntime();
    const session = createThreadSession(async () => {
      throw new Error('offline');
    });
    const release = holdFeedPort(runtime, session, { reconnectMs: 10, pingMs: 20, lingerMs: 50 });
    expect(ports).toHaveLength(0); // no thread, no stream

    session.onMailEvent({ type: 'threadOpened', thread });
    expect(ports).toHaveLength(1);
    expect(ports[0]!.name).toBe(FEED_PORT);
    vi.advanceTimersByTime(20);
    expect(ports[0]!.messages).toEqual([{ type: 'ping' }]); // pings keep the background awake

    ports[0]!.drop(); // the browser stopped the service worker
    vi.advanceTimersByTime(9);
    expect(ports).toHaveLength(1); // not before reconnectMs
    vi.advanceTimersByTime(1);
    expect(ports).toHaveLength(2);
    expect(ports[1]!.open).toBe(true);

    session.onMailEvent({ type: 'threadClosed', threadId: 't1' });
    vi.advanceTimersByTime(49);
    expect(ports[1]!.open).toBe(true); // the next thread may follow at once
    vi.advanceTimersByTime(1);
    expect(ports[1]!.open).toBe(false);
    release();
    await settled();
    expect(vi.getTimerCount()).toBe(0); // no ping, no reconnect left to run
    expect(ports).toHaveLength(2);
  });

  it('X4: moving to the next thread keeps the one port (the background does not restart its stream)', async () => {
    const { runtime, ports } = fakeRuntime();
    const session = createThreadSession(async () => {
      throw new Error('offline');
    });
    const release = holdFeedPort(runtime, session, { lingerMs: 1000 });
    session.onMailEvent({ type: 'threadOpened', thread });
    // the watcher closes one thread and opens the next in the same moment
    session.onMailEvent({ type: 'threadClosed', threadId: 't1' });
    session.onMailEvent({ type: 'threadOpened', thread: { ...thread, threadId: 't2' } });
    vi.advanceTimersByTime(5000);
    expect(ports).toHaveLength(1);
    expect(ports[0]!.open).toBe(true);
    // no thread, and the background drops the port meanwhile: it is not opened again
    session.onMailEvent({ type: 'threadClosed', threadId: 't2' });
    ports[0]!.drop();
    vi.advanceTimersByTime(5000);
    expect(ports).toHaveLength(1);
    release();
    await settled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('X4: released, it closes its port and opens no other', async () => {
    const { runtime, ports } = fakeRuntime();
    const session = createThreadSession(async () => {
      throw new Error('offline');
    });
    session.onMailEvent({ type: 'threadOpened', thread });
    const release = holdFeedPort(runtime, session, { reconnectMs: 5 });
    expect(ports).toHaveLength(1);
    release();
    expect(ports[0]!.open).toBe(false);
    ports[0]!.drop();
    await settled();
    expect(vi.getTimerCount()).toBe(0); // a drop after the release schedules no reconnect
    expect(ports).toHaveLength(1);
  });
});
