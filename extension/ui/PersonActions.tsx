import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContactCompany, OpenRecord } from '../../shared/companion.ts';
import type { PairLabel, SearchHit } from '../api/reads.ts';
import { type EditableLabel, editableLabels, labelChanges, primarySpec, primaryTypeOf } from '../app/record/model.ts';
import { t } from '../i18n.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { changesFor, makeOp, refKey, stateOf } from './model.ts';
import { LabelChecklist } from './LabelChecklist.tsx';
import { RecordLink } from './record-link.tsx';

export const TYPE_KEY = { contacts: 'sidebarType_contacts', companies: 'sidebarType_companies', deals: 'sidebarType_deals', tickets: 'sidebarType_tickets' } as const;

export interface PersonActionsProps {
  contact: RecordRef;
  name: string;
  companies: readonly ContactCompany[];
  /** How many companies the contact has in all (the list holds the first few). */
  totalCompanies?: number;
  /** The contact's open deals and tickets (the thread's summary: the newest few of each). */
  deals?: readonly OpenRecord[];
  tickets?: readonly OpenRecord[];
  changes: readonly PendingChange[];
  submit(op: Operation): void;
  search(q: string): Promise<SearchHit[]>;
  /** The labels of a pair (contacts → companies, deals, tickets), read when the rep edits them. */
  pairLabels(fromType: string, toType: string): Promise<PairLabel[]>;
}

/** One associated record of the person, as a row with actions. */
interface Linked {
  objectType: 'companies' | 'deals' | 'tickets';
  id: string;
  name: string;
  typeIds: readonly number[];
  primary: boolean;
  /** A second line: a deal's or ticket's stage label. */
  detail?: string | null;
}

/**
 * The record page's actions for one known person, compact (X2), the same for every association
 * kind: each company with "Set as primary company" (R8), each company, open deal and open ticket
 * with "Edit labels" (R14) and "Remove association", asked first (removing the primary company
 * while others remain asks which becomes primary, R15); a search that associates a record with
 * this person only, and the link to the contact's record page. Writes go through the outbox as the
 * record page's do, and a refused one stays on its row with the server's reason.
 */
export function PersonActions({ contact, name, companies, totalCompanies = companies.length, deals = [], tickets = [], changes, submit, search, pairLabels }: PersonActionsProps) {
  const mine = changes.filter((c) => 'from' in c.op && refKey((c.op as { from: RecordRef }).from) === refKey(contact));
  const companyRows: Linked[] = companies.map((c) => ({ objectType: 'companies', id: c.id, name: c.name, typeIds: c.typeIds, primary: c.primary }));
  const openRows: Linked[] = [
    ...deals.map((d): Linked => ({ objectType: 'deals', id: d.id, name: d.name, typeIds: d.typeIds, primary: false, detail: d.stageLabel })),
    ...tickets.map((x): Linked => ({ objectType: 'tickets', id: x.id, name: x.name, typeIds: x.typeIds, primary: false, detail: x.stageLabel })),
  ];
  const row = (record: Linked, siblings: readonly Linked[]) => (
    <LinkedRow key={`${record.objectType}:${record.id}`} contact={contact} person={name} record={record} others={siblings.filter((o) => o.id !== record.id)} changes={mine} submit={submit} pairLabels={pairLabels} />
  );
  return (
    <div class="crm-person-actions">
      {companyRows.length > 0 ? (
        <ul class="crm-companies" aria-label={t('sidebarCompaniesOf', name)}>
          {companyRows.map((c) => row(c, companyRows))}
        </ul>
      ) : null}
      {totalCompanies > companies.length ? <p class="crm-muted">{t('sidebarMoreCompanies', String(totalCompanies - companies.length))}</p> : null}
      {openRows.length > 0 ? (
        <ul class="crm-open-records" aria-label={t('sidebarOpenRecordsOf', name)}>
          {openRows.map((r) => row(r, []))}
        </ul>
      ) : null}
      <AssociateSearch contact={contact} has={[...companyRows, ...openRows].map((c) => `${c.objectType}:${c.id}`)} changes={mine} submit={submit} search={search} />
      <p class="crm-open">
        <RecordLink objectType="contacts" id={contact.id}>
          {t('sidebarOpenRecord')}
        </RecordLink>
      </p>
    </div>
  );
}

/** One company, deal or ticket of the person: its name (opening its record page), state, and actions. */
function LinkedRow({ contact, person, record, others, changes, submit, pairLabels }: { contact: RecordRef; person: string; record: Linked; /** The person's other companies (R15's choice). */ others: readonly Linked[]; changes: readonly PendingChange[]; submit(op: Operation): void; pairLabels: PersonActionsProps['pairLabels'] }) {
  const [mode, setMode] = useState<'idle' | 'labels' | 'remove'>('idle');
  const [successor, setSuccessor] = useState(others[0]?.id ?? '');
  const to = { objectType: record.objectType, id: record.id };
  const busy = stateOf(changesFor(to, changes));
  const isCompany = record.objectType === 'companies';
  // R15: removing the primary company while others remain names the new primary
  const choose = isCompany && record.primary && others.length > 0;
  const setPrimary = () => submit(makeOp<'associate'>({ kind: 'associate', from: contact, to, labels: [primarySpec('contacts')] }));
  const remove = (e: Event) => {
    e.preventDefault();
    submit(makeOp<'remove'>({ kind: 'remove', from: contact, to, ...(choose ? { newPrimaryCompanyId: successor } : {}) }));
    setMode('idle');
  };
  return (
    <li data-company={isCompany ? record.id : undefined} data-record={`${record.objectType}:${record.id}`} data-state={busy?.state ?? (record.primary ? 'primary' : 'associated')}>
      {isCompany ? null : <span class="crm-kind">{t(TYPE_KEY[record.objectType])} </span>}
      <span class="crm-name">
        <RecordLink objectType={record.objectType} id={record.id}>
          {record.name}
        </RecordLink>
      </span>
      {record.primary ? <span class="crm-badge">{t('sidebarPrimary')}</span> : null}
      {record.detail ? <span class="crm-muted crm-stage"> · {record.detail}</span> : null}
      {busy?.state === 'refused' ? (
        <p class="crm-refused" role="alert">
          {t('sidebarRefused', busy.message ?? '')}
        </p>
      ) : busy ? (
        <span class="crm-pending"> {t('sidebarWaiting')}</span>
      ) : mode === 'labels' ? (
        <EditLabels contact={contact} record={record} submit={submit} pairLabels={pairLabels} close={() => setMode('idle')} />
      ) : mode === 'remove' ? (
        <InlineForm returnTo="remove" close={() => setMode('idle')} onSubmit={remove}>
          <p>{t('sidebarRemoveConfirm', record.name, person)}</p>
          {choose ? (
            <fieldset>
              <legend>{t('recordNewPrimary')}</legend>
              {others.map((o) => (
                <label key={o.id} class="crm-check">
                  <input type="radio" name={`successor-${contact.id}`} value={o.id} checked={successor === o.id} onChange={() => setSuccessor(o.id)} />
                  {o.name}
                </label>
              ))}
            </fieldset>
          ) : null}
          <button type="submit" class="crm-button">
            {t('recordRemove')}
          </button>{' '}
          <button type="button" class="crm-link" onClick={() => setMode('idle')}>
            {t('recordCancel')}
          </button>
        </InlineForm>
      ) : (
        <span class="crm-row-actions">
          {isCompany && !record.primary ? (
            <button type="button" class="crm-link" onClick={setPrimary}>
              {t('recordSetPrimary')}
            </button>
          ) : null}
          <button type="button" class="crm-link" data-action="labels" onClick={() => setMode('labels')}>
            {t('recordEditLabels')}
          </button>
          <button
            type="button"
            class="crm-link"
            data-action="remove"
            onClick={() => {
              setSuccessor(others[0]?.id ?? '');
              setMode('remove');
            }}
          >
            {t('recordRemove')}
          </button>
        </span>
      )}
    </li>
  );
}

/**
 * An inline form inside a card: its first control takes the focus when it opens, Escape closes it,
 * and the focus goes back to the button that opened it (found by `returnTo` in the card).
 */
function InlineForm({ onSubmit, close, returnTo, children }: { onSubmit(e: Event): void; close(): void; returnTo: string; children: ComponentChildren }) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    const form = ref.current;
    form?.querySelector<HTMLElement>('input, button')?.focus();
    const row = form?.closest('li');
    // the button that opened the form is back once it closes: the focus returns to it
    return () => queueMicrotask(() => row?.querySelector<HTMLElement>(`[data-action="${returnTo}"]`)?.focus());
  }, []);
  return (
    <form
      ref={ref}
      class="crm-remove"
      onSubmit={onSubmit}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          close();
        }
      }}
    >
      {children}
    </form>
  );
}

/** "Edit labels" of one record of the person: the pair's labels ticked as the association has them (R14), the record page's rule. */
function EditLabels({ contact, record, submit, pairLabels, close }: { contact: RecordRef; record: Linked; submit(op: Operation): void; pairLabels: PersonActionsProps['pairLabels']; close(): void }) {
  const [labels, setLabels] = useState<EditableLabel[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [on, setOn] = useState<Set<number>>(new Set(record.typeIds));
  useEffect(() => {
    pairLabels('contacts', record.objectType).then(
      (results) => setLabels(editableLabels(results, primaryTypeOf('contacts'))),
      (err: unknown) => setProblem(err instanceof Error ? err.message : String(err)),
    );
  }, []);
  const save = (e: Event) => {
    e.preventDefault();
    if (!labels) return;
    const { addSpecs, dropSpecs } = labelChanges(labels, record.typeIds, on);
    const to = { objectType: record.objectType, id: record.id };
    if (addSpecs.length) submit(makeOp<'associate'>({ kind: 'associate', from: contact, to, labels: addSpecs }));
    if (dropSpecs.length) submit(makeOp<'removeLabels'>({ kind: 'removeLabels', from: contact, to, labels: dropSpecs }));
    close();
  };
  return (
    <InlineForm onSubmit={save} close={close} returnTo="labels">
      {problem ? (
        <p class="crm-refused" role="alert">
          {problem}
        </p>
      ) : null}
      {labels === null && !problem ? <p role="status">{t('appLoading')}</p> : null}
      {labels?.length === 0 ? <p class="crm-muted">{t('recordNoLabels')}</p> : null}
      <LabelChecklist legend={t('recordLabelsOf', record.name)} labels={labels} on={on} setOn={setOn} />
      <button type="submit" class="crm-button" disabled={!labels}>
        {t('recordSave')}
      </button>{' '}
      <button type="button" class="crm-link" onClick={close}>
        {t('recordCancel')}
      </button>
    </InlineForm>
  );
}

/** "Search to associate": the rep picks the record that goes to this person (and no one else). */
function AssociateSearch({ contact, has, changes, submit, search }: { contact: RecordRef; /** Records the person is associated with already (`companies:12`). */ has: readonly string[]; changes: readonly PendingChange[]; submit(op: Operation): void; search(q: string): Promise<SearchHit[]> }) {
  const [q, setQ] = useState('');
  const [result, setResult] = useState<{ hits: SearchHit[] } | { error: string } | null>(null);
  const [done, setDone] = useState<string[]>([]);
  const run = (e: Event) => {
    e.preventDefault();
    const text = q.trim();
    if (!text) return;
    search(text).then(
      (hits) => setResult({ hits: hits.filter((h) => refKey(h) !== refKey(contact)) }),
      (err: unknown) => setResult({ error: err instanceof Error ? err.message : String(err) }),
    );
  };
  const associate = (hit: SearchHit) => {
    submit(makeOp<'associate'>({ kind: 'associate', from: contact, to: { objectType: hit.objectType, id: hit.id } }));
    setDone([...done, refKey(hit)]);
  };
  return (
    <form class="crm-associate-search" onSubmit={run}>
      <input type="search" aria-label={t('sidebarSearchToAssociate')} placeholder={t('sidebarSearchToAssociate')} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      {result && 'error' in result ? (
        <p class="crm-refused" role="alert">
          {result.error}
        </p>
      ) : result ? (
        result.hits.length === 0 ? (
          <p class="crm-muted">{t('sidebarNoHits')}</p>
        ) : (
          <ul class="crm-hits">
            {result.hits.map((hit) => {
              const busy = stateOf(changesFor(hit, changes));
              return (
                <li key={refKey(hit)} data-hit={refKey(hit)}>
                  <span class="crm-kind">{t(TYPE_KEY[hit.objectType])}</span> <span class="crm-name">
                    <RecordLink objectType={hit.objectType} id={hit.id}>
                      {hit.name}
                    </RecordLink>
                  </span>
                  {hit.detail ? <span class="crm-muted"> · {hit.detail}</span> : null}{' '}
                  {busy?.state === 'refused' ? (
                    <span class="crm-refused" role="alert">
                      {t('sidebarRefused', busy.message ?? '')}
                    </span>
                  ) : busy ? (
                    <span class="crm-pending">{t('sidebarWaiting')}</span>
                  ) : done.includes(refKey(hit)) || has.includes(refKey(hit)) ? (
                    <span class="crm-done">{t('sidebarAssociated')}</span>
                  ) : (
                    <button type="button" class="crm-link" aria-label={t('sidebarAssociateHit', hit.name)} onClick={() => associate(hit)}>
                      {t('sidebarAssociate')}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )
      ) : null}
    </form>
  );
}
