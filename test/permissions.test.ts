import { Hono } from 'hono';
import type { OpenAPIV3_1 } from 'openapi-types';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv, Auth } from '../server/env.ts';
import { onError } from '../server/errors.ts';
import { authorize } from '../server/middleware/authorize.ts';
import { type Permission, PERMISSIONS } from '../server/permissions.ts';
import { appScope } from '../shared/scopes.ts';
import { useTestApp } from './helpers/app.ts';

type Document = OpenAPIV3_1.Document;
type Role = 'owner' | 'admin' | 'rep' | 'appAll' | 'appNone';
const ROLES: Role[] = ['owner', 'admin', 'rep', 'appAll', 'appNone'];

/** OpenAPI's `/a/{id}` as Hono's `/a/:id`: the form of the table's keys. */
const honoPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/** A value for each path parameter that reaches the handler (it may well answer 400 or 404 then). */
const SAMPLE: Record<string, string> = {
  objectType: 'contacts',
  fromType: 'contacts',
  toType: 'companies',
  toObjectType: 'companies',
  mergeId: '00000000-0000-4000-8000-000000000000',
  typeId: '999',
};
const sampleOf = (name: string, path: string) =>
  SAMPLE[name] ?? (path.includes('/imports/') || path.includes('/auto-domain/') || path.includes('/workspaces/') ? '00000000-0000-4000-8000-000000000000' : '999999999');

/** What the table says, worked out from its plain fields (not by the middleware's own code). */
function allowed(role: Role, rule: Permission, params: Record<string, string>): boolean {
  switch (role) {
    case 'owner':
      return true;
    case 'admin':
      return rule.user !== 'owner';
    case 'rep':
      return rule.user === 'rep';
    case 'appAll':
      return rule.app !== 'never';
    case 'appNone':
      return rule.app === 'any' || (typeof rule.app === 'function' && rule.app(params).length === 0);
  }
}

describe('one permission for every route (issue 13)', () => {
  const t = useTestApp();
  const tokens = {} as Record<Role, string>;
  let doc: Document;

  beforeAll(async () => {
    tokens.owner = t.token;
    tokens.admin = (await t.call('POST', '/api/users', { name: 'Ada Admin', email: 'ada@perm.example', role: 'admin' })).body.token;
    tokens.rep = (await t.call('POST', '/api/users', { name: 'Rory Rep', email: 'rory@perm.example', role: 'rep' })).body.token;
    tokens.appAll = (await t.call('POST', '/api/tokens', { name: 'everything', scopes: appScope.options })).body.token;
    tokens.appNone = (await t.call('POST', '/api/tokens', { name: 'nothing', scopes: [] })).body.token;
    doc = (await (await t.app.request('/openapi.json')).json()) as Document;
  });

  const operations = () =>
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    );

  it('every authenticated route of the OpenAPI document has a rule, and every rule a route', () => {
    const secured = operations().filter(({ method, path }) => (doc.paths?.[path]?.[method.toLowerCase() as 'get']?.security ?? [{}]).length > 0);
    expect(secured.length).toBeGreaterThan(80);
    const keys = secured.map(({ method, path }) => `${method} ${honoPath(path)}`);
    expect(keys.filter((k) => !PERMISSIONS[k]), 'routes without a rule').toEqual([]);
    expect(Object.keys(PERMISSIONS).filter((k) => !keys.includes(k)), 'rules without a route').toEqual([]);
  });

  it('every route, for owner, admin, rep, app with every scope and app with none: refused with 403 exactly where the table says', { timeout: 180_000 }, async () => {
    const mismatches: string[] = [];
    let calls = 0;
    for (const { method, path } of operations()) {
      const rule = PERMISSIONS[`${method} ${honoPath(path)}`];
      if (!rule) continue;
      const params: Record<string, string> = {};
      const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => (params[name] = sampleOf(name, path)));
      for (const role of ROLES) {
        const res = await t.app.request(url, { method, headers: { authorization: `Bearer ${tokens[role]}` } });
        calls++;
        // the change stream stays open when allowed: its status is enough
        const body = res.headers.get('content-type')?.startsWith('application/json') ? ((await res.json()) as { errors?: Array<{ in?: string }> }) : (await res.body?.cancel(), undefined);
        const refusedByTable = res.status === 403 && body?.errors?.[0]?.in === 'permission';
        if (refusedByTable === allowed(role, rule, params)) mismatches.push(`${role} ${method} ${path}: ${res.status} ${JSON.stringify(body).slice(0, 160)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(calls).toBeGreaterThan(400);
  });

  it('an app token is told which scope it lacks, in the message and in context', async () => {
    const r = await t.call('GET', '/crm/v3/objects/deals', undefined, tokens.appNone);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ subCategory: 'FORBIDDEN', category: 'MISSING_SCOPES', context: { requiredScopes: ['crm.objects.deals.read'] } });
    expect(r.body.message).toContain('crm.objects.deals.read');
    const custom = await t.call('POST', '/crm/v3/schemas', { name: 'x' }, tokens.appNone);
    expect(custom.body.message).toContain('crm.schemas.custom.write');
  });

  it('fail closed: a route with no rule in the table is refused to everyone, the instance owner too', async () => {
    const owner: Auth = { workspaceId: 'w', plan: 'enterprise', settings: {}, principal: { kind: 'user', userId: 1, userName: 'Owner', role: 'admin', instanceOwner: true, tokenId: 1 } };
    const app = new Hono<AppEnv>()
      .use('*', async (c, next) => {
        c.set('auth', owner);
        await next();
      })
      .use('*', authorize())
      .get('/api/not-in-the-table', (c) => c.json({ ok: true }));
    app.onError(onError);
    const res = await app.request('/api/not-in-the-table');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('NO_RULE');
    // no route at all is still a 404, not a 403
    expect((await app.request('/api/nothing-here')).status).toBe(404);
  });
});
