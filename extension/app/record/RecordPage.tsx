import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { z } from 'zod';
import { apiPaths } from '../../../shared/api-paths.ts';
import { hubspotDefinedType } from '../../../shared/association-types.ts';
import { pairLabelsResponse, pairLimitsResponse } from '../../../shared/associations.ts';
import { associationsView } from '../../../shared/history.ts';
import { DEAL, TICKET } from '../../../shared/objects.ts';
import { pipelineCollection } from '../../../shared/pipelines.ts';
import { recommendationsResponse, type Recommendation } from '../../../shared/recommendations.ts';
import { nameProperties, recordName } from '../../../shared/record-name.ts';
import { objectSchemaView, type ObjectSchemaView, type searchBody, searchResult, simplePublicObject } from '../../../shared/records.ts';
import { fetchStageBook, readRecords } from '../../api/reads.ts';
import { stageLabelIn } from '../../api/stages.ts';
import { type MessageKey, t, textLanguage } from '../../i18n.ts';
import type { PageProps } from '../App.tsx';
import { entriesToUndo, type TrackedChange, UNDO_MS, useChanges } from './changes.ts';
import {
  canAssociateFrom,
  type Card,
  type CardRow,
  cardsOf,
  CREATE_FIELDS,
  customCreateFields,
  defaultTypeOf,
  type EditableLabel,
  editableLabels,
  HEADER_PROPERTIES,
  type HeaderProperty,
  headerRead,
  isCustomType,
  labelChanges,
  labelsNeed,
  nameOf,
  pairLimit,
  primaryOf,
  primarySpec,
  primaryTypeOf,
  STANDARD_CARDS,
  typeIdOf,
  unlabeledType,
} from './model.ts';
import { Dialog } from '../Dialog.tsx';
import { reasonTexts } from '../../ui/reasons.ts';
import { errorText, reasonText } from '../../notice.ts';
import { LabelChecklist } from '../../ui/LabelChecklist.tsx';
import { afterPaint } from '../../ui/after-paint.ts';

/** Records a card shows before "View all"; the whole list pages by this many. */
export const CARD_ROWS = 5;
export const PAGE_ROWS = 25;
/** A performance mark set when the page first renders its record and cards. */
export const DATA_MARK = 'crm-record-data';

type Pipelines = z.output<typeof pipelineCollection>['results'];

interface Loaded {
  properties: Record<string, string | null>;
  cards: Card[];
  pipelines: Pipelines;
  /** Per card type: the per-record limit (R4). */
  limits: Record<string, number>;
  /** A second line per associated deal and ticket (`deals:12`): its stage's label. */
  details: Record<string, string>;
}

const STAGE_PROPERTY = { deals: 'dealstage', tickets: 'hs_pipeline_stage' } as const;

/** The stage labels of the deals and tickets on the cards (never the ids): a batch read of each type, and the pipelines. */
async function stageDetails(connection: PageProps<'record'>['session']['connection'], cards: Card[]): Promise<Record<string, string>> {
  const wanted = cards.filter((c): c is Card & { objectType: 'deals' | 'tickets' } => (c.objectType === 'deals' || c.objectType === 'tickets') && c.rows.length > 0);
  if (wanted.length === 0) return {};
  const book = await fetchStageBook(connection);
  const out: Record<string, string> = {};
  for (const card of wanted) {
    const ids = card.rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 100) {
      const page = await readRecords(connection, card.objectType, ids.slice(i, i + 100), [STAGE_PROPERTY[card.objectType]]);
      for (const r of page.results) {
        const label = stageLabelIn(book, card.objectType === 'deals' ? DEAL : TICKET, r.properties[STAGE_PROPERTY[card.objectType]]);
        if (label) out[`${card.objectType}:${r.id}`] = label;
      }
    }
  }
  return out;
}

const tx = (key: string, ...subs: string[]) => t(key as MessageKey, ...subs);
const typeText = (objectType: string) => ((STANDARD_CARDS as readonly string[]).includes(objectType) ? tx(`recordType_${objectType}`) : objectType);
const propText = (name: string) => tx(`recordProp_${name}`);
const failureText = errorText;

function stageLabel(pipelines: Pipelines, stageId: string | null | undefined): string | null {
  if (!stageId) return null;
  for (const p of pipelines) for (const s of p.stages) if (s.id === stageId) return s.label;
  return null;
}

function shownValue(p: HeaderProperty, value: string | null | undefined, pipelines: Pipelines): string {
  if (value === null || value === undefined || value === '') return '—';
  const lang = textLanguage();
  switch (p.kind) {
    case 'stage':
      return stageLabel(pipelines, value) ?? '—';
    case 'pipeline':
      return pipelines.find((x) => x.id === value)?.label ?? '—';
    case 'number': {
      const n = Number(value);
      return Number.isFinite(n) ? new Intl.NumberFormat(lang).format(n) : value;
    }
    case 'date': {
      const d = new Date(/^\d+$/.test(value) ? Number(value) : value);
      return Number.isNaN(d.getTime()) ? value : new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(d);
    }
    default:
      return value;
  }
}

/**
 * The record page (`app.html#/{objectType}/{id}`): the record's name and key properties (editable
 * inline), one association card per associated type as HubSpot's record sidebar has them, and the
 * rep's changes through the outbox, each with "Undo" for a few seconds (B1).
 */
export function RecordPage({ route, session }: PageProps<'record'>) {
  const { objectType, id } = route;
  const self = { objectType, id };
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [undoable, setUndoable] = useState<TrackedChange | null>(null);
  const [copied, setCopied] = useState(false);
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const plan = session.me.workspace.plan;

  async function load() {
    const { client } = session;
    try {
      const cardTypes = STANDARD_CARDS.filter((c) => c !== objectType && canAssociateFrom(objectType, c));
      // the limits only guard the controls: read once the record and its cards are painted
      const limitsRead = () =>
        Promise.all(
          cardTypes.map((c) =>
            client
              .request(apiPaths.associationLimits(objectType, c), { method: 'GET', schema: pairLimitsResponse })
              .then((r) => [c, pairLimit(plan, r.results, defaultTypeOf(objectType, c), false)] as const, () => [c, pairLimit(plan, [], null, false)] as const),
          ),
        );
      const [record, view, pipelines] = await Promise.all([
        client.request(apiPaths.record(objectType, id, { properties: headerRead(objectType) }), { method: 'GET', schema: simplePublicObject }),
        client.request(apiPaths.associationsAt(self), { method: 'GET', schema: associationsView }),
        objectType === 'deals' || objectType === 'tickets'
          ? client.request(apiPaths.pipelines(objectType), { method: 'GET', schema: pipelineCollection }).then((p) => p.results, () => [] as Pipelines)
          : Promise.resolve([] as Pipelines),
      ]);
      const cards = cardsOf(objectType, view);
      setLoaded((before) => ({ properties: record.properties, cards, pipelines, limits: before?.limits ?? {}, details: before?.details ?? {} }));
      setFailure(null);
      await afterPaint();
      const [limits, details] = await Promise.all([limitsRead().then(Object.fromEntries), stageDetails(session.connection, cards).catch(() => ({}))]);
      setLoaded((now) => now && { ...now, limits, details });
    } catch (err) {
      setFailure(failureText(err));
    }
  }

  const changeTracker = useChanges(session, (change) => {
    void load();
    if (change.undo) setUndoable(change);
    // a confirmed change leaves the list after a moment; refused ones stay
    setTimeout(() => void dismiss(change.opId), UNDO_MS);
  });

  const { changes, dismiss } = changeTracker;
  // "Undo" is for the latest change: a new one takes it away
  const submit: Submit = (...args) => {
    setUndoable(null);
    return changeTracker.submit(...args);
  };

  // a layout effect: reads already answered (the shell's early reads) render before the first paint, not a frame later
  useLayoutEffect(() => {
    setLoaded(null);
    void load();
  }, [objectType, id]);

  useEffect(() => {
    if (!undoable) return;
    const timer = setTimeout(() => setUndoable(null), UNDO_MS);
    return () => clearTimeout(timer);
  }, [undoable]);

  useEffect(() => {
    // the moment the page first shows its data (bench/record-page.ts reads it)
    if (loaded && performance.getEntriesByName(DATA_MARK).length === 0) performance.mark(DATA_MARK);
  }, [loaded !== null]);

  const name = loaded ? nameOf(objectType, id, loaded.properties) : null;
  useEffect(() => {
    if (name) document.title = `${name} · ${t('appTitle')}`;
  }, [name]);

  async function undo(change: TrackedChange) {
    setUndoable(null);
    try {
      const ids = await entriesToUndo(session, self, change.undo!);
      if (ids.length === 0) throw new Error(t('recordUndoNothing'));
      for (const entryId of ids) await submit({ kind: 'revert', entryId }, t('recordUndone', change.text));
    } catch (err) {
      setFailure(failureText(err));
    }
  }

  async function copyLink() {
    await navigator.clipboard.writeText(session.url(route));
    setCopied(true);
    setTimeout(() => setCopied(false), 3_000);
  }

  if (failure && !loaded) {
    return (
      <section>
        <h1>{t('recordCannotLoad')}</h1>
        <p class="crm-error" role="alert">
          {failure}
        </p>
      </section>
    );
  }
  if (!loaded) return <p role="status">{t('appLoading')}</p>;

  const companies = loaded.cards.find((c) => c.objectType === 'companies');
  const ctx: CardContext = { session, self, plan, loaded, submit, open: (state) => setDialog({ ...state, opened: Date.now() } as DialogState), companies };

  return (
    <article class="crm-record">
      <header class="crm-record-head">
        <p class="crm-kind">{typeText(objectType)}</p>
        <h1>{name}</h1>
        <Properties objectType={objectType} loaded={loaded} submit={submit} self={self} />
        <div class="crm-record-tools">
          <button type="button" class="crm-button" onClick={() => void copyLink()}>
            {t('recordCopyLink')}
          </button>
          <a class="crm-button" href={session.href({ page: 'history', objectType, id, query: new URLSearchParams() })}>
            {t('recordHistory')}
          </a>
          <span role="status" class="crm-done">
            {copied ? t('recordLinkCopied') : ''}
          </span>
        </div>
      </header>
      <section class="crm-record-changes" aria-label={t('recordChanges')} aria-live="polite">
        {failure && (
          <p class="crm-error" role="alert">
            {failure}
          </p>
        )}
        {undoable && (
          <p class="crm-undo">
            {t('recordChangeDone', undoable.text)}{' '}
            <button type="button" class="crm-button crm-primary" onClick={() => void undo(undoable)}>
              {t('recordUndo')}
            </button>
          </p>
        )}
        <ul>
          {changes
            .filter((c) => c.state !== 'confirmed')
            .map((c) => (
              <li key={c.opId} class={c.state === 'refused' ? 'crm-error' : 'crm-pending-count'} data-state={c.state}>
                {c.state === 'refused' ? t('recordChangeRefused', c.text, reasonText(c) ?? '') : t('recordChangePending', c.text)}
                {c.state === 'refused' && (
                  <button type="button" class="crm-link" onClick={() => void dismiss(c.opId)}>
                    {t('recordDismiss')}
                  </button>
                )}
              </li>
            ))}
        </ul>
      </section>
      <div class="crm-cards">
        {loaded.cards.map((card) => (
          <AssociationCard key={card.objectType} card={card} ctx={ctx} />
        ))}
      </div>
      {dialog && <ActionDialog key={dialog.opened} state={dialog} ctx={ctx} close={() => setDialog(null)} />}
    </article>
  );
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Submit = ReturnType<typeof useChanges>['submit'];

interface CardContext {
  session: PageProps<'record'>['session'];
  self: { objectType: string; id: string };
  plan: 'starter' | 'professional' | 'enterprise';
  loaded: Loaded;
  submit: Submit;
  open(state: DistributiveOmit<DialogState, 'opened'>): void;
  companies: Card | undefined;
}

type DialogState = (
  | { kind: 'add'; card: Card }
  | { kind: 'create'; card: Card }
  | { kind: 'labels'; card: Card; row: CardRow }
  | { kind: 'remove'; card: Card; row: CardRow }
) & { /** When it was opened: each opening is a new dialog. */ opened: number };

/** The header's properties: shown with stage and pipeline labels, editable ones with an inline form. */
function Properties({ objectType, loaded, submit, self }: { objectType: string; loaded: Loaded; submit: Submit; self: { objectType: string; id: string } }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const props = HEADER_PROPERTIES[objectType] ?? [];
  if (props.length === 0) return null;
  async function save(p: HeaderProperty) {
    setEditing(null);
    await submit({ kind: 'updateRecord', record: self, properties: { [p.name]: draft.trim() } }, t('recordEdited', propText(p.name)));
  }
  return (
    <dl class="crm-record-props">
      {props.map((p) => (
        <div key={p.name}>
          <dt id={`prop-${p.name}`}>{propText(p.name)}</dt>
          <dd>
            {editing === p.name ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void save(p);
                }}
              >
                <input
                  aria-labelledby={`prop-${p.name}`}
                  type={(p.kind === 'number' ? 'number' : p.kind === 'email' ? 'email' : p.kind === 'tel' ? 'tel' : 'text') as 'text'}
                  value={draft}
                  onInput={(e) => setDraft(e.currentTarget.value)}
                  onKeyDown={(e) => e.key === 'Escape' && setEditing(null)}
                  // the rep asked for this field: focus it
                  autoFocus
                />
                <button type="submit" class="crm-button crm-primary">
                  {t('recordSave')}
                </button>
                <button type="button" class="crm-button" onClick={() => setEditing(null)}>
                  {t('recordCancel')}
                </button>
              </form>
            ) : (
              <>
                <span>{shownValue(p, loaded.properties[p.name], loaded.pipelines)}</span>
                {p.editable && (
                  <button
                    type="button"
                    class="crm-link crm-edit"
                    aria-label={t('recordEditProperty', propText(p.name))}
                    onClick={() => {
                      setDraft(loaded.properties[p.name] ?? '');
                      setEditing(p.name);
                    }}
                  >
                    ✎
                  </button>
                )}
              </>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** One associated type: the count, the first records with labels and the primary badge, the card's actions. */
function AssociationCard({ card, ctx }: { card: Card; ctx: CardContext }) {
  const [all, setAll] = useState(false);
  const [page, setPage] = useState(0);
  const { self, loaded, plan } = ctx;
  const writable = canAssociateFrom(self.objectType, card.objectType);
  const limit = loaded.limits[card.objectType];
  const full = limit !== undefined && card.rows.length >= limit;
  const headingId = `card-${card.objectType}`;
  const pages = Math.max(1, Math.ceil(card.rows.length / PAGE_ROWS));
  const rows = all ? card.rows.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS) : card.rows.slice(0, CARD_ROWS);
  const primaryType = primaryTypeOf(self.objectType);
  const labelsPlan = labelsNeed(plan);
  return (
    <section class="crm-card" aria-labelledby={headingId} data-card={card.objectType} data-limit={limit}>
      <h2 id={headingId}>
        {typeText(card.objectType)} <span class="crm-count">({card.rows.length})</span>
      </h2>
      {writable && (
        <div class="crm-card-actions">
          <button type="button" class="crm-button" disabled={full} onClick={() => ctx.open({ kind: 'add', card })}>
            {t('recordAddExisting')}
          </button>
          <button type="button" class="crm-button" disabled={full} onClick={() => ctx.open({ kind: 'create', card })}>
            {t('recordCreateAndAssociate')}
          </button>
          {full && <p class="crm-muted crm-limit">{t('recordLimitReached', String(limit), typeText(card.objectType).toLowerCase())}</p>}
        </div>
      )}
      {card.rows.length === 0 ? (
        <p class="crm-muted">{t('recordNone', typeText(card.objectType).toLowerCase())}</p>
      ) : (
        <ul class="crm-card-rows">
          {rows.map((row) => (
            <li key={row.id} class="crm-card-row" data-id={row.id}>
              <div>
                <a href={ctx.session.href({ page: 'record', objectType: card.objectType, id: row.id })} class="crm-name">
                  {row.name}
                </a>
                {row.primary && <span class="crm-badge">{t('recordPrimary')}</span>}
                {loaded.details[`${card.objectType}:${row.id}`] && <span class="crm-muted crm-stage">{loaded.details[`${card.objectType}:${row.id}`]} </span>}
                {row.labels.map((l) => (
                  <span key={l} class="crm-kind crm-label">
                    {l}
                  </span>
                ))}
              </div>
              {writable && (
                <div class="crm-row-actions">
                  {card.objectType === 'companies' && primaryType !== null && !row.primary && (
                    <button
                      type="button"
                      class="crm-link"
                      onClick={() =>
                        void ctx.submit(
                          // the primary company type of this record's type (a contact's 1, a deal's 5, a ticket's 26); the old primary stays associated (R6)
                          { kind: 'associate', from: self, to: { objectType: 'companies', id: row.id }, labels: [primarySpec(self.objectType)] },
                          t('recordMadePrimary', row.name),
                          { toObjectType: 'companies', toId: row.id, actions: ['PRIMARY_SET'], entries: 1 },
                        )
                      }
                    >
                      {t('recordSetPrimary')}
                    </button>
                  )}
                  <button type="button" class="crm-link" disabled={labelsPlan !== null} aria-describedby={labelsPlan ? `${headingId}-plan` : undefined} onClick={() => ctx.open({ kind: 'labels', card, row })}>
                    {t('recordEditLabels')}
                  </button>
                  <button type="button" class="crm-link" onClick={() => ctx.open({ kind: 'remove', card, row })}>
                    {t('recordRemove')}
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {writable && labelsPlan && card.rows.length > 0 && (
        <p id={`${headingId}-plan`} class="crm-muted">
          {t('recordLabelsNeedPlan')}
        </p>
      )}
      {card.rows.length > CARD_ROWS && !all && (
        <button type="button" class="crm-link" onClick={() => setAll(true)}>
          {t('recordViewAll')}
        </button>
      )}
      {all && (
        <nav class="crm-pager" aria-label={t('recordPages', typeText(card.objectType))}>
          <button type="button" class="crm-button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            {t('recordPrevious')}
          </button>
          <span>{t('recordPageOf', String(page + 1), String(pages))}</span>
          <button type="button" class="crm-button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
            {t('recordNext')}
          </button>
          <button
            type="button"
            class="crm-link"
            onClick={() => {
              setAll(false);
              setPage(0);
            }}
          >
            {t('recordShowFewer')}
          </button>
        </nav>
      )}
    </section>
  );
}

function ActionDialog({ state, ctx, close }: { state: DialogState; ctx: CardContext; close(): void }) {
  switch (state.kind) {
    case 'add':
      return <AddExisting card={state.card} ctx={ctx} close={close} />;
    case 'create':
      return <CreateAndAssociate card={state.card} ctx={ctx} close={close} />;
    case 'labels':
      return <EditLabels card={state.card} row={state.row} ctx={ctx} close={close} />;
    case 'remove':
      return <RemoveAssociation card={state.card} row={state.row} ctx={ctx} close={close} />;
  }
}

/** "Replace [primary] as primary": offered when a company is associated with a record that has a primary company (R6). */
function ReplacePrimary({ ctx, card, checked, set }: { ctx: CardContext; card: Card; checked: boolean; set(v: boolean): void }) {
  const primary = primaryOf(ctx.companies);
  if (card.objectType !== 'companies' || primaryTypeOf(ctx.self.objectType) === null || !primary) return null;
  return (
    <label class="crm-check">
      <input type="checkbox" checked={checked} onChange={(e) => set(e.currentTarget.checked)} />
      {t('recordReplacePrimary', primary.name)}
    </label>
  );
}

interface Candidate {
  id: string;
  name: string;
  reasons: string[];
}

/** A custom object type's schema (its display property, required properties), read when a dialog needs it; null while reading. */
function useSchema(ctx: CardContext, objectType: string): { schema: ObjectSchemaView | null; problem: string | null } {
  const [schema, setSchema] = useState<ObjectSchemaView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!isCustomType(objectType)) return;
    ctx.session.client.request(apiPaths.objectSchema(objectType), { method: 'GET', schema: objectSchemaView }).then(setSchema, (err) => setProblem(failureText(err)));
  }, [objectType]);
  return { schema, problem };
}

/** "Add existing": recommendations with their reasons before anything is typed (R5), search as the rep types, tick one or more. */
function AddExisting({ card, ctx, close }: { card: Card; ctx: CardContext; close(): void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Candidate[] | null>(null);
  const [ticked, setTicked] = useState<Map<string, string>>(new Map());
  const [replace, setReplace] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const { session, self } = ctx;
  const have = new Set(card.rows.map((r) => r.id));
  const limit = ctx.loaded.limits[card.objectType];
  const room = limit === undefined ? Infinity : limit - card.rows.length;
  // a custom object: no recommendations (R5 ranks the standard types); its records are searched by its display property
  const custom = isCustomType(card.objectType);
  const { schema, problem: schemaProblem } = useSchema(ctx, card.objectType);
  const display = schema?.primaryDisplayProperty ?? null;

  useEffect(() => {
    if (custom && !schema) return;
    let current = true;
    const timer = setTimeout(
      () =>
        void (async () => {
          try {
            const query = q.trim();
            let list: Candidate[];
            if (query === '' && custom) {
              list = [];
            } else if (query === '') {
              const r = await session.client.request(apiPaths.recordRecommendations(self, { toObjectType: card.objectType, limit: 10 }), { method: 'GET', schema: recommendationsResponse });
              list = r.recommendations.map((x: Recommendation) => ({ id: x.id, name: x.name, reasons: reasonTexts(x) }));
            } else {
              const body = { query, limit: 20, properties: nameProperties(typeIdOf(card.objectType), display) } satisfies z.input<typeof searchBody>;
              const r = await session.client.request(apiPaths.searchRecords(card.objectType), { method: 'POST', body, schema: searchResult });
              list = r.results.map((x) => ({ id: x.id, name: recordName(typeIdOf(card.objectType), x.properties, display) ?? `#${x.id}`, reasons: [] }));
            }
            if (current) setFound(list.filter((c) => !have.has(c.id)));
          } catch (err) {
            if (current) setProblem(failureText(err));
          }
        })(),
      q ? 250 : 0,
    );
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [q, schema]);

  const over = ticked.size > room;
  async function associate(e: Event) {
    e.preventDefault();
    if (ticked.size === 0 || over) return;
    let first = true;
    for (const [id, name] of ticked) {
      const to = { objectType: card.objectType, id };
      const withPrimary = replace && first;
      first = false;
      await ctx.submit(
        withPrimary ? { kind: 'associate', from: self, to, labels: [primarySpec(self.objectType)] } : { kind: 'associate', from: self, to },
        t('recordAssociated', name),
        { toObjectType: card.objectType, toId: id, actions: ['CREATED'], entries: 1 },
      );
    }
    close();
  }

  const listId = `add-${card.objectType}`;
  return (
    <Dialog title={t('recordAddExistingTitle', typeText(card.objectType).toLowerCase())} onClose={close}>
      <form onSubmit={(e) => void associate(e)}>
        <label>
          {t('recordSearch', typeText(card.objectType).toLowerCase())}
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} aria-controls={listId} />
        </label>
        <p class="crm-muted">{q.trim() !== '' ? t('recordSearchResults') : custom ? t('recordTypeToSearch') : t('recordRecommended')}</p>
        {(problem ?? schemaProblem) && (
          <p class="crm-error" role="alert">
            {problem ?? schemaProblem}
          </p>
        )}
        <ul id={listId} class="crm-candidates">
          {found === null && (
            <li>
              <span role="status">{t('appLoading')}</span>
            </li>
          )}
          {found?.length === 0 && (q.trim() !== '' || !custom) && <li class="crm-muted">{t('recordNoCandidates')}</li>}
          {found?.map((c) => (
            <li key={c.id}>
              <label class="crm-check">
                <input
                  type="checkbox"
                  checked={ticked.has(c.id)}
                  onChange={(e) => {
                    const next = new Map(ticked);
                    if (e.currentTarget.checked) next.set(c.id, c.name);
                    else next.delete(c.id);
                    setTicked(next);
                  }}
                />
                {c.name}
              </label>
              {c.reasons.length > 0 && <span class="crm-muted crm-reasons">{c.reasons.join(' · ')}</span>}
            </li>
          ))}
        </ul>
        <ReplacePrimary ctx={ctx} card={card} checked={replace} set={setReplace} />
        {over && (
          <p class="crm-error" role="alert">
            {t('recordTooMany', String(room), typeText(card.objectType).toLowerCase())}
          </p>
        )}
        <div class="crm-dialog-actions">
          <button type="submit" class="crm-button crm-primary" disabled={ticked.size === 0 || over}>
            {t('recordAssociateTicked', String(ticked.size))}
          </button>
          <button type="button" class="crm-button" onClick={close}>
            {t('recordCancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "Create and associate": the type's main properties; the new record is created already associated (R5, R7). */
function CreateAndAssociate({ card, ctx, close }: { card: Card; ctx: CardContext; close(): void }) {
  const { self, session } = ctx;
  const { schema, problem: schemaProblem } = useSchema(ctx, card.objectType);
  const custom = isCustomType(card.objectType);
  const fields: Array<{ name: string; label: string; kind: string; required: boolean }> = custom
    ? schema
      ? customCreateFields(schema)
      : []
    : (CREATE_FIELDS[card.objectType] ?? []).map((f) => ({ ...f, label: propText(f.name) }));
  const hubspotType = defaultTypeOf(card.objectType, self.objectType);
  // a pair HubSpot does not define (a custom object on either side): its unlabeled type, once the schema defines the pair
  const [pairType, setPairType] = useState<ReturnType<typeof unlabeledType> | 'none' | null>(null);
  const [pairProblem, setPairProblem] = useState<string | null>(null);
  useEffect(() => {
    if (hubspotType !== null) return;
    session.client.request(apiPaths.labels(card.objectType, self.objectType), { method: 'GET', schema: pairLabelsResponse }).then(
      (r) => setPairType(unlabeledType(r.results) ?? 'none'),
      (err) => setPairProblem(failureText(err)),
    );
  }, []);
  const empty = () => Object.fromEntries(fields.map((f) => [f.name, '']));
  const [values, setValues] = useState<Record<string, string>>({});
  const [replace, setReplace] = useState(false);
  const [added, setAdded] = useState<string[]>([]);
  const firstField = useRef<HTMLInputElement>(null);
  const notDefined = pairType === 'none';
  const ready = fields.length > 0 && (hubspotType !== null || (pairType !== null && pairType !== 'none'));
  const problem = schemaProblem ?? pairProblem;

  async function create(another: boolean) {
    if (!ready) return;
    const properties = Object.fromEntries(Object.entries(values).flatMap(([k, v]) => (v.trim() ? [[k, v.trim()]] : [])));
    const name = recordName(typeIdOf(card.objectType), properties, schema?.primaryDisplayProperty) ?? t('recordNewRecord');
    // from the new record: a company becomes the page record's primary when asked (R6); the server makes it so by R7/R8 otherwise
    const primaryId = replace ? primaryTypeOf(self.objectType) : null;
    const inverse = primaryId !== null ? hubspotDefinedType(primaryId)?.inverseTypeId : undefined;
    const typeIds = [...(hubspotType !== null ? [hubspotType] : []), ...(inverse !== undefined ? [inverse] : [])];
    const types = [
      ...typeIds.map((associationTypeId) => ({ associationCategory: 'HUBSPOT_DEFINED' as const, associationTypeId })),
      ...(pairType !== null && pairType !== 'none' && hubspotType === null ? [pairType] : []),
    ];
    await ctx.submit({ kind: 'createAssociated', objectType: card.objectType, properties, with: self, types }, t('recordCreated', name), {
      toObjectType: card.objectType,
      actions: ['CREATED'],
      entries: 1,
    });
    if (!another) return close();
    setAdded([...added, name]);
    setValues(empty());
    setReplace(false);
    firstField.current?.focus();
  }

  return (
    <Dialog title={t('recordCreateTitle', typeText(card.objectType).toLowerCase())} onClose={close}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
          void create(submitter?.value === 'another');
        }}
      >
        {problem && (
          <p class="crm-error" role="alert">
            {problem}
          </p>
        )}
        {notDefined && <p class="crm-muted">{t('recordCreateNotDefined', typeText(card.objectType), typeText(self.objectType))}</p>}
        {!ready && !notDefined && !problem && <p role="status">{t('appLoading')}</p>}
        {fields.map((f, i) => (
          <label key={f.name} class="crm-field">
            {f.label}
            {f.required ? ' *' : ''}
            <input
              ref={i === 0 ? firstField : undefined}
              type={f.kind as 'text'}
              required={f.required}
              value={values[f.name] ?? ''}
              onInput={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}
            />
          </label>
        ))}
        <ReplacePrimary ctx={ctx} card={card} checked={replace} set={setReplace} />
        {added.length > 0 && (
          <p role="status" class="crm-done">
            {t('recordCreatedSoFar', added.join(', '))}
          </p>
        )}
        <div class="crm-dialog-actions">
          <button type="submit" value="create" class="crm-button crm-primary" disabled={!ready}>
            {t('recordCreate')}
          </button>
          <button type="submit" value="another" class="crm-button" disabled={!ready}>
            {t('recordCreateAnother')}
          </button>
          <button type="button" class="crm-button" onClick={close}>
            {t('recordCancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "Edit labels": the pair's labels (single and paired, seen from this record), ticked as the association has them (R14). */
function EditLabels({ card, row, ctx, close }: { card: Card; row: CardRow; ctx: CardContext; close(): void }) {
  const [labels, setLabels] = useState<EditableLabel[] | null>(null);
  const [on, setOn] = useState<Set<number>>(new Set(row.typeIds));
  const [problem, setProblem] = useState<string | null>(null);
  const { self, session } = ctx;
  const primaryType = primaryTypeOf(self.objectType);

  useEffect(() => {
    session.client
      .request(apiPaths.labels(self.objectType, card.objectType), { method: 'GET', schema: pairLabelsResponse })
      .then((r) => setLabels(editableLabels(r.results, primaryType)))
      .catch((err) => setProblem(failureText(err)));
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    if (!labels) return;
    const { add, drop, addSpecs, dropSpecs } = labelChanges(labels, row.typeIds, on);
    const to = { objectType: card.objectType, id: row.id };
    if (add.length) await ctx.submit({ kind: 'associate', from: self, to, labels: addSpecs }, t('recordLabelsAdded', add.map((l) => l.label).join(', '), row.name), { toObjectType: card.objectType, toId: row.id, actions: ['LABEL_ADDED'], entries: add.length });
    if (drop.length) await ctx.submit({ kind: 'removeLabels', from: self, to, labels: dropSpecs }, t('recordLabelsRemoved', drop.map((l) => l.label).join(', '), row.name), { toObjectType: card.objectType, toId: row.id, actions: ['LABEL_REMOVED'], entries: drop.length });
    close();
  }

  return (
    <Dialog title={t('recordEditLabelsTitle', row.name)} onClose={close}>
      <form onSubmit={(e) => void save(e)}>
        {problem && (
          <p class="crm-error" role="alert">
            {problem}
          </p>
        )}
        {labels === null && !problem && <p role="status">{t('appLoading')}</p>}
        {labels?.length === 0 && <p class="crm-muted">{t('recordNoLabels')}</p>}
        <LabelChecklist legend={t('recordLabelsOf', row.name)} labels={labels} on={on} setOn={setOn} />
        <div class="crm-dialog-actions">
          <button type="submit" class="crm-button crm-primary" disabled={!labels}>
            {t('recordSave')}
          </button>
          <button type="button" class="crm-button" onClick={close}>
            {t('recordCancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "Remove association": confirmed first; removing the primary company while others remain asks which becomes primary (R15). */
function RemoveAssociation({ card, row, ctx, close }: { card: Card; row: CardRow; ctx: CardContext; close(): void }) {
  const others = row.primary ? card.rows.filter((r) => r.id !== row.id) : [];
  const [successor, setSuccessor] = useState(others[0]?.id ?? '');
  const { self } = ctx;
  async function remove(e: Event) {
    e.preventDefault();
    const to = { objectType: card.objectType, id: row.id };
    await ctx.submit({ kind: 'remove', from: self, to, ...(others.length ? { newPrimaryCompanyId: successor } : {}) }, t('recordRemoved', row.name), { toObjectType: card.objectType, toId: row.id, actions: ['DELETED'], entries: 1 });
    close();
  }
  return (
    <Dialog title={t('recordRemoveTitle', row.name)} onClose={close}>
      <form onSubmit={(e) => void remove(e)}>
        <p>{t('recordRemoveConfirm', row.name, nameOf(self.objectType, self.id, ctx.loaded.properties))}</p>
        {others.length > 0 && (
          <fieldset>
            <legend>{t('recordNewPrimary')}</legend>
            {others.map((o) => (
              <label key={o.id} class="crm-check">
                <input type="radio" name="successor" value={o.id} checked={successor === o.id} onChange={() => setSuccessor(o.id)} />
                {o.name}
              </label>
            ))}
          </fieldset>
        )}
        <div class="crm-dialog-actions">
          <button type="submit" class="crm-button crm-primary">
            {t('recordRemove')}
          </button>
          <button type="button" class="crm-button" onClick={close}>
            {t('recordCancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
