import type { ComponentChildren } from 'preact';
import type { ContactSummary } from '../../shared/companion.ts';
import type { ThreadParticipant } from '../../shared/recommendations.ts';
import type { Participant } from '../mail/types.ts';
import type { PendingChange } from '../messaging.ts';
import { RecordLink } from './record-link.tsx';

export interface ParticipantCardProps {
  participant: Participant;
  /** What the server said of this address (null while loading). */
  known: ThreadParticipant | null;
  summary: ContactSummary | null;
  /** Its createContact change still in the outbox, if any. */
  creation: PendingChange | undefined;
  /** A createContact of this page the server confirmed, shown until the view has the contact. */
  created: boolean;
  onCreate(): void;
  /** The rep's actions on a known contact (PersonActions), shown below its details. */
  actions?: ComponentChildren;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One person of the thread: the contact the CRM has, or one click to create it (X2, R18, R8). */
export function ParticipantCard({ participant, known, summary, creation, created, onCreate, actions }: ParticipantCardProps) {
  const name = participant.name || known?.name || participant.email;
  const contact = known?.contact ?? null;
  return (
    <li class="crm-person" data-email={participant.email} data-state={contact ? 'contact' : creation ? creation.state : created ? 'created' : 'unknown'}>
      <div class="crm-person-head">
        <span class="crm-name">{contact ? <RecordLink objectType="contacts" id={contact.id}>{name}</RecordLink> : name}</span>
        <span class="crm-email">{participant.email}</span>
      </div>
      {contact ? (
        <>
          {/* with actions, the open deals and tickets are listed there, each with its own */}
          <ContactDetails summary={summary && actions ? { ...summary, openDeals: [], openTickets: [] } : summary} primaryCompany={contact.primaryCompany?.name ?? null} />
          {actions}
        </>
      ) : creation?.state === 'refused' ? (
        <p class="crm-refused" role="alert">Not created: {creation.message ?? 'the server refused it'}</p>
      ) : creation ? (
        <p class="crm-pending">Creating contact… (waiting for the server)</p>
      ) : created ? (
        <p class="crm-pending">Contact created</p>
      ) : (
        <div class="crm-create">
          <button type="button" class="crm-button" onClick={onCreate} disabled={!known}>
            Create contact
          </button>
          {known?.proposedCompany ? (
            <span class="crm-hint">
              {known.proposedCompany.id ? 'with company ' : 'and company '}
              {known.proposedCompany.name} (primary)
            </span>
          ) : null}
        </div>
      )}
    </li>
  );
}

function ContactDetails({ summary, primaryCompany }: { summary: ContactSummary | null; primaryCompany: string | null }) {
  const company = summary?.primaryCompany?.name ?? primaryCompany;
  return (
    <div class="crm-contact">
      <p class="crm-company">{company ? company : <span class="crm-muted">No company</span>}</p>
      {summary ? (
        <>
          <p class="crm-counts">
            {plural(summary.counts.companies, 'company', 'companies')} · {plural(summary.counts.deals, 'deal', 'deals')} · {plural(summary.counts.tickets, 'ticket', 'tickets')}
          </p>
          {summary.openDeals.length > 0 ? (
            <ul class="crm-records" aria-label="Open deals">
              {summary.openDeals.map((d) => (
                <li key={d.id}>
                  <span class="crm-kind">Deal</span> <RecordLink objectType="deals" id={d.id}>{d.name}</RecordLink>
                  {d.stageLabel ? <span class="crm-muted crm-stage"> · {d.stageLabel}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
          {summary.openTickets.length > 0 ? (
            <ul class="crm-records" aria-label="Open tickets">
              {summary.openTickets.map((t) => (
                <li key={t.id}>
                  <span class="crm-kind">Ticket</span> <RecordLink objectType="tickets" id={t.id}>{t.name}</RecordLink>
                  {t.stageLabel ? <span class="crm-muted crm-stage"> · {t.stageLabel}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
