import { useState } from 'preact/hooks';
import type { WorkspaceSettings } from '../../../shared/workspace.ts';
import { t } from '../../i18n.ts';
import type { AppSession } from '../App.tsx';
import { type Outcome, OutcomeLine } from './common.tsx';
import { listOf, useWorkspaceSettings } from './workspace-settings.ts';

type DealRule = NonNullable<WorkspaceSettings['activityAutoAssociate']>;

/**
 * B5: where a logged activity goes besides its record and the primary company (R10): the
 * record's open deals or newest open deal, its open tickets. B8: the workspace's email-logging
 * policy: addresses and domains never logged (the server refuses them on every logging route)
 * and the internal domains.
 */
export function ActivitySettings({ session }: { session: AppSession }) {
  const { settings, version, loadError, save } = useWorkspaceSettings(session);
  const [outcome, setOutcome] = useState<Outcome>(null);
  if (loadError) return <p class="crm-error" role="alert">{loadError}</p>;
  if (!settings) return <p role="status">{t('appLoading')}</p>;
  // the form starts from the settings as saved (the server's normal form): a new one after each save
  return <ActivityForm key={version} settings={settings} outcome={outcome} onSave={async (patch) => setOutcome(await save(patch, t('settingsSaved')))} onStart={() => setOutcome(null)} />;
}

interface FormProps {
  settings: WorkspaceSettings;
  outcome: Outcome;
  onStart(): void;
  onSave(patch: WorkspaceSettings): Promise<void>;
}

function ActivityForm({ settings, outcome, onStart, onSave: saveSettings }: FormProps) {
  const [deals, setDeals] = useState<DealRule>(settings.activityAutoAssociate ?? 'none');
  const [tickets, setTickets] = useState(settings.activityAutoAssociateTickets === true);
  const [neverLog, setNeverLog] = useState((settings.neverLogAddresses ?? []).join('\n'));
  const [internal, setInternal] = useState((settings.internalDomains ?? []).join('\n'));

  const onSave = async (e: Event) => {
    e.preventDefault();
    onStart();
    await saveSettings({ activityAutoAssociate: deals, activityAutoAssociateTickets: tickets, neverLogAddresses: listOf(neverLog), internalDomains: listOf(internal) });
  };

  return (
    <form class="crm-settings-form" onSubmit={onSave}>
      <h3>{t('settingsActivityRules')}</h3>
      <p class="crm-muted">{t('settingsActivityRulesText')}</p>
      <label>
        {t('settingsActivityDeals')}
        <select value={deals} onChange={(e) => setDeals((e.target as HTMLSelectElement).value as DealRule)}>
          <option value="none">{t('settingsActivityDealsNone')}</option>
          <option value="open_deals">{t('settingsActivityDealsOpen')}</option>
          <option value="newest_open_deal">{t('settingsActivityDealsNewest')}</option>
        </select>
      </label>
      <label class="crm-check">
        <input type="checkbox" checked={tickets} onChange={(e) => setTickets((e.target as HTMLInputElement).checked)} />
        {t('settingsActivityTickets')}
      </label>

      <h3>{t('settingsActivityPolicy')}</h3>
      <label>
        {t('settingsActivityNeverLog')}
        <textarea rows={5} value={neverLog} aria-describedby="crm-never-log-hint" onInput={(e) => setNeverLog((e.target as HTMLTextAreaElement).value)} />
      </label>
      <p id="crm-never-log-hint" class="crm-muted">
        {t('settingsActivityNeverLogHint')}
      </p>
      <label>
        {t('settingsActivityInternal')}
        <textarea rows={3} value={internal} onInput={(e) => setInternal((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="submit" class="crm-button crm-primary">
        {t('settingsSave')}
      </button>
      <OutcomeLine outcome={outcome} />
    </form>
  );
}
