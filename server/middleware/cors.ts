import { networkInterfaces } from 'node:os';
import type { MiddlewareHandler } from 'hono';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id.ts';
import { ApiError } from '../errors.ts';

export interface ExtensionCorsOptions {
  /**
   * The exact origins that get CORS answers: the companion's own extension ids. By default the
   * Chrome id that the manifest key fixes; Firefox makes a new `moz-extension://<uuid>` per
   * install, so its uuids are added by setting (CRM_EXTENSION_IDS). Web pages are never allowed:
   * they are what a stolen-click attack runs in, and so is any other extension.
   */
  origins?: readonly string[];
  /**
   * The `host[:port]` names this server is reached as (see serverHosts): a browser request that is
   * not cross-origin must name one of them in `Host`, or a page on an attacker's name that resolves
   * to this machine (DNS rebinding) would be same-origin with the API. Null: no check (an app
   * that is not listening anywhere, in tests).
   */
  hosts?: () => ReadonlySet<string> | null;
  /** How long a browser may cache a preflight answer (seconds). */
  maxAgeSeconds?: number;
}

const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension):\/\/[a-z0-9-]{1,64}$/;
const CHROME_ID = /^[a-p]{32}$/;
const FIREFOX_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const DEFAULT_EXTENSION_ORIGINS: readonly string[] = [`chrome-extension://${CHROME_EXTENSION_ID}`];

/**
 * An extension's origin from how an operator names it: a Chrome id (32 letters a-p), a Firefox
 * internal uuid (about:debugging shows it), or the whole origin. Null when it is none of these.
 */
export function extensionOrigin(id: string): string | null {
  const value = id.trim().toLowerCase();
  if (CHROME_ID.test(value)) return `chrome-extension://${value}`;
  if (FIREFOX_UUID.test(value)) return `moz-extension://${value}`;
  return EXTENSION_ORIGIN.test(value) ? value : null;
}

/**
 * What clients may send as `Host` to reach a server listening on `host:port`: that address,
 * localhost and the loopback addresses with the port (what `npm start` prints), every interface
 * address when it listens on all of them, and the operator's own names (CRM_ALLOWED_HOSTS: the
 * name a reverse proxy forwards, say), each as given and with the port.
 */
export function serverHosts(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const bracket = (name: string) => (name.includes(':') && !name.startsWith('[') ? `[${name}]` : name);
  const names = new Set([host, 'localhost', '127.0.0.1', '::1']);
  if (host === '0.0.0.0' || host === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.replace(/%.*$/, ''));
  }
  const out = new Set<string>();
  for (const name of names) {
    const h = bracket(name.toLowerCase());
    out.add(`${h}:${port}`);
    if (port === 80) out.add(h);
  }
  for (const entry of extra) {
    const e = entry.trim().toLowerCase();
    if (!e) continue;
    out.add(e);
    if (!/:\d+$/.test(e)) out.add(`${e}:${port}`);
  }
  return out;
}

const ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key';
const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const EXPOSE_HEADERS = 'x-merge-id, x-changes-after, retry-after, x-hubspot-ratelimit-max, x-hubspot-ratelimit-remaining, x-hubspot-ratelimit-interval-milliseconds';

/**
 * CORS for the companion (X3): its own extension origins get the API with the Authorization and
 * Idempotency-Key headers; any other cross-origin caller is refused (403, nothing runs) whether it
 * sends a preflight or a "simple" request a browser would not preflight. Callers without an
 * `Origin` header (servers, command-line tools, HubSpot's client) and same-origin pages pass; a
 * browser's same-origin request (an `Origin` equal to the server's own, or `Sec-Fetch-Site`, which
 * browsers send with every request) must also name one of the server's own hosts.
 */
export function extensionCors(options: ExtensionCorsOptions = {}): MiddlewareHandler {
  const allowed = new Set(options.origins ?? DEFAULT_EXTENSION_ORIGINS);
  const hosts = options.hosts ?? (() => null);
  const maxAge = String(options.maxAgeSeconds ?? 600);
  return async function extensionCorsMiddleware(c, next) {
    const origin = c.req.header('origin');
    const own = new URL(c.req.url);
    if (!origin || origin === own.origin) {
      const known = hosts();
      const fromBrowser = origin !== undefined || c.req.header('sec-fetch-site') !== undefined;
      if (known && fromBrowser && !known.has(own.host.toLowerCase())) {
        throw new ApiError('FORBIDDEN', `This server is not reached as ${own.host.slice(0, 200)}: add the name to CRM_ALLOWED_HOSTS if it is one of its addresses`, {
          errors: [{ message: 'host not allowed', in: 'header:host' }],
        });
      }
      await next();
      return;
    }
    if (!allowed.has(origin)) {
      throw new ApiError('FORBIDDEN', `Cross-origin requests from ${origin.slice(0, 200)} are not allowed: only the companion extension may call this API from a browser`, {
        errors: [{ message: 'origin not allowed', in: 'header:origin' }],
      });
    }
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Vary', 'Origin', { append: true });
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      c.header('Access-Control-Allow-Methods', ALLOW_METHODS);
      c.header('Access-Control-Allow-Headers', ALLOW_HEADERS);
      c.header('Access-Control-Max-Age', maxAge);
      return c.body(null, 204);
    }
    c.header('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    await next();
  };
}
