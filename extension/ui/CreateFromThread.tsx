import { useEffect, useRef, useState } from 'preact/hooks';
import type { StageStarts } from '../api/stages.ts';
import { t } from '../i18n.ts';
import { reasonText } from '../notice.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation, PENDING_PREFIX as PendingPrefix, RecordRef } from '../outbox/operation.ts';
import { defaultTypeOf } from '../app/record/model.ts';
import { makeOp } from './model.ts';

// the outbox's prefix, by type only: importing its value would bring zod into the content script
const PENDING_PREFIX: typeof PendingPrefix = 'pending:';

export type CreateType = 'deals' | 'companies' | 'tickets';
const TYPES: readonly CreateType[] = ['deals', 'companies', 'tickets'];
const TYPE_KEY = { deals: 'sidebarCreateDeal', companies: 'sidebarCreateCompany', tickets: 'sidebarCreateTicket' } as const;
const NAME_PROPERTY = { deals: 'dealname', companies: 'name', tickets: 'subject' } as const;

export interface CreatePlanInput {
  objectType: CreateType;
  name: string;
  /** The thread's contacts (known, or `pending:` while created): the new record goes to each. */
  contacts: readonly RecordRef[];
  /** Their primary companies: a new deal or ticket goes to these too. */
  companies: readonly RecordRef[];
  starts: StageStarts | null;
}

/**
 * The operations that create a record from a thread, associated on creation (R5): one
 * createAssociated with the first contact (the record never exists unassociated), then an
 * association from the new record (`pending:<opId>` until the outbox knows its id) to each other
 * contact and, for a deal or ticket, to each primary company. A deal or ticket starts in the
 * default pipeline's first stage.
 */
export function createPlan({ objectType, name, contacts, companies, starts }: CreatePlanInput): Operation[] {
  const [first, ...rest] = contacts;
  if (!first) return [];
  const properties: Record<string, string> = { [NAME_PROPERTY[objectType]]: name.trim() };
  const start = objectType === 'deals' ? starts?.deals : objectType === 'tickets' ? starts?.tickets : null;
  if (start && objectType === 'deals') Object.assign(properties, { pipeline: start.pipeline, dealstage: start.stage });
  if (start && objectType === 'tickets') Object.assign(properties, { hs_pipeline: start.pipeline, hs_pipeline_stage: start.stage });
  // the pair's unlabeled type, seen from the new record (the record page creates the same way)
  const unlabeled = defaultTypeOf(objectType, first.objectType);
  const types = unlabeled !== null ? [{ associationCategory: 'HUBSPOT_DEFINED' as const, associationTypeId: unlabeled }] : [];
  const create = makeOp<'createAssociated'>({ kind: 'createAssociated', objectType, properties, with: first, types });
  const created = { objectType, id: `${PENDING_PREFIX}${create.opId}` };
  const others = [...rest, ...(objectType === 'companies' ? [] : companies)];
  return [create, ...others.map((to) => makeOp<'associate'>({ kind: 'associate', from: created, to }))];
}

export interface CreateFromThreadProps {
  subject: string;
  contacts: readonly RecordRef[];
  companies: readonly RecordRef[];
  changes: readonly PendingChange[];
  submit(op: Operation): void;
  stageStarts(): Promise<StageStarts>;
}

/** "Create a deal, company or ticket from the thread": prefilled, associated on creation, with "Create and add another". */
export function CreateFromThread({ subject, contacts, companies, changes, submit, stageStarts }: CreateFromThreadProps) {
  const [type, setType] = useState<CreateType | null>(null);
  const [name, setName] = useState('');
  const [starts, setStarts] = useState<StageStarts | null>(null);
  const [made, setMade] = useState<Array<{ opId: string; type: CreateType; name: string }>>([]);
  const nameBox = useRef<HTMLInputElement>(null);
  // the name takes the focus when a form opens, and again after "Create and add another"
  useEffect(() => {
    if (type) nameBox.current?.focus();
  }, [type, made.length]);
  useEffect(() => {
    if (type && type !== 'companies' && !starts) stageStarts().then(setStarts, () => {});
  }, [type]);
  const choose = (next: CreateType) => {
    setType(next);
    setName(next === 'companies' ? '' : subject);
  };
  const create = (again: boolean) => {
    if (!type || !name.trim() || contacts.length === 0) return;
    const ops = createPlan({ objectType: type, name, contacts, companies, starts });
    for (const op of ops) submit(op);
    setMade([...made, { opId: ops[0]!.opId, type, name: name.trim() }]);
    if (again) setName('');
    else setType(null);
  };
  const start = type === 'deals' ? starts?.deals : type === 'tickets' ? starts?.tickets : null;
  return (
    <section class="crm-create-from-thread">
      <h2>{t('sidebarCreateTitle')}</h2>
      {contacts.length === 0 ? <p class="crm-muted">{t('sidebarCreateNoContacts')}</p> : null}
      <div class="crm-create-types" role="group" aria-label={t('sidebarCreateTitle')}>
        {TYPES.map((k) => (
          <button key={k} type="button" class="crm-button" aria-pressed={type === k} disabled={contacts.length === 0} onClick={() => choose(k)}>
            {t(TYPE_KEY[k])}
          </button>
        ))}
      </div>
      {type ? (
        <form
          class="crm-create-form"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              setType(null);
            }
          }}
          onSubmit={(e) => {
            e.preventDefault();
            create(false);
          }}
        >
          <label>
            {t(type === 'companies' ? 'sidebarCompanyName' : type === 'deals' ? 'sidebarDealName' : 'sidebarTicketName')}
            <input ref={nameBox} type="text" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          {start ? <p class="crm-muted">{t('sidebarCreateStage', start.label)}</p> : null}
          <p class="crm-muted">{t('sidebarCreateWith', String(contacts.length), String(type === 'companies' ? 0 : companies.length))}</p>
          <button type="submit" class="crm-button crm-primary" disabled={!name.trim()}>
            {t('recordCreateAndAssociate')}
          </button>{' '}
          <button type="button" class="crm-button" disabled={!name.trim()} onClick={() => create(true)}>
            {t('recordCreateAnother')}
          </button>{' '}
          <button type="button" class="crm-link" onClick={() => setType(null)}>
            {t('recordCancel')}
          </button>
        </form>
      ) : null}
      {made.length > 0 ? (
        <ul class="crm-created" aria-live="polite">
          {made.map((m) => {
            const change = changes.find((c) => c.opId === m.opId);
            return (
              <li key={m.opId} data-state={change?.state === 'refused' ? 'refused' : change ? 'pending' : 'created'}>
                {change?.state === 'refused' ? (
                  <span class="crm-refused" role="alert">
                    {t('sidebarNotCreated', m.name, reasonText(change) ?? '')}
                  </span>
                ) : change ? (
                  <span class="crm-pending">{t('sidebarCreating', m.name)}</span>
                ) : (
                  <span class="crm-done">{t('sidebarCreated', m.name)}</span>
                )}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
