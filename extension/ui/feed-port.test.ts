import { describe, expect, it } from 'vitest';
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

const until = async (probe: () => boolean) => {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(probe()).toBe(true);
};

describe('the feed port (X4)', () => {
  it('X4: held open while a thread is shown, opened again when the background drops it, closed with the thread', async () => {
    const { runtime, ports } = fakeRuntime();
    const session = createThreadSession(async () => {
      throw new Error('offline');
    });
    const release = holdFeedPort(runtime, session, { reconnectMs: 10, pingMs: 20 });
    expect(ports).toHaveLength(0); // no thread, no stream

    session.onMailEvent({ type: 'threadOpened', thread });
    expect(ports).toHaveLength(1);
    expect(ports[0]!.name).toBe(FEED_PORT);
    await until(() => ports[0]!.messages.length > 0); // pings keep the background awake

    ports[0]!.drop(); // the browser stopped the service worker
    await until(() => ports.length === 2 && ports[1]!.open);

    session.onMailEvent({ type: 'threadClosed', threadId: 't1' });
    expect(ports[1]!.open).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 40));
    expect(ports).toHaveLength(2);
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
    await new Promise((r) => setTimeout(r, 30));
    expect(ports).toHaveLength(1);
  });
});
