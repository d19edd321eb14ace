import { useEffect, useRef, useState } from 'preact/hooks';
import { apiPaths } from '../../../shared/api-paths.ts';
import { autoDomainJobView, importIdParam } from '../../../shared/imports.ts';
import { t } from '../../i18n.ts';
import type { WorkspaceSettings } from '../../../shared/workspace.ts';
import type { AppSession } from '../App.tsx';
import { failureText, formatNumber, type Outcome, OutcomeLine } from './common.tsx';
import { listOf, useWorkspaceSettings } from './workspace-settings.ts';

type Job = ReturnType<typeof autoDomainJobView.parse>;
const POLL_MS = 500;
const FINISHED = new Set(['done', 'failed', 'undone']);

/** R18: associate contacts with the company of their email domain, create it when none exists, exclusions; and the background job for existing contacts. */
export function DomainSettings({ session }: { session: AppSession }) {
  const { settings, version, loadError, save } = useWorkspaceSettings(session);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [jobError, setJobError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  if (loadError) return <p class="crm-error" role="alert">{loadError}</p>;
  if (!settings) return <p role="status">{t('appLoading')}</p>;

  const poll = async (id: string) => {
    try {
      const next = await session.client.request(apiPaths.autoDomainJob(id), { method: 'GET', schema: autoDomainJobView });
      setJob(next);
      if (!FINISHED.has(next.state)) timer.current = setTimeout(() => void poll(id), POLL_MS);
    } catch (err) {
      setJobError(failureText(err));
    }
  };
  const apply = async () => {
    setJobError(null);
    setJob(null);
    try {
      const { id } = await session.client.request(apiPaths.autoDomainJobs(), { method: 'POST', schema: importIdParam });
      await poll(id);
    } catch (err) {
      setJobError(failureText(err));
    }
  };
  const running = job !== null && !FINISHED.has(job.state);

  return (
    <>
      <DomainForm
        key={version}
        settings={settings}
        outcome={outcome}
        onSave={async (patch) => {
          setOutcome(null);
          setOutcome(await save(patch, t('settingsSaved')));
        }}
      />

      <h3>{t('settingsDomainExisting')}</h3>
      <p class="crm-muted">{t('settingsDomainExistingText')}</p>
      <button type="button" class="crm-button crm-primary" disabled={running} onClick={() => void apply()}>
        {t('settingsDomainApply')}
      </button>
      {job && (
        <div class="crm-settings-job">
          <label>
            {t('settingsDomainProgress')}
            <progress max={Math.max(job.contactsTotal, 1)} value={job.state === 'done' ? Math.max(job.contactsTotal, 1) : job.contactsDone} />
          </label>
          <p role="status">
            {running
              ? t('settingsDomainRunning', formatNumber(job.contactsDone), formatNumber(job.contactsTotal))
              : job.state === 'done'
                ? t('settingsDomainDone', formatNumber(job.contactsTotal), formatNumber(job.associations), formatNumber(job.companiesCreated), formatNumber(job.errorCount))
                : t('settingsDomainStopped', job.state)}
          </p>
        </div>
      )}
      {jobError && (
        <p class="crm-error" role="alert">
          {jobError}
        </p>
      )}
    </>
  );
}

/** The settings part: starts from the settings as saved (the server's normal form), a new one after each save. */
function DomainForm({ settings, outcome, onSave: saveSettings }: { settings: WorkspaceSettings; outcome: Outcome; onSave(patch: WorkspaceSettings): Promise<void> }) {
  const [associate, setAssociate] = useState(settings.autoAssociateCompaniesByDomain === true);
  const [create, setCreate] = useState(settings.autoCreateCompaniesByDomain === true);
  const [excluded, setExcluded] = useState((settings.autoAssociateExcludedDomains ?? []).join('\n'));
  const onSave = (e: Event) => {
    e.preventDefault();
    void saveSettings({ autoAssociateCompaniesByDomain: associate, autoCreateCompaniesByDomain: create, autoAssociateExcludedDomains: listOf(excluded) });
  };
  return (
    <form class="crm-settings-form" onSubmit={onSave}>
      <label class="crm-check">
        <input type="checkbox" checked={associate} onChange={(e) => setAssociate((e.target as HTMLInputElement).checked)} />
        {t('settingsDomainAssociate')}
      </label>
      <label class="crm-check">
        <input type="checkbox" checked={create} onChange={(e) => setCreate((e.target as HTMLInputElement).checked)} />
        {t('settingsDomainCreate')}
      </label>
      <p class="crm-muted">{t('settingsDomainPersonal')}</p>
      <label>
        {t('settingsDomainExcluded')}
        <textarea rows={5} value={excluded} aria-describedby="crm-excluded-hint" onInput={(e) => setExcluded((e.target as HTMLTextAreaElement).value)} />
      </label>
      <p id="crm-excluded-hint" class="crm-muted">
        {t('settingsDomainExcludedHint')}
      </p>
      <button type="submit" class="crm-button crm-primary">
        {t('settingsSave')}
      </button>
      <OutcomeLine outcome={outcome} />
    </form>
  );
}
