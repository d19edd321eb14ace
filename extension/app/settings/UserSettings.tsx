import { useEffect, useState } from 'preact/hooks';
import { z } from 'zod';
import { apiPaths } from '../../../shared/api-paths.ts';
import { type AppScope, appScope } from '../../../shared/scopes.ts';
import { tokensResponse, tokenView, usersResponse, userView } from '../../../shared/workspace.ts';
import { t } from '../../i18n.ts';
import type { AppSession } from '../App.tsx';
import { ConfirmDialog, failureText, formatDateTime, noContent, type Outcome, OutcomeLine, TokenOnce } from './common.tsx';

type User = z.infer<typeof userView>;
type Token = z.infer<typeof tokenView>;
const madeUser = z.object({ id: z.number(), token: z.string() });
const madeToken = z.object({ id: z.number(), token: z.string(), scopes: z.array(appScope) });

type Confirm = { kind: 'removeUser'; user: User } | { kind: 'revoke'; token: Token } | null;

/** Users (add with the token shown once, change role, remove) and app tokens (scopes, last use, revoke). */
export function UserSettings({ session }: { session: AppSession }) {
  const [users, setUsers] = useState<User[] | null>(null);
  const [tokens, setTokens] = useState<Token[]>([]);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [newUser, setNewUser] = useState({ name: '', email: '', role: 'rep' as User['role'] });
  const [userToken, setUserToken] = useState<{ name: string; token: string } | null>(null);
  const [tokenName, setTokenName] = useState('');
  const [scopes, setScopes] = useState<AppScope[]>([]);
  const [appToken, setAppToken] = useState<{ name: string; token: string } | null>(null);
  const me = session.me.caller.kind === 'user' ? session.me.caller.id : null;

  const load = async () => {
    try {
      const [u, k] = await Promise.all([
        session.client.request(apiPaths.users(), { method: 'GET', schema: usersResponse }),
        session.client.request(apiPaths.tokens(), { method: 'GET', schema: tokensResponse }),
      ]);
      setUsers(u.results);
      setTokens(k.results);
    } catch (err) {
      setOutcome({ kind: 'error', text: failureText(err) });
    }
  };
  useEffect(() => void load(), []);

  const act = async (work: () => Promise<string>) => {
    setOutcome(null);
    try {
      setOutcome({ kind: 'ok', text: await work() });
    } catch (err) {
      setOutcome({ kind: 'error', text: failureText(err) });
    }
    await load();
  };

  const addUser = (e: Event) => {
    e.preventDefault();
    setUserToken(null);
    void act(async () => {
      const made = await session.client.request(apiPaths.users(), { method: 'POST', body: newUser, schema: madeUser });
      setUserToken({ name: newUser.name, token: made.token });
      const name = newUser.name;
      setNewUser({ name: '', email: '', role: 'rep' });
      return t('settingsUserAdded', name);
    });
  };
  const changeRole = (user: User, role: User['role']) =>
    act(async () => {
      await session.client.request(apiPaths.user(user.id), { method: 'PATCH', body: { role }, schema: userView });
      return t('settingsRoleChanged', user.name, t(role === 'admin' ? 'settingsRoleAdmin' : 'settingsRoleRep'));
    });
  const createToken = (e: Event) => {
    e.preventDefault();
    setAppToken(null);
    void act(async () => {
      const made = await session.client.request(apiPaths.tokens(), { method: 'POST', body: { name: tokenName, scopes }, schema: madeToken });
      setAppToken({ name: tokenName, token: made.token });
      const name = tokenName;
      setTokenName('');
      setScopes([]);
      return t('settingsTokenCreated', name);
    });
  };
  const confirmed = () => {
    const c = confirm;
    setConfirm(null);
    if (c?.kind === 'removeUser') {
      void act(async () => {
        await session.client.request(apiPaths.user(c.user.id), { method: 'DELETE', schema: noContent });
        return t('settingsUserRemoved', c.user.name);
      });
    }
    if (c?.kind === 'revoke') {
      void act(async () => {
        await session.client.request(apiPaths.token(c.token.id), { method: 'DELETE', schema: noContent });
        return t('settingsTokenRevoked', c.token.name);
      });
    }
  };

  if (users === null) return outcome ? <OutcomeLine outcome={outcome} /> : <p role="status">{t('appLoading')}</p>;
  const userName = (id: number | null) => users.find((u) => u.id === id)?.name ?? '';

  return (
    <>
      <OutcomeLine outcome={outcome} />
      <h3 id="crm-users-title">{t('settingsUserList')}</h3>
      <table class="crm-settings-table" aria-labelledby="crm-users-title">
        <thead>
          <tr>
            <th scope="col">{t('settingsName')}</th>
            <th scope="col">{t('settingsEmail')}</th>
            <th scope="col">{t('settingsRole')}</th>
            <th scope="col">{t('settingsStatus')}</th>
            <th scope="col">
              <span class="crm-visually-hidden">{t('settingsActions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <th scope="row">{u.name}</th>
              <td>{u.email}</td>
              <td>
                {u.instanceOwner ? (
                  t('settingsRoleOwner')
                ) : (
                  <select aria-label={t('settingsRoleOf', u.name)} value={u.role} onChange={(e) => void changeRole(u, (e.target as HTMLSelectElement).value as User['role'])}>
                    <option value="admin">{t('settingsRoleAdmin')}</option>
                    <option value="rep">{t('settingsRoleRep')}</option>
                  </select>
                )}
              </td>
              <td>{u.active ? t('settingsActive') : t('settingsInactive')}</td>
              <td>
                {!u.instanceOwner && u.id !== me && (
                  <button type="button" class="crm-button" onClick={() => setConfirm({ kind: 'removeUser', user: u })}>
                    {t('settingsRemoveUser')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <form class="crm-settings-form crm-settings-inline" onSubmit={addUser}>
        <h4>{t('settingsAddUserTitle')}</h4>
        <label>
          {t('settingsName')}
          <input type="text" required maxLength={200} value={newUser.name} onInput={(e) => setNewUser({ ...newUser, name: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          {t('settingsEmail')}
          <input type="email" required maxLength={320} value={newUser.email} onInput={(e) => setNewUser({ ...newUser, email: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          {t('settingsRole')}
          <select value={newUser.role} onChange={(e) => setNewUser({ ...newUser, role: (e.target as HTMLSelectElement).value as User['role'] })}>
            <option value="rep">{t('settingsRoleRep')}</option>
            <option value="admin">{t('settingsRoleAdmin')}</option>
          </select>
        </label>
        <button type="submit" class="crm-button crm-primary">
          {t('settingsAddUser')}
        </button>
      </form>
      {userToken && <TokenOnce label={t('settingsTokenFor', userToken.name)} token={userToken.token} />}

      <h3 id="crm-tokens-title">{t('settingsTokens')}</h3>
      <table class="crm-settings-table" aria-labelledby="crm-tokens-title">
        <thead>
          <tr>
            <th scope="col">{t('settingsName')}</th>
            <th scope="col">{t('settingsTokenKind')}</th>
            <th scope="col">{t('settingsScopes')}</th>
            <th scope="col">{t('settingsCreated')}</th>
            <th scope="col">{t('settingsLastUsed')}</th>
            <th scope="col">
              <span class="crm-visually-hidden">{t('settingsActions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((k) => (
            <tr key={k.id}>
              <th scope="row">{k.name}</th>
              <td>{k.kind === 'app' ? t('settingsTokenApp') : t('settingsTokenUser', userName(k.userId))}</td>
              <td class="crm-settings-scopes">{k.kind === 'app' ? (k.scopes.length ? k.scopes.join(', ') : t('settingsNoScopes')) : t('settingsUserRights')}</td>
              <td>{formatDateTime(k.createdAt)}</td>
              <td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : t('settingsNeverUsed')}</td>
              <td>
                <button type="button" class="crm-button" onClick={() => setConfirm({ kind: 'revoke', token: k })}>
                  {t('settingsRevoke')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <form class="crm-settings-form" onSubmit={createToken}>
        <h4>{t('settingsCreateTokenTitle')}</h4>
        <label>
          {t('settingsTokenName')}
          <input type="text" required maxLength={200} value={tokenName} onInput={(e) => setTokenName((e.target as HTMLInputElement).value)} />
        </label>
        <fieldset class="crm-settings-scope-list">
          <legend>{t('settingsScopes')}</legend>
          {appScope.options.map((scope) => (
            <label key={scope} class="crm-check">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(e) => setScopes((e.target as HTMLInputElement).checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
              />
              {scope}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="crm-button crm-primary">
          {t('settingsCreateToken')}
        </button>
      </form>
      {appToken && <TokenOnce label={t('settingsTokenFor', appToken.name)} token={appToken.token} />}

      {confirm?.kind === 'removeUser' && (
        <ConfirmDialog title={t('settingsRemoveUser')} confirm={t('settingsConfirmRemove')} onConfirm={confirmed} onClose={() => setConfirm(null)}>
          <p>{t('settingsRemoveUserText', confirm.user.name)}</p>
        </ConfirmDialog>
      )}
      {confirm?.kind === 'revoke' && (
        <ConfirmDialog title={t('settingsRevokeTitle')} confirm={t('settingsConfirmRevoke')} onConfirm={confirmed} onClose={() => setConfirm(null)}>
          <p>{t('settingsRevokeText', confirm.token.name)}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
