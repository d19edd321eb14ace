import { apiPaths } from '../../shared/api-paths.ts';
import { type ChangeEvent, changeEvent, changesPage, latestCursor } from '../../shared/history.ts';
import { type ApiClient, ApiFailure, createApiClient, type FetchLike } from '../api/client.ts';
import type { Cache } from '../cache/index.ts';
import type { Connection } from '../settings.ts';
import { createSseParser } from './sse.ts';

export interface FeedFollowerOptions {
  cache: Cache;
  /** The server and the rep's token, or null while the companion is not set up. */
  connection: () => Connection | null | Promise<Connection | null>;
  fetch?: FetchLike;
  /** Events per page of GET /api/changes. */
  pageSize?: number;
  /** First delay before the live stream reconnects (ms); doubles up to `maxReconnectMs`. */
  reconnectMs?: number;
  maxReconnectMs?: number;
}

/** An event's data as JSON; text that is not JSON is kept as it is, for the schema to refuse by name. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Called with the events applied and the ids of the cached records they touched. */
export type FeedListener = (events: ChangeEvent[], touched: string[]) => void;

export interface FeedFollower {
  /** Applies pages of GET /api/changes from the stored cursor until caught up; answers how many events it read. */
  pull(): Promise<number>;
  /** Follows the live stream (server-sent events) until `stop()`, reconnecting from the stored cursor. */
  start(): void;
  stop(): Promise<void>;
  /** True while the live stream is connected. */
  live(): boolean;
  subscribe(listener: FeedListener): () => void;
}

/**
 * Keeps the cache fresh from the server's change feed (B2). The cursor lives in the cache's
 * IndexedDB, written with the changes it covers, so a service worker that dies resumes where the
 * last applied change left off. A cache that never followed the feed starts at the feed's end
 * (GET /api/changes/latest): what it holds was read from the server after that point. Requests go
 * through the API client: its paths, its schemas (each event of the live stream too) and its one
 * error type, ApiFailure.
 */
export function createFeedFollower(options: FeedFollowerOptions): FeedFollower {
  const pageSize = options.pageSize ?? 500;
  const reconnectMs = options.reconnectMs ?? 1_000;
  const maxReconnectMs = options.maxReconnectMs ?? 30_000;
  const listeners = new Set<FeedListener>();
  let controller: AbortController | null = null;
  let loop: Promise<void> | null = null;
  let connected = false;

  const clientFor = (connection: Connection): ApiClient => createApiClient(connection, options.fetch ? { fetch: options.fetch } : {});

  async function startCursor(client: ApiClient, signal?: AbortSignal): Promise<string> {
    const stored = await options.cache.cursor();
    if (stored !== undefined) return stored;
    const { after } = await client.request(apiPaths.changesLatest(), { method: 'GET', schema: latestCursor, ...(signal ? { signal } : {}) });
    await options.cache.applyChanges([], after);
    return after;
  }

  async function apply(events: ChangeEvent[], cursor: string): Promise<void> {
    const touched = await options.cache.applyChanges(events, cursor);
    if (events.length === 0) return;
    for (const listener of listeners) {
      try {
        listener(events, touched);
      } catch (err) {
        console.error('feed listener failed', err);
      }
    }
  }

  async function pull(): Promise<number> {
    const connection = await options.connection();
    if (!connection) return 0;
    const client = clientFor(connection);
    let after = await startCursor(client);
    let read = 0;
    for (;;) {
      const page = await client.request(apiPaths.changes({ after, limit: pageSize }), { method: 'GET', schema: changesPage });
      after = page.paging.next.after;
      await apply(page.results, after);
      read += page.results.length;
      if (!page.hasMore) return read;
    }
  }

  /** One connection of the live stream; returns when it ends. */
  async function follow(connection: Connection, signal: AbortSignal, onOpen: () => void): Promise<void> {
    const client = clientFor(connection);
    const after = await startCursor(client, signal);
    const path = apiPaths.changesStream({ after });
    const body = await client.stream(path, { accept: 'text/event-stream', signal });
    connected = true;
    onOpen();
    // events are applied one after another, in order, each with its own cursor
    let queue: Promise<void> = Promise.resolve();
    const parser = createSseParser((e) => {
      if (e.event !== 'change' || e.id === undefined) return;
      const event = client.check(changeEvent, parseJson(e.data), { route: `GET ${path}`, status: 200, what: `event ${e.id}` });
      const cursor = e.id;
      queue = queue.then(() => apply([event], cursor));
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      connected = false;
      // an event that did not fit its schema ends the stream here: let the connection go
      await reader.cancel().catch(() => {});
      await queue;
    }
  }

  return {
    pull,
    start() {
      if (loop) return;
      const ctrl = new AbortController();
      controller = ctrl;
      loop = (async () => {
        let delay = reconnectMs;
        while (!ctrl.signal.aborted) {
          try {
            const connection = await options.connection();
            if (connection) await follow(connection, ctrl.signal, () => (delay = reconnectMs));
          } catch (err) {
            if (ctrl.signal.aborted) break;
            // a refused token or an answer outside the contract will not mend by itself: say so
            if (err instanceof ApiFailure && (err.status === 401 || err.status === 403 || err.code === 'INVALID_RESPONSE')) console.warn(`change stream: ${err.message}`);
          }
          if (ctrl.signal.aborted) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            ctrl.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
          delay = Math.min(maxReconnectMs, delay * 2);
        }
      })();
    },
    async stop() {
      controller?.abort();
      await loop;
      loop = null;
      controller = null;
    },
    live: () => connected,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
