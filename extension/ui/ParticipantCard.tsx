import type { ComponentChildren } from 'preact';
import type { ContactSummary } from '../../shared/companion.ts';
import type { ThreadParticipant } from '../../shared/recommendations.ts';
import type { Participant } from '../mail/types.ts';
import { formatCount } from '../format.ts';
import { t } from '../i18n.ts';
import { reasonText } from '../notice.ts';
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
        <p class="crm-refused" role="alert">{t('personNotCreated', reasonText(creation) ?? t('personServerRefused'))}</p>
      ) : creation ? (
        <p class="crm-pending">{t('personCreating')}</p>
      ) : created ? (
        <p class="crm-pending">{t('personCreated')}</p>
      ) : (
        <div class="crm-create">
          <button type="button" class="crm-button" onClick={onCreate} disabled={!known}>
            {t('personCreate')}
          </button>
          {known?.proposedCompany ? (
            <span class="crm-hint">
              {t(known.proposedCompany.id ? 'personWithCompany' : 'personAndCompany', known.proposedCompany.name)}
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
      <p class="crm-company">{company ? company : <span class="crm-muted">{t('personNoCompany')}</span>}</p>
      {summary ? (
        <>
          <p class="crm-counts">
            {formatCount(summary.counts.companies, 'countCompaniesOne', 'countCompaniesOther')} · {formatCount(summary.counts.deals, 'countDealsOne', 'countDealsOther')} · {formatCount(summary.counts.tickets, 'countTicketsOne', 'countTicketsOther')}
          </p>
          {summary.openDeals.length > 0 ? (
            <ul class="crm-records" aria-label={t('personOpenDeals')}>
              {summary.openDeals.map((d) => (
                <li key={d.id}>
                  <span class="crm-kind">{t('sidebarType_deals')}</span> <RecordLink objectType="deals" id={d.id}>{d.name}</RecordLink>
                  {d.stageLabel ? <span class="crm-muted crm-stage"> · {d.stageLabel}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
          {summary.openTickets.length > 0 ? (
            <ul class="crm-records" aria-label={t('personOpenTickets')}>
              {summary.openTickets.map((ticket) => (
                <li key={ticket.id}>
                  <span class="crm-kind">{t('sidebarType_tickets')}</span> <RecordLink objectType="tickets" id={ticket.id}>{ticket.name}</RecordLink>
                  {ticket.stageLabel ? <span class="crm-muted crm-stage"> · {ticket.stageLabel}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
