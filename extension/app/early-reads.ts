import { apiPaths } from '../../shared/api-paths.ts';
import { nameProperties } from '../../shared/record-name.ts';
import { standardObject } from '../../shared/standard-objects.ts';
import type { FetchLike } from '../api/client.ts';
import type { Connection } from '../settings.ts';
import { historyPath, viewStateOf } from './history/view-state.ts';
import { headerRead } from './record/model.ts';
import { type AppRoute, routeOf } from './routes.ts';

/**
 * The app page's first reads, sent before its code is loaded: a small script of their own
 * (entrypoints/early-reads.ts, ahead of the app's code in app.html) reads the rep's connection
 * and asks the server who the rep is (GET /api/me) and for the current route's first reads, while
 * the browser still loads and runs the app (zod, Preact, the pages). The app's client then gets
 * each answer under way for its first GET of that address, and checks it against the page's
 * schema as it checks every answer. This module, and all it imports, carries no zod
 * (test/e2e/bundle-size.test.ts): that is what it runs ahead of.
 */

/** An early answer no request took within this long is dropped (the page reads afresh). */
export const EARLY_MS = 10_000;

/** The GET requests a route's page makes first (the same paths, built by the same helpers); /api/me is every page's. */
export function firstReads(route: AppRoute): string[] {
  switch (route.page) {
    case 'record': {
      const reads = [apiPaths.record(route.objectType, route.id, { properties: headerRead(route.objectType) }), apiPaths.associationsAt({ objectType: route.objectType, id: route.id })];
      if (route.objectType === 'deals' || route.objectType === 'tickets') reads.push(apiPaths.pipelines(route.objectType));
      return reads;
    }
    case 'history': {
      const record = { objectType: route.objectType, id: route.id };
      const reads = [historyPath(record, viewStateOf(route.query))];
      const type = standardObject(route.objectType);
      if (type) reads.push(apiPaths.record(route.objectType, route.id, { properties: nameProperties(type.typeId) }));
      return reads;
    }
    default:
      return [];
  }
}

export interface EarlyReads {
  /** The server address and token the options page keeps, or null when not signed in (nothing was sent). */
  connection: Connection | null;
  /** The app client's fetch: the first GET of an early address with the same token takes the answer under way; anything else goes out as usual. */
  fetch: FetchLike;
}

export interface EarlyOptions {
  fetch?: FetchLike;
  now?: () => number;
}

/** The headers the app's client sends with a GET (extension/api/client.ts): an early read is the same request. */
const headersOf = (connection: Connection) => ({ authorization: `Bearer ${connection.token}`, accept: 'application/json' });

/** Sends GET /api/me and the first reads of the route in `hash`, with the connection once it is read. */
export async function startEarlyReads(loadConnection: () => Promise<Connection | null>, hash: string, options: EarlyOptions = {}): Promise<EarlyReads> {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => performance.now());
  const connection = await loadConnection();
  if (!connection) return { connection, fetch: send };
  const waiting = new Map<string, { answer: Promise<Response>; at: number }>();
  const headers = headersOf(connection);
  for (const path of [apiPaths.me(), ...firstReads(routeOf(hash))]) {
    const url = `${connection.server}${path}`;
    const answer = send(url, { method: 'GET', headers });
    // a failure is the page's to see once it takes the answer; until then it is no unhandled rejection
    answer.catch(() => {});
    waiting.set(url, { answer, at: now() });
  }
  return {
    connection,
    fetch(input, init) {
      const early = waiting.get(input);
      if (!early || !sameRead(init, headers)) return send(input, init);
      waiting.delete(input);
      if (now() - early.at > EARLY_MS) return send(input, init);
      // the request's own abort (its timeout, the page leaving) still ends it
      const signal = init?.signal;
      if (!signal) return early.answer;
      if (signal.aborted) return Promise.reject(signal.reason);
      return Promise.race([early.answer, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    },
  };
}

/** A GET without a body whose headers are the early read's (the same token). */
function sameRead(init: RequestInit | undefined, headers: Record<string, string>): boolean {
  if ((init?.method ?? 'GET') !== 'GET' || init?.body !== undefined) return false;
  const sent = new Headers(init?.headers);
  return Object.entries(headers).every(([name, value]) => sent.get(name) === value) && [...sent.keys()].length === Object.keys(headers).length;
}

/** Where the early script leaves its reads for the app (one page, two scripts), or that the app began without them. */
const EARLY_KEY = '__crmEarlyReads';
const APP_BEGAN = 'app began';

type Handoff = Promise<EarlyReads> | typeof APP_BEGAN | undefined;
const handoff = globalThis as { [EARLY_KEY]?: Handoff };

/**
 * The early script's part: start the reads and leave them for the app, unless the app began
 * without them (the script is `async`: it loads beside the app and usually runs first, not always).
 */
export function leaveEarlyReads(start: () => Promise<EarlyReads>): void {
  if (handoff[EARLY_KEY] === APP_BEGAN) return;
  handoff[EARLY_KEY] = start();
}

/** The app's part: the reads the early script started (taken once), or `start()`'s when it has not run, and then it sends nothing. */
export function takeEarlyReads(start: () => Promise<EarlyReads>): Promise<EarlyReads> {
  const left = handoff[EARLY_KEY];
  handoff[EARLY_KEY] = APP_BEGAN;
  return left && left !== APP_BEGAN ? left : start();
}
