import { useEffect, useState } from 'preact/hooks';
import { type LanguageChoice, t } from '../i18n.ts';
import type { Status } from '../messaging.ts';
import { errorText } from '../notice.ts';
import { isLoopback, normaliseServer, originPattern, parseList, type Settings } from '../settings.ts';
import type { Ask } from './session.ts';
import { useTexts } from './use-texts.ts';

export interface OptionsProps {
  ask: Ask;
  /** Stores the lists (own addresses, internal domains, never-log). */
  saveLists(patch: Pick<Settings, 'ownAddresses' | 'internalDomains' | 'neverLog'>): Promise<void>;
  /** permissions.request for a remote server's origin: must run in the rep's click. */
  requestHostPermission(pattern: string): Promise<boolean>;
  /** `?server=…&token=…` of the connect link, if the page was opened with them. */
  link: { server: string; token: string } | null;
  /** Drops the token from the address bar once used. */
  forgetLink(): void;
  /** The language chosen so far (the browser's by default). */
  language?: LanguageChoice;
  /** Keeps a new choice: every open part of the companion shows its texts in it (i18n.ts followLanguage). */
  saveLanguage?(choice: LanguageChoice): Promise<void>;
}

const LANGUAGE_CHOICES = [
  ['browser', 'optionsLanguageBrowser'],
  ['en', 'languageNameEn'],
  ['nl', 'languageNameNl'],
] as const;

/** The options page (X3): sign in (form or connect link), own addresses, internal domains, never-log list, the companion's language. */
export function Options({ ask, saveLists, requestHostPermission, link, forgetLink, language: initialLanguage = 'browser', saveLanguage }: OptionsProps) {
  useTexts();
  const [language, setLanguage] = useState<LanguageChoice>(initialLanguage);
  const [status, setStatus] = useState<Status | null>(null);
  const [server, setServer] = useState(link?.server ?? '');
  const [token, setToken] = useState(link?.token ?? '');
  const [own, setOwn] = useState('');
  const [internal, setInternal] = useState('');
  const [neverLog, setNeverLog] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [needsClick, setNeedsClick] = useState(false);

  const load = async () => {
    const s = await ask({ type: 'status' });
    setStatus(s);
    if (!link) setServer((v) => v || s.server || '');
    setOwn(s.ownAddresses.join('\n'));
    setInternal(s.internalDomains.join('\n'));
    setNeverLog(s.neverLog.join('\n'));
  };

  const connect = async (fromClick: boolean) => {
    setMessage(null);
    let origin: string;
    try {
      origin = normaliseServer(server);
    } catch {
      setMessage({ kind: 'error', text: t('resultBadAddress', server) });
      return;
    }
    if (!token.trim()) {
      setMessage({ kind: 'error', text: t('optionsNeedToken') });
      return;
    }
    if (!isLoopback(origin)) {
      if (!fromClick) {
        setNeedsClick(true);
        return;
      }
      if (!(await requestHostPermission(originPattern(origin)))) {
        setMessage({ kind: 'error', text: t('optionsNotAllowed', origin) });
        return;
      }
    }
    try {
      const result = await ask({ type: 'connect', server: origin, token });
      setNeedsClick(false);
      setMessage({ kind: 'ok', text: t('optionsSignedInAt', result.workspace, result.server) });
      forgetLink();
      await load();
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    }
  };

  useEffect(() => {
    void load().then(() => (link ? connect(false) : undefined));
  }, []);

  const save = async () => {
    try {
      await saveLists({ ownAddresses: parseList(own), internalDomains: parseList(internal), neverLog: parseList(neverLog) });
      setMessage({ kind: 'ok', text: t('optionsSaved') });
      await load();
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    }
  };

  return (
    <main class="crm-options">
      <h1>{t('optionsHeading')}</h1>
      <p data-testid="signed-in" class={status?.signedIn ? 'crm-done' : 'crm-muted'}>
        {status?.signedIn ? t('optionsSignedIn', status.server ?? '') : t('optionsNotSignedIn')}
      </p>
      {message ? (
        <p class={message.kind === 'ok' ? 'crm-done' : 'crm-error'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="message">
          {message.text}
        </p>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void connect(true);
        }}
      >
        <h2>{t('optionsServer')}</h2>
        <label>
          {t('serverLabel')} <input name="server" value={server} placeholder="http://127.0.0.1:3000" onInput={(e) => setServer((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('tokenLabel')} <input name="token" type="password" value={token} autoComplete="off" onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="crm-button crm-primary">
          {needsClick ? t('optionsAllowAndSignIn') : t('optionsSignIn')}
        </button>
        {status?.signedIn ? (
          <button type="button" class="crm-button" onClick={() => void ask({ type: 'signOut' }).then(load)}>
            {t('optionsSignOut')}
          </button>
        ) : null}
      </form>
      <h2>{t('optionsWhoseMail')}</h2>
      <label>
        {t('optionsOwnAddresses')}
        <textarea name="ownAddresses" rows={3} value={own} onInput={(e) => setOwn((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        {t('optionsInternalDomains')}
        <textarea name="internalDomains" rows={3} value={internal} onInput={(e) => setInternal((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        {t('optionsNeverLog')}
        <textarea name="neverLog" rows={3} value={neverLog} onInput={(e) => setNeverLog((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="button" class="crm-button" onClick={() => void save()}>
        {t('optionsSave')}
      </button>
      {saveLanguage ? (
        <>
          <h2>{t('optionsLanguageHeading')}</h2>
          <label>
            {t('optionsLanguageLabel')}{' '}
            <select
              name="language"
              value={language}
              onChange={(e) => {
                const choice = (e.target as HTMLSelectElement).value as LanguageChoice;
                setLanguage(choice);
                saveLanguage(choice).catch((err: Error) => setMessage({ kind: 'error', text: errorText(err) }));
              }}
            >
              {LANGUAGE_CHOICES.map(([value, key]) => (
                <option key={value} value={value} lang={value === 'browser' ? undefined : value}>
                  {t(key)}
                </option>
              ))}
            </select>
          </label>
        </>
      ) : null}
    </main>
  );
}
