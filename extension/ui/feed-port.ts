import { FEED_PORT } from '../messaging.ts';
import type { ThreadSession } from './session.ts';

/** What a content script connects with (`browser.runtime`). */
export interface PortOpener {
  connect(info: { name: string }): Port;
}
export interface Port {
  postMessage(message: unknown): void;
  disconnect(): void;
  onDisconnect: { addListener(listener: () => void): void };
}

export interface FeedPortOptions {
  /** How often the open port says it is still there (ms), which keeps the background awake. */
  pingMs?: number;
  /** Wait before connecting again to a background that went away (ms). */
  reconnectMs?: number;
  /** How long the port stays open once no thread is shown (ms; default FEED_LINGER_MS). */
  lingerMs?: number;
}

/**
 * The port outlives the thread by this long (ms). Moving to the next thread closes one and opens
 * the other in the same moment: closing the port then made the background stop its live stream
 * and start it again (a cursor read and a new stream request) beside the next thread's read, on
 * every move (bench:companion).
 */
export const FEED_LINGER_MS = 30_000;

/**
 * Holds the feed port open while the session shows a thread, and for `lingerMs` after (X4): the
 * background follows the live change stream while any tab holds one. A background stopped by the
 * browser drops the port; it is opened again at once, which starts the background and its stream again.
 */
export function holdFeedPort(runtime: PortOpener, session: ThreadSession, options: FeedPortOptions = {}): () => void {
  const pingMs = options.pingMs ?? 20_000;
  const reconnectMs = options.reconnectMs ?? 500;
  const lingerMs = options.lingerMs ?? FEED_LINGER_MS;
  let port: Port | null = null;
  let ping: ReturnType<typeof setInterval> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let linger: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const wanted = () => !stopped && session.getState().thread !== null;

  function open(): void {
    clearTimeout(linger);
    linger = undefined;
    if (port || !wanted()) return;
    let p: Port;
    try {
      p = runtime.connect({ name: FEED_PORT });
    } catch {
      return; // the extension was reloaded: this content script is orphaned
    }
    port = p;
    ping = setInterval(() => p.postMessage({ type: 'ping' }), pingMs);
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      clearInterval(ping);
      port = null;
      clearTimeout(retry);
      retry = setTimeout(open, reconnectMs);
    });
  }

  function close(): void {
    clearTimeout(linger);
    linger = undefined;
    clearInterval(ping);
    clearTimeout(retry);
    const p = port;
    port = null;
    p?.disconnect();
  }

  /** No thread shown: the port goes once none has been shown for `lingerMs` (the next one may follow at once). */
  function closeLater(): void {
    // a dropped port is not opened again for no thread
    clearTimeout(retry);
    retry = undefined;
    if (!port || linger !== undefined) return;
    if (lingerMs <= 0) return close();
    linger = setTimeout(close, lingerMs);
  }

  const unsubscribe = session.subscribe(() => (wanted() ? open() : closeLater()));
  open();
  return () => {
    stopped = true;
    unsubscribe();
    close();
  };
}
