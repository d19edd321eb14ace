import { useEffect, useState } from 'preact/hooks';
import type { Status } from '../messaging.ts';
import { isLoopback, normaliseServer, originPattern, parseList, type Settings } from '../settings.ts';
import type { Ask } from './session.ts';

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
}

/** The options page (X3): sign in (form or connect link), own addresses, internal domains, never-log list. */
export function Options({ ask, saveLists, requestHostPermission, link, forgetLink }: OptionsProps) {
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
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
      return;
    }
    if (!token.trim()) {
      setMessage({ kind: 'error', text: 'Enter the sign-in token that `npm start` printed' });
      return;
    }
    if (!isLoopback(origin)) {
      if (!fromClick) {
        setNeedsClick(true);
        return;
      }
      if (!(await requestHostPermission(originPattern(origin)))) {
        setMessage({ kind: 'error', text: `Access to ${origin} was not allowed: the companion cannot reach the server` });
        return;
      }
    }
    try {
      const result = await ask({ type: 'connect', server: origin, token });
      setNeedsClick(false);
      setMessage({ kind: 'ok', text: `Signed in to ${result.workspace} at ${result.server}` });
      forgetLink();
      await load();
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
    }
  };

  useEffect(() => {
    void load().then(() => (link ? connect(false) : undefined));
  }, []);

  const save = async () => {
    try {
      await saveLists({ ownAddresses: parseList(own), internalDomains: parseList(internal), neverLog: parseList(neverLog) });
      setMessage({ kind: 'ok', text: 'Saved' });
      await load();
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
    }
  };

  return (
    <main class="crm-options">
      <h1>CRM companion</h1>
      <p data-testid="signed-in" class={status?.signedIn ? 'crm-done' : 'crm-muted'}>
        {status?.signedIn ? `Signed in to ${status.server}` : 'Not signed in'}
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
        <h2>Server</h2>
        <label>
          Server address <input name="server" value={server} placeholder="http://127.0.0.1:3000" onInput={(e) => setServer((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Sign-in token <input name="token" type="password" value={token} autoComplete="off" onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="crm-button crm-primary">
          {needsClick ? 'Allow access and sign in' : 'Sign in'}
        </button>
        {status?.signedIn ? (
          <button type="button" class="crm-button" onClick={() => void ask({ type: 'signOut' }).then(load)}>
            Sign out
          </button>
        ) : null}
      </form>
      <h2>Whose mail is it</h2>
      <label>
        Your own addresses (one per line)
        <textarea name="ownAddresses" rows={3} value={own} onInput={(e) => setOwn((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        Internal domains: colleagues, never shown as participants
        <textarea name="internalDomains" rows={3} value={internal} onInput={(e) => setInternal((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        Never log emails with these addresses or domains
        <textarea name="neverLog" rows={3} value={neverLog} onInput={(e) => setNeverLog((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="button" class="crm-button" onClick={() => void save()}>
        Save
      </button>
    </main>
  );
}
