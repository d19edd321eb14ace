import { useEffect } from 'preact/hooks';
import { type MessageKey, t } from '../../i18n.ts';
import type { AppSession, PageProps } from '../App.tsx';
import { SETTINGS_SECTIONS, type SettingsSection } from '../routes.ts';
import { ActivitySettings } from './ActivitySettings.tsx';
import { AssociationSettings } from './AssociationSettings.tsx';
import { DomainSettings } from './DomainSettings.tsx';
import { UserSettings } from './UserSettings.tsx';
import './settings.css';

const TITLES: Record<SettingsSection, MessageKey> = {
  associations: 'settingsAssociations',
  domains: 'settingsDomains',
  activities: 'settingsActivities',
  users: 'settingsUsers',
};

export const isAdmin = (session: AppSession) => session.me.caller.kind === 'user' && session.me.caller.role === 'admin';

/**
 * The admin's settings (`#/settings/{section}`): association labels and limits (R4, R14),
 * automatic association by domain (R18), activity rules and the never-log list (B5, B8), users
 * and tokens. Shown to admins only; the server refuses these changes to anyone else whatever a
 * page shows.
 */
export function SettingsPage({ route, session }: PageProps<'settings'>) {
  const title = t(TITLES[route.section]);
  useEffect(() => void (document.title = `${title} · ${t('appNavSettings')}`), [title]);
  if (!isAdmin(session)) {
    return (
      <section class="crm-settings">
        <h1>{t('appNavSettings')}</h1>
        <p class="crm-error" role="alert">
          {t('settingsAdminsOnly')}
        </p>
        <a href={session.href({ page: 'home' })}>{t('appGoHome')}</a>
      </section>
    );
  }
  return (
    <section class="crm-settings">
      <h1>{t('appNavSettings')}</h1>
      <nav aria-label={t('settingsSections')} class="crm-settings-tabs">
        <ul>
          {SETTINGS_SECTIONS.map((section) => (
            <li key={section}>
              <a href={session.href({ page: 'settings', section })} aria-current={section === route.section ? 'page' : undefined}>
                {t(TITLES[section])}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <h2 class="crm-settings-title">{title}</h2>
      {route.section === 'associations' && <AssociationSettings session={session} query={route.query} />}
      {route.section === 'domains' && <DomainSettings session={session} />}
      {route.section === 'activities' && <ActivitySettings session={session} />}
      {route.section === 'users' && <UserSettings session={session} />}
    </section>
  );
}
