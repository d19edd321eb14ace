import { useState } from 'preact/hooks';
import type { LoggedMessage } from '../../shared/companion.ts';
import { formatDate, typeName } from '../format.ts';
import { t } from '../i18n.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { refKey, stateOf } from './model.ts';

export interface LogChoice {
  ref: RecordRef;
  name: string;
  /** Chosen unless the rep unticks it. */
  preselected: boolean;
  /** Why it is not ticked beforehand (the workspace's never-log list), or undefined. */
  note?: string;
}

/** A message of the thread as the log section lists it. */
export interface LogMessage {
  id: string;
  /** Who sent it, as the page shows it. */
  sender: string;
  sentAt: string | null;
}

export interface LogEmailProps {
  choices: LogChoice[];
  /** Why the thread may not be logged (a never-log address), or null. */
  blockedBy: string | null;
  /** The thread's messages, oldest first ([] when the page does not list them one by one). */
  messages: LogMessage[];
  /** The messages logged already, by message id (the server's answer, B8). */
  logged: Readonly<Record<string, LoggedMessage>>;
  /** logEmail changes of this thread in the outbox, and those of this page the server confirmed. */
  changes: readonly PendingChange[];
  confirmed: readonly Operation[];
  onLog(chosen: RecordRef[]): void;
}


/** A time as the rep's language writes it: "3 Mar 2026, 09:15". */
export function shownTime(iso: string, withTime = true): string {
  return formatDate(iso, withTime ? 'dateTime' : 'date');
}

function loggedText(entry: LoggedMessage): string {
  const when = shownTime(entry.loggedAt);
  return entry.by ? t('sidebarLoggedByAt', entry.by, when) : t('sidebarLoggedAt', when);
}

/**
 * "Log this thread": each message not logged yet becomes an email activity on the chosen records
 * (R3); the server adds the primary company (R10) and never logs a message twice (B8). Messages
 * logged already show "Logged", by whom and when.
 */
export function LogEmail({ choices, blockedBy, messages, logged, changes, confirmed, onLog }: LogEmailProps) {
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
  const fresh = messages.filter((m) => !logged[m.id]);
  const allLogged = messages.length > 0 && fresh.length === 0;
  const justLogged = !busy && confirmed.some((op) => op.kind === 'logEmail');
  const state = busy?.state ?? (allLogged || (messages.length === 0 && justLogged) ? 'logged' : 'open');
  return (
    <section class="crm-log" data-state={state} aria-labelledby="crm-log-title">
      <h2 id="crm-log-title">{t('sidebarLogTitle')}</h2>
      {messages.length > 0 ? (
        <ul class="crm-messages" aria-label={t('sidebarLogMessages')}>
          {messages.map((m) => {
            const entry = logged[m.id];
            return (
              <li key={m.id} data-message-id={m.id} data-logged={entry ? 'true' : 'false'}>
                <span class="crm-message-who">{m.sender}</span>
                {m.sentAt ? <span class="crm-muted"> · {shownTime(m.sentAt)}</span> : null}
                <br />
                {entry ? (
                  <span class="crm-badge crm-logged">{loggedText(entry)}</span>
                ) : (
                  <span class="crm-muted">{t('sidebarNotLogged')}</span>
                )}
              </li>
            );
          })}
        </ul>
      ) : null}
      {blockedBy ? (
        <p class="crm-muted">{blockedBy}</p>
      ) : allLogged ? (
        <p class="crm-done">{t('sidebarLogAllLogged')}</p>
      ) : (
        <>
          <ul class="crm-choices">
            {choices.map((c) => (
              <li key={refKey(c.ref)}>
                <label>
                  <input type="checkbox" checked={isChosen(c)} onChange={() => toggle(c)} /> <span class="crm-kind">{typeName(c.ref.objectType)}</span> {c.name}
                  {c.note ? <span class="crm-muted"> ({c.note})</span> : null}
                </label>
              </li>
            ))}
          </ul>
          <p class="crm-hint">{t('sidebarLogPrimaryHint')}</p>
          {messages.length > 0 && fresh.length < messages.length ? <p class="crm-hint">{t('sidebarLogNew', String(fresh.length), String(messages.length))}</p> : null}
          {busy?.state === 'refused' ? (
            <p class="crm-refused" role="alert">
              {t('sidebarLogRefused', busy.message ?? 'the server refused it')}
            </p>
          ) : null}
          {busy?.state === 'pending' ? <p class="crm-pending">{t('sidebarLogPending')}</p> : null}
          {justLogged && messages.length === 0 ? <p class="crm-done">{t('sidebarLogged')}</p> : null}
          <button type="button" class="crm-button crm-primary" disabled={chosen.length === 0 || busy?.state === 'pending'} onClick={() => onLog(chosen)}>
            {t('sidebarLogButton')}
          </button>
        </>
      )}
    </section>
  );
}
