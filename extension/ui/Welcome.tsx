import { useEffect, useState } from 'preact/hooks';
import { DEMO_MAIL_PATH } from '../../shared/api-paths.ts';
import type { ConnectionCheck } from '../connection-check.ts';
import { t } from '../i18n.ts';
import { errorText } from '../notice.ts';
import { connectLinkOf } from '../settings.ts';
import type { Ask } from './session.ts';

export interface WelcomeProps {
  ask: Ask;
  /** Tests a server address and token (connection-check.ts) without storing anything. */
  check(input: { server: string; token: string }): Promise<ConnectionCheck>;
  /** permissions.request for a remote server's origin: must run in the rep's click. */
  requestHostPermission(pattern: string): Promise<boolean>;
  /** Whether the server serves the demo mailbox (started with `--demo`). */
  hasDemoMailbox(server: string): Promise<boolean>;
  optionsUrl: string;
}

/** What the page says after a test: a check's result, or a connect link it could not read. */
type Outcome = ConnectionCheck | { kind: 'badLink' };

function say(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'connected':
      return t('resultConnected', outcome.workspace, outcome.server);
    case 'badAddress':
      return t('resultBadAddress', outcome.input);
    case 'noToken':
      return t('resultNoToken');
    case 'noPermission':
      return t('resultNoPermission', outcome.server);
    case 'unreachable':
      return t('resultUnreachable', outcome.server);
    case 'tokenRefused':
      return t('resultTokenRefused', outcome.server);
    case 'failed':
      return t('resultFailed', outcome.server, outcome.detail);
    case 'badLink':
      return t('resultBadLink');
  }
}

/**
 * The page the companion opens when it is installed: what it does, how to connect it (a connect
 * link, or an address and token, tested before they are stored, each failure said plainly), the
 * demo mailbox when the server has one, and where the options are.
 */
export function Welcome({ ask, check, requestHostPermission, hasDemoMailbox, optionsUrl }: WelcomeProps) {
  const [link, setLink] = useState('');
  const [server, setServer] = useState('');
  const [token, setToken] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const [connectedTo, setConnectedTo] = useState<string | null>(null);
  const [demo, setDemo] = useState<string | null>(null);

  const lookForDemo = async (origin: string) => setDemo((await hasDemoMailbox(origin)) ? origin : null);

  useEffect(() => {
    void ask({ type: 'status' }).then(async (status) => {
      if (!status.signedIn || !status.server) return;
      setConnectedTo(status.server);
      setServer(status.server);
      await lookForDemo(status.server);
    });
  }, []);

  const connect = async (input: { server: string; token: string }) => {
    setBusy(true);
    setOutcome(null);
    try {
      let result = await check(input);
      if (result.kind === 'connected') {
        try {
          await ask({ type: 'connect', server: result.server, token: input.token });
          setConnectedTo(result.server);
          // the token is kept by the companion now; the pasted link need not show it any longer
          setLink('');
          await lookForDemo(result.server);
        } catch (err) {
          result = { kind: 'failed', server: result.server, detail: errorText(err) };
        }
      }
      setOutcome(result);
    } finally {
      setBusy(false);
    }
  };

  const useLink = () => {
    const parsed = connectLinkOf(link);
    if (!parsed) {
      setOutcome({ kind: 'badLink' });
      return;
    }
    setServer(parsed.server);
    setToken(parsed.token);
    void connect(parsed);
  };

  const allow = async (pattern: string) => {
    // the first thing the click does: browsers grant permissions only within the rep's gesture
    if (await requestHostPermission(pattern)) await connect({ server, token });
  };

  return (
    <main class="crm-welcome">
      <h1>{t('welcomeTitle')}</h1>
      <p>{t('welcomeWhat')}</p>
      <p class="crm-muted">{t('welcomeWhere')}</p>

      <h2>{t('connectHeading')}</h2>
      {connectedTo && outcome?.kind !== 'connected' ? (
        <p class="crm-done" data-testid="connected">
          {t('signedInAs', connectedTo)}
        </p>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          useLink();
        }}
      >
        <label>
          {t('connectLinkLabel')}
          <input name="link" value={link} autoComplete="off" placeholder="chrome-extension://…/options.html?server=…&token=…" onInput={(e) => setLink((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="crm-button" disabled={busy}>
          {t('connectLinkButton')}
        </button>
      </form>
      <p class="crm-muted">{t('connectOr')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void connect({ server, token });
        }}
      >
        <label>
          {t('serverLabel')} <input name="server" value={server} placeholder="http://127.0.0.1:3000" onInput={(e) => setServer((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('tokenLabel')} <input name="token" type="password" value={token} autoComplete="off" onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="crm-button crm-primary" disabled={busy}>
          {t('testButton')}
        </button>
      </form>
      {busy ? (
        <p class="crm-muted" role="status">
          {t('testing')}
        </p>
      ) : null}
      {outcome ? (
        <p class={outcome.kind === 'connected' ? 'crm-done' : 'crm-error'} role={outcome.kind === 'connected' ? 'status' : 'alert'} data-testid="result" data-kind={outcome.kind}>
          {say(outcome)}
        </p>
      ) : null}
      {outcome?.kind === 'noPermission' ? (
        <button type="button" class="crm-button crm-primary" data-testid="allow" onClick={() => void allow(outcome.pattern)}>
          {t('allowButton', outcome.server)}
        </button>
      ) : null}

      {demo ? (
        <section data-testid="demo">
          <h2>{t('demoHeading')}</h2>
          <p>{t('demoText')}</p>
          <a href={`${demo}${DEMO_MAIL_PATH}`} target="_blank" rel="noreferrer">
            {t('demoLink')}
          </a>
        </section>
      ) : null}

      <h2>{t('nextHeading')}</h2>
      <p>{t('nextText')}</p>
      <a href={optionsUrl}>{t('optionsLink')}</a>
    </main>
  );
}
