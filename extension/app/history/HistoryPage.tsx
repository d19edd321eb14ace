import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import { apiPaths, type PathRecord } from '../../../shared/api-paths.ts';
import { type AssociationsView, associationsView, type HistoryAction, type HistoryEntry, type HistorySource, historyAction, historyPage, historySource, revertResult } from '../../../shared/history.ts';
import { standardObject } from '../../../shared/objects.ts';
import { recordName } from '../../../shared/record-name.ts';
import { nameProperties } from '../../../shared/record-name.ts';
import { simplePublicObject } from '../../../shared/records.ts';
import { formatDate } from '../../format.ts';
import { type MessageKey, t } from '../../i18n.ts';
import type { AppSession, PageProps } from '../App.tsx';
import { recordRoute } from '../routes.ts';
import { historyPath, historyRoute, type HistoryViewState, isoOfLocalInput, localInputOf, supersededIds, TYPE_CHOICES, viewStateOf } from './view-state.ts';
import { errorText } from '../../notice.ts';

const messageOf = errorText;

const SOURCE_KEYS: Record<HistorySource, MessageKey> = {
  USER: 'historySourceUser',
  OBJECT_DELETION: 'historySourceObjectDeletion',
  OBJECT_MERGE: 'historySourceObjectMerge',
  OBJECT_RESTORE: 'historySourceObjectRestore',
  IMPORT: 'historySourceImport',
  AUTO_DOMAIN: 'historySourceAutoDomain',
  API: 'historySourceApi',
  JOB: 'historySourceJob',
  MIGRATION: 'historySourceMigration',
  UNKNOWN: 'historySourceUnknown',
};

const ACTION_KEYS: Record<HistoryAction, MessageKey> = {
  CREATED: 'historyActionCreated',
  DELETED: 'historyActionDeleted',
  LABEL_ADDED: 'historyActionLabelAdded',
  LABEL_REMOVED: 'historyActionLabelRemoved',
  PRIMARY_SET: 'historyActionPrimarySet',
  PRIMARY_UNSET: 'historyActionPrimaryUnset',
};

const TYPE_KEYS: Record<string, MessageKey> = {
  contacts: 'historyTypeContacts',
  companies: 'historyTypeCompanies',
  deals: 'historyTypeDeals',
  tickets: 'historyTypeTickets',
  activities: 'historyTypeActivities',
  emails: 'historyTypeEmails',
  calls: 'historyTypeCalls',
  meetings: 'historyTypeMeetings',
  notes: 'historyTypeNotes',
  tasks: 'historyTypeTasks',
};

/** An object type as the page names it: the standard ones in the text language, others by their API name. */
const typeLabel = (name: string) => (TYPE_KEYS[name] ? t(TYPE_KEYS[name]) : name);

/** A time as the page shows it, in the text language now (format.ts keeps one formatter per language: a language change applies at once). */
function formatTime(iso: string): string {
  return formatDate(iso, 'dateTimeSeconds');
}

/** The record's name (shared/record-name.ts) for the header; its id when it has none or cannot be read. */
function useRecordName(session: AppSession, record: PathRecord): string | null {
  const [name, setName] = useState<string | null>(null);
  // a layout effect: an answer already in (the early reads) renders before the first paint
  useLayoutEffect(() => {
    setName(null);
    const type = standardObject(record.objectType);
    const fallback = `${typeLabel(record.objectType)} ${record.id}`;
    if (!type) return void setName(fallback);
    session.client
      .request(apiPaths.record(record.objectType, record.id, { properties: nameProperties(type.typeId) }), { method: 'GET', schema: simplePublicObject })
      .then((r) => setName(recordName(type.typeId, r.properties) ?? fallback))
      .catch(() => setName(fallback));
  }, [record.objectType, record.id]);
  return name;
}

type Note = { kind: 'error' | 'done'; text: string };

/** A performance mark set when the page first shows its entries and the record's name. */
export const HISTORY_MARK = 'crm-history-data';

/** How long the first page waits for the record's name before it shows without it. */
export const NAME_WAIT_MS = 250;

/**
 * The association history view (`#/{objectType}/{id}/history`, R20–R22): every association change
 * of the record, newest first, filterable by type, source, action and time (the filters live in
 * the address), one association's full history, the record's associations as they were at a
 * moment (B3), a copyable link per entry and Undo (B1) with the server's reason when refused.
 */
export function HistoryPage({ route, session }: PageProps<'history'>) {
  const record = useMemo(() => ({ objectType: route.objectType, id: route.id }), [route.objectType, route.id]);
  const queryKey = route.query.toString();
  const state = useMemo(() => viewStateOf(route.query), [queryKey]);
  const name = useRecordName(session, record);
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [notes, setNotes] = useState<Record<string, Note>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    document.title = `${name ?? record.id} · ${t('historyTitle')}`;
  }, [name, record.id]);

  // a layout effect, as the name's
  useLayoutEffect(() => {
    let live = true;
    setFailure(null);
    session.client
      .request(historyPath(record, state), { method: 'GET', schema: historyPage })
      .then((page) => {
        if (!live) return;
        setEntries(page.results);
        setNext(page.paging?.next.after);
      })
      .catch((err) => live && setFailure(messageOf(err)));
    return () => void (live = false);
  }, [record, queryKey, reloads]);

  // the first page waits for the record's name (both are read at once, the name is the smaller read): one
  // render and one paint show both, not two; an answer that is late does not hold the entries back
  const [nameLate, setNameLate] = useState(false);
  useLayoutEffect(() => setNameLate(false), [record]);
  useEffect(() => {
    if (entries === null || name !== null) return;
    const timer = setTimeout(() => setNameLate(true), NAME_WAIT_MS);
    return () => clearTimeout(timer);
  }, [entries === null, name === null]);
  const shown = name !== null || nameLate ? entries : null;

  const superseded = useMemo(() => supersededIds(entries ?? []), [entries]);

  useEffect(() => {
    // the moment the page first shows its entries and the record's name (bench/history-view.ts reads it)
    if (shown && name && performance.getEntriesByName(HISTORY_MARK).length === 0) performance.mark(HISTORY_MARK);
  }, [shown !== null && name !== null]);

  const go = (changes: HistoryViewState) => session.navigate(historyRoute(record.objectType, record.id, changes));

  async function loadMore() {
    if (!next) return;
    setMore(true);
    try {
      const page = await session.client.request(historyPath(record, state, next), { method: 'GET', schema: historyPage });
      setEntries((before) => [...(before ?? []), ...page.results]);
      setNext(page.paging?.next.after);
    } catch (err) {
      setFailure(messageOf(err));
    } finally {
      setMore(false);
    }
  }

  async function undo(entry: HistoryEntry) {
    setBusy(entry.id);
    try {
      await session.client.request(apiPaths.revertHistoryEntry(entry.id), { method: 'POST', schema: revertResult });
      setNotes({});
      setStatus(t('historyUndone', entry.id));
      setReloads((n) => n + 1);
    } catch (err) {
      setNotes((n) => ({ ...n, [entry.id]: { kind: 'error', text: t('historyUndoRefused', messageOf(err)) } }));
    } finally {
      setBusy(null);
    }
  }

  async function copyLink(entry: HistoryEntry) {
    const address = session.url(recordRoute(entry.toObjectType, entry.toObjectId));
    try {
      await navigator.clipboard.writeText(address);
      setNotes((n) => ({ ...n, [entry.id]: { kind: 'done', text: t('historyLinkCopied') } }));
    } catch (err) {
      setNotes((n) => ({ ...n, [entry.id]: { kind: 'error', text: t('historyCopyFailed', address) } }));
    }
  }

  const shownName = name ?? `${typeLabel(record.objectType)} ${record.id}`;
  return (
    <section class="crm-history" aria-busy={shown === null && failure === null}>
      <header class="crm-history-head">
        <div>
          <p class="crm-muted crm-history-kicker">{t('historyTitle')}</p>
          <h1>{shownName}</h1>
          <a href={session.href(recordRoute(record.objectType, record.id))}>{t('historyBackToRecord', shownName)}</a>
        </div>
        <AsOfPicker state={state} go={go} />
      </header>

      {state.at && <AsOf session={session} record={record} at={state.at} go={() => go({ ...state, at: undefined })} />}

      {state.with ? (
        <OneAssociation state={state} entries={shown} go={go} />
      ) : (
        <Filters state={state} go={go} />
      )}

      <p role="status" class="crm-history-status">
        {status}
      </p>
      {failure && (
        <p class="crm-error" role="alert">
          {t('historyCannotLoad', failure)}
        </p>
      )}
      {shown === null && failure === null && <p class="crm-muted">{t('appLoading')}</p>}
      {shown !== null && shown.length === 0 && <p class="crm-muted">{t('historyEmpty')}</p>}
      {shown !== null && shown.length > 0 && (
        <table class="crm-history-table">
          <caption>{state.with ? t('historyCaptionOne') : t('historyCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('historyColTime')}</th>
              <th scope="col">{t('historyColRecord')}</th>
              <th scope="col">{t('historyColAction')}</th>
              <th scope="col">{t('historyColLabels')}</th>
              <th scope="col">{t('historyColSource')}</th>
              <th scope="col">
                <span class="crm-visually-hidden">{t('historyColActions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <Row
                key={entry.id}
                entry={entry}
                session={session}
                record={record}
                state={state}
                note={notes[entry.id]}
                canUndo={!superseded.has(entry.id)}
                busy={busy === entry.id}
                onUndo={() => void undo(entry)}
                onCopy={() => void copyLink(entry)}
              />
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="crm-button" onClick={() => void loadMore()} disabled={more}>
          {t('historyOlder')}
        </button>
      )}
    </section>
  );
}

function Row(props: {
  entry: HistoryEntry;
  session: AppSession;
  record: PathRecord;
  state: HistoryViewState;
  note: Note | undefined;
  canUndo: boolean;
  busy: boolean;
  onUndo(): void;
  onCopy(): void;
}) {
  const { entry, session, record, note } = props;
  const to = { objectType: entry.toObjectType, id: entry.toObjectId };
  return (
    <tr data-entry={entry.id}>
      <td>
        <time dateTime={entry.occurredAt}>{formatTime(entry.occurredAt)}</time>
      </td>
      <td>
        <a href={session.href(recordRoute(to.objectType, to.id))}>{entry.toName ?? `${typeLabel(to.objectType)} ${to.id}`}</a>
        <div class="crm-muted crm-history-sub">
          {typeLabel(entry.toObjectType)} · {t('historyId', entry.toObjectId)}
        </div>
      </td>
      <td>{t(ACTION_KEYS[entry.action])}</td>
      <td>{entry.labels.length > 0 ? entry.labels.join(', ') : <span class="crm-muted">—</span>}</td>
      <td>
        <Source entry={entry} session={session} />
        {entry.detail && <div class="crm-muted crm-history-sub">{entry.detail}</div>}
      </td>
      <td class="crm-history-actions">
        {!props.state.with && <a href={session.href(historyRoute(record.objectType, record.id, { with: to }))}>{t('historyOneLink')}</a>}
        <button type="button" class="crm-button" onClick={props.onCopy}>
          {t('historyCopyLink')}
        </button>
        {props.canUndo && (
          <button type="button" class="crm-button" onClick={props.onUndo} disabled={props.busy}>
            {t('historyUndo')}
          </button>
        )}
        {note && (
          <p class={note.kind === 'error' ? 'crm-error' : 'crm-done'} role={note.kind === 'error' ? 'alert' : 'status'}>
            {note.text}
          </p>
        )}
      </td>
    </tr>
  );
}

function Source({ entry, session }: { entry: HistoryEntry; session: AppSession }) {
  if (entry.source === 'USER') return <span>{t('historySourceUserNamed', entry.sourceUserName ?? entry.sourceUserId ?? t('historySourceUnknown'))}</span>;
  if (entry.source === 'IMPORT' && entry.sourceId) return <a href={session.href({ page: 'import', id: entry.sourceId })}>{t('historySourceImport')}</a>;
  return <span>{t(SOURCE_KEYS[entry.source])}</span>;
}

/** The filters (R20: by object or activity type; and source, action, time): a form whose answer is the address. */
function Filters({ state, go }: { state: HistoryViewState; go(s: HistoryViewState): void }) {
  const key = JSON.stringify(state);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '');
    const source = historySource.safeParse(text('source'));
    const action = historyAction.safeParse(text('action'));
    go({
      ...(text('type') ? { type: text('type') } : {}),
      ...(source.success ? { source: source.data } : {}),
      ...(action.success ? { action: action.data } : {}),
      ...(isoOfLocalInput(text('from')) ? { from: isoOfLocalInput(text('from'))! } : {}),
      ...(isoOfLocalInput(text('to')) ? { to: isoOfLocalInput(text('to'))! } : {}),
      ...(state.at ? { at: state.at } : {}),
    });
  };
  const types = state.type && !TYPE_CHOICES.includes(state.type) ? [...TYPE_CHOICES, state.type] : TYPE_CHOICES;
  // only the chosen option says `selected` (the form is new for each filter state: its key): setting
  // it false on every other option makes the browser reselect each time, some 30 times a render
  return (
    <form key={key} class="crm-history-filters" aria-label={t('historyFilters')} onSubmit={onSubmit}>
      <label>
        {t('historyFilterType')}
        <select name="type">
          <option value="">{t('historyAll')}</option>
          {types.map((type) => (
            <option key={type} value={type} selected={type === state.type || undefined}>
              {typeLabel(type)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('historyFilterSource')}
        <select name="source">
          <option value="">{t('historyAll')}</option>
          {historySource.options.map((s) => (
            <option key={s} value={s} selected={s === state.source || undefined}>
              {t(SOURCE_KEYS[s])}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('historyFilterAction')}
        <select name="action">
          <option value="">{t('historyAll')}</option>
          {historyAction.options.map((a) => (
            <option key={a} value={a} selected={a === state.action || undefined}>
              {t(ACTION_KEYS[a])}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('historyFilterFrom')}
        <input type="datetime-local" name="from" step={1} defaultValue={localInputOf(state.from)} />
      </label>
      <label>
        {t('historyFilterTo')}
        <input type="datetime-local" name="to" step={1} defaultValue={localInputOf(state.to)} />
      </label>
      <div class="crm-history-filter-buttons">
        <button type="submit" class="crm-button crm-primary">
          {t('historyApplyFilters')}
        </button>
        <button type="button" class="crm-button" onClick={() => go(state.at ? { at: state.at } : {})}>
          {t('historyClearFilters')}
        </button>
      </div>
    </form>
  );
}

/** The head of one association's history (R22), with the way back to the whole history. */
function OneAssociation({ state, entries, go }: { state: HistoryViewState; entries: HistoryEntry[] | null; go(s: HistoryViewState): void }) {
  const other = state.with!;
  const name = entries?.find((e) => e.toName)?.toName ?? `${typeLabel(other.objectType)} ${other.id}`;
  return (
    <div class="crm-history-one">
      <h2>{t('historyOneHeading', name)}</h2>
      <button type="button" class="crm-button" onClick={() => go(state.at ? { at: state.at } : {})}>
        {t('historyShowAll')}
      </button>
    </div>
  );
}

/** The as-of picker (B3): a moment, in the address as `at`. */
function AsOfPicker({ state, go }: { state: HistoryViewState; go(s: HistoryViewState): void }) {
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const at = isoOfLocalInput(String(new FormData(event.currentTarget as HTMLFormElement).get('at') ?? ''));
    go({ ...state, at });
  };
  return (
    <form key={state.at ?? ''} class="crm-history-asof-picker" onSubmit={onSubmit}>
      <label>
        {t('historyAsOf')}
        <input type="datetime-local" name="at" step={1} defaultValue={localInputOf(state.at)} required />
      </label>
      <button type="submit" class="crm-button">
        {t('historyShowAsOf')}
      </button>
    </form>
  );
}

/** The record's associations as they were at `at` (B3), marked as the past. */
function AsOf({ session, record, at, go }: { session: AppSession; record: PathRecord; at: string; go(): void }) {
  const [view, setView] = useState<AssociationsView | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setView(null);
    setFailure(null);
    session.client
      .request(apiPaths.associationsAt(record, { at }), { method: 'GET', schema: associationsView })
      .then((v) => live && setView(v))
      .catch((err) => live && setFailure(messageOf(err)));
    return () => void (live = false);
  }, [record, at]);
  const when = formatTime(at);
  const groups = view ? Object.entries(view.associations).filter(([, g]) => g.results.length > 0) : [];
  return (
    <section class="crm-history-asof" aria-labelledby="crm-history-asof-title" data-testid="history-as-of">
      <h2 id="crm-history-asof-title">
        <span class="crm-history-past">{t('historyPast')}</span> {t('historyAsOfHeading', when)}
      </h2>
      <p>{t('historyAsOfNote', when)}</p>
      {failure && (
        <p class="crm-error" role="alert">
          {t('historyCannotLoad', failure)}
        </p>
      )}
      {view && groups.length === 0 && <p class="crm-muted">{t('historyAsOfNone')}</p>}
      {groups.map(([type, group]) => (
        <div key={type} class="crm-history-asof-group">
          <h3>
            {typeLabel(type)} ({group.results.length})
          </h3>
          <ul>
            {group.results.map((r) => (
              <li key={r.toObjectId}>
                <a href={session.href(recordRoute(type, r.toObjectId))}>{r.toName ?? `${typeLabel(type)} ${r.toObjectId}`}</a>
                {r.labels.length > 0 && <span class="crm-muted"> · {r.labels.join(', ')}</span>}
              </li>
            ))}
          </ul>
        </div>
      ))}
      <button type="button" class="crm-button" onClick={go}>
        {t('historyBackToNow')}
      </button>
    </section>
  );
}
