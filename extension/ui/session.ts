import type { CompanionThreadResponse } from '../../shared/companion.ts';
import type { MailEvent, MailThread } from '../mail/types.ts';
import { mark } from '../marks.ts';
import type { CompanionRequest, FeedPosition, PendingChange, Replies } from '../messaging.ts';
import { type Notice, noticeOf } from '../notice.ts';
import type { Operation } from '../outbox/operation.ts';
import { refKey } from './model.ts';

export type Ask = <T extends CompanionRequest>(request: T) => Promise<Replies[T['type']]>;

export interface SessionState {
  thread: MailThread | null;
  view: CompanionThreadResponse | null;
  /** The view shown is the cache's answer; the server's is still being read (or could not be). */
  cached: boolean;
  /** A read of the view is under way (first load or refresh). */
  loading: boolean;
  error: string | null;
  /** The error as a notice, when the companion wrote it: the sidebar shows it in the rep's language. */
  errorNotice?: Notice | null;
  /** Every change in the outbox (all threads): pending ones show as pending, refused ones with their reason. */
  changes: PendingChange[];
  /** Changes submitted from this page that the server confirmed: their results show until the view has them. */
  confirmed: Operation[];
  neverLog: string[];
  collapsed: boolean;
  /** The webmail shows a thread the companion cannot read: the sidebar says so and offers a search. */
  unreadable: { threadId: string; subject: string } | null;
}

export interface ThreadSession {
  getState(): SessionState;
  subscribe(listener: (state: SessionState) => void): () => void;
  onMailEvent(event: MailEvent): void;
  /**
   * The background's news: the outbox changed. A change of ours that left it was confirmed (or
   * dismissed), by feed position `confirmedAt`: read again, unless the view already shows it.
   */
  onChanges(changes: PendingChange[], confirmedAt?: FeedPosition, seq?: number): void;
  /**
   * The change feed brought news of these records and contact emails, up to `cursor`: read again
   * when the view shows any of them, unless it already shows the change.
   */
  onFeed(ids: readonly string[], emails: readonly string[], cursor?: FeedPosition): void;
  submit(op: Operation): Promise<void>;
  dismiss(opId: string): Promise<void>;
  retry(opId: string): Promise<void>;
  toggle(): void;
  /** Searches the CRM (the manual search offered when a thread cannot be read). */
  search(q: string): Promise<Replies['search']>;
  /** Where a new deal and ticket start (the sidebar's create form). */
  stageStarts(): Promise<Replies['stageStarts']>;
  /** The labels of a pair (the person's "Edit labels"). */
  pairLabels(fromType: string, toType: string): Promise<Replies['pairLabels']>;
  refresh(): Promise<void>;
  /** The rep changed the never-log list on the options page. */
  setNeverLog(neverLog: string[]): void;
}

/**
 * How long a thread's server read may take before the cache is asked for what it knows (ms). Asked
 * at once beside every read, the cache's reads (storage in the background, the browser's database
 * process) competed with the server's answer for the CPU: bench:companion, data shown p90 92-99 ms
 * with it, 71-89 without. A failed read asks it at once.
 */
export const CACHE_AFTER_MS = 150;

/**
 * The sidebar's state for the thread open in one webmail tab (X2): follows the adapter's events,
 * reads what the CRM knows through the background, and shows every change at once as pending
 * until the outbox reports it confirmed, then reads the server's state again.
 *
 * One change made in the sidebar brings several pieces of news (the outbox's confirmation, then a
 * feed event for each record and association it touched), and a read of the thread is a
 * recommendation query on the server: so a read starts only for news the view does not show yet.
 * Each read says up to which feed position it shows everything; news during a read waits for it.
 */
export function createThreadSession(
  ask: Ask,
  initial: Partial<Pick<SessionState, 'changes' | 'neverLog' | 'collapsed'>> & { changesSeq?: number } = {},
  options: { cacheAfterMs?: number } = {},
): ThreadSession {
  const { changesSeq: initialSeq, ...shown } = initial;
  const cacheAfterMs = options.cacheAfterMs ?? CACHE_AFTER_MS;
  let state: SessionState = { thread: null, view: null, cached: false, loading: false, error: null, changes: [], confirmed: [], neverLog: [], collapsed: false, unreadable: null, ...shown };
  const listeners = new Set<(s: SessionState) => void>();
  /** Operations submitted from this page, stored in the outbox and not yet seen leaving it. */
  const mine = new Map<string, Operation>();
  /** Submitted, not yet stored: a list of changes without them says nothing yet. */
  const storing = new Set<string>();
  let readSeq = 0;
  /** The outbox reading the changes shown come from (see OutboxSnapshot). */
  let listSeq = initialSeq ?? -Infinity;
  /** The feed position the server's view shown reflects everything up to (null: not known). */
  let viewAsOf: FeedPosition = null;
  /** A server read of the open thread is under way. */
  let reading = false;
  /** News that came during that read, as the latest position it named: judged when the read answers. */
  let heard: { at: FeedPosition } | null = null;

  /** The news heard during the read that just answered (taken: the next read starts afresh). */
  const takeHeard = () => {
    const news = heard;
    heard = null;
    return news;
  };

  const set = (patch: Partial<SessionState>) => {
    state = { ...state, ...patch };
    for (const l of listeners) l(state);
  };

  async function load(thread: MailThread): Promise<void> {
    const seq = ++readSeq;
    reading = true;
    heard = null;
    set({ loading: true });
    mark('crm:thread-asked');
    const server = ask({ type: 'threadView', thread });
    // a server slower than cacheAfterMs, or failing, and nothing shown yet: the cache answers
    // meanwhile (when it knows everyone); the server's answer replaces it
    let read: Replies['threadView'] | null = null;
    let cacheAsked = false;
    const fromCache = () => {
      if (cacheAsked || state.view || seq !== readSeq) return;
      cacheAsked = true;
      void ask({ type: 'cachedThreadView', thread })
        .then((view) => {
          if (view && seq === readSeq && !read && !state.view) set({ view, cached: true });
        })
        .catch(() => {});
    };
    const cacheTimer = setTimeout(fromCache, cacheAfterMs);
    try {
      read = await server;
    } catch (err) {
      clearTimeout(cacheTimer);
      if (seq !== readSeq) return;
      fromCache();
      reading = false;
      // news that came meanwhile is not shown: one more try for it
      const again = takeHeard() !== null;
      set({ loading: again, error: err instanceof Error ? err.message : String(err), errorNotice: noticeOf(err) ?? null });
      if (again) void load(state.thread!);
      return;
    }
    clearTimeout(cacheTimer);
    if (seq !== readSeq) return; // another thread opened meanwhile
    mark('crm:thread-answered');
    reading = false;
    viewAsOf = read.asOf;
    const news = takeHeard();
    const again = news !== null && !shows(read.asOf, news.at);
    set({ view: withAssociatedKept(state.view, read.view, state.confirmed), cached: false, loading: again, error: null, errorNotice: null });
    if (again) void load(state.thread!);
  }

  /**
   * Something changed on the server, known to the feed up to `at`: read the thread again, unless
   * the view shown reflects it already. During a read the news waits for that read's answer, so a
   * burst of it costs one more read at most.
   */
  function changed(at: FeedPosition): void {
    if (!state.thread) return;
    if (reading) {
      heard = { at: heard ? later(heard.at, at) : at };
      return;
    }
    if (!shows(viewAsOf, at)) void load(state.thread);
  }

  function onChanges(changes: PendingChange[], confirmedAt: FeedPosition = null, seq?: number): void {
    // the broadcast and the answer to `status` cross: a list read before the one shown would
    // bring back, as pending forever, a change already confirmed
    if (seq !== undefined) {
      if (seq <= listSeq) return;
      listSeq = seq;
    }
    const present = new Set(changes.map((c) => c.opId));
    const done: Operation[] = [];
    for (const [opId, op] of mine) {
      if (!present.has(opId) && !storing.has(opId)) {
        mine.delete(opId);
        done.push(op);
      }
    }
    const local = state.changes.filter((c) => storing.has(c.opId) && !present.has(c.opId));
    set({ changes: [...changes, ...local], ...(done.length ? { confirmed: [...state.confirmed, ...done] } : {}) });
    if (done.length) changed(confirmedAt);
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onMailEvent(event) {
      if (event.type === 'threadClosed' || event.type === 'threadUnreadable') {
        readSeq++;
        reading = false;
        heard = null;
        viewAsOf = null;
        const unreadable = event.type === 'threadUnreadable' ? { threadId: event.threadId, subject: event.subject } : null;
        set({ thread: null, view: null, cached: false, loading: false, error: null, errorNotice: null, confirmed: [], unreadable });
        return;
      }
      const sameThread = state.thread?.threadId === event.thread.threadId;
      const before = state.thread;
      if (!sameThread) viewAsOf = null;
      set({ thread: event.thread, unreadable: null, ...(sameThread ? {} : { view: null, cached: false, error: null, errorNotice: null, confirmed: [] }) });
      // an update that brings nobody new (a message expanded) needs no new read
      const samePeople = sameThread && before && JSON.stringify(before.participants) === JSON.stringify(event.thread.participants) && before.subject === event.thread.subject;
      if (!samePeople) {
        mark('crm:thread-opened');
        void load(event.thread);
      }
    },
    onChanges,
    onFeed(ids, emails, cursor = null) {
      const { thread, view } = state;
      if (!thread) return;
      const shown = new Set<string>();
      for (const p of view?.participants ?? []) {
        shown.add(p.email.toLowerCase());
        if (p.contact) shown.add(p.contact.id);
        if (p.contact?.primaryCompany) shown.add(p.contact.primaryCompany.id);
        if (p.proposedCompany?.id) shown.add(p.proposedCompany.id);
      }
      for (const p of thread.participants) shown.add(p.email.toLowerCase());
      for (const r of view?.recommendations ?? []) shown.add(r.id);
      for (const s of Object.values(view?.summaries ?? {})) {
        for (const d of [...s.openDeals, ...s.openTickets]) shown.add(d.id);
      }
      if (ids.some((id) => shown.has(id)) || emails.some((e) => shown.has(e.toLowerCase()))) changed(cursor);
    },
    async submit(op) {
      mine.set(op.opId, op);
      storing.add(op.opId);
      // shown at once: the rep sees the change as pending before the background has stored it
      set({ changes: [...state.changes.filter((c) => c.opId !== op.opId), { opId: op.opId, op, state: 'pending' }] });
      try {
        await ask({ type: 'submit', operation: op });
      } catch (err) {
        mine.delete(op.opId);
        storing.delete(op.opId);
        const message = err instanceof Error ? err.message : String(err);
        const notice = noticeOf(err);
        set({ changes: state.changes.map((c) => (c.opId === op.opId ? { ...c, state: 'refused', message, ...(notice ? { notice } : {}) } : c)) });
        return;
      }
      storing.delete(op.opId);
      // it may have been confirmed before this answer came: the outbox's current list decides
      const status = await ask({ type: 'status' }).catch(() => null);
      if (status) onChanges(status.changes, status.confirmedAt, status.changesSeq);
    },
    async dismiss(opId) {
      mine.delete(opId);
      set({ changes: state.changes.filter((c) => c.opId !== opId) });
      await ask({ type: 'dismiss', opId }).catch(() => {});
    },
    async retry(opId) {
      await ask({ type: 'retry', opId }).catch(() => {});
    },
    toggle() {
      set({ collapsed: !state.collapsed });
    },
    search: (q) => ask({ type: 'search', q }),
    stageStarts: () => ask({ type: 'stageStarts' }),
    pairLabels: (fromType, toType) => ask({ type: 'pairLabels', fromType, toType }),
    refresh: () => (state.thread ? load(state.thread) : Promise.resolve()),
    setNeverLog(neverLog) {
      set({ neverLog });
    },
  };
}

/**
 * The new view, with the recommendations the rep associated from this thread kept where they were
 * shown, as "Associated": the server no longer recommends a record linked to everyone in the thread,
 * and a line that vanished the moment it was done would leave the rep wondering whether it was.
 * They go when the thread does (its confirmed changes are forgotten then).
 */
function withAssociatedKept(before: CompanionThreadResponse | null, next: CompanionThreadResponse, confirmed: readonly Operation[]): CompanionThreadResponse {
  if (!before || confirmed.length === 0) return next;
  const associated = new Set(confirmed.flatMap((op) => (op.kind === 'associate' ? [refKey(op.to)] : [])));
  const still = new Set(next.recommendations.map(refKey));
  const kept = before.recommendations.filter((r) => associated.has(refKey(r)) && !still.has(refKey(r)));
  return kept.length === 0 ? next : { ...next, recommendations: [...next.recommendations, ...kept] };
}

/** A feed cursor as numbers: `<commit>.<event>`, or `<commit>` alone for after all of that commit (event null). */
function parseCursor(cursor: string): { commit: bigint; event: bigint | null } | null {
  const match = /^(\d+)(?:\.(-?\d+))?$/.exec(cursor);
  return match ? { commit: BigInt(match[1]!), event: match[2] === undefined ? null : BigInt(match[2]) } : null;
}

/** Whether feed position `at` is at or before `asOf`; an unknown or unreadable one is not. */
function shows(asOf: FeedPosition, at: FeedPosition): boolean {
  const a = at === null ? null : parseCursor(at);
  const b = asOf === null ? null : parseCursor(asOf);
  if (!a || !b) return false;
  if (a.commit !== b.commit) return a.commit < b.commit;
  return b.event === null || (a.event !== null && a.event <= b.event);
}

/** The later of two feed positions; not known if either is not. */
function later(a: FeedPosition, b: FeedPosition): FeedPosition {
  if (a === null || b === null) return null;
  return shows(b, a) ? b : a;
}
