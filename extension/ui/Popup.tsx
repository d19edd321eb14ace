import { useEffect, useState } from 'preact/hooks';
import type { Recommendation } from '../../shared/recommendations.ts';
import type { SearchHit } from '../api/reads.ts';
import { formatCount, formatNumber, typeName } from '../format.ts';
import { t } from '../i18n.ts';
import { errorText, noticeText } from '../notice.ts';
import type { Status, TabThread } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { makeOp, refKey } from './model.ts';
import { RecordLink } from './record-link.tsx';
import { reasonTexts } from './reasons.ts';
import type { Ask } from './session.ts';

export interface PopupProps {
  ask: Ask;
  /** The current tab's thread (from its content script), null when the tab is no webmail thread. */
  tabThread: TabThread | null;
  /** Opens the options page. */
  openOptions(): void;
  /** How long typing must pause before a search is sent (ms). */
  debounceMs?: number;
}

type Item = { objectType: string; id: string; name: string; detail: string | null };

const fromRecommendation = (r: Recommendation): Item => ({ objectType: r.objectType, id: r.id, name: r.name, detail: reasonTexts(r)[0] ?? null });
const fromHit = (h: SearchHit): Item => h;

/** The toolbar popup (X3): search, associate with the people on the current tab, connection and pending changes. */
export function Popup({ ask, tabThread, openOptions, debounceMs = 200 }: PopupProps) {
  const [status, setStatus] = useState<Status | null>(null);
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<ReadonlySet<string>>(new Set());

  const refreshStatus = () =>
    ask({ type: 'status', probe: true }).then(setStatus, (err: Error) => {
      setStatus(null);
      setSearchError(errorText(err));
    });
  useEffect(() => {
    void refreshStatus();
  }, []);

  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setHits(null);
      setSearchError(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      ask({ type: 'search', q: text }).then(
        (found) => live && (setHits(found), setSearchError(null)),
        (err: Error) => live && setSearchError(errorText(err)),
      );
    }, debounceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);

  const people: Array<{ ref: RecordRef; name: string }> = (tabThread?.view?.participants ?? []).flatMap((p) => (p.contact ? [{ ref: { objectType: 'contacts', id: p.contact.id }, name: p.contact.name }] : []));
  const items: Item[] = hits ? hits.map(fromHit) : (tabThread?.view?.recommendations ?? []).map(fromRecommendation);

  const associate = async (item: Item) => {
    const ops: Operation[] = people.map((p) => makeOp<'associate'>({ kind: 'associate', from: p.ref, to: { objectType: item.objectType, id: item.id } }));
    setSubmitted((s) => new Set([...s, refKey(item)]));
    for (const op of ops) await ask({ type: 'submit', operation: op }).catch((err: Error) => setSearchError(errorText(err)));
    void refreshStatus();
  };

  return (
    <main class="crm-popup">
      <header class="crm-popup-head">
        <ConnectionState status={status} openOptions={openOptions} />
        {status ? (
          <p class="crm-pending-count" data-testid="pending-count">
            {status.pending === 0 ? t('popupAllConfirmed') : formatCount(status.pending, 'popupPendingOne', 'popupPendingOther')}
          </p>
        ) : null}
      </header>
      <input class="crm-search" type="search" placeholder={t('popupSearchPlaceholder')} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} autoFocus />
      {searchError ? <p class="crm-error" role="alert">{searchError}</p> : null}
      <p class="crm-muted">
        {hits ? t('popupFound', formatNumber(hits.length)) : tabThread?.thread ? t('popupRecommendedFor', tabThread.thread.subject) : t('popupOpenThread')}
      </p>
      <ul class="crm-results">
        {items.map((item) => (
          <li key={refKey(item)} class="crm-result" data-result={refKey(item)}>
            <span class="crm-kind">{typeName(item.objectType)}</span> <span class="crm-name"><RecordLink objectType={item.objectType} id={item.id}>{item.name}</RecordLink></span>
            {item.detail ? <span class="crm-muted"> · {item.detail}</span> : null}
            {item.objectType !== 'contacts' && people.length > 0 ? (
              submitted.has(refKey(item)) ? (
                <span class="crm-done"> {t('sidebarAssociated')}</span>
              ) : (
                <button type="button" class="crm-button" onClick={() => void associate(item)}>
                  {t('popupAssociateWith', people.length === 1 ? people[0]!.name : t('popupPeople', formatNumber(people.length)))}
                </button>
              )
            ) : null}
          </li>
        ))}
      </ul>
    </main>
  );
}

function ConnectionState({ status, openOptions }: { status: Status | null; openOptions(): void }) {
  if (!status) return <p class="crm-muted">{t('popupChecking')}</p>;
  if (!status.signedIn) {
    return (
      <p class="crm-error" data-testid="connection">
        {t('popupNotSignedIn')}{' '}
        <button type="button" class="crm-link" onClick={openOptions}>
          {t('popupConnect')}
        </button>
      </p>
    );
  }
  return (
    <p class={status.reachable === false ? 'crm-error' : 'crm-done'} data-testid="connection" title={(status.problemNotice ? noticeText(status.problemNotice) : status.problem) ?? undefined}>
      {status.reachable === false ? t('popupOffline', status.server ?? '') : t('popupConnected', status.server ?? '')}
    </p>
  );
}
