import { beforeAll, describe, expect, it } from 'vitest';
import { CHROME_EXTENSION_ID } from '../shared/extension-id.ts';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { serverHosts } from '../server/middleware/cors.ts';
import { useTestApp } from './helpers/app.ts';

const t = useTestApp();

/** The companion's own Chrome id, fixed by its manifest key: allowed by default. */
const CHROME = `chrome-extension://${CHROME_EXTENSION_ID}`;
/** A Firefox install's uuid: allowed only by setting (CRM_EXTENSION_IDS). */
const FIREFOX_UUID = '5b3e9a0c-3f1d-4c52-9d43-1e7f2a6b8c90';
const FIREFOX = `moz-extension://${FIREFOX_UUID}`;
/** Some other extension: a well-formed id that is not the companion's. */
const OTHER_EXTENSION = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

let app: ReturnType<typeof createApp>;
beforeAll(() => {
  // the operator's setting: the Chrome id and a Firefox install
  const config = loadConfig({ CRM_EXTENSION_IDS: `${CHROME_EXTENSION_ID}, ${FIREFOX_UUID}` });
  app = createApp({ db: t.db.db, tokenCacheMs: 0, extensionOrigins: config.extensionOrigins });
});

async function raw(method: string, path: string, headers: Record<string, string>, body?: unknown, on: { request: typeof app.request } = app) {
  return on.request(path, { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

describe('CORS for the companion (X3)', () => {
  it.each([CHROME, FIREFOX])('X3: a preflight from the extension (%s) may send Authorization and Idempotency-Key', async (origin) => {
    const res = await raw('OPTIONS', '/crm/v4/objects/contacts/1/associations/default/companies/2', {
      origin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of ['authorization', 'content-type', 'idempotency-key']) expect(allowed).toContain(h);
    expect(res.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('X3: the extension\'s actual request is answered with its origin allowed, errors included', async () => {
    const ok = await raw('GET', '/api/workspace', { origin: CHROME, authorization: `Bearer ${t.token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(CHROME);
    // the extension must be able to read a refusal too, to show the rep why
    const bad = await raw('GET', '/api/workspace', { origin: CHROME, authorization: 'Bearer crm_not_a_token' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('access-control-allow-origin')).toBe(CHROME);
  });

  it('issue 13: by default only the companion\'s fixed Chrome id gets CORS answers; Firefox ids come by setting', async () => {
    const chrome = await raw('GET', '/api/workspace', { origin: CHROME, authorization: `Bearer ${t.token}` }, undefined, t.app);
    expect(chrome.status).toBe(200);
    expect(chrome.headers.get('access-control-allow-origin')).toBe(CHROME);
    const firefox = await raw('GET', '/api/workspace', { origin: FIREFOX, authorization: `Bearer ${t.token}` }, undefined, t.app);
    expect(firefox.status).toBe(403);
    expect(firefox.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('issue 13: CRM_EXTENSION_IDS takes Chrome ids, Firefox uuids and whole origins, and refuses anything else', () => {
    expect(loadConfig({}).extensionOrigins).toEqual([CHROME]);
    expect(loadConfig({ CRM_EXTENSION_IDS: `${FIREFOX}, ${CHROME_EXTENSION_ID}` }).extensionOrigins).toEqual([FIREFOX, CHROME]);
    expect(() => loadConfig({ CRM_EXTENSION_IDS: 'https://evil.example' })).toThrow(/CRM_EXTENSION_IDS/);
    expect(() => loadConfig({ CRM_EXTENSION_IDS: 'not-an-id' })).toThrow(/CRM_EXTENSION_IDS/);
  });

  it.each(['https://mail.google.com', 'https://evil.example', 'http://localhost:3000', 'null', 'chrome-extension://', 'chrome-extension://abc/../x', OTHER_EXTENSION, 'moz-extension://00000000-0000-4000-8000-000000000000'])(
    'security: a cross-origin caller %s is refused (preflight and actual request), nothing written',
    async (origin) => {
      const pre = await raw('OPTIONS', '/crm/v3/objects/contacts', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' });
      expect(pre.status).toBe(403);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();

      const email = `cors-${Math.random().toString(36).slice(2)}@example.org`;
      const post = await raw('POST', '/crm/v3/objects/contacts', { origin, authorization: `Bearer ${t.token}` }, { properties: { email } });
      expect(post.status).toBe(403);
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
      const body = (await post.json()) as { message: string; errors: Array<{ in: string }> };
      expect(body.message).toContain(origin);
      expect(body.errors[0]!.in).toBe('header:origin');
      const search = await t.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }] });
      expect(search.status).toBe(200);
      expect(search.body.total).toBe(0);
    },
  );

  it('X3: callers without an Origin (servers, scripts) and same-origin pages pass without CORS headers', async () => {
    const plain = await raw('GET', '/api/workspace', { authorization: `Bearer ${t.token}` });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const same = await raw('GET', 'http://localhost/api/workspace', { origin: 'http://localhost', authorization: `Bearer ${t.token}` });
    expect(same.status).toBe(200);
  });
});

describe('Host of same-origin browser requests (issue 13: Headers and origins)', () => {
  let listening: ReturnType<typeof createApp>;
  beforeAll(() => {
    // as server/index.ts sets it once listening on 127.0.0.1:8787, with a proxy's name added
    const hosts = serverHosts('127.0.0.1', 8787, ['crm.example.com']);
    listening = createApp({ db: t.db.db, tokenCacheMs: 0, hosts: () => hosts });
  });
  const get = (url: string, headers: Record<string, string>) => listening.request(url, { headers: { authorization: `Bearer ${t.token}`, ...headers } });

  it.each(['127.0.0.1:8787', 'localhost:8787', '[::1]:8787', 'crm.example.com', 'crm.example.com:8787'])(
    'issue 13: a browser reaching the server as %s (its address, loopback, a configured name) passes',
    async (host) => {
      const res = await get(`http://${host}/api/workspace`, { 'sec-fetch-site': 'same-origin' });
      expect(res.status).toBe(200);
      const post = await get(`http://${host}/api/workspace`, { origin: `http://${host}` });
      expect(post.status).toBe(200);
    },
  );

  it.each(['evil.example:8787', '127.0.0.1:9999', 'rebind.attacker.test'])('security: a browser request to Host %s (DNS rebinding) is refused, nothing written', async (host) => {
    const nav = await get(`http://${host}/api/workspace`, { 'sec-fetch-site': 'same-origin' });
    expect(nav.status).toBe(403);
    const body = (await nav.json()) as { subCategory: string; errors: Array<{ in: string }> };
    expect(body.subCategory).toBe('FORBIDDEN');
    expect(body.errors[0]!.in).toBe('header:host');

    const email = `rebind-${Math.random().toString(36).slice(2)}@example.org`;
    const post = await listening.request(`http://${host}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: { origin: `http://${host}`, authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { email } }),
    });
    expect(post.status).toBe(403);
    const search = await t.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }] });
    expect(search.body.total).toBe(0);
  });

  it('issue 13: callers that are not browsers (no Origin, no Sec-Fetch-Site) and the extension are not held to the Host list', async () => {
    expect((await get('http://evil.example:8787/api/workspace', {})).status).toBe(200);
    const ext = await get('http://crm.elsewhere.example/api/workspace', { origin: CHROME, 'sec-fetch-site': 'cross-site' });
    expect(ext.status).toBe(200);
    expect(ext.headers.get('access-control-allow-origin')).toBe(CHROME);
  });
});

describe('Security headers on every answer (issue 13: Headers and origins)', () => {
  it.each([
    ['a JSON answer', '/health', 200],
    ['an error', '/api/workspace', 401],
    ['an unknown route', '/nowhere', 404],
    ['the HTML reference', '/docs', 200],
  ])('issue 13: %s carries nosniff, a Referrer-Policy and a CSP that runs nothing', async (_what, path, status) => {
    const res = await t.app.request(path);
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
  });
});
