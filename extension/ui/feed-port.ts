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
}

/**
 * Holds the feed port open while the session shows a thread (X4): the background follows the
 * live change stream while any tab holds one. A background stopped by the browser drops the port;
 * it is opened again at once, which starts the background and its stream again.
 */
export function holdFeedPort(runtime: PortOpener, session: ThreadSession, options: FeedPortOptions = {}): () => void {
  const pingMs = options.pingMs ?? 20_000;
  const reconnectMs = options.reconnectMs ?? 500;
  let port: Port | null = null;
  let ping: ReturnType<typeof setInterval> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const wanted = () => !stopped && session.getState().thread !== null;

  function open(): void {
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
    clearInterval(ping);
    clearTimeout(retry);
    const p = port;
    port = null;
    p?.disconnect();
  }

  const unsubscribe = session.subscribe(() => (wanted() ? open() : close()));
  open();
  return () => {
    stopped = true;
    unsubscribe();
    close();
  };
}
