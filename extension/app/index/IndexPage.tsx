import { useEffect, useState } from 'preact/hooks';
import './index.css';
import { browser } from 'wxt/browser';
import { apiPaths } from '../../../shared/api-paths.ts';
import { defaultAssociationResponse } from '../../../shared/associations.ts';
import { searchResult } from '../../../shared/records.ts';
import { recordName } from '../../../shared/record-name.ts';
import type { AssociationsCell, IndexCell, IndexColumnView, IndexPageResponse, IndexRow, RecordRef } from '../../../shared/views.ts';
import { indexPageResponse } from '../../../shared/views.ts';
import { formatDate, formatNumber } from '../../format.ts';
import { type MessageKey, t } from '../../i18n.ts';
import type { PageProps } from '../App.tsx';
import type { AppRoute } from '../routes.ts';
import {
  columnChoices,
  type FilterField,
  filterOf,
  type IndexState,
  loadColumns,
  NAME_SORT,
  nextSort,
  partsOf,
  propertyLabel,
  queryOf,
  saveColumns,
  STANDARD_TYPES,
  type StandardType,
  stateOf,
} from './state.ts';
import { Dialog } from '../Dialog.tsx';
import { errorText } from '../../notice.ts';

/** Rows of a page: 50, the page the budget is for (R19). */
export const PAGE_SIZE = 50;

const TYPE_KEYS: Record<StandardType, MessageKey> = { contacts: 'appNavContacts', companies: 'appNavCompanies', deals: 'appNavDeals', tickets: 'appNavTickets' };
const typeLabel = (objectType: string) => ((STANDARD_TYPES as readonly string[]).includes(objectType) ? t(TYPE_KEYS[objectType as StandardType]) : objectType);

const indexRoute = (objectType: string, state: IndexState): AppRoute => ({ page: 'index', objectType, query: queryOf(state) });
const failureText = errorText;

function choiceLabel(objectType: string, column: string): string {
  if (column === 'primary:company') return t('indexColumnPrimaryCompany');
  if (column.startsWith('assoc:')) return t('indexColumnAssociations', typeLabel(column.slice('assoc:'.length)));
  return propertyLabel(column);
}

/**
 * An index page (R9, R19): the records of one type, 50 a page, with the columns the rep chose
 * (kept per type) including association columns, sortable by any column (association columns by
 * the primary company's name or the count), paged both ways (keyset cursors), filtered on
 * properties and associations; the view's state is the address. Rows can be selected and
 * associated with one record in one request; refusals (R4 limits) show on their rows.
 */
export function IndexPage({ route, session }: PageProps<'index'>) {
  const { objectType } = route;
  const state = stateOf(route.query);
  const stateKey = queryOf(state).toString();
  const [columns, setColumns] = useState<string[] | null>(null);
  const [page, setPage] = useState<IndexPageResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [refusals, setRefusals] = useState<Map<string, string>>(new Map());
  const [outcome, setOutcome] = useState<string | null>(null);
  const [popup, setPopup] = useState<{ row: IndexRow; column: IndexColumnView } | null>(null);
  const [chooserOpen, setChooserOpen] = useState(false);
  const [associateOpen, setAssociateOpen] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => void (document.title = `${typeLabel(objectType)} · ${t('appTitle')}`), [objectType]);
  useEffect(() => {
    setColumns(null);
    setSelected(new Set());
    setRefusals(new Map());
    setOutcome(null);
    void loadColumns(browser.storage.local, objectType).then(setColumns);
  }, [objectType]);

  useEffect(() => {
    if (!columns) return;
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    session.client
      .request(apiPaths.indexPage(objectType, { columns, filters: state.filters, sort: state.sort, after: state.after, before: state.before ?? null, limit: PAGE_SIZE }), {
        method: 'GET',
        schema: indexPageResponse,
        signal: controller.signal,
      })
      .then((answer) => {
        setPage(answer);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(failureText(err));
        setLoading(false);
      });
    return () => controller.abort();
  }, [objectType, columns?.join(','), stateKey, reload]);

  const go = (next: IndexState) => session.navigate(indexRoute(objectType, next));
  const typeName = page?.objectType ?? objectType;
  const nameSort = (STANDARD_TYPES as readonly string[]).includes(typeName) ? NAME_SORT[typeName as StandardType] : null;
  const rows = page?.results ?? [];
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  // every column sorts: a property by its value, "→ Company (primary)" by the company's name, "→ [Objects]" by the count
  const sortHeader = (label: string, sortKey: string | null) => {
    if (!sortKey) return <th scope="col">{label}</th>;
    const current = state.sort === sortKey ? 'ascending' : state.sort === `-${sortKey}` ? 'descending' : undefined;
    return (
      <th scope="col" aria-sort={current}>
        <button type="button" class="crm-index-sort" onClick={() => go({ filters: state.filters, sort: nextSort(state.sort, sortKey), after: null })}>
          {label}
          <span aria-hidden="true">{current === 'ascending' ? ' ▲' : current === 'descending' ? ' ▼' : ''}</span>
        </button>
      </th>
    );
  };

  return (
    <section class="crm-index">
      <h1>{typeLabel(objectType)}</h1>
      <Filters objectType={typeName} filters={state.filters} onChange={(filters) => go({ filters, sort: state.sort, after: null })} />
      <div class="crm-index-toolbar">
        <button type="button" onClick={() => setChooserOpen(true)} aria-haspopup="dialog">
          {t('indexColumns')}
        </button>
        <button type="button" disabled={selected.size === 0} onClick={() => setAssociateOpen(true)} aria-haspopup="dialog">
          {t('indexAssociateSelected')}
        </button>
        <span class="crm-index-count" aria-live="polite">
          {selected.size > 0 ? t('indexSelectedCount', String(selected.size)) : ''}
        </span>
      </div>
      {outcome ? (
        <p class="crm-index-outcome" role="status">
          {outcome}
        </p>
      ) : null}
      {error ? (
        <p class="crm-error" role="alert">
          {t('indexLoadFailed', error)}
        </p>
      ) : null}
      {page ? (
        <table class="crm-index-table" aria-busy={loading ? 'true' : 'false'} data-view={`${columns?.join(',')}?${stateKey}`}>
          <caption class="crm-visually-hidden">{typeLabel(objectType)}</caption>
          <thead>
            <tr>
              <th scope="col" class="crm-index-check">
                <input
                  type="checkbox"
                  aria-label={t('indexSelectAll')}
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                />
              </th>
              {sortHeader(t('indexName'), nameSort)}
              {page.columns.map((c) => sortHeader(c.label, c.kind === 'property' ? (c.property ?? null) : c.key))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={page.columns.length + 2}>{t('indexNoRecords')}</td>
              </tr>
            ) : (
              rows.map((row) => {
                const refused = refusals.get(row.id);
                const name = row.name ?? t('indexUnnamed', row.id);
                return (
                  <tr key={row.id} class={refused ? 'crm-index-refused' : undefined}>
                    <td class="crm-index-check">
                      <input type="checkbox" aria-label={t('indexSelectRow', name)} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
                    </td>
                    <th scope="row">
                      <a href={session.href({ page: 'record', objectType: typeName, id: row.id })}>{name}</a>
                      {refused ? <p class="crm-error crm-index-row-error">{t('indexRowRefused', refused)}</p> : null}
                    </th>
                    {page.columns.map((c) => (
                      <td>
                        <Cell session={session} column={c} cell={row.values[c.key] ?? null} onOpen={() => setPopup({ row, column: c })} rowType={typeName} rowId={row.id} />
                      </td>
                    ))}
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      ) : loading ? (
        <p role="status">{t('appLoading')}</p>
      ) : null}
      <nav class="crm-index-paging" aria-label={t('indexPaging')}>
        {state.after || state.before ? <a href={session.href(indexRoute(objectType, { ...state, after: null, before: null }))}>{t('indexFirstPage')}</a> : null}
        {page?.paging?.prev ? <a href={session.href(indexRoute(objectType, { ...state, after: null, before: page.paging.prev.before }))}>{t('indexPreviousPage')}</a> : null}
        {page?.paging?.next ? <a href={session.href(indexRoute(objectType, { ...state, after: page.paging.next.after, before: null }))}>{t('indexNextPage')}</a> : null}
      </nav>
      {chooserOpen && columns ? (
        <ColumnChooser
          objectType={objectType}
          columns={columns}
          onClose={() => setChooserOpen(false)}
          onSave={(chosen) => {
            setChooserOpen(false);
            setColumns(chosen);
            void saveColumns(browser.storage.local, objectType, chosen);
          }}
        />
      ) : null}
      {popup ? <RecordsPopup session={session} rowType={typeName} row={popup.row} column={popup.column} onClose={() => setPopup(null)} /> : null}
      {associateOpen ? (
        <AssociateDialog
          session={session}
          fromType={typeName}
          ids={[...selected]}
          names={new Map(rows.map((r) => [r.id, r.name ?? r.id]))}
          onClose={() => setAssociateOpen(false)}
          onDone={(refused, done) => {
            setAssociateOpen(false);
            setRefusals(refused);
            setOutcome(refused.size === 0 ? t('indexAssociatedAll', String(done)) : t('indexAssociatedSome', String(done), String(refused.size)));
            setSelected(new Set(refused.keys()));
            setReload((n) => n + 1);
          }}
        />
      ) : null}
    </section>
  );
}

function Cell({ session, column, cell, onOpen, rowType, rowId }: { session: PageProps<'index'>['session']; column: IndexColumnView; cell: IndexCell; onOpen(): void; rowType: string; rowId: string }) {
  const to = column.toObjectType ?? '';
  if (column.kind === 'primaryCompany') {
    const ref = cell as RecordRef | null;
    return ref ? <a href={session.href({ page: 'record', objectType: to, id: ref.id })}>{ref.name ?? t('indexUnnamed', ref.id)}</a> : <span class="crm-index-none">—</span>;
  }
  if (column.kind === 'associations') {
    const c = cell as AssociationsCell | null;
    if (!c || c.count === 0) return <span class="crm-index-none">—</span>;
    if (c.count === 1 && c.first[0]) {
      const only = c.first[0];
      return <a href={session.href({ page: 'record', objectType: to, id: only.id })}>{only.name ?? t('indexUnnamed', only.id)}</a>;
    }
    // "[x] records" opens the list here; its address is the associated type's index page filtered to this record
    const all = indexRoute(to, { filters: [`associations.${rowType}:eq:${rowId}`], sort: null, after: null });
    return (
      <a
        href={session.href(all)}
        aria-haspopup="dialog"
        onClick={(e) => {
          e.preventDefault();
          (e.currentTarget as HTMLElement).focus();
          onOpen();
        }}
      >
        {t('indexRecordsCount', formatNumber(c.count))}
      </a>
    );
  }
  const value = typeof cell === 'string' ? cell : null;
  if (value === null || value === '') return <span class="crm-index-none">—</span>;
  if (column.property === 'createdate' || column.property === 'closedate' || column.property === 'lastmodifieddate') {
    const date = new Date(/^\d+$/.test(value) ? Number(value) : value);
    if (!Number.isNaN(date.getTime())) return <time dateTime={date.toISOString()}>{formatDate(date)}</time>;
  }
  return <>{value}</>;
}

function ColumnChooser({ objectType, columns, onClose, onSave }: { objectType: string; columns: string[]; onClose(): void; onSave(columns: string[]): void }) {
  const choices = columnChoices(objectType);
  const [chosen, setChosen] = useState<string[]>(columns.filter((c) => choices.includes(c)));
  const associationCount = chosen.filter((c) => c.includes(':')).length;
  return (
    <Dialog title={t('indexColumnsTitle')} onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen.length > 0) onSave(choices.filter((c) => chosen.includes(c)));
        }}
      >
        <fieldset>
          <legend>{t('indexColumnsLegend')}</legend>
          {choices.map((c) => (
            <label key={c} class="crm-index-choice">
              <input type="checkbox" checked={chosen.includes(c)} onChange={() => setChosen(chosen.includes(c) ? chosen.filter((x) => x !== c) : [...chosen, c])} />
              {choiceLabel(objectType, c)}
            </label>
          ))}
        </fieldset>
        {chosen.length === 0 ? <p class="crm-error">{t('indexColumnsNone')}</p> : null}
        <p class="crm-index-hint">{t('indexColumnsAssociations', String(associationCount))}</p>
        <div class="crm-dialog-actions">
          <button type="submit" disabled={chosen.length === 0}>
            {t('indexColumnsSave')}
          </button>
          <button type="button" onClick={onClose}>
            {t('indexCancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "[x] records" (R19): the associated records of one cell, each linking to its record page, and "View all". */
function RecordsPopup({ session, rowType, row, column, onClose }: { session: PageProps<'index'>['session']; rowType: string; row: IndexRow; column: IndexColumnView; onClose(): void }) {
  const to = column.toObjectType ?? '';
  const filter = `associations.${rowType}:eq:${row.id}`;
  const [records, setRecords] = useState<{ results: IndexRow[]; more: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    session.client
      .request(apiPaths.indexPage(to, { columns: ['hs_object_id'], filters: [filter], limit: 100 }), { method: 'GET', schema: indexPageResponse })
      .then((answer) => setRecords({ results: answer.results, more: answer.paging?.next !== undefined }))
      .catch((err: unknown) => setError(failureText(err)));
  }, []);
  const cell = row.values[column.key] as AssociationsCell | undefined;
  return (
    <Dialog title={`${row.name ?? row.id}: ${column.label}`} onClose={onClose}>
      <p>{t('indexRecordsCount', String(cell?.count ?? 0))}</p>
      {error ? (
        <p class="crm-error" role="alert">
          {t('indexLoadFailed', error)}
        </p>
      ) : records ? (
        <ul class="crm-index-popup-list">
          {records.results.map((r) => (
            <li key={r.id}>
              <a href={session.href({ page: 'record', objectType: to, id: r.id })} onClick={onClose}>
                {r.name ?? t('indexUnnamed', r.id)}
              </a>
            </li>
          ))}
        </ul>
      ) : (
        <p role="status">{t('appLoading')}</p>
      )}
      <div class="crm-dialog-actions">
        <a href={session.href(indexRoute(to, { filters: [filter], sort: null, after: null }))} onClick={onClose}>
          {t('indexViewAll')}
        </a>
        <button type="button" onClick={onClose}>
          {t('indexClose')}
        </button>
      </div>
    </Dialog>
  );
}

/** Bulk association: every selected row with one record, in ONE batch request; refusals come back per row. */
function AssociateDialog({
  session,
  fromType,
  ids,
  names,
  onClose,
  onDone,
}: {
  session: PageProps<'index'>['session'];
  fromType: string;
  ids: string[];
  names: Map<string, string>;
  onClose(): void;
  onDone(refused: Map<string, string>, done: number): void;
}) {
  const targets = STANDARD_TYPES.filter((type) => type !== fromType);
  const [toType, setToType] = useState<StandardType>(targets.includes('companies') ? 'companies' : targets[0]!);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<Array<{ id: string; name: string }> | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const search = async () => {
    setError(null);
    try {
      const answer = await session.client.request(apiPaths.searchRecords(toType), { method: 'POST', body: { query: query.trim(), limit: 10 }, schema: searchResult });
      setHits(answer.results.map((r) => ({ id: r.id, name: recordName(typeIdOf(toType), r.properties) ?? t('indexUnnamed', r.id) })));
      setTarget(null);
    } catch (err) {
      setError(failureText(err));
    }
  };

  const associate = async () => {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await session.client.request(apiPaths.batchAssociateDefault(fromType, toType), {
        method: 'POST',
        body: { inputs: ids.map((id) => ({ from: { id }, to: { id: target } })) },
        schema: defaultAssociationResponse,
      });
      const refused = new Map<string, string>();
      for (const e of answer.errors ?? []) for (const id of e.context.fromObjectId ?? []) refused.set(id, e.message);
      onDone(refused, ids.length - refused.size);
    } catch (err) {
      setError(failureText(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('indexAssociateTitle', String(ids.length))} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <p class="crm-index-hint">{ids.map((id) => names.get(id) ?? id).join(', ')}</p>
        <label class="crm-index-field">
          {t('indexAssociateType')}
          <select value={toType} onChange={(e) => (setToType((e.currentTarget as HTMLSelectElement).value as StandardType), setHits(null), setTarget(null))}>
            {targets.map((type) => (
              <option key={type} value={type}>
                {typeLabel(type)}
              </option>
            ))}
          </select>
        </label>
        <label class="crm-index-field">
          {t('indexAssociateSearch')}
          <input type="search" value={query} onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t('indexSearch')}</button>
      </form>
      {hits ? (
        hits.length === 0 ? (
          <p>{t('indexNoRecords')}</p>
        ) : (
          <fieldset>
            <legend>{t('indexAssociateWith')}</legend>
            {hits.map((h) => (
              <label key={h.id} class="crm-index-choice">
                <input type="radio" name="crm-associate-target" value={h.id} checked={target === h.id} onChange={() => setTarget(h.id)} />
                {h.name}
              </label>
            ))}
          </fieldset>
        )
      ) : null}
      {error ? (
        <p class="crm-error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="crm-dialog-actions">
        <button type="button" disabled={!target || busy} onClick={() => void associate()}>
          {t('indexAssociate')}
        </button>
        <button type="button" onClick={onClose}>
          {t('indexCancel')}
        </button>
      </div>
    </Dialog>
  );
}

const TYPE_IDS: Record<StandardType, string> = { contacts: '0-1', companies: '0-2', deals: '0-3', tickets: '0-5' };
const typeIdOf = (type: StandardType) => TYPE_IDS[type];

/** The filters of the view, each removable, and a form to add one: a property, the primary company's domain or name, or "has (no) [objects]". */
function Filters({ objectType, filters, onChange }: { objectType: string; filters: string[]; onChange(filters: string[]): void }) {
  const properties = columnChoices(objectType).filter((c) => !c.includes(':'));
  const hasPrimary = columnChoices(objectType).includes('primary:company');
  const fields: Array<{ value: string; label: string; field: FilterField }> = [
    ...properties.map((p) => ({ value: `p:${p}`, label: propertyLabel(p), field: { kind: 'property', property: p } as FilterField })),
    ...(hasPrimary
      ? [
          { value: 'primary:domain', label: t('indexFilterPrimaryDomain'), field: { kind: 'primary', property: 'domain' } as FilterField },
          { value: 'primary:name', label: t('indexFilterPrimaryName'), field: { kind: 'primary', property: 'name' } as FilterField },
        ]
      : []),
    ...STANDARD_TYPES.filter((type) => type !== objectType).map((type) => ({ value: `assoc:${type}`, label: t('indexColumnAssociations', typeLabel(type)), field: { kind: 'associations', objectType: type } as FilterField })),
  ];
  const [fieldValue, setFieldValue] = useState(fields[0]?.value ?? '');
  const [operator, setOperator] = useState('eq');
  const [value, setValue] = useState('');
  const field = fields.find((f) => f.value === fieldValue)?.field;
  const isAssociation = field?.kind === 'associations';
  const operators: Array<[string, MessageKey]> = isAssociation
    ? [
        ['has', 'indexOpHasAny'],
        ['not_has', 'indexOpHasNone'],
      ]
    : [
        ['eq', 'indexOpEq'],
        ['neq', 'indexOpNeq'],
        ['contains', 'indexOpContains'],
        ...(field?.kind === 'property'
          ? ([
              ['has', 'indexOpKnown'],
              ['not_has', 'indexOpUnknown'],
            ] as Array<[string, MessageKey]>)
          : []),
      ];
  const op = operators.some(([o]) => o === operator) ? operator : operators[0]![0];
  const needsValue = !(op === 'has' || op === 'not_has');
  return (
    <div class="crm-index-filters">
      {filters.length > 0 ? (
        <ul class="crm-index-chips" aria-label={t('indexFiltersActive')}>
          {filters.map((f) => (
            <li key={f}>
              <span>{describeFilter(f)}</span>
              <button type="button" aria-label={t('indexFilterRemove', describeFilter(f))} onClick={() => onChange(filters.filter((x) => x !== f))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <form
        class="crm-index-filter-form"
        aria-label={t('indexFilterAdd')}
        onSubmit={(e) => {
          e.preventDefault();
          if (!field || (needsValue && value.trim() === '')) return;
          const f = filterOf(field, op, value);
          if (!filters.includes(f)) onChange([...filters, f]);
          setValue('');
        }}
      >
        <label class="crm-index-field">
          {t('indexFilterField')}
          <select value={fieldValue} onChange={(e) => setFieldValue((e.currentTarget as HTMLSelectElement).value)}>
            {fields.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label class="crm-index-field">
          {t('indexFilterOperator')}
          <select value={op} onChange={(e) => setOperator((e.currentTarget as HTMLSelectElement).value)}>
            {operators.map(([o, key]) => (
              <option key={o} value={o}>
                {t(key)}
              </option>
            ))}
          </select>
        </label>
        {needsValue ? (
          <label class="crm-index-field">
            {t('indexFilterValue')}
            <input type="text" value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
          </label>
        ) : null}
        <button type="submit">{t('indexFilterAdd')}</button>
      </form>
    </div>
  );
}

const OPERATOR_TEXT: Record<string, MessageKey> = {
  eq: 'indexOpEq',
  neq: 'indexOpNeq',
  contains: 'indexOpContains',
  not_contains: 'indexOpNotContains',
  has: 'indexOpKnown',
  not_has: 'indexOpUnknown',
  lt: 'indexOpLt',
  gt: 'indexOpGt',
};

/** "Primary company domain is acme.com", "Deals: none". */
export function describeFilter(filter: string): string {
  const parts = partsOf(filter);
  if (!parts) return filter;
  const { property, operator, value } = parts;
  if (property.startsWith('associations.company.primary.')) {
    const p = property.slice('associations.company.primary.'.length);
    const label = p === 'domain' ? t('indexFilterPrimaryDomain') : p === 'name' ? t('indexFilterPrimaryName') : `${t('indexColumnPrimaryCompany')}: ${propertyLabel(p)}`;
    return `${label} ${OPERATOR_TEXT[operator] ? t(OPERATOR_TEXT[operator]) : operator} ${value ?? ''}`.trim();
  }
  if (property.startsWith('associations.')) {
    const type = property.slice('associations.'.length);
    const label = t('indexColumnAssociations', typeLabel(type));
    if (operator === 'has') return `${label}: ${t('indexOpHasAny')}`;
    if (operator === 'not_has') return `${label}: ${t('indexOpHasNone')}`;
    return `${label}: ${value ?? ''}`;
  }
  const op = OPERATOR_TEXT[operator] ? t(OPERATOR_TEXT[operator]) : operator;
  return `${propertyLabel(property)} ${op}${value !== null ? ` ${value}` : ''}`;
}
