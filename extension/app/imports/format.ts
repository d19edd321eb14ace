import type { ImportListItem, ImportView } from '../../../shared/imports.ts';
import { formatDate, formatNumber } from '../../format.ts';
import { type MessageKey, t } from '../../i18n.ts';
import { errorText } from '../../notice.ts';

/** A count in the text language (`12,345` / `12.345`). */
export const count = (n: number) => formatNumber(n);

/** A moment in the text language, date and time. */
export const when = (iso: string) => formatDate(iso, 'dateTime');

/** What a failed request says to the rep: the server's message, or the error's. */
export const reasonOf = (err: unknown) => errorText(err);

export type ShownState = 'queued' | 'running' | 'done' | 'failed' | 'canceled' | 'undone';

/** An import's state as shown: a failed one whose failure starts `CANCELED:` was canceled. */
export function shownState(job: Pick<ImportView | ImportListItem, 'state' | 'failure'>): ShownState {
  if (job.state === 'failed' && job.failure?.startsWith('CANCELED')) return 'canceled';
  return job.state;
}

const STATE_KEYS: Record<ShownState, MessageKey> = {
  queued: 'importsStateQueued',
  running: 'importsStateRunning',
  done: 'importsStateDone',
  failed: 'importsStateFailed',
  canceled: 'importsStateCanceled',
  undone: 'importsStateUndone',
};

/** The state as one word: "Done", "Running"… (a contract: outside checks read "Done"). */
export const stateWord = (state: ShownState) => t(STATE_KEYS[state]);

/** Still moving: the page follows its progress. */
export const isLive = (state: ShownState) => state === 'queued' || state === 'running';

/** The sum of a per-type count (`created: {contacts: 3, companies: 1}`). */
export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
