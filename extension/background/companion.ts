import type { FetchLike } from '../api/client.ts';
import { sendOperation } from '../api/operations.ts';
import { fetchLatestCursor, fetchPairLabels, fetchStageBook, fetchThreadView, fetchWorkspace, searchAll } from '../api/reads.ts';
import type { StageBook } from '../api/stages.ts';
import type { CompanionThreadResponse } from '../../shared/companion.ts';
import type { ChangeEvent } from '../../shared/history.ts';
import { type Cache, createCache } from '../cache/index.ts';
import type { FeedPosition, PendingChange, Status, TabMessage } from '../messaging.ts';
import { mark } from '../marks.ts';
import type { Handlers } from './requests.ts';
import { parseMessages, type ReadTexts, readPackagedTexts } from '../i18n.ts';
import { notice, noticeOf, withNotice } from '../notice.ts';
import { createOutbox, type Outbox, type OutboxEntry } from '../outbox/index.ts';
import { createFeedFollower, type FeedFollower } from '../sync/feed.ts';
import { cachedThreadView, storeThreadView } from './thread-cache.ts';
import { type Connection, connectionOf, isLoopback, type LocalStorage, normaliseServer, originPattern, settingsReader, type WatchedStorage } from '../settings.ts';

/** How long thread reads must pause before the cache stores what they showed (ms). */
export const STORE_AFTER_MS = 2_000;

export interface CompanionDeps {
  /** browser.storage.local: settings are read once and again after they change (settingsReader). */
  storage: LocalStorage | WatchedStorage;
  /** Tells every webmail tab that the outbox changed (the background's tabs.sendMessage to each). */
  broadcast(message: TabMessage): void;
  /**
   * Whether the extension may reach a remote server (permissions.contains). The options page asks
   * for it (permissions.request needs the rep's click); loopback is declared in the manifest.
   */
  hasHostPermission(pattern: string): Promise<boolean>;
  /**
   * When the outbox next has something due (epoch ms), or null: a service worker may be stopped
   * before its timer fires, so the entry point sets an alarm that wakes it (browser.alarms).
   */
  wakeAt?(when: number | null): void;
  /** Opens a record page in a new tab (browser.tabs.create of app.html#/{type}/{id}); absent: the request answers opened false. */
  openRecord?(objectType: string, id: string): Promise<void>;
  /** A language's messages.json, for a content script showing the rep's chosen language; default: the extension's own file. */
  readTexts?: ReadTexts;
  fetch?: FetchLike;
  /** The outbox's IndexedDB name (tests give each their own). */
  outboxName?: string;
  /** The cache's IndexedDB name (tests give each their own). */
  cacheName?: string;
  /** First delay before the live change stream reconnects (ms). */
  reconnectMs?: number;
  /** How long thread reads must pause before the cache stores what they showed (ms; default STORE_AFTER_MS; 0: at once). */
  storeAfterMs?: number;
}

export interface Companion {
  handlers: Handlers;
  outbox: Outbox;
  cache: Cache;
  feed: FeedFollower;
  /**
   * A webmail tab's thread session is open (its port connected): the live change stream runs
   * while at least one is. Answers the function to call when it closes.
   */
  watch(): () => void;
  /** Stores what thread reads showed without waiting for a pause, and resolves when the cache writes are done. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The ids and contact emails a batch of change events is about (a sidebar showing any of them reads again), and the last event's cursor. */
export function feedNews(events: readonly ChangeEvent[], touched: readonly string[]): Extract<TabMessage, { type: 'feedChanged' }> {
  const ids = new Set(touched);
  const emails = new Set<string>();
  for (const e of events) {
    if (e.kind === 'record') {
      ids.add(e.objectId);
      if (e.mergedIntoObjectId !== undefined) ids.add(e.mergedIntoObjectId);
      const email = e.objectType === 'contacts' ? e.properties?.email?.trim().toLowerCase() : undefined;
      if (email) emails.add(email);
    } else {
      ids.add(e.fromObjectId);
      ids.add(e.toObjectId);
    }
  }
  return { type: 'feedChanged', ids: [...ids], emails: [...emails], cursor: events.at(-1)?.cursor ?? null };
}

/** The change feed's end now (GET /api/changes/latest), or null when the server does not say. */
async function feedPosition(connection: Connection, fetchImpl?: FetchLike): Promise<FeedPosition> {
  try {
    return await fetchLatestCursor(connection, fetchImpl);
  } catch {
    return null;
  }
}

/** The error of a request that needs a connection when there is none (its notice for the screens). */
const notSignedIn = () => withNotice(new Error('Not signed in: open the companion\'s options and connect to your CRM server'), notice('noticeSignInNeeded'));

export function changeOf(entry: OutboxEntry): PendingChange {
  const message = entry.refusal?.message ?? entry.lastError;
  // a refusal's own notice (none: the server's words), else the last attempt's
  const said = entry.refusal ? entry.refusal.notice : entry.lastNotice;
  return { opId: entry.opId, op: entry.op, state: entry.state, ...(message ? { message } : {}), ...(said ? { notice: said } : {}) };
}

/**
 * The background's work (thin entry point: entrypoints/background.ts): answers the UI's
 * messages, reads from the server with the rep's token, and puts every change into the outbox,
 * which sends it with its Idempotency-Key until the server confirms or refuses it.
 */
export function createCompanion(deps: CompanionDeps): Companion {
  const fetchImpl = deps.fetch;
  const stored = settingsReader(deps.storage);
  const cache = createCache(deps.cacheName ? { dbName: deps.cacheName } : {});
  const feed = createFeedFollower({
    cache,
    connection: async () => connectionOf(await stored.read()),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(deps.reconnectMs !== undefined ? { reconnectMs: deps.reconnectMs } : {}),
  });
  const unfollow = feed.subscribe((events, touched) => deps.broadcast(feedNews(events, touched)));
  let watchers = 0;
  const writes = new Set<Promise<void>>();
  // What a thread read showed goes into the cache once the reads pause for `storeAfterMs`: its reads
  // (the contacts and their associations) then do not queue on the server before the next thread's
  // read, as they did when stored at once (bench:companion, data shown p90 202-226 -> 103-109 ms).
  // Per set of contacts, the latest view.
  const storeAfterMs = deps.storeAfterMs ?? STORE_AFTER_MS;
  const toStore = new Map<string, { c: Connection; view: CompanionThreadResponse }>();
  let storeTimer: ReturnType<typeof setTimeout> | null = null;
  function storeLater(c: Connection, view: CompanionThreadResponse): void {
    toStore.set(Object.keys(view.summaries).sort().join(','), { c, view });
    if (storeAfterMs === 0) storeNow();
    else pauseStores();
  }
  /** A thread read starts or answers: the stores wait for the next pause. */
  function pauseStores(): void {
    if (storeTimer !== null) clearTimeout(storeTimer);
    storeTimer = toStore.size > 0 ? setTimeout(storeNow, storeAfterMs) : null;
  }
  function storeNow(): void {
    if (storeTimer !== null) clearTimeout(storeTimer);
    storeTimer = null;
    const batch = [...toStore.values()];
    toStore.clear();
    for (const { c, view } of batch) {
      // with the session's stages: the next read answers from the cache first
      const write = Promise.all([
        storeThreadView(cache, c, view, fetchImpl).catch((err) => console.warn('companion: the thread could not be cached', err)),
        freshStages(c).catch((err) => console.warn('companion: the pipelines could not be read', err)),
      ])
        .then(() => {})
        .finally(() => writes.delete(write));
      writes.add(write);
    }
  }
  async function flush(): Promise<void> {
    storeNow();
    while (writes.size > 0) await Promise.all(writes);
  }
  let stopping: Promise<void> = Promise.resolve();
  /** The feed's position just after the latest confirmation: what a sidebar read must reach to show it. */
  let confirmedAt: FeedPosition = null;
  const outbox = createOutbox({
    ...(deps.outboxName ? { dbName: deps.outboxName } : {}),
    // an operation on a record merged meanwhile goes to the survivor
    resolveRef: (ref) => cache.resolve(ref),
    async send(op) {
      const connection = connectionOf(await stored.read());
      if (!connection) return { outcome: 'retry', reason: 'Not signed in: open the options page and connect to a server', notice: notice('noticeNotSignedInOptions') };
      const result = await sendOperation(op, connection, fetchImpl);
      // asked after the server's answer, so it is at or after the change just confirmed
      if (result.outcome === 'confirmed') confirmedAt = await feedPosition(connection, fetchImpl);
      return result;
    },
  });
  const unsubscribe = outbox.subscribe((entries, seq) => {
    deps.broadcast({ type: 'changesUpdated', changes: entries.map(changeOf), seq, confirmedAt });
    if (deps.wakeAt) void outbox.nextAttemptAt().then(deps.wakeAt, () => {});
  });

  async function connection() {
    const c = connectionOf(await stored.read());
    if (!c) throw notSignedIn();
    return c;
  }

  // The workspace's stages (labels, closed flags): read from the server once per session (a failed
  // read is tried again on next use) and kept in the cache, so a read without the network has them.
  let stagesRead: Promise<StageBook> | null = null;
  let sessionStages: StageBook | null = null;
  function freshStages(c: Connection): Promise<StageBook> {
    if (!stagesRead) {
      const read = fetchStageBook(c, fetchImpl).then(async (book) => {
        // a sign-out or another connection meanwhile: this book is not theirs
        if (stagesRead !== read) return book;
        sessionStages = book;
        await cache.putStages(book);
        return book;
      });
      stagesRead = read;
      read.catch(() => {
        if (stagesRead === read) stagesRead = null;
      });
    }
    return stagesRead;
  }
  /** Without the network: this session's stages, else the ones the cache kept, else null. */
  async function knownStages(): Promise<StageBook | null> {
    return sessionStages ?? (await cache.stages()) ?? null;
  }
  function forgetStages(): void {
    stagesRead = null;
    sessionStages = null;
  }

  const handlers: Handlers = {
    async status(request) {
      const settings = await stored.read();
      const { entries, seq } = await outbox.snapshot();
      const signedIn = connectionOf(settings) !== null;
      let reachable: boolean | null = null;
      let problem: string | null = signedIn ? null : 'Not signed in';
      let problemNotice = signedIn ? undefined : notice('noticeNotSignedIn');
      if (signedIn && request.probe) {
        try {
          await fetchWorkspace(connectionOf(settings)!, fetchImpl, { timeoutMs: 3_000 });
          reachable = true;
          void outbox.drain({ now: true });
        } catch (err) {
          reachable = false;
          problem = err instanceof Error ? err.message : String(err);
          problemNotice = noticeOf(err);
        }
      }
      const status: Status = {
        signedIn,
        server: settings.server || null,
        reachable,
        problem,
        ...(problemNotice ? { problemNotice } : {}),
        pending: entries.filter((e) => e.state !== 'refused').length,
        changes: entries.map(changeOf),
        changesSeq: seq,
        ownAddresses: settings.ownAddresses,
        internalDomains: settings.internalDomains,
        neverLog: settings.neverLog,
        confirmedAt,
      };
      return status;
    },
    async connect(request) {
      const server = normaliseServer(request.server);
      const token = request.token.trim();
      if (!isLoopback(server) && !(await deps.hasHostPermission(originPattern(server)))) {
        throw withNotice(new Error(`The companion has no permission to reach ${server}: allow it on the options page`), notice('noticeNoPermission', server));
      }
      let workspace: { name: string };
      try {
        workspace = await fetchWorkspace({ server, token }, fetchImpl);
      } catch (err) {
        // the reason: the client's own words as a notice (no answer), else the server's as they are
        const reason = noticeOf(err) ?? (err instanceof Error ? err.message : String(err));
        throw withNotice(new Error(`Could not sign in to ${server}: ${err instanceof Error ? err.message : String(err)}`), notice('noticeSignInFailed', server, reason));
      }
      const before = await stored.read();
      // another server or account sees other records: start the cache and its feed cursor afresh
      if (before.server !== server || before.token !== token) {
        await cache.clear();
        forgetStages();
        confirmedAt = null;
      }
      await stored.save({ server, token });
      void outbox.drain();
      void feed.pull().catch(() => {});
      return { server, workspace: workspace.name };
    },
    async signOut() {
      await stored.save({ token: '' });
      await cache.clear();
      forgetStages();
      confirmedAt = null;
      return { signedIn: false };
    },
    async cachedThreadView(request) {
      const settings = await stored.read();
      const stages = await knownStages();
      // without the stages the cache cannot tell open from closed: the server answers this time
      if (!stages) return null;
      return cachedThreadView(cache, request.thread, settings.ownAddresses, stages);
    },
    async threadView(request) {
      pauseStores();
      const settings = await stored.read();
      mark('crm:worker-settings');
      const c = connectionOf(settings);
      if (!c) throw notSignedIn();
      // the server reads the feed's end before the view and says it in a header: the view shows
      // every change up to it (no GET /api/changes/latest before the read); null when it does not say
      const { view, asOf } = await fetchThreadView(c, request.thread, settings.ownAddresses, fetchImpl);
      mark('crm:worker-fetched');
      storeLater(c, view);
      return { view, asOf };
    },
    async search(request) {
      const c = await connection();
      // a search still answers when the stages cannot be read: then without stage labels
      return searchAll(c, request.q, freshStages(c).catch(() => knownStages()), 5, fetchImpl);
    },
    async stageStarts() {
      const c = await connection();
      const book = await freshStages(c).catch(() => knownStages());
      return book?.starts ?? { deals: null, tickets: null };
    },
    async pairLabels(request) {
      return fetchPairLabels(await connection(), request.fromType, request.toType, fetchImpl);
    },
    async submit(request) {
      return changeOf(await outbox.submit(request.operation));
    },
    async texts(request) {
      return parseMessages(await (deps.readTexts ?? readPackagedTexts)(request.language));
    },
    async openRecord(request) {
      if (!deps.openRecord) return { opened: false };
      await deps.openRecord(request.objectType, request.id);
      return { opened: true };
    },
    async dismiss(request) {
      return { dismissed: await outbox.dismiss(request.opId) };
    },
    async retry(request) {
      return { retried: await outbox.retry(request.opId) };
    },
  };

  return {
    handlers,
    outbox,
    cache,
    feed,
    watch() {
      // a stream still stopping is stopped first, then started again
      if (++watchers === 1) void stopping.then(() => watchers > 0 && feed.start());
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        if (--watchers === 0) stopping = feed.stop();
      };
    },
    flush,
    async close() {
      unsubscribe();
      if (storeTimer !== null) clearTimeout(storeTimer);
      storeTimer = null;
      toStore.clear();
      await flush();
      unfollow();
      await feed.stop();
      await outbox.close();
      cache.close();
    },
  };
}
