import { Validator } from '@seriousme/openapi-schema-validator';
import { Hono } from 'hono';
import { describeRoute, uniqueSymbol } from 'hono-openapi';
import { findTargetHandler } from 'hono/utils/handler';
import type { OpenAPIV3_1 } from 'openapi-types';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import pkg from '../package.json' with { type: 'json' };
import { createUserBody } from '../shared/workspace.ts';
import type { AppEnv } from '../server/env.ts';
import { docsRoutes, escapeHtml } from '../server/routes/docs.ts';
import { validate } from '../server/validate.ts';
import { useTestApp } from './helpers/app.ts';

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;

const docsPaths = new Set(['/openapi.json', '/docs']);

/** Hono's `/a/:id{[0-9]+}/:rest?` as OpenAPI's `/a/{id}/{rest}`. */
function openApiPath(honoPath: string): string {
  return honoPath
    .split('/')
    .map((segment) => (segment.startsWith(':') ? `{${segment.slice(1).replace(/\{.*$/, '').replace(/\?$/, '')}}` : segment))
    .join('/');
}

/** The app's own routes (not middleware, not the docs routes), one per method and path. */
function routesOf(app: Hono<any, any, any>) {
  const seen = new Map<string, { method: string; path: string; handlers: Array<Record<symbol, any>> }>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || docsPaths.has(r.path)) continue;
    const key = `${r.method} ${r.path}`;
    if (!seen.has(key)) seen.set(key, { method: r.method, path: r.path, handlers: [] });
    seen.get(key)!.handlers.push(findTargetHandler(r.handler) as unknown as Record<symbol, any>);
  }
  return [...seen.values()];
}

function operationOf(doc: Document, method: string, honoPath: string): Operation | undefined {
  return doc.paths?.[openApiPath(honoPath)]?.[method.toLowerCase() as OpenAPIV3_1.HttpMethods];
}

function jsonSchemaOf(op: Operation | undefined): OpenAPIV3_1.SchemaObject | undefined {
  const body = op?.requestBody;
  if (!body || '$ref' in body) return undefined;
  return body.content['application/json']?.schema as OpenAPIV3_1.SchemaObject | undefined;
}

describe('OpenAPI document and reference page', () => {
  const t = useTestApp();

  async function document(): Promise<Document> {
    const res = await t.app.request('/openapi.json');
    expect(res.status).toBe(200);
    return (await res.json()) as Document;
  }

  it('GET /openapi.json answers OpenAPI 3.1 without a token, titled and versioned from package.json', async () => {
    const res = await t.app.request('http://crm.example.test:8080/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as Document;
    expect(doc.openapi.startsWith('3.1')).toBe(true);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: pkg.version, description: expect.stringContaining(pkg.description) });
    expect(doc.servers).toEqual([{ url: 'http://crm.example.test:8080' }]);
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const doc = await document();
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\.1/);
  });

  it('every route registered on the app is in `paths` with its method, in {param} syntax', async () => {
    const doc = await document();
    const routes = routesOf(t.app);
    expect(routes.length).toBeGreaterThan(10);
    const missing = routes.filter((r) => !operationOf(doc, r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths ?? {}).filter((p) => p.includes('/:'))).toEqual([]);
    // and nothing that is not a route
    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) => Object.keys(item ?? {}).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual([...new Set(routes.map((r) => `${r.method} ${openApiPath(r.path)}`))].sort());
  });

  it('every {param} of a path is a required path parameter of its operations', async () => {
    const doc = await document();
    const wrong: string[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item ?? {}) as Array<[string, Operation]>) {
        const declared = (op.parameters ?? []).filter((p): p is OpenAPIV3_1.ParameterObject => !('$ref' in p) && p.in === 'path' && p.required === true).map((p) => p.name);
        for (const name of names) if (!declared.includes(name!)) wrong.push(`${method} ${path}: ${name}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a route that validates its JSON body has that body schema; query and path validators give parameters', async () => {
    const doc = await document();
    let bodies = 0;
    for (const route of routesOf(t.app)) {
      const op = operationOf(doc, route.method, route.path);
      for (const handler of route.handlers) {
        const target = handler[uniqueSymbol]?.target as string | undefined;
        if (target === 'json') {
          bodies++;
          expect(jsonSchemaOf(op), `${route.method} ${route.path}`).toBeDefined();
          expect(op?.responses?.['400'], `${route.method} ${route.path}`).toBeDefined();
        }
        if (target === 'query' || target === 'param') {
          const where = target === 'param' ? 'path' : 'query';
          expect(op?.parameters?.some((p) => !('$ref' in p) && p.in === where), `${route.method} ${route.path} ${where}`).toBe(true);
        }
      }
    }
    expect(bodies).toBeGreaterThan(5);
  });

  it('POST /api/users documents the same shape as its zod schema createUserBody', async () => {
    const schema = jsonSchemaOf((await document()).paths?.['/api/users']?.post);
    const fields = Object.keys(createUserBody.shape);
    expect(fields).toEqual(['name', 'email', 'role']);
    expect(Object.keys(schema?.properties ?? {})).toEqual(fields);
    expect(schema?.required).toEqual(fields);
    expect(schema?.additionalProperties).toBe(false);
    expect(schema?.properties?.role).toMatchObject({ type: 'string', enum: createUserBody.shape.role.options });
    expect(schema?.properties?.email).toMatchObject({ type: 'string', format: 'email', maxLength: 320 });
    expect(schema?.properties?.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
  });

  it('security: the document says which operations need the token, and the server agrees', async () => {
    const doc = await document();
    expect(doc.paths?.['/health']?.get?.security).toEqual([]);
    expect(doc.paths?.['/api/users']?.post?.security).toBeUndefined(); // the global bearer requirement
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item ?? {}) as Array<[string, Operation]>) {
        const url = path.replace(/\{[^}]+\}/g, '1');
        const res = await t.app.request(url, { method: method.toUpperCase() });
        const isPublic = op.security?.length === 0;
        expect(res.status === 401, `${method} ${path} without a token answered ${res.status}`).toBe(!isPublic);
        if (!isPublic) expect(op.responses?.['401'], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it('the document is generated once, on first request, from every route registered by then', async () => {
    const api = new Hono<AppEnv>().get('/first', (c) => c.text('1'));
    const app = new Hono().route('/', api).route('/', docsRoutes(api));
    api.get('/before-first-request', (c) => c.text('2'));
    const first = (await (await app.request('/openapi.json')).json()) as Document;
    expect(Object.keys(first.paths ?? {})).toEqual(['/first', '/before-first-request']);
    api.get('/after-first-request', (c) => c.text('3'));
    const second = (await (await app.request('/openapi.json')).json()) as Document;
    expect(second).toEqual(first);
    // the same document object each time, not a new one per request
    const a = await (await t.app.request('/openapi.json')).text();
    const b = await (await t.app.request('/openapi.json')).text();
    expect(a).toBe(b);
  });

  it('GET /docs is a self-contained HTML reference of every operation, without a token', async () => {
    const doc = await document();
    const res = await t.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<script src=/i);
    expect(page).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i); // nothing fetched from elsewhere
    expect(page).not.toMatch(/<link\b/i);
    for (const path of Object.keys(doc.paths ?? {})) expect(page).toContain(escapeHtml(path));
    for (const tag of doc.tags ?? []) expect(page).toContain(`<h2>${escapeHtml(tag.name)}</h2>`);
    expect(page).toContain('Bearer');
    expect(page).toContain('Public');
    // the request body of POST /api/users as a field list
    const users = page.slice(page.indexOf('POST</span> <code class="path">/api/users</code>'));
    const section = users.slice(0, users.indexOf('</section>'));
    for (const field of ['name', 'email', 'role']) expect(section).toContain(`<code class="field">${field}</code>`);
    expect(section).toContain('&#34;admin&#34; | &#34;rep&#34;');
  });

  it('escapeHtml leaves no markup-significant character', () => {
    expect(escapeHtml(`<a href="x" onclick='y()'>&amp;</a>`)).toBe('&#60;a href=&#34;x&#34; onclick=&#39;y()&#39;&#62;&#38;amp;&#60;/a&#62;');
    expect(escapeHtml('plain text, {id}')).toBe('plain text, {id}');
  });

  it('security: a hostile summary, tag, field name or description is escaped on /docs', async () => {
    const hostile = '"><img src=x onerror=alert(1)><script>alert(1)</script>';
    const api = new Hono<AppEnv>().post(
      '/hostile/:id',
      describeRoute({ summary: hostile, description: hostile, tags: [hostile] }),
      validate('json', z.object({ [hostile]: z.string().describe(hostile) }).strict()),
      (c) => c.json({}),
    );
    const app = new Hono().route('/', api).route('/', docsRoutes(api));
    const doc = (await (await app.request('/openapi.json')).json()) as Document;
    expect(Object.keys(jsonSchemaOf(doc.paths?.['/hostile/{id}']?.post)?.properties ?? {})).toEqual([hostile]);
    const page = await (await app.request('/docs')).text();
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain(escapeHtml(hostile));
    expect(page.split(escapeHtml(hostile)).length).toBeGreaterThan(5); // summary, description, tag, field, field description
  });
});
