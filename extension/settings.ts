import { neverLogMatch } from '../shared/never-log.ts';
import { notice, withNotice } from './notice.ts';

/**
 * What the rep sets on the options page (X3, B8), kept in the extension's local storage. Checked
 * by hand, not with zod: the content script reads these helpers and ships without zod.
 */
export interface Settings {
  /** The server's origin, e.g. `http://127.0.0.1:3000`; '' until signed in. */
  server: string;
  token: string;
  /** The rep's own addresses: never participants (X1). */
  ownAddresses: string[];
  /** Colleagues' domains: never participants (X1). */
  internalDomains: string[];
  /** Addresses and domains whose emails are never logged (B8). */
  neverLog: string[];
}

const LIST_LIMIT = 1000;

export const EMPTY_SETTINGS: Settings = { server: '', token: '', ownAddresses: [], internalDomains: [], neverLog: [] };

export const SETTINGS_KEY = 'settings';

export interface Connection {
  server: string;
  token: string;
}

export function connectionOf(settings: Settings): Connection | null {
  return settings.server && settings.token ? { server: settings.server, token: settings.token } : null;
}

/** The subset of `browser.storage.local` the companion uses (the real one, or WXT's fake browser in tests). */
export interface LocalStorage {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The stored settings; a field that is missing or of the wrong shape reads as empty. */
export async function loadSettings(storage: LocalStorage): Promise<Settings> {
  const stored = ((await storage.get(SETTINGS_KEY))[SETTINGS_KEY] ?? {}) as Record<string, unknown>;
  return {
    server: typeof stored.server === 'string' ? stored.server : '',
    token: typeof stored.token === 'string' ? stored.token : '',
    ownAddresses: isStringList(stored.ownAddresses) ? stored.ownAddresses : [],
    internalDomains: isStringList(stored.internalDomains) ? stored.internalDomains : [],
    neverLog: isStringList(stored.neverLog) ? stored.neverLog : [],
  };
}

/** A storage area that says when its values change, from any of the extension's pages or its worker (browser.storage.local). */
export interface WatchedStorage extends LocalStorage {
  onChanged: { addListener(listener: (changes: Record<string, unknown>) => void): void };
}

export interface SettingsReader {
  /** The settings as `loadSettings` reads them. */
  read(): Promise<Settings>;
  /** `saveSettings`, after which `read` reads afresh. */
  save(patch: Partial<Settings>): Promise<Settings>;
}

/**
 * The settings read once and kept until they change (from the options page, a sign-in, anywhere):
 * for the worker, whose every thread read needs the server, the token and the rep's own
 * addresses, and for whom a storage read is a round trip to the browser (about 6 ms). Its own
 * writes go through `save`, as the browser may tell of a change only after the write is done. A
 * storage area that does not say when it changes is read every time.
 */
export function settingsReader(storage: LocalStorage | WatchedStorage): SettingsReader {
  let kept: Promise<Settings> | undefined;
  const watched = 'onChanged' in storage;
  if (watched) {
    storage.onChanged.addListener((changes) => {
      if (SETTINGS_KEY in changes) kept = undefined;
    });
  }
  return {
    read() {
      if (!watched) return loadSettings(storage);
      if (!kept) {
        const reading = loadSettings(storage);
        kept = reading;
        // a failed read is not kept: the next one tries again
        reading.catch(() => {
          if (kept === reading) kept = undefined;
        });
      }
      return kept;
    },
    async save(patch) {
      kept = undefined;
      try {
        return await saveSettings(storage, patch);
      } finally {
        kept = undefined;
      }
    },
  };
}

/** Changes some settings; a list longer than 1,000 entries is refused with a TypeError naming it. */
export async function saveSettings(storage: LocalStorage, patch: Partial<Settings>): Promise<Settings> {
  for (const key of ['ownAddresses', 'internalDomains', 'neverLog'] as const) {
    const list = patch[key];
    if (list !== undefined && (!isStringList(list) || list.length > LIST_LIMIT)) throw new TypeError(`${key}: at most ${LIST_LIMIT} entries, each a text`);
  }
  const next = { ...(await loadSettings(storage)), ...patch };
  await storage.set({ [SETTINGS_KEY]: next });
  return next;
}

/**
 * A server address as the rep typed it, reduced to its origin: `http(s)://host[:port]`.
 * Throws a TypeError naming what is wrong; its notice says it in the rep's language.
 */
export function normaliseServer(input: string): string {
  const text = input.trim();
  // a scheme of its own (`ftp:`, `javascript:`), not a host with a port (`localhost:3000`)
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\d)/i.exec(text)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https') throw withNotice(new TypeError(`Server address "${input}" must start with http:// or https://`), notice('noticeAddressScheme', input));
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw withNotice(new TypeError(`Server address "${input}" is not a URL`), notice('noticeAddressNotUrl', input));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw withNotice(new TypeError(`Server address "${input}" must start with http:// or https://`), notice('noticeAddressScheme', input));
  if (url.username || url.password) throw withNotice(new TypeError('Server address must not contain a user name or password'), notice('noticeAddressCredentials'));
  return url.origin;
}

/** Loopback servers are declared in the manifest; any other origin needs a host permission at sign-in. */
export function isLoopback(origin: string): boolean {
  const host = new URL(origin).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** The host-permission pattern of a server origin: `https://crm.example.com/*`. */
export function originPattern(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

/**
 * The server and token of a connect link (`…/options.html?server=<url>&token=<token>`, what
 * `npm start` prints; shared/extension-id.ts makes it), from the whole link or its `?…` part;
 * null when either is missing.
 */
export function connectLinkOf(text: string): { server: string; token: string } | null {
  const trimmed = text.trim();
  const query = trimmed.includes('?') ? trimmed.slice(trimmed.indexOf('?') + 1) : '';
  const params = new URLSearchParams(query.split('#')[0]);
  const server = params.get('server');
  const token = params.get('token');
  return server && token ? { server, token } : null;
}

/** One address or domain per line or comma, lowercased, blanks and duplicates dropped. */
export function parseList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim().toLowerCase()).filter(Boolean))];
}

/** Whether an address is on the never-log list (by address, or by its domain or a parent domain). */
export function isNeverLogged(address: string, neverLog: readonly string[]): boolean {
  return neverLogMatch(address, neverLog) !== null;
}
