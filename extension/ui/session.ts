import type { CompanionThreadResponse } from '../../shared/companion.ts';
import type { MailEvent, MailThread } from '../mail/types.ts';
import type { CompanionRequest, PendingChange, Replies } from '../messaging.ts';
import type { Operation } from '../outbox/operation.ts';

export type Ask = <T extends CompanionRequest>(request: T) => Promise<Replies[T['type']]>;

export interface SessionState {
  thread: MailThread | null;
  view: CompanionThreadResponse | null;
  /** The view shown is the cache's answer; the server's is still being read (or could not be). */
  cached: boolean;
  /** A read of the view is under way (first load or refresh). */
  loading: boolean;
  error: string | null;
  /** Every change in the outbox (all threads): pending ones show as pending, refused ones with their reason. */
  changes: PendingChange[];
  /** Changes submitted from this page that the server confirmed: their results show until the view has them. */
  confirmed: Operation[];
  neverLog: string[];
  collapsed: boolean;
}

export interface ThreadSession {
  getState(): SessionState;
  subscribe(listener: (state: SessionState) => void): () => void;
  onMailEvent(event: MailEvent): void;
  /** The background's news: the outbox changed. A change of ours that left it was confirmed (or dismissed): read again. */
  onChanges(changes: PendingChange[]): void;
  /** The change feed brought news of these records and contact emails: read again when the view shows any of them. */
  onFeed(ids: readonly string[], emails: readonly string[]): void;
  submit(op: Operation): Promise<void>;
  dismiss(opId: string): Promise<void>;
  retry(opId: string): Promise<void>;
  toggle(): void;
  refresh(): Promise<void>;
  /** The rep changed the never-log list on the options page. */
  setNeverLog(neverLog: string[]): void;
}

/**
 * The sidebar's state for the thread open in one webmail tab (X2): follows the adapter's events,
 * reads what the CRM knows through the background, and shows every change at once as pending
 * until the outbox reports it confirmed, then reads the server's state again.
 */
export function createThreadSession(ask: Ask, initial: Partial<Pick<SessionState, 'changes' | 'neverLog' | 'collapsed'>> = {}): ThreadSession {
  let state: SessionState = { thread: null, view: null, cached: false, loading: false, error: null, changes: [], confirmed: [], neverLog: [], collapsed: false, ...initial };
  const listeners = new Set<(s: SessionState) => void>();
  /** Operations submitted from this page, stored in the outbox and not yet seen leaving it. */
  const mine = new Map<string, Operation>();
  /** Submitted, not yet stored: a list of changes without them says nothing yet. */
  const storing = new Set<string>();
  let readSeq = 0;

  const set = (patch: Partial<SessionState>) => {
    state = { ...state, ...patch };
    for (const l of listeners) l(state);
  };

  async function load(thread: MailThread): Promise<void> {
    const seq = ++readSeq;
    set({ loading: true });
    // the cache answers first (when it knows everyone); the server's answer replaces it
    const server = ask({ type: 'threadView', thread });
    let answered = false;
    if (!state.view) {
      void ask({ type: 'cachedThreadView', thread })
        .then((view) => {
          if (view && seq === readSeq && !answered) set({ view, cached: true });
        })
        .catch(() => {});
    }
    try {
      const view = await server;
      answered = true;
      if (seq !== readSeq) return; // another thread opened meanwhile
      set({ view, cached: false, loading: false, error: null });
    } catch (err) {
      answered = true;
      if (seq !== readSeq) return;
      set({ loading: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  function onChanges(changes: PendingChange[]): void {
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
    if (done.length && state.thread) void load(state.thread);
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onMailEvent(event) {
      if (event.type === 'threadClosed') {
        readSeq++;
        set({ thread: null, view: null, cached: false, loading: false, error: null, confirmed: [] });
        return;
      }
      const sameThread = state.thread?.threadId === event.thread.threadId;
      const before = state.thread;
      set({ thread: event.thread, ...(sameThread ? {} : { view: null, cached: false, error: null, confirmed: [] }) });
      // an update that brings nobody new (a message expanded) needs no new read
      const samePeople = sameThread && before && JSON.stringify(before.participants) === JSON.stringify(event.thread.participants) && before.subject === event.thread.subject;
      if (!samePeople) void load(event.thread);
    },
    onChanges,
    onFeed(ids, emails) {
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
      if (ids.some((id) => shown.has(id)) || emails.some((e) => shown.has(e.toLowerCase()))) void load(thread);
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
        set({ changes: state.changes.map((c) => (c.opId === op.opId ? { ...c, state: 'refused', message } : c)) });
        return;
      }
      storing.delete(op.opId);
      // it may have been confirmed before this answer came: the outbox's current list decides
      const status = await ask({ type: 'status' }).catch(() => null);
      if (status) onChanges(status.changes);
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
    refresh: () => (state.thread ? load(state.thread) : Promise.resolve()),
    setNeverLog(neverLog) {
      set({ neverLog });
    },
  };
}
