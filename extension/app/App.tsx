import type { ComponentChild } from 'preact';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { apiPaths } from '../../shared/api-paths.ts';
import { type MeView, meView } from '../../shared/workspace.ts';
import { type ApiClient, createApiClient } from '../api/client.ts';
import { type MessageKey, t } from '../i18n.ts';
import type { CompanionRequest, Replies } from '../messaging.ts';
import type { Connection } from '../settings.ts';
import { useTexts } from '../ui/use-texts.ts';
import type { EarlyReads } from './early-reads.ts';
import { type AppPage, type AppRoute, appUrl, hashOf, type RouteOf, routeOf } from './routes.ts';
import { errorText } from '../notice.ts';

/** What every page of the app gets: who is signed in where, the API client, and the way to other pages. */
export interface AppSession {
  connection: Connection;
  /** The one API client (extension/api/client.ts) with the rep's token. */
  client: ApiClient;
  /** Who the rep is (role: what the page offers) and the workspace (name, plan). */
  me: MeView;
  /** A request to the background: writes go through the outbox there, as the sidebar's do. */
  ask<T extends CompanionRequest>(request: T): Promise<Replies[T['type']]>;
  /** The hash of a route, for `<a href>` within the app. */
  href(route: AppRoute): string;
  /** The full address of a route (copyable, opens in any tab of this browser). */
  url(route: AppRoute): string;
  navigate(route: AppRoute): void;
}

export interface PageProps<P extends AppPage> {
  route: RouteOf<P>;
  session: AppSession;
}

/** The pages of the app, one per route kind; a route without a page is shown as not found. */
export type PageTable = { [P in AppPage]?: (props: PageProps<P>) => ComponentChild };

export interface AppProps {
  /** The sign-in under way (bootApp), started before the app's first render. */
  booting: Promise<Boot>;
  ask: AppSession['ask'];
  pages: PageTable;
  /** `chrome-extension://…/app.html` */
  appPage: string;
  optionsUrl: string;
}

type Session = Omit<AppSession, 'navigate' | 'ask' | 'href' | 'url'>;
export type Boot = { state: 'loading' } | { state: 'signedOut' } | { state: 'failed'; message: string } | { state: 'ready'; session: Session };

/**
 * Signs the app in with the early reads (early-reads.ts): the connection the options page keeps,
 * then who the rep is (GET /api/me, already under way), with a client whose first GET of each of
 * the route's first reads takes the answer under way.
 */
export async function bootApp(early: Promise<EarlyReads>): Promise<Boot> {
  const { connection, fetch } = await early;
  if (!connection) return { state: 'signedOut' };
  const client = createApiClient(connection, { fetch });
  try {
    const me = await client.request(apiPaths.me(), { method: 'GET', schema: meView });
    return { state: 'ready', session: { connection, client, me } };
  } catch (err) {
    return { state: 'failed', message: errorText(err) };
  }
}

const NAV: Array<{ key: MessageKey; route: AppRoute }> = [
  { key: 'appNavContacts', route: { page: 'index', objectType: 'contacts', query: new URLSearchParams() } },
  { key: 'appNavCompanies', route: { page: 'index', objectType: 'companies', query: new URLSearchParams() } },
  { key: 'appNavDeals', route: { page: 'index', objectType: 'deals', query: new URLSearchParams() } },
  { key: 'appNavTickets', route: { page: 'index', objectType: 'tickets', query: new URLSearchParams() } },
  { key: 'appNavImports', route: { page: 'imports' } },
];

/**
 * The companion's app page (`app.html`): record pages, history, index pages, settings and imports
 * behind hash routes (routes.ts). It signs in with what the options page keeps, asks the server
 * who the rep is, and renders the page of the current route.
 */
export function App({ booting, ask, pages, appPage, optionsUrl }: AppProps) {
  // a new language chosen on the options page: every page shows it at once
  useTexts();
  const [boot, setBoot] = useState<Boot>({ state: 'loading' });
  const [route, setRoute] = useState<AppRoute>(() => routeOf(location.hash));

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  // a layout effect: the answer, once in, is rendered in the next frame, not one frame later
  useLayoutEffect(() => {
    void booting.then(setBoot);
  }, [booting]);

  if (boot.state === 'loading') return <p class="crm-app-status" role="status">{t('appLoading')}</p>;
  if (boot.state === 'signedOut') {
    return (
      <main class="crm-app-status">
        <h1>{t('appTitle')}</h1>
        <p>{t('appSignedOut')}</p>
        <a href={optionsUrl}>{t('appOpenOptions')}</a>
      </main>
    );
  }
  if (boot.state === 'failed') {
    return (
      <main class="crm-app-status">
        <h1>{t('appTitle')}</h1>
        <p class="crm-error" role="alert">
          {t('appCannotReach', boot.message)}
        </p>
        <a href={optionsUrl}>{t('appOpenOptions')}</a>
      </main>
    );
  }
  const session: AppSession = { ...boot.session, ask, href: hashOf, url: (r) => appUrl(appPage, r), navigate: (r) => void (location.hash = hashOf(r)) };
  const { me } = session;
  const nav = me.caller.kind === 'user' && me.caller.role === 'admin' ? [...NAV, { key: 'appNavSettings' as const, route: { page: 'settings', section: 'associations' } as AppRoute }] : NAV;
  const current = hashOf(route).split('?')[0]!;
  return (
    <div class="crm-app">
      <header class="crm-app-header">
        <a class="crm-app-home" href={hashOf({ page: 'home' })}>
          {me.workspace.name}
        </a>
        <nav aria-label={t('appNavLabel')}>
          <ul>
            {nav.map(({ key, route: target }) => {
              const href = hashOf(target);
              const here = current === href || current.startsWith(`${href}/`);
              return (
                <li key={key}>
                  <a href={href} aria-current={here ? 'page' : undefined}>
                    {t(key)}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <span class="crm-app-who">{me.caller.name}</span>
      </header>
      <main class="crm-app-main">{renderPage(pages, route, session)}</main>
    </div>
  );
}

function renderPage(pages: PageTable, route: AppRoute, session: AppSession): ComponentChild {
  const page = pages[route.page] as ((props: PageProps<AppPage>) => ComponentChild) | undefined;
  if (route.page === 'home') return <Home session={session} />;
  if (!page) return <NotFound session={session} />;
  // a component of its own (its hooks are its own), new for each address so no state of one record shows on another
  const Page = page as (props: PageProps<AppPage>) => ComponentChild;
  return <Page key={hashOf(route).split('?')[0]} route={route as RouteOf<AppPage>} session={session} />;
}

/** The start page: where to go. */
function Home({ session }: { session: AppSession }) {
  useEffect(() => void (document.title = `${session.me.workspace.name} · ${t('appTitle')}`), []);
  return (
    <section>
      <h1>{session.me.workspace.name}</h1>
      <ul class="crm-app-links">
        {NAV.map(({ key, route }) => (
          <li key={key}>
            <a href={hashOf(route)}>{t(key)}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function NotFound({ session }: { session: AppSession }) {
  useEffect(() => void (document.title = t('appNotFound')), []);
  return (
    <section>
      <h1>{t('appNotFound')}</h1>
      <p>{t('appNotFoundText')}</p>
      <a href={session.href({ page: 'home' })}>{t('appGoHome')}</a>
    </section>
  );
}
