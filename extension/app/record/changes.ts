import { useEffect, useRef, useState } from 'preact/hooks';
import { apiPaths } from '../../../shared/api-paths.ts';
import { type HistoryAction, historyPage } from '../../../shared/history.ts';
import type { Operation } from '../../outbox/operation.ts';
import type { AppSession } from '../App.tsx';

/**
 * The record page's writes: each goes to the background's outbox (X4) and is followed there
 * until the server confirms or refuses it. Every change is shown while pending, kept until
 * confirmed, and a refused one stays with its reason. After a confirmed association change the
 * page offers "Undo" for a few seconds: the revert (B1) of the history entries the change wrote.
 */

export type OperationInput = Operation extends infer O ? (O extends Operation ? Omit<O, 'opId' | 'createdAt'> : never) : never;

export interface TrackedChange {
  opId: string;
  op: Operation;
  /** What the page says of the change ("Associated Acme"). */
  text: string;
  state: 'pending' | 'sending' | 'refused' | 'confirmed';
  message?: string;
  /** How to undo it once confirmed: the history entries to look for from the page's record. */
  undo?: UndoPlan;
}

export interface UndoPlan {
  toObjectType: string;
  toId?: string;
  actions: HistoryAction[];
  /** How many entries the change wrote from this record's side (labels: one per label). */
  entries: number;
}

/** How long "Undo" stays offered after a change is confirmed. */
export const UNDO_MS = 8_000;
const POLL_MS = 300;
/** Every this many polls, the background also probes the server (and sends what waits when it answers). */
const PROBE_EVERY = 10;

export function useChanges(session: AppSession, onConfirmed: (change: TrackedChange) => void) {
  const [changes, setChanges] = useState<TrackedChange[]>([]);
  const latest = useRef(changes);
  latest.current = changes;
  const confirmedRef = useRef(onConfirmed);
  confirmedRef.current = onConfirmed;

  const open = changes.some((c) => c.state === 'pending' || c.state === 'sending');
  useEffect(() => {
    if (!open) return;
    let stop = false;
    let ticks = 0;
    const tick = async () => {
      if (stop) return;
      try {
        // now and then ask the background to try the server: a change waiting for it goes at once when it is back
        const status = await session.ask({ type: 'status', probe: ++ticks % PROBE_EVERY === 0 });
        const byId = new Map(status.changes.map((c) => [c.opId, c]));
        const done: TrackedChange[] = [];
        const next = latest.current.map((c): TrackedChange => {
          if (c.state === 'confirmed' || c.state === 'refused') return c;
          const entry = byId.get(c.opId);
          if (!entry) {
            const confirmed = { ...c, state: 'confirmed' as const };
            done.push(confirmed);
            return confirmed;
          }
          return { ...c, state: entry.state, ...(entry.message ? { message: entry.message } : {}) };
        });
        latest.current = next;
        setChanges(next);
        for (const c of done) confirmedRef.current(c);
      } catch {
        // the background is busy starting: ask again next tick
      }
      if (!stop) setTimeout(tick, POLL_MS);
    };
    const timer = setTimeout(tick, POLL_MS);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [open]);

  async function submit(input: OperationInput, text: string, undo?: UndoPlan): Promise<TrackedChange> {
    const op = { ...input, opId: crypto.randomUUID(), createdAt: Date.now() } as Operation;
    const pending = await session.ask({ type: 'submit', operation: op });
    const change: TrackedChange = { opId: op.opId, op, text, state: pending.state, ...(pending.message ? { message: pending.message } : {}), ...(undo ? { undo } : {}) };
    const next = [...latest.current, change];
    latest.current = next;
    setChanges(next);
    return change;
  }

  /** Forgets a refused change (the outbox too) or a confirmed one the page no longer shows. */
  async function dismiss(opId: string): Promise<void> {
    const change = latest.current.find((c) => c.opId === opId);
    if (change && change.state !== 'confirmed') await session.ask({ type: 'dismiss', opId });
    const next = latest.current.filter((c) => c.opId !== opId);
    latest.current = next;
    setChanges(next);
  }

  return { changes, submit, dismiss };
}

/**
 * The history entries a confirmed change wrote from the page's record: the newest entries of the
 * associated type made by this user with the change's actions (and record, when known).
 */
export async function entriesToUndo(session: AppSession, record: { objectType: string; id: string }, plan: UndoPlan): Promise<string[]> {
  const me = session.me.caller.kind === 'user' ? String(session.me.caller.id) : null;
  const page = await session.client.request(apiPaths.associationHistory(record, { toObjectType: plan.toObjectType, action: plan.actions.join(','), limit: 20 }), { method: 'GET', schema: historyPage });
  const mine = page.results.filter((e) => e.source === 'USER' && e.sourceUserId === me && (plan.toId === undefined || e.toObjectId === plan.toId));
  return mine.slice(0, plan.entries).map((e) => e.id);
}
