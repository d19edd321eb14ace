import type { OpenAPIV3_1 } from 'openapi-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { useTestApp } from './helpers/app.ts';

/** Issue 13, hostile input at the edge: 415 for bodies that are not JSON, 413 over the body limit, 429 past a token's budget. */
const t = useTestApp();

const search = { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'nobody@example.org' }] }] };

async function send(app: { request: typeof t.app.request }, method: string, path: string, init: { token?: string; contentType?: string; body?: BodyInit; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? t.token}`, ...init.headers };
  if (init.contentType) headers['content-type'] = init.contentType;
  const res = await app.request(path, { method, headers, ...(init.body !== undefined ? { body: init.body, duplex: 'half' } : {}) } as RequestInit);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

describe('415 for bodies that are not JSON (issue 13)', () => {
  beforeAll(async () => {
    // one contact, so that an unfiltered answer would show
    expect((await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'someone@example.org' } })).status).toBe(201);
  });

  it.each([
    ['text/plain', 'text/plain', JSON.stringify(search)],
    ['no content type', undefined, JSON.stringify(search)],
    ['a form body', 'application/x-www-form-urlencoded', 'filterGroups=x'],
    ['multipart', 'multipart/form-data; boundary=x', '--x--'],
    ['no content type and no body', undefined, undefined],
  ])('issue 13: a search sent with %s answers 415 in HubSpot\'s shape, not unfiltered results', async (_what, contentType, body) => {
    const res = await send(t.app, 'POST', '/crm/v3/objects/contacts/search', { ...(contentType ? { contentType } : {}), ...(body !== undefined ? { body } : {}) });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', subCategory: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ in: 'header:content-type' }] });
    expect(res.body.correlationId).toEqual(expect.any(String));
    expect(res.body.results).toBeUndefined();
  });

  it('issue 13: JSON with a charset or a +json type still passes', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const res = await send(t.app, 'POST', '/crm/v3/objects/contacts/search', { contentType, body: JSON.stringify(search) });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(0);
    }
  });

  it('issue 13: a create sent as text/plain is refused and writes nothing', async () => {
    const email = 'plain-text@example.org';
    const res = await send(t.app, 'POST', '/crm/v3/objects/contacts', { contentType: 'text/plain', body: JSON.stringify({ properties: { email } }) });
    expect(res.status).toBe(415);
    const found = await t.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }] });
    expect(found.body.total).toBe(0);
  });

  it('issue 13: every route of the OpenAPI document that takes a JSON body answers 415 to text/plain', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as OpenAPIV3_1.Document;
    const params: Record<string, string> = { objectType: 'contacts', fromObjectType: 'contacts', toObjectType: 'companies', objectId: '1', fromObjectId: '1', toObjectId: '2', id: '1', mergeId: '1' };
    // a workspace id is a uuid: a malformed one would be refused (400) before the body is looked at
    const idOf = (path: string, name: string) => {
      if (path.startsWith('/api/workspaces/') && name === 'id') return crypto.randomUUID();
      if (path.startsWith('/crm/v3/pipelines/') && name === 'objectType') return 'deals'; // pipelines exist for deals and tickets only
      return params[name] ?? '1';
    };
    const checked: string[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const method of ['post', 'put', 'patch', 'delete'] as const) {
        const op = item?.[method];
        const content = (op?.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content;
        if (!content?.['application/json']) continue;
        const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => idOf(path, name));
        const res = await send(t.app, method.toUpperCase(), url, { contentType: 'text/plain', body: '{}' });
        expect(res.status, `${method.toUpperCase()} ${path}`).toBe(415);
        checked.push(`${method} ${path}`);
      }
    }
    expect(checked.length).toBeGreaterThan(25);
  });
});

describe('413 over the body limit, before the body is read whole (issue 13)', () => {
  let small: ReturnType<typeof createApp>;
  const LIMIT = 64 * 1024;
  beforeAll(() => {
    small = createApp({ db: t.db.db, tokenCacheMs: 0, maxBodyBytes: LIMIT });
  });

  it('issue 13: a declared Content-Length over the limit is refused with 413 in HubSpot\'s shape, and the connection is closed', async () => {
    const body = JSON.stringify({ ...search, query: 'x'.repeat(LIMIT) });
    const res = await send(small, 'POST', '/crm/v3/objects/contacts/search', { contentType: 'application/json', body, headers: { 'content-length': String(body.length) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 'error', subCategory: 'PAYLOAD_TOO_LARGE', errors: [{ in: 'body' }] });
    expect(res.headers.get('connection')).toBe('close');
  });

  it('issue 13: a streamed body is cut once it passes the limit: the rest is never read', async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(`"${'y'.repeat(16 * 1024 - 2)}",`);
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"inputs":['));
      },
      pull(controller) {
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await send(small, 'POST', '/crm/v3/objects/contacts/batch/read', { contentType: 'application/json', body: endless });
    expect(res.status).toBe(413);
    expect(res.body.subCategory).toBe('PAYLOAD_TOO_LARGE');
    // the stream would go on for ever: only a little past the limit was pulled
    expect(pulled).toBeLessThan(LIMIT * 2);
  });

  it('issue 13: a body under the limit passes, and the CSV upload keeps its own larger limit', async () => {
    const ok = await send(small, 'POST', '/crm/v3/objects/contacts/search', { contentType: 'application/json', body: JSON.stringify(search) });
    expect(ok.status).toBe(200);
    const csv = `email,firstname\n${Array.from({ length: 3000 }, (_, i) => `bulk${i}@example.org,Name${i}`).join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(LIMIT);
    const form = new FormData();
    form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'bulk.csv');
    const upload = await small.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: form });
    expect(upload.status).toBe(202);
  });

  it('issue 13: CRM_MAX_BODY_BYTES sets the limit (default 4 MiB) and refuses nonsense', () => {
    expect(loadConfig({}).maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(loadConfig({ CRM_MAX_BODY_BYTES: '1048576' }).maxBodyBytes).toBe(1_048_576);
    expect(() => loadConfig({ CRM_MAX_BODY_BYTES: '2MB' })).toThrow(/CRM_MAX_BODY_BYTES/);
  });
});

describe('Rate limits per token (issue 13)', () => {
  let limited: ReturnType<typeof createApp>;
  let appToken: string;
  let repToken: string;
  beforeAll(async () => {
    limited = createApp({ db: t.db.db, tokenCacheMs: 0, rateLimits: { app: 5, user: 8, windowSeconds: 10 } });
    appToken = (await t.call('POST', '/api/tokens', { name: 'sync app', scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] })).body.token;
    repToken = (await t.call('POST', '/api/users', { name: 'Rep', email: 'rep-limits@example.org', role: 'rep' })).body.token;
  });

  it('issue 13: an app token gets 429 past its budget, with HubSpot\'s body, Retry-After and rate-limit headers', async () => {
    for (let i = 0; i < 5; i++) {
      const ok = await send(limited, 'GET', '/crm/v3/objects/contacts', { token: appToken });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('5');
      expect(ok.headers.get('x-hubspot-ratelimit-remaining')).toBe(String(4 - i));
      expect(ok.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    }
    const refused = await send(limited, 'POST', '/crm/v3/objects/contacts', { token: appToken, contentType: 'application/json', body: JSON.stringify({ properties: { email: 'over-budget@example.org' } }) });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING', category: 'RATE_LIMITS', subCategory: 'RATE_LIMITED' });
    expect(refused.body.correlationId).toEqual(expect.any(String));
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(refused.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    // the refused write did not run
    const found = await t.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'over-budget@example.org' }] }] });
    expect(found.body.total).toBe(0);
  });

  it('issue 13: a user\'s token has its own budget (8 here); budgets are per token', async () => {
    for (let i = 0; i < 8; i++) expect((await send(limited, 'GET', '/crm/v3/objects/contacts', { token: repToken })).status).toBe(200);
    expect((await send(limited, 'GET', '/crm/v3/objects/contacts', { token: repToken })).status).toBe(429);
    const otherApp = (await t.call('POST', '/api/tokens', { name: 'second app', scopes: ['crm.objects.contacts.read'] })).body.token;
    expect((await send(limited, 'GET', '/crm/v3/objects/contacts', { token: otherApp })).status).toBe(200);
  });

  it('issue 13: the instance owner is never limited', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await send(limited, 'GET', '/crm/v3/objects/contacts');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    }
  });

  it('issue 13: the defaults (190 per 10 s for apps, 600 for users) come from CRM_RATE_LIMIT_*; 0 turns a limit off', () => {
    expect(loadConfig({}).rateLimits).toEqual({ app: 190, user: 600, windowSeconds: 10 });
    expect(loadConfig({ CRM_RATE_LIMIT_APP: '100', CRM_RATE_LIMIT_USER: '0', CRM_RATE_LIMIT_WINDOW_SECONDS: '1' }).rateLimits).toEqual({ app: 100, user: 0, windowSeconds: 1 });
    expect(() => loadConfig({ CRM_RATE_LIMIT_APP: '-1' })).toThrow(/CRM_RATE_LIMIT_APP/);
  });

  it('issue 13: with a limit of 0 an app token is not counted', async () => {
    const open = createApp({ db: t.db.db, tokenCacheMs: 0, rateLimits: { app: 0, windowSeconds: 10 } });
    for (let i = 0; i < 10; i++) expect((await send(open, 'GET', '/crm/v3/objects/contacts', { token: appToken })).status).toBe(200);
  });
});
