import type { Recommendation } from '../../shared/recommendations.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { changesFor, refKey, stateOf } from './model.ts';
import { RecordLink } from './record-link.tsx';

export interface RecommendationListProps {
  recommendations: Recommendation[];
  /** The thread's contacts (known or being created): what "Associate" links a record to. */
  contacts: RecordRef[];
  changes: readonly PendingChange[];
  confirmed: readonly Operation[];
  onAssociate(recommendation: Recommendation): void;
}

const KIND: Record<string, string> = { companies: 'Company', deals: 'Deal', tickets: 'Ticket' };

/** The thread's ranked recommendations with their reasons, each one click from associated (X2, B7). */
export function RecommendationList({ recommendations, contacts, changes, confirmed, onAssociate }: RecommendationListProps) {
  if (recommendations.length === 0) return <p class="crm-muted">No recommendations for this thread.</p>;
  return (
    <ul class="crm-recs">
      {recommendations.map((rec) => {
        const ref = { objectType: rec.objectType, id: rec.id };
        const busy = stateOf(changesFor(ref, changes));
        const done = !busy && confirmed.some((op) => op.kind === 'associate' && refKey(op.to) === refKey(ref));
        return (
          <li key={refKey(ref)} class="crm-rec" data-rec={refKey(ref)} data-state={busy?.state ?? (done ? 'associated' : 'open')}>
            <div class="crm-rec-head">
              <span class="crm-kind">{KIND[rec.objectType] ?? rec.objectType}</span>
              <span class="crm-name">
                <RecordLink objectType={rec.objectType} id={rec.id}>
                  {rec.name}
                </RecordLink>
              </span>
            </div>
            <ul class="crm-reasons">
              {rec.reasons.map((r) => (
                <li key={r.kind}>{r.detail}</li>
              ))}
            </ul>
            {busy?.state === 'refused' ? (
              <p class="crm-refused" role="alert">Not associated: {busy.message ?? 'the server refused it'}</p>
            ) : busy ? (
              <p class="crm-pending">Associating… (waiting for the server)</p>
            ) : done ? (
              <p class="crm-done">Associated</p>
            ) : (
              <button type="button" class="crm-button" disabled={contacts.length === 0} title={contacts.length === 0 ? 'Create a contact first' : undefined} onClick={() => onAssociate(rec)}>
                Associate with {contacts.length === 1 ? 'the contact' : `${contacts.length} contacts`}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
