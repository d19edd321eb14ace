import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';

const t = useTestApp();

const CHROME = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const FIREFOX = 'moz-extension://5b3e9a0c-3f1d-4c52-9d43-1e7f2a6b8c90';

async function raw(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return t.app.request(path, { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
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

  it.each(['https://mail.google.com', 'https://evil.example', 'http://localhost:3000', 'null', 'chrome-extension://', 'chrome-extension://abc/../x'])(
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
