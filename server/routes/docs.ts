import { STATUS_CODES } from 'node:http';
import { Hono } from 'hono';
import { generateSpecs, resolver } from 'hono-openapi';
import { findTargetHandler } from 'hono/utils/handler';
import type { OpenAPIV3_1 } from 'openapi-types';
import pkg from '../../package.json' with { type: 'json' };
import { errorBody } from '../../shared/errors.ts';
import type { AppEnv } from '../env.ts';

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;
type Schema = OpenAPIV3_1.SchemaObject | OpenAPIV3_1.ReferenceObject;
type Api = Hono<AppEnv, any, any>;

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * `bearerAuth()` answers a function of this name. Operations under a middleware of that name need
 * the token; the rest (/health) are public. test/openapi.test.ts checks the document against the
 * server's real 401s, so a rename cannot go unnoticed.
 */
const authMiddlewareName = 'bearerAuthMiddleware';

/** /openapi.json and /docs: generated once per app, on first request, from every route of `api`. */
export function docsRoutes(api: Api) {
  let document: Promise<Document> | undefined;
  let page: Promise<string> | undefined;
  // Lazily, so routes mounted on `api` after this call are included; a failure is not cached.
  const documentOnce = () =>
    (document ??= buildDocument(api).catch((err: unknown) => {
      document = undefined;
      throw err;
    }));
  const pageOnce = () =>
    (page ??= documentOnce()
      .then(renderReference)
      .catch((err: unknown) => {
        page = undefined;
        throw err;
      }));

  return new Hono<AppEnv>()
    .get('/openapi.json', async (c) => c.json({ ...(await documentOnce()), servers: [{ url: new URL(c.req.url).origin }] }))
    // Nothing on the page is fetched or run: no scripts, no images, no fonts (the app's CSP says so).
    .get('/docs', async (c) => c.html(await pageOnce()));
}

// ---------------------------------------------------------------------------------------------
// The document

async function buildDocument(api: Api): Promise<Document> {
  const error = await resolver(errorBody).toOpenAPISchema();
  const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  const generated = await generateSpecs(api, {
    // every route, also those with neither describeRoute nor a validator
    includeEmptyPaths: true,
    excludeMethods: [],
    excludeStaticFile: false,
    defaultValidationErrorResponse: { description: 'Invalid input: `errors[]` names every bad field (`subCategory` VALIDATION_ERROR)', content: errorContent },
    documentation: {
      info: {
        title: 'CRM association engine API',
        version: pkg.version,
        description: `${pkg.description}. HubSpot-compatible paths and bodies (CRM v3 objects, schemas, pipelines and owners, v4 associations) plus the admin API. Errors have HubSpot's body; \`subCategory\` holds a stable code.`,
      },
      components: {
        schemas: { ...error.components?.schemas, Error: error.schema },
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A user or app token (`crm_…`) issued by this server; tokens are per workspace.' },
        },
        responses: {
          Unauthenticated: { description: 'No token, a malformed header, or an unknown or revoked token', content: errorContent },
          Error: { description: "Any other error, in HubSpot's error body; `subCategory` holds the stable code", content: errorContent },
        },
      },
      security: [{ bearerAuth: [] }],
    },
  });
  // A plain JSON copy: the generator shares objects with the routes' describeRoute specs.
  const doc = JSON.parse(JSON.stringify(generated)) as Document;
  const guards = authenticatedPatterns(api);
  const tags: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const op = item?.[method] as (Operation & { hide?: unknown }) | undefined;
      if (!op) continue;
      delete op.hide;
      for (const tag of op.tags ?? []) if (!tags.includes(tag)) tags.push(tag);
      const responses = (op.responses ??= {});
      for (const [status, response] of Object.entries(responses)) {
        if (!('$ref' in response) && !response.description) response.description = STATUS_CODES[status] ?? 'Response';
      }
      if (!Object.keys(responses).some((status) => status.startsWith('2'))) responses['2XX'] = { description: 'Success (the body is not described yet)' };
      if (guards.some((pattern) => covers(pattern, path))) responses['401'] ??= { $ref: '#/components/responses/Unauthenticated' };
      else op.security = [];
      responses.default ??= { $ref: '#/components/responses/Error' };
      // success first, then errors by code, `default` last
      op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => (a === 'default' ? 1 : b === 'default' ? -1 : a.localeCompare(b))));
    }
  }
  doc.tags = tags.map((name) => ({ name }));
  return doc;
}

/** Path patterns (Hono syntax) of the middleware entries that are the bearer-token check. */
function authenticatedPatterns(api: Api): string[] {
  return api.routes.filter((r) => r.method === 'ALL' && findTargetHandler(r.handler).name === authMiddlewareName).map((r) => r.path);
}

/** Whether a middleware pattern (`/api/*`, `/x/:id/*`, `*`) applies to an OpenAPI path. */
function covers(pattern: string, path: string): boolean {
  if (pattern === '*' || pattern === '/*') return true;
  const want = pattern.split('/');
  const have = path.split('/');
  for (const [i, w] of want.entries()) {
    if (w === '*' && i === want.length - 1) return true;
    const h = have[i];
    if (h === undefined) return false;
    if (w === '*' || w.startsWith(':')) continue;
    if (w !== h) return false;
  }
  return want.length === have.length;
}

// ---------------------------------------------------------------------------------------------
// The reference page

/** Text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Markup that is already safe: only `html` makes one. */
class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}

/** A template whose every interpolated value is escaped, except Html made by `html` itself. */
function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (const [i, value] of values.entries()) out += markup(value) + strings[i + 1]!;
  return new Html(out);
}

function markup(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(markup).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** Description text: escaped, with its `backticked` spans as code. */
function prose(text: string): Html {
  return new Html(escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>'));
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function resolve<T extends object>(doc: Document, node: T | OpenAPIV3_1.ReferenceObject, kind: 'schemas' | 'responses' | 'requestBodies' | 'parameters'): T | undefined {
  if (!('$ref' in node)) return node;
  return (doc.components?.[kind] as Record<string, T> | undefined)?.[refName(node.$ref)];
}

/** A short type: `string`, `integer | string`, `object[]`, `"a" | "b"`, `Error`. */
function typeLabel(schema: Schema): string {
  if ('$ref' in schema) return refName(schema.$ref);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map(typeLabel).join(' | ');
  if (schema.allOf) return schema.allOf.map(typeLabel).join(' & ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const label = types.map((t) => (t === 'array' && 'items' in schema && schema.items ? `${typeLabel(schema.items)}[]` : t)).join(' | ');
  return label || (schema.properties ? 'object' : 'any');
}

function constraints(schema: Schema): string[] {
  if ('$ref' in schema) return [];
  const out: string[] = [];
  const s = schema as Record<string, unknown>;
  for (const key of ['format', 'minLength', 'maxLength', 'minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'minItems', 'maxItems', 'pattern']) {
    if (s[key] !== undefined) out.push(`${key} ${typeof s[key] === 'string' ? s[key] : JSON.stringify(s[key])}`);
  }
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  if (schema.additionalProperties === false) out.push('no other keys');
  return out;
}

/** The object schemas worth listing field by field inside a schema (items, union members). */
function nestedObjects(schema: Schema): Schema[] {
  if ('$ref' in schema) return [];
  if (schema.properties) return [schema];
  if ('items' in schema && schema.items) return nestedObjects(schema.items);
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])].flatMap(nestedObjects);
}

/** A schema as a nested list of fields: name, type, required, constraints, description. */
function fieldList(doc: Document, schema: Schema, seen: ReadonlySet<string> = new Set()): Html {
  if ('$ref' in schema) {
    const name = refName(schema.$ref);
    const target = resolve<OpenAPIV3_1.SchemaObject>(doc, schema, 'schemas');
    return seen.has(name) || !target ? html`<p class="note">see <code>${name}</code></p>` : fieldList(doc, target, new Set([...seen, name]));
  }
  const objects = nestedObjects(schema);
  if (objects.length === 0 || objects[0] !== schema) {
    // not itself an object: its type, then the fields of the objects inside it
    return html`<p><span class="type">${typeLabel(schema)}</span>${constraintsOf(schema)}</p>${objects.map((o) => fieldList(doc, o, seen))}`;
  }
  const required = new Set(('required' in schema && schema.required) || []);
  const rows = Object.entries(schema.properties ?? {}).map(([name, field]) => {
    const description = '$ref' in field ? undefined : field.description;
    const inner = nestedObjects(field);
    return html`<li><code class="field">${name}</code> <span class="type">${typeLabel(field)}</span>${required.has(name) ? html` <span class="req">required</span>` : ''}${constraintsOf(field)}${
      description ? html`<div class="desc">${prose(description)}</div>` : ''
    }${inner.map((o) => fieldList(doc, o, seen))}</li>`;
  });
  const extra = typeof schema.additionalProperties === 'object' ? html`<li><em>any other key</em> <span class="type">${typeLabel(schema.additionalProperties)}</span></li>` : '';
  return html`<ul class="fields">${rows}${extra}</ul>`;
}

function constraintsOf(schema: Schema): Html {
  const list = constraints(schema);
  return list.length ? html` <span class="constraints">${list.join(', ')}</span>` : html``;
}

function parameterTable(doc: Document, parameters: Array<OpenAPIV3_1.ParameterObject | OpenAPIV3_1.ReferenceObject>): Html {
  const rows = parameters.map((p) => {
    const param = resolve<OpenAPIV3_1.ParameterObject>(doc, p, 'parameters');
    if (!param) return html``;
    const schema = param.schema as Schema | undefined;
    return html`<tr><td><code class="field">${param.name}</code></td><td>${param.in}</td><td>${param.required ? 'yes' : 'no'}</td><td>${schema ? html`<span class="type">${typeLabel(schema)}</span>${constraintsOf(schema)}` : ''}${
      param.description ? html`<div class="desc">${prose(param.description)}</div>` : ''
    }</td></tr>`;
  });
  return html`<table><thead><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function operationBlock(doc: Document, path: string, method: string, op: Operation, id: string): Html {
  const secured = !(op.security && op.security.length === 0);
  const body = op.requestBody && resolve<OpenAPIV3_1.RequestBodyObject>(doc, op.requestBody, 'requestBodies');
  const bodies = body?.content ? Object.entries(body.content) : [];
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) => {
    const response = resolve<OpenAPIV3_1.ResponseObject>(doc, r, 'responses');
    return html`<li><code>${status}</code> ${prose(response?.description ?? '')}</li>`;
  });
  return html`<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code class="path">${path}</code></h3>
${op.summary ? html`<p class="summary">${op.summary}</p>` : ''}${op.description ? html`<p>${prose(op.description)}</p>` : ''}
<p class="auth">${secured ? html`<span class="lock">Bearer token</span> required` : html`<span class="open">Public</span>: no token needed`}</p>
${op.parameters?.length ? html`<h4>Parameters</h4>${parameterTable(doc, op.parameters)}` : ''}
${bodies.map(
  ([media, content]) => html`<h4>Request body <span class="media">${media}</span>${body?.required ? html` <span class="req">required</span>` : ''}</h4>
${content.schema ? html`${fieldList(doc, content.schema)}<details><summary>JSON schema</summary><pre>${JSON.stringify(content.schema, null, 2)}</pre></details>` : ''}`,
)}
<h4>Responses</h4><ul class="responses">${responses}</ul>
</section>`;
}

function renderReference(doc: Document): string {
  const groups = new Map<string, Array<{ path: string; method: string; op: Operation }>>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const op = item?.[method];
      if (!op) continue;
      for (const tag of op.tags?.length ? op.tags : ['Other']) {
        if (!groups.has(tag)) groups.set(tag, []);
        groups.get(tag)!.push({ path, method, op });
      }
    }
  }
  // declared tags first, in their order; untagged operations last
  const order = [...(doc.tags ?? []).map((t) => t.name).filter((name) => groups.has(name)), ...[...groups.keys()].filter((name) => !doc.tags?.some((t) => t.name === name))];
  let n = 0;
  const sections = order.map((tag, t) => {
    const ops = groups.get(tag)!.map(({ path, method, op }) => ({ path, method, op, id: `op-${n++}` }));
    return {
      toc: html`<li><a href="#tag-${t}">${tag}</a><ul>${ops.map((o) => html`<li><a href="#${o.id}"><span class="m">${o.method.toUpperCase()}</span> ${o.path}</a></li>`)}</ul></li>`,
      body: html`<section class="tag" id="tag-${t}"><h2>${tag}</h2>${ops.map((o) => operationBlock(doc, o.path, o.method, o.op, o.id))}</section>`,
    };
  });
  const scheme = doc.components?.securitySchemes?.bearerAuth as OpenAPIV3_1.HttpSecurityScheme | undefined;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} ${doc.info.version}</title>
<style>${new Html(style)}</style></head>
<body><nav><p class="brand">${doc.info.title}</p><ul>${sections.map((s) => s.toc)}</ul></nav>
<main><header><h1>${doc.info.title} <small>${doc.info.version}</small></h1>
${doc.info.description ? html`<p>${prose(doc.info.description)}</p>` : ''}
<div class="security"><strong>Authentication.</strong> Every operation needs <code>Authorization: Bearer &lt;token&gt;</code> unless it is marked <span class="open">Public</span>. ${
    prose(scheme?.description ?? '')
  }</div>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${doc.openapi}).</p></header>
${sections.map((s) => s.body)}</main></body></html>`;
  return page.value;
}

const style = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d2330;display:flex}
nav{width:300px;flex:none;height:100vh;position:sticky;top:0;overflow:auto;background:#f4f5f8;border-right:1px solid #dde;padding:12px;font-size:13px}
nav ul{list-style:none;margin:0;padding-left:8px}nav a{color:#1d2330;text-decoration:none;word-break:break-all}nav a:hover{text-decoration:underline}
.brand{font-weight:600}.m{font:600 10px monospace;color:#557}main{flex:1;min-width:0;padding:16px 32px;max-width:1100px}
h1 small{font-size:14px;color:#667}h2{border-bottom:2px solid #dde;padding-bottom:4px;margin-top:40px}
.op{border:1px solid #dde;border-radius:6px;padding:4px 16px;margin:16px 0}.op h3{font-size:15px;word-break:break-all}
.method{display:inline-block;min-width:64px;text-align:center;border-radius:4px;padding:2px 6px;color:#fff;font:600 12px monospace;background:#667}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#8e5a00}.patch{background:#6a3fb5}.delete{background:#b3261e}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f4f5f8;padding:8px;overflow:auto}
.summary{font-weight:500}.type{color:#1565c0;font-family:ui-monospace,monospace;font-size:13px}.req{color:#b3261e;font-size:12px}
.constraints,.media,.note{color:#667;font-size:12px}.desc{color:#445;font-size:13px}.fields{padding-left:18px}.field{font-weight:600}
.security{background:#fff8e1;border:1px solid #f0d890;border-radius:6px;padding:8px 12px}.lock{font-weight:600;color:#8e5a00}.open{font-weight:600;color:#2f7d32}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #dde;padding:4px 8px;text-align:left;vertical-align:top}
`;
