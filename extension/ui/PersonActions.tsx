import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContactCompany } from '../../shared/companion.ts';
import type { PairLabel, SearchHit } from '../api/reads.ts';
import { type EditableLabel, editableLabels, labelChanges, primarySpec, primaryTypeOf } from '../app/record/model.ts';
import { t } from '../i18n.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { changesFor, makeOp, refKey, stateOf } from './model.ts';
import { RecordLink } from './record-link.tsx';

export const TYPE_KEY = { contacts: 'sidebarType_contacts', companies: 'sidebarType_companies', deals: 'sidebarType_deals', tickets: 'sidebarType_tickets' } as const;

export interface PersonActionsProps {
  contact: RecordRef;
  name: string;
  companies: readonly ContactCompany[];
  /** How many companies the contact has in all (the list holds the first few). */
  totalCompanies?: number;
  changes: readonly PendingChange[];
  submit(op: Operation): void;
  search(q: string): Promise<SearchHit[]>;
  /** The labels of contacts → companies, read when the rep edits them. */
  pairLabels(fromType: string, toType: string): Promise<PairLabel[]>;
}

/**
 * The record page's actions for one known person, compact (X2): each company with "Set as primary
 * company" (R8) and "Remove association" (removing the primary while others remain asks which
 * becomes primary, R15), a search that associates a record with this person only, and the link to
 * the contact's record page. Writes go through the outbox as the record page's do.
 */
export function PersonActions({ contact, name, companies, totalCompanies = companies.length, changes, submit, search, pairLabels }: PersonActionsProps) {
  const [removing, setRemoving] = useState<string | null>(null);
  const [labelling, setLabelling] = useState<string | null>(null);
  const [successor, setSuccessor] = useState('');
  const mine = changes.filter((c) => 'from' in c.op && refKey((c.op as { from: RecordRef }).from) === refKey(contact));
  const setPrimary = (company: ContactCompany) =>
    submit(makeOp<'associate'>({ kind: 'associate', from: contact, to: { objectType: 'companies', id: company.id }, labels: [primarySpec('contacts')] }));
  const startRemove = (company: ContactCompany) => {
    setRemoving(company.id);
    setSuccessor(companies.find((c) => c.id !== company.id)?.id ?? '');
  };
  const remove = (company: ContactCompany, others: readonly ContactCompany[]) => {
    submit(makeOp<'remove'>({ kind: 'remove', from: contact, to: { objectType: 'companies', id: company.id }, ...(company.primary && others.length ? { newPrimaryCompanyId: successor } : {}) }));
    setRemoving(null);
  };
  return (
    <div class="crm-person-actions">
      {companies.length > 0 ? (
        <ul class="crm-companies" aria-label={t('sidebarCompaniesOf', name)}>
          {companies.map((company) => {
            const busy = stateOf(changesFor({ objectType: 'companies', id: company.id }, mine));
            const others = companies.filter((c) => c.id !== company.id);
            return (
              <li key={company.id} data-company={company.id} data-state={busy?.state ?? (company.primary ? 'primary' : 'associated')}>
                <span class="crm-name">
                  <RecordLink objectType="companies" id={company.id}>
                    {company.name}
                  </RecordLink>
                </span>
                {company.primary ? <span class="crm-badge">{t('sidebarPrimary')}</span> : null}
                {busy?.state === 'refused' ? (
                  <p class="crm-refused" role="alert">
                    {t('sidebarRefused', busy.message ?? '')}
                  </p>
                ) : busy ? (
                  <span class="crm-pending"> {t('sidebarWaiting')}</span>
                ) : labelling === company.id ? (
                  <EditLabels contact={contact} company={company} submit={submit} pairLabels={pairLabels} close={() => setLabelling(null)} />
                ) : removing === company.id ? (
                  <InlineForm
                    returnTo="remove"
                    close={() => setRemoving(null)}
                    onSubmit={(e) => {
                      e.preventDefault();
                      remove(company, others);
                    }}
                  >
                    <p>{t('sidebarRemoveConfirm', company.name, name)}</p>
                    {company.primary && others.length > 0 ? (
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
                    <button type="button" class="crm-link" onClick={() => setRemoving(null)}>
                      {t('recordCancel')}
                    </button>
                  </InlineForm>
                ) : (
                  <span class="crm-row-actions">
                    {company.primary ? null : (
                      <button type="button" class="crm-link" onClick={() => setPrimary(company)}>
                        {t('recordSetPrimary')}
                      </button>
                    )}
                    <button type="button" class="crm-link" data-action="labels" onClick={() => setLabelling(company.id)}>
                      {t('recordEditLabels')}
                    </button>
                    <button type="button" class="crm-link" data-action="remove" onClick={() => startRemove(company)}>
                      {t('recordRemove')}
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      ) : null}
      {totalCompanies > companies.length ? <p class="crm-muted">{t('sidebarMoreCompanies', String(totalCompanies - companies.length))}</p> : null}
      <AssociateSearch contact={contact} has={companies.map((c) => `companies:${c.id}`)} changes={mine} submit={submit} search={search} />
      <p class="crm-open">
        <RecordLink objectType="contacts" id={contact.id}>
          {t('sidebarOpenRecord')}
        </RecordLink>
      </p>
    </div>
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

/** "Edit labels" of one company of the person: the pair's labels ticked as the association has them (R14), the record page's rule. */
function EditLabels({ contact, company, submit, pairLabels, close }: { contact: RecordRef; company: ContactCompany; submit(op: Operation): void; pairLabels: PersonActionsProps['pairLabels']; close(): void }) {
  const [labels, setLabels] = useState<EditableLabel[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [on, setOn] = useState<Set<number>>(new Set(company.typeIds));
  useEffect(() => {
    pairLabels('contacts', 'companies').then(
      (results) => setLabels(editableLabels(results, primaryTypeOf('contacts'))),
      (err: unknown) => setProblem(err instanceof Error ? err.message : String(err)),
    );
  }, []);
  const save = (e: Event) => {
    e.preventDefault();
    if (!labels) return;
    const { addSpecs, dropSpecs } = labelChanges(labels, company.typeIds, on);
    const to = { objectType: 'companies', id: company.id };
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
      <fieldset>
        <legend>{t('recordLabelsOf', company.name)}</legend>
        {labels?.map((l) => (
          <label key={l.typeId} class="crm-check">
            <input
              type="checkbox"
              checked={on.has(l.typeId)}
              onChange={(e) => {
                const next = new Set(on);
                if (e.currentTarget.checked) next.add(l.typeId);
                else next.delete(l.typeId);
                setOn(next);
              }}
            />
            {l.label}
          </label>
        ))}
      </fieldset>
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
                  <span class="crm-kind">{t(TYPE_KEY[hit.objectType])}</span> <span class="crm-name">{hit.name}</span>
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
