import { useState } from 'preact/hooks';
import type { PendingChange } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { refKey, stateOf } from './model.ts';

export interface LogChoice {
  ref: RecordRef;
  name: string;
  /** Chosen unless the rep unticks it. */
  preselected: boolean;
}

export interface LogEmailProps {
  choices: LogChoice[];
  /** Why the email may not be logged (a never-log address), or null. */
  blockedBy: string | null;
  /** logEmail changes of this thread in the outbox, and those of this page the server confirmed. */
  changes: readonly PendingChange[];
  confirmed: readonly Operation[];
  onLog(chosen: RecordRef[]): void;
}

const KIND: Record<string, string> = { contacts: 'Contact', companies: 'Company', deals: 'Deal', tickets: 'Ticket' };

/** "Log this email": an email activity on the chosen records; the server adds the primary company (R10). */
export function LogEmail({ choices, blockedBy, changes, confirmed, onLog }: LogEmailProps) {
  const [unticked, setUnticked] = useState<ReadonlySet<string>>(new Set());
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const isChosen = (c: LogChoice) => (c.preselected ? !unticked.has(refKey(c.ref)) : ticked.has(refKey(c.ref)));
  const toggle = (c: LogChoice) => {
    const key = refKey(c.ref);
    const flip = (set: ReadonlySet<string>) => {
      const next = new Set(set);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    };
    if (c.preselected) setUnticked(flip);
    else setTicked(flip);
  };
  const chosen = choices.filter(isChosen).map((c) => c.ref);
  const busy = stateOf(changes);
  const logged = !busy && confirmed.some((op) => op.kind === 'logEmail');
  return (
    <section class="crm-log" data-state={busy?.state ?? (logged ? 'logged' : 'open')}>
      <h2>Log this email</h2>
      {blockedBy ? (
        <p class="crm-muted">{blockedBy}</p>
      ) : (
        <>
          <ul class="crm-choices">
            {choices.map((c) => (
              <li key={refKey(c.ref)}>
                <label>
                  <input type="checkbox" checked={isChosen(c)} onChange={() => toggle(c)} /> <span class="crm-kind">{KIND[c.ref.objectType] ?? c.ref.objectType}</span> {c.name}
                </label>
              </li>
            ))}
          </ul>
          <p class="crm-hint">The contact's primary company is added automatically.</p>
          {busy?.state === 'refused' ? <p class="crm-refused" role="alert">Not logged: {busy.message ?? 'the server refused it'}</p> : null}
          {busy?.state === 'pending' ? <p class="crm-pending">Logging… (waiting for the server)</p> : null}
          {logged ? <p class="crm-done">Logged</p> : null}
          <button type="button" class="crm-button crm-primary" disabled={chosen.length === 0 || busy?.state === 'pending'} onClick={() => onLog(chosen)}>
            Log this email
          </button>
        </>
      )}
    </section>
  );
}
