import type { Recommendation } from '../../shared/recommendations.ts';
import { type MessageKey, t } from '../i18n.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { changesFor, refKey, stateOf } from './model.ts';
import { reasonText } from './reasons.ts';
import { RecordLink } from './record-link.tsx';

export interface RecommendationListProps {
  recommendations: Recommendation[];
  /** The thread's contacts (known or being created): what "Associate" links a record to. */
  contacts: RecordRef[];
  changes: readonly PendingChange[];
  confirmed: readonly Operation[];
  onAssociate(recommendation: Recommendation): void;
}

const KINDS = new Set(['contacts', 'companies', 'deals', 'tickets']);
const kindLabel = (objectType: string) => (KINDS.has(objectType) ? t(`sidebarType_${objectType}` as MessageKey) : objectType);

interface ItemProps extends Omit<RecommendationListProps, 'recommendations'> {
  rec: Recommendation;
}

function RecommendationItem({ rec, contacts, changes, confirmed, onAssociate }: ItemProps) {
  const ref = { objectType: rec.objectType, id: rec.id };
  const busy = stateOf(changesFor(ref, changes));
  const done = !busy && confirmed.some((op) => op.kind === 'associate' && refKey(op.to) === refKey(ref));
  return (
    <li class="crm-rec" data-rec={refKey(ref)} data-evidence={rec.evidence ? 'yes' : 'no'} data-state={busy?.state ?? (done ? 'associated' : 'open')}>
      <div class="crm-rec-head">
        <span class="crm-kind">{kindLabel(rec.objectType)}</span>
        <span class="crm-name">
          <RecordLink objectType={rec.objectType} id={rec.id}>
            {rec.name}
          </RecordLink>
        </span>
      </div>
      <ul class="crm-reasons">
        {rec.reasons.map((r) => (
          <li key={r.kind} data-reason={r.kind}>
            {reasonText(r)}
          </li>
        ))}
      </ul>
      {busy?.state === 'refused' ? (
        <p class="crm-refused" role="alert">
          {t('sidebarRecRefused', busy.message ?? t('sidebarRecRefusedUnknown'))}
        </p>
      ) : busy ? (
        <p class="crm-pending">{t('sidebarRecPending')}</p>
      ) : done ? (
        <p class="crm-done">{t('sidebarAssociated')}</p>
      ) : (
        <button
          type="button"
          class="crm-button"
          disabled={contacts.length === 0}
          title={contacts.length === 0 ? t('sidebarRecCreateContactFirst') : undefined}
          onClick={() => onAssociate(rec)}
        >
          {contacts.length === 1 ? t('sidebarRecAssociateOne') : t('sidebarRecAssociateMany', String(contacts.length))}
        </button>
      )}
    </li>
  );
}

/**
 * The thread's ranked recommendations with their reasons, each one click from associated (X2, B7).
 * Records that nothing links to the thread (only open or recently updated) are never mixed in: they
 * come after the others, under their own heading that says so.
 */
export function RecommendationList({ recommendations, ...rest }: RecommendationListProps) {
  if (recommendations.length === 0) return <p class="crm-muted">{t('sidebarNoRecommendations')}</p>;
  const linked = recommendations.filter((r) => r.evidence);
  const unlinked = recommendations.filter((r) => !r.evidence);
  return (
    <>
      {linked.length > 0 && (
        <ul class="crm-recs">
          {linked.map((rec) => (
            <RecommendationItem key={refKey(rec)} rec={rec} {...rest} />
          ))}
        </ul>
      )}
      {unlinked.length > 0 && (
        <section class="crm-recs-unlinked" aria-labelledby="crm-recs-unlinked-title">
          <h3 id="crm-recs-unlinked-title">
            {t('sidebarRecNoEvidenceHeading')}
          </h3>
          <p class="crm-muted">{t('sidebarRecNoEvidenceHint')}</p>
          <ul class="crm-recs">
            {unlinked.map((rec) => (
              <RecommendationItem key={refKey(rec)} rec={rec} {...rest} />
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
