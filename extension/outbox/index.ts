import { type Operation, operation, PENDING_PREFIX, type RecordRef, type SendResult } from './operation.ts';
import { type Notice, notice, noticeOf, withNotice } from '../notice.ts';
import { mapRefs, pendingDependencies, pendingOpIdOf } from './refs.ts';
import { type OutboxDb, type OutboxEntry, openOutboxDb, type Refusal } from './store.ts';

export type { EntryState, OutboxEntry, Refusal } from './store.ts';

export interface BackoffOptions {
  /** Delay after the first failed attempt (ms); doubles with each further one. */
  baseMs?: number;
  /** The longest delay (ms). */
  maxMs?: number;
}

export interface OutboxOptions {
  /** Sends one operation to the server with `Idempotency-Key: <opId>`; never throws on purpose (a throw counts as `retry`). */
  send(op: Operation): Promise<SendResult>;
  /** IndexedDB database name. */
  dbName?: string;
  backoff?: BackoffOptions;
  /**
   * Called right before each send with every record reference: answers the id to use now (a
   * merged record's survivor, from the cache). Pending references never reach it.
   */
  resolveRef?: (ref: RecordRef) => RecordRef | Promise<RecordRef>;
  /** At most this many operations are kept (pending and refused); a submit beyond is refused with an error. */
  maxEntries?: number;
  /** Schedule the next attempt with a timer (default true). A service worker also sets an alarm from `nextAttemptAt()`. */
  timers?: boolean;
  now?: () => number;
  random?: () => number;
}

/**
 * Every entry at one moment, with that reading's place in the order of readings (`seq`, higher is
 * later, also across a restarted worker): the lists reach a page by different ways (a broadcast,
 * an answer to its question) and not always in the order they were read, so a page keeps the
 * latest and drops one older than it.
 */
export interface OutboxSnapshot {
  entries: OutboxEntry[];
  seq: number;
}

export type OutboxListener = (entries: OutboxEntry[], seq: number) => void;

export interface Outbox {
  /** Stores the operation (an opId already there is kept as it is), then starts a drain. Resolves once stored. */
  submit(op: Operation): Promise<OutboxEntry>;
  /**
   * Sends what is due, in createdAt order, until the outbox is empty or the head must wait. With
   * `now`, a head waiting for its backoff is tried at once (the server's Retry-After still holds):
   * for moments that say the server may be back (the browser is online again, a read succeeded).
   */
  drain(options?: { now?: boolean }): Promise<void>;
  /** Operations not confirmed yet and not refused. */
  pendingCount(): Promise<number>;
  /** Every operation still in the outbox (pending, sending, refused), in order. */
  entries(): Promise<OutboxEntry[]>;
  /** The same, numbered in the order of readings (see OutboxSnapshot). */
  snapshot(): Promise<OutboxSnapshot>;
  /** Called with every entry after each change; answers the unsubscribe function. */
  subscribe(listener: OutboxListener): () => void;
  /** Removes an operation the rep gives up (refused or waiting); false when unknown or being sent now. */
  dismiss(opId: string): Promise<boolean>;
  /** Sends a refused or waiting operation again now; false when unknown. */
  retry(opId: string): Promise<boolean>;
  /** When the next waiting operation is due (epoch ms), or null when none waits. */
  nextAttemptAt(): Promise<number | null>;
  close(): Promise<void>;
}

const DEFAULT_BASE_MS = 1_000;
const DEFAULT_MAX_ENTRIES = 5_000;
const DEFAULT_MAX_MS = 5 * 60_000;

/**
 * The delay before attempt `attempts + 1`: exponential (base · 2^(attempts−1), capped), with
 * jitter over its upper half so that many clients coming back online do not retry in step.
 */
export function backoffDelay(attempts: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BASE_MS;
  const max = options.maxMs ?? DEFAULT_MAX_MS;
  const cap = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * The companion's outbox (X4): every change the rep makes is stored in IndexedDB first and kept
 * until the server confirms it. Nothing that matters lives in memory: a service worker that dies
 * mid-send leaves the operation in the database, and the next instance sends it again with the
 * same opId (the server's Idempotency-Key makes that harmless).
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const useTimers = options.timers ?? true;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const opened: Promise<OutboxDb> = openOutboxDb(options.dbName ?? 'crm-outbox');
  const listeners = new Set<OutboxListener>();
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let inFlight: string | null = null;
  let tryNow = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let readings = Date.now() * 1_000;

  async function entries(): Promise<OutboxEntry[]> {
    const db = await opened;
    return db.getAllFromIndex('ops', 'byOrder');
  }

  /**
   * A reading numbered when it starts: IndexedDB orders transactions as they are created, so a
   * reading started later sees the same or newer entries. Seeded with the clock so that a worker
   * started again goes on above the numbers of the one before.
   */
  async function snapshot(): Promise<OutboxSnapshot> {
    const seq = ++readings;
    return { entries: await entries(), seq };
  }

  async function changed(): Promise<void> {
    if (listeners.size === 0 || closed) return;
    const { entries: list, seq } = await snapshot();
    for (const listener of listeners) {
      try {
        listener(list, seq);
      } catch (err) {
        console.error('outbox listener failed', err);
      }
    }
  }

  function schedule(at: number): void {
    if (!useTimers || closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void drain();
    }, Math.max(0, at - now()));
  }

  /** The first entry that is not refused, in order: the head of the queue. */
  async function head(): Promise<OutboxEntry | undefined> {
    const db = await opened;
    let cursor = await db.transaction('ops').store.index('byOrder').openCursor();
    while (cursor) {
      if (cursor.value.state !== 'refused') return cursor.value;
      cursor = await cursor.continue();
    }
    return undefined;
  }

  /** Swaps resolved `pending:` references; reports a dependency that can no longer be met. */
  async function withResolvedRefs(entry: OutboxEntry): Promise<{ op: Operation } | { refusal: Refusal }> {
    const db = await opened;
    const deps = pendingDependencies(entry.op);
    const ids = new Map<string, string>();
    for (const dep of deps) {
      const resolved = await db.get('resolved', dep);
      if (resolved) {
        ids.set(dep, resolved.id);
        continue;
      }
      const other = await db.get('ops', dep);
      if (other?.state === 'refused') {
        // the other change's reason: its own notice (itself refused by the outbox), else the server's text as it is
        const reason: Notice | string = other.refusal?.notice ?? other.refusal?.message ?? notice('noticeRefused');
        return {
          refusal: {
            status: 0,
            code: 'DEPENDS_ON_REFUSED',
            message: `Waits for the record created by operation ${dep}, which the server refused: ${other.refusal?.message ?? 'refused'}`,
            notice: notice('noticeDependsOnRefused', dep, reason),
          },
        };
      }
      if (!other) return { refusal: { status: 0, code: 'DEPENDENCY_GONE', message: `Refers to a record whose creation (operation ${dep}) was dismissed`, notice: notice('noticeDependencyGone', dep) } };
      return { refusal: { status: 0, code: 'DEPENDS_ON_LATER', message: `Refers to a record created by operation ${dep}, which comes later in the outbox`, notice: notice('noticeDependsOnLater', dep) } };
    }
    let op = ids.size === 0 ? entry.op : mapRefs(entry.op, (ref) => {
      const dep = pendingOpIdOf(ref);
      return dep !== undefined && ids.has(dep) ? { ...ref, id: ids.get(dep)! } : ref;
    });
    if (options.resolveRef) {
      const resolved: RecordRef[] = [];
      op = mapRefs(op, (ref) => {
        resolved.push(ref);
        return ref;
      });
      const mapped = await Promise.all(resolved.map((ref) => options.resolveRef!(ref)));
      let i = 0;
      op = mapRefs(op, () => mapped[i++]!);
    }
    return { op };
  }

  async function confirm(entry: OutboxEntry, result: Extract<SendResult, { outcome: 'confirmed' }>): Promise<void> {
    const db = await opened;
    const tx = db.transaction(['ops', 'resolved'], 'readwrite');
    const ops = tx.objectStore('ops');
    await ops.delete(entry.opId);
    if ((entry.op.kind === 'createContact' || entry.op.kind === 'createAssociated') && result.createdId !== undefined) {
      const realId = result.createdId;
      await tx.objectStore('resolved').put({ opId: entry.opId, id: realId });
      const pendingId = `${PENDING_PREFIX}${entry.opId}`;
      let cursor = await ops.openCursor();
      while (cursor) {
        const value = cursor.value;
        if (pendingDependencies(value.op).includes(entry.opId)) {
          await cursor.update({ ...value, op: mapRefs(value.op, (ref) => (ref.id === pendingId ? { ...ref, id: realId } : ref)) });
        }
        cursor = await cursor.continue();
      }
    }
    await tx.done;
  }

  async function update(opId: string, patch: (entry: OutboxEntry) => OutboxEntry | null): Promise<OutboxEntry | null> {
    const db = await opened;
    const tx = db.transaction('ops', 'readwrite');
    const current = await tx.store.get(opId);
    const next = current ? patch(current) : null;
    if (next) await tx.store.put(next);
    await tx.done;
    return next;
  }

  async function sendHead(): Promise<'continue' | 'stop'> {
    const entry = await head();
    if (!entry) return 'stop';
    const t = now();
    const force = tryNow && (entry.serverNotBefore ?? 0) <= t;
    tryNow = false;
    if (entry.nextTryAt > t && !force) {
      schedule(entry.nextTryAt);
      return 'stop';
    }
    const prepared = await withResolvedRefs(entry);
    if ('refusal' in prepared) {
      const refusal = prepared.refusal;
      await update(entry.opId, (e) => {
        const { lastNotice: _old, ...rest } = e;
        return { ...rest, state: 'refused', refusal, lastError: refusal.message, ...(refusal.notice ? { lastNotice: refusal.notice } : {}) };
      });
      await changed();
      return 'continue';
    }
    // recorded before the send: a worker that dies now leaves `sending`, sent again later
    const sending = await update(entry.opId, (e) => ({ ...e, state: 'sending', attempts: e.attempts + 1 }));
    if (!sending) return 'continue';
    await changed();
    inFlight = entry.opId;
    let result: SendResult;
    try {
      result = await options.send(prepared.op);
    } catch (err) {
      const said = noticeOf(err);
      result = { outcome: 'retry', reason: err instanceof Error ? err.message : String(err), ...(said ? { notice: said } : {}) };
    } finally {
      inFlight = null;
    }
    // a closed outbox stands for a worker that died mid-send: the entry stays as it is
    if (closed) return 'stop';
    if (result.outcome === 'confirmed') {
      await confirm(sending, result);
      await changed();
      return 'continue';
    }
    if (result.outcome === 'refused') {
      const refusal: Refusal = { status: result.status, code: result.code, message: result.message };
      await update(entry.opId, (e) => {
        const { lastNotice: _old, ...rest } = e;
        return { ...rest, state: 'refused', refusal, lastError: result.message };
      });
      await changed();
      return 'continue';
    }
    const t2 = now();
    const nextTryAt = t2 + Math.max(backoffDelay(sending.attempts, random, options.backoff), result.retryAfterMs ?? 0);
    const serverNotBefore = result.retryAfterMs !== undefined ? t2 + result.retryAfterMs : undefined;
    await update(entry.opId, (e) => {
      const { serverNotBefore: _old, lastNotice: _oldNotice, ...rest } = e;
      return {
        ...rest,
        state: 'pending',
        nextTryAt,
        lastError: result.reason,
        ...(result.notice ? { lastNotice: result.notice } : {}),
        ...(serverNotBefore !== undefined ? { serverNotBefore } : {}),
      };
    });
    await changed();
    schedule(nextTryAt);
    return 'stop';
  }

  function drain(drainOptions: { now?: boolean } = {}): Promise<void> {
    if (closed) return Promise.resolve();
    if (drainOptions.now) tryNow = true;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          while (!closed && (await sendHead()) === 'continue');
        } while (again && !closed);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function kick(drainOptions: { now?: boolean } = {}): void {
    drain(drainOptions).catch((err) => console.error('outbox drain failed', err));
  }

  const outbox: Outbox = {
    async submit(input) {
      const parsed = operation.safeParse(input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(operation)'}: ${i.message}`).join('; ');
        throw new TypeError(`Invalid operation: ${issues}`);
      }
      const db = await opened;
      let op = parsed.data;
      // a pending reference whose contact was confirmed meanwhile gets its real id at once
      for (const dep of pendingDependencies(op)) {
        const resolved = await db.get('resolved', dep);
        if (resolved) op = mapRefs(op, (ref) => (ref.id === `${PENDING_PREFIX}${dep}` ? { ...ref, id: resolved.id } : ref));
      }
      const tx = db.transaction(['ops', 'meta'], 'readwrite');
      const existing = await tx.objectStore('ops').get(op.opId);
      let entry = existing;
      if (!entry && (await tx.objectStore('ops').count()) >= maxEntries) {
        tx.abort();
        await tx.done.catch(() => {});
        throw withNotice(
          new RangeError(`The outbox is full: ${maxEntries} changes wait for the server or for the rep (refused ones); dismiss refused changes or reconnect before making more`),
          notice('noticeOutboxFull', String(maxEntries)),
        );
      }
      if (!entry) {
        const seq = ((await tx.objectStore('meta').get('seq')) ?? 0) + 1;
        await tx.objectStore('meta').put(seq, 'seq');
        entry = { opId: op.opId, seq, createdAt: op.createdAt, op, state: 'pending', attempts: 0, nextTryAt: 0 };
        await tx.objectStore('ops').add(entry);
      }
      await tx.done;
      if (!existing) await changed();
      // the rep acting is a good moment to try a waiting head again
      kick({ now: true });
      return entry;
    },
    drain,
    async pendingCount() {
      return (await entries()).filter((e) => e.state !== 'refused').length;
    },
    entries,
    snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async dismiss(opId) {
      if (inFlight === opId) return false;
      const db = await opened;
      const tx = db.transaction('ops', 'readwrite');
      const found = await tx.store.get(opId);
      if (found) await tx.store.delete(opId);
      await tx.done;
      if (found) await changed();
      return found !== undefined;
    },
    async retry(opId) {
      const t = now();
      const updated = await update(opId, (e) => {
        const { refusal: _refusal, ...rest } = e;
        return { ...rest, state: e.state === 'sending' ? 'sending' : 'pending', nextTryAt: t };
      });
      if (!updated) return false;
      await changed();
      kick();
      return true;
    },
    async nextAttemptAt() {
      const entry = await head();
      return entry ? entry.nextTryAt : null;
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      listeners.clear();
      (await opened).close();
    },
  };
  // a new instance is a worker (re)started: what waits is tried at once
  kick({ now: true });
  return outbox;
}
