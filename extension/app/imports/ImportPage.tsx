import { useEffect, useState } from 'preact/hooks';
import { apiPaths } from '../../../shared/api-paths.ts';
import { type ImportView, importView } from '../../../shared/imports.ts';
import { ApiFailure } from '../../api/client.ts';
import { t } from '../../i18n.ts';
import type { PageProps } from '../App.tsx';
import { count, isLive, reasonOf, shownState, stateWord, total, when } from './format.ts';

/** How often a running import's progress is asked for. */
export const POLL_MS = 500;

/**
 * `#/imports/{id}`: one import. While it runs, a progress bar (rows done of total) and the counts
 * so far, asked for every POLL_MS; it can be canceled. Done: its summary, the refused rows (row,
 * column, code), the error file, and undo (B1). A refusal (a rep undoing someone else's import)
 * is shown as the server gives it.
 */
export function ImportPage({ route, session }: PageProps<'import'>) {
  const [job, setJob] = useState<ImportView | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await session.client.request(apiPaths.importJob(route.id), { method: 'GET', schema: importView });
        if (stopped) return;
        setJob(next);
        setFailure(null);
        if (isLive(shownState(next))) timer = setTimeout(load, POLL_MS);
      } catch (err) {
        if (stopped) return;
        setFailure(reasonOf(err));
        // no such import (or not to be seen): asking again changes nothing; an unreachable server may come back
        if (!(err instanceof ApiFailure && err.status >= 400 && err.status < 500)) timer = setTimeout(load, POLL_MS * 4);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [route.id, job === null || isLive(shownState(job))]);

  useEffect(() => void (document.title = `${job?.fileName ?? t('importsTitle')} · ${session.me.workspace.name}`), [job?.fileName]);

  const act = async (path: string) => {
    setBusy(true);
    setRefusal(null);
    try {
      setJob(await session.client.request(path, { method: 'POST', schema: importView, timeoutMs: 120_000 }));
    } catch (err) {
      setRefusal(reasonOf(err));
    } finally {
      setBusy(false);
    }
  };

  const download = async () => {
    setRefusal(null);
    try {
      const body = await session.client.stream(apiPaths.importErrorsCsv(route.id), { accept: 'text/csv' });
      const url = URL.createObjectURL(await new Response(body).blob());
      const a = Object.assign(document.createElement('a'), { href: url, download: `import-${route.id}-errors.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      setRefusal(reasonOf(err));
    }
  };

  const back = (
    <p>
      <a href={session.href({ page: 'imports' })}>{t('importsBack')}</a>
    </p>
  );
  if (!job) {
    return (
      <section>
        {back}
        <h1>{t('importsTitle')}</h1>
        {failure ? (
          <p class="crm-error" role="alert">
            {t('importsLoadFailed', failure)}
          </p>
        ) : (
          <p role="status">{t('appLoading')}</p>
        )}
      </section>
    );
  }
  const state = shownState(job);
  const live = isLive(state);
  const created = total(job.created);
  return (
    <section class="crm-import">
      {back}
      <h1>{job.fileName || t('importsUntitled')}</h1>
      <p class="crm-import-state">
        {t('importsState')}: <strong>{stateWord(state)}</strong> · {job.objectType} · {when(job.createdAt)}
      </p>
      <div class="crm-import-progress">
        <progress aria-label={t('importsProgress')} max={Math.max(job.rowsTotal, 1)} value={job.rowsDone} />
        <span aria-live="polite">{t('importsRowsOf', count(job.rowsDone), count(job.rowsTotal))}</span>
      </div>
      <dl class="crm-import-counts" aria-label={t('importsSummary')}>
        <div>
          <dt>{t('importsCreated')}</dt>
          <dd>{count(created)}</dd>
        </div>
        <div>
          <dt>{t('importsUpdated')}</dt>
          <dd>{count(total(job.updated))}</dd>
        </div>
        <div>
          <dt>{t('importsAssociations')}</dt>
          <dd>{count(job.associations)}</dd>
        </div>
        <div>
          <dt>{t('importsErrors')}</dt>
          <dd>{count(job.errorCount)}</dd>
        </div>
      </dl>
      {job.failure && state !== 'canceled' && <p class="crm-error">{t('importsFailure', job.failure)}</p>}
      <p class="crm-import-actions">
        {live && (
          <button type="button" disabled={busy} onClick={() => void act(apiPaths.cancelImport(job.id))}>
            {t('importsCancel')}
          </button>
        )}
        {job.errorCount > 0 && (
          <button type="button" onClick={() => void download()}>
            {t('importsDownloadErrors')}
          </button>
        )}
        {!live && state !== 'undone' && (
          <button type="button" disabled={busy} onClick={() => void act(apiPaths.undoImport(job.id))}>
            {t('importsUndo')}
          </button>
        )}
        {!live && created > 0 && (
          <a href={session.href({ page: 'index', objectType: job.objectType, query: new URLSearchParams({ import: job.id }) })}>{t('importsRecordsOf', job.fileName || t('importsUntitled'))}</a>
        )}
      </p>
      {refusal && (
        <p class="crm-error" role="alert">
          {t('importsActionFailed', refusal)}
        </p>
      )}
      {job.errors.length > 0 && (
        <section aria-labelledby="import-errors">
          <h2 id="import-errors">{t('importsErrors')}</h2>
          {job.errors.length < job.errorCount && <p>{t('importsErrorsShown', count(job.errors.length), count(job.errorCount))}</p>}
          <table class="crm-table">
            <thead>
              <tr>
                <th scope="col">{t('importsRow')}</th>
                <th scope="col">{t('importsColumn')}</th>
                <th scope="col">{t('importsCode')}</th>
                <th scope="col">{t('importsMessage')}</th>
              </tr>
            </thead>
            <tbody>
              {job.errors.map((e, i) => (
                <tr key={i}>
                  <td>{e.row}</td>
                  <td>{e.column ?? '—'}</td>
                  <td>
                    <code>{e.code}</code>
                  </td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <details class="crm-import-columns">
        <summary>{t('importsColumnsUsed')}</summary>
        <table class="crm-table">
          <thead>
            <tr>
              <th scope="col">{t('importsColumn')}</th>
              <th scope="col">{t('importsTarget')}</th>
            </tr>
          </thead>
          <tbody>
            {job.columns.map((c, i) => (
              <tr key={i}>
                <td>{c.header}</td>
                <td>{c.target ?? t('importsIgnored')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
