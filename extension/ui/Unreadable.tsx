import { useState } from 'preact/hooks';
import type { SearchHit } from '../api/reads.ts';
import { typeName } from '../format.ts';
import { t } from '../i18n.ts';

export interface UnreadableProps {
  /** What the page shows as the thread's subject; '' when it shows none the companion can read. */
  subject: string;
  /** Searches the CRM (through the background). */
  search(q: string): Promise<SearchHit[]>;
}


/**
 * What the sidebar shows when the webmail has a thread open that the companion cannot read: it says
 * so plainly, shows nobody (never the previous thread's people), and offers a search of the CRM.
 */
export function Unreadable({ subject, search }: UnreadableProps) {
  const [q, setQ] = useState('');
  const [result, setResult] = useState<{ q: string; hits: SearchHit[] } | { q: string; error: string } | null>(null);
  const run = (event: Event) => {
    event.preventDefault();
    const text = q.trim();
    if (!text) return;
    search(text).then(
      (hits) => setResult({ q: text, hits }),
      (err: unknown) => setResult({ q: text, error: err instanceof Error ? err.message : String(err) }),
    );
  };
  return (
    <div class="crm-body crm-unreadable" data-testid="crm-unreadable">
      <p class="crm-warning" role="status">
        <strong>{t('sidebarUnreadable')}</strong>
      </p>
      {subject ? <p class="crm-muted">{t('sidebarUnreadableSubject', subject)}</p> : null}
      <p class="crm-muted">{t('sidebarUnreadableNoPeople')}</p>
      <form class="crm-manual-search" onSubmit={run}>
        <label>
          {t('sidebarSearchLabel')}
          <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="crm-button crm-primary">
          {t('sidebarSearchButton')}
        </button>
      </form>
      {result && 'error' in result ? (
        <p class="crm-error" role="alert">
          {t('sidebarSearchFailed', result.error)}
        </p>
      ) : null}
      {result && 'hits' in result ? (
        result.hits.length === 0 ? (
          <p class="crm-muted">{t('sidebarSearchNone', result.q)}</p>
        ) : (
          <ul class="crm-hits">
            {result.hits.map((hit) => (
              <li key={`${hit.objectType}:${hit.id}`} class="crm-person" data-hit={`${hit.objectType}:${hit.id}`}>
                <span class="crm-kind">{typeName(hit.objectType)}</span> <span class="crm-name">{hit.name}</span>
                {hit.detail ? <div class="crm-email">{hit.detail}</div> : null}
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
