/**
 * The app page's addresses (`app.html#/…`): one parser and one writer, so every link the companion
 * makes (sidebar, popup, the pages themselves) is a route the page understands, and an address a
 * rep copies opens the same view in any tab (R22). These hash forms are a contract: outside
 * checks open them.
 *
 *   #/                                   home
 *   #/{objectType}                        index page of a type (R9, R19), its filters in the query
 *   #/{objectType}/{id}                   record page with association cards
 *   #/{objectType}/{id}/history           the record's association history (R20–R22), filters in the query
 *   #/settings/{section}                  admin settings (`?from=&to=`: the object pair shown)
 *   #/imports, #/imports/{id}             imports
 *
 * `objectType` is as the API names it: `contacts`, `companies`, `deals`, `tickets`, a custom
 * object's name or type id. The query after `?` holds a view's state (filters, sort, page).
 */

export const SETTINGS_SECTIONS = ['associations', 'domains', 'activities', 'users'] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

export type AppRoute =
  | { page: 'home' }
  | { page: 'index'; objectType: string; query: URLSearchParams }
  | { page: 'record'; objectType: string; id: string }
  | { page: 'history'; objectType: string; id: string; query: URLSearchParams }
  | { page: 'settings'; section: SettingsSection; query?: URLSearchParams }
  | { page: 'imports' }
  | { page: 'import'; id: string }
  | { page: 'notFound'; hash: string };

export type AppPage = AppRoute['page'];
export type RouteOf<P extends AppPage> = Extract<AppRoute, { page: P }>;

/** First path segments that are not object types. */
const RESERVED = new Set(['settings', 'imports']);
const OBJECT_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const RECORD_ID = /^[1-9][0-9]{0,18}$/;

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The route of a location hash (`#/contacts/42?x=1`, or `''`). Anything else is `notFound`. */
export function routeOf(hash: string): AppRoute {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split(/\?(.*)/s, 2);
  const query = new URLSearchParams(queryPart);
  const notFound: AppRoute = { page: 'notFound', hash };
  const segments = pathPart.split('/').filter((s) => s !== '');
  const parts = segments.map(decode);
  if (parts.some((p) => p === null)) return notFound;
  const [first, second, third, ...rest] = parts as string[];
  if (first === undefined) return { page: 'home' };
  if (first === 'settings') {
    const section = (second ?? 'associations') as SettingsSection;
    if (third !== undefined || !SETTINGS_SECTIONS.includes(section)) return notFound;
    return [...query.keys()].length > 0 ? { page: 'settings', section, query } : { page: 'settings', section };
  }
  if (first === 'imports') {
    if (second === undefined) return { page: 'imports' };
    return third === undefined && /^[A-Za-z0-9-]{1,64}$/.test(second) ? { page: 'import', id: second } : notFound;
  }
  if (!OBJECT_TYPE.test(first) || RESERVED.has(first)) return notFound;
  if (second === undefined) return { page: 'index', objectType: first, query };
  if (!RECORD_ID.test(second) || rest.length > 0) return notFound;
  if (third === undefined) return { page: 'record', objectType: first, id: second };
  return third === 'history' ? { page: 'history', objectType: first, id: second, query } : notFound;
}

const seg = (value: string) => encodeURIComponent(value);
const withQuery = (path: string, query: URLSearchParams) => {
  const text = query.toString();
  return text ? `${path}?${text}` : path;
};

/** The hash of a route (`#/contacts/42`); routeOf(hashOf(r)) is r. */
export function hashOf(route: AppRoute): string {
  switch (route.page) {
    case 'home':
      return '#/';
    case 'index':
      return `#${withQuery(`/${seg(route.objectType)}`, route.query)}`;
    case 'record':
      return `#/${seg(route.objectType)}/${seg(route.id)}`;
    case 'history':
      return `#${withQuery(`/${seg(route.objectType)}/${seg(route.id)}/history`, route.query)}`;
    case 'settings':
      return `#${withQuery(`/settings/${route.section}`, route.query ?? new URLSearchParams())}`;
    case 'imports':
      return '#/imports';
    case 'import':
      return `#/imports/${seg(route.id)}`;
    case 'notFound':
      return route.hash.startsWith('#') ? route.hash : `#${route.hash}`;
  }
}

/** A record page's route. */
export const recordRoute = (objectType: string, id: string | number): AppRoute => ({ page: 'record', objectType, id: String(id) });

/**
 * The full address of a route: the extension's `app.html` (from `browser.runtime.getURL('/app.html')`,
 * passed in so this stays free of the browser API) and the route's hash.
 */
export function appUrl(appPage: string, route: AppRoute): string {
  return `${appPage}${hashOf(route)}`;
}
