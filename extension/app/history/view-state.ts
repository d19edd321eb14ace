import { apiPaths, type PathRecord } from '../../../shared/api-paths.ts';
import type { HistoryEntry } from '../../../shared/history.ts';
import { ACTIVITIES, type HistoryAction, type HistorySource, isHistoryAction, isHistorySource } from '../../../shared/history-terms.ts';
import { STANDARD_OBJECTS } from '../../../shared/standard-objects.ts';
import type { AppRoute } from '../routes.ts';

/**
 * What the history view shows (R20–R22, B3), held in the address's query so a filtered view can be
 * shared and survives a reload:
 *
 *   type=companies | activities | emails …   the associated object or activity type
 *   source=IMPORT                             the source of the change (R21)
 *   action=DELETED                            the action
 *   from=…Z, to=…Z                            the time range (ISO 8601; from inclusive, to exclusive)
 *   with=companies/12                         one association's full history (R22)
 *   at=…Z                                     the record's associations as they were then (B3)
 *
 * Values that are no such thing are dropped, never guessed.
 */
export interface HistoryViewState {
  type?: string;
  source?: HistorySource;
  action?: HistoryAction;
  from?: string;
  to?: string;
  with?: PathRecord;
  at?: string;
}

/** The object and activity types the type filter offers (API names), `activities` for every activity type. */
export const TYPE_CHOICES: readonly string[] = [...STANDARD_OBJECTS.filter((o) => !o.activity).map((o) => o.name), ACTIVITIES, ...STANDARD_OBJECTS.filter((o) => o.activity).map((o) => o.name)];

const TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const RECORD_ID = /^[1-9][0-9]{0,18}$/;

/** An ISO 8601 time as the API takes it, normalised to UTC (`2026-05-01T12:00:00.000Z`), or undefined. */
function isoTime(value: string | null): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function viewStateOf(query: URLSearchParams): HistoryViewState {
  const state: HistoryViewState = {};
  const type = query.get('type');
  if (type && TYPE_NAME.test(type)) state.type = type;
  const source = query.get('source');
  if (isHistorySource(source)) state.source = source;
  const action = query.get('action');
  if (isHistoryAction(action)) state.action = action;
  const from = isoTime(query.get('from'));
  if (from) state.from = from;
  const to = isoTime(query.get('to'));
  if (to) state.to = to;
  const at = isoTime(query.get('at'));
  if (at) state.at = at;
  const [withType, withId, ...rest] = (query.get('with') ?? '').split('/');
  if (withType && withId && rest.length === 0 && TYPE_NAME.test(withType) && RECORD_ID.test(withId)) state.with = { objectType: withType, id: withId };
  return state;
}

export function queryOf(state: HistoryViewState): URLSearchParams {
  const query = new URLSearchParams();
  if (state.type) query.set('type', state.type);
  if (state.source) query.set('source', state.source);
  if (state.action) query.set('action', state.action);
  if (state.from) query.set('from', state.from);
  if (state.to) query.set('to', state.to);
  if (state.with) query.set('with', `${state.with.objectType}/${state.with.id}`);
  if (state.at) query.set('at', state.at);
  return query;
}

/** The history view's route: the record's whole history, or filtered, or one association's (from an entry or a record page's card). */
export function historyRoute(objectType: string, id: string | number, state: HistoryViewState = {}): AppRoute {
  return { page: 'history', objectType, id: String(id), query: queryOf(state) };
}

export const PAGE_SIZE = 50;

/** The API path of one page of what the view lists: one association's history, or the record's with its filters. */
export function historyPath(record: PathRecord, state: HistoryViewState, after?: string): string {
  if (state.with) return apiPaths.associationHistoryWith(record, state.with, { limit: PAGE_SIZE, ...(after ? { after } : {}) });
  return apiPaths.associationHistory(record, {
    ...(state.type ? { toObjectType: state.type } : {}),
    ...(state.source ? { source: state.source } : {}),
    ...(state.action ? { action: state.action } : {}),
    ...(state.from ? { from: state.from } : {}),
    ...(state.to ? { to: state.to } : {}),
    limit: PAGE_SIZE,
    ...(after ? { after } : {}),
  });
}

/** A `datetime-local` input's value (the browser's time zone, seconds when there are) for an ISO time, and back. */
export function localInputOf(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  const seconds = d.getSeconds() > 0 ? `:${pad(d.getSeconds())}` : '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}${seconds}`;
}

export function isoOfLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const WHOLE: readonly HistoryAction[] = ['CREATED', 'DELETED'];

/**
 * Entries that a later change in `entries` (newest first) changed again: the server refuses to undo
 * those (revert that later change first), so they offer no Undo. For CREATED and DELETED any later
 * change of the pair counts; for a label or primary, a later change of that type or of the whole
 * association. Entries of one change share their time (an import's CREATED and PRIMARY_SET), so
 * only a later time is a later change. Entries not loaded (older pages, filtered out) are not
 * known here: the server's answer to Undo is the last word.
 */
export function supersededIds(entries: readonly HistoryEntry[]): Set<string> {
  const byPair = new Map<string, HistoryEntry[]>();
  const out = new Set<string>();
  for (const e of entries) {
    const pair = `${e.toObjectType}/${e.toObjectId}`;
    const later = byPair.get(pair) ?? [];
    const whole = WHOLE.includes(e.action);
    if (later.some((l) => l.occurredAt > e.occurredAt && (whole || WHOLE.includes(l.action) || l.associationTypeId === e.associationTypeId))) out.add(e.id);
    later.push(e);
    byPair.set(pair, later);
  }
  return out;
}
