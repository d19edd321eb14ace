import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`: NodeNext types see the module, not the function
const addFormats = formats.default;

/**
 * Checks requests and answers against HubSpot's published OpenAPI 3.0 documents
 * (test/fixtures/hubspot-openapi) with a JSON Schema validator. The documents' schemas are
 * converted, not loosened: OpenAPI-only keywords (`example`, `x-…`) are dropped, `nullable` becomes
 * a `null` type, and `#/components/schemas/…` references point into the document they came from.
 */

export const DOCS_DIR = join(import.meta.dirname, '../fixtures/hubspot-openapi');

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Json = Record<string, any>;

export interface DocOperation {
  /** The document's file name, e.g. `contacts.json`. */
  doc: string;
  method: string;
  /** The path template as the document has it, e.g. `/crm/v3/objects/contacts/{contactId}`. */
  path: string;
  operationId: string;
  /** `METHOD /path` */
  key: string;
  spec: Json;
}

export interface OpenApiDocument {
  file: string;
  json: Json;
  operations: DocOperation[];
}

export function loadDocument(file: string): OpenApiDocument {
  const json = JSON.parse(readFileSync(join(DOCS_DIR, file), 'utf8')) as Json;
  if (typeof json.openapi !== 'string' || !json.openapi.startsWith('3.0')) throw new Error(`${file}: not an OpenAPI 3.0 document`);
  const operations: DocOperation[] = [];
  for (const [path, item] of Object.entries(json.paths as Json)) {
    for (const method of METHODS) {
      const spec = (item as Json)[method];
      if (!spec) continue;
      operations.push({ doc: file, method: method.toUpperCase(), path, operationId: spec.operationId, key: `${method.toUpperCase()} ${path}`, spec });
    }
  }
  return { file, json, operations };
}

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions']);
const SUBSCHEMA = new Set(['items', 'additionalProperties', 'not', 'propertyNames', 'contains', 'if', 'then', 'else']);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf']);
/** OpenAPI 3.0 schema keywords that are annotations only, or that JSON Schema does not have. */
const OPENAPI_ONLY = new Set(['example', 'xml', 'externalDocs', 'discriminator']);

/** One OpenAPI 3.0 schema as JSON Schema (draft 7, as Ajv reads it). */
export function toJsonSchema(schema: unknown, docId: string): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (OPENAPI_ONLY.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if (key === '$ref') {
      const ref = String(value);
      if (!ref.startsWith('#/components/schemas/')) throw new Error(`unsupported $ref ${ref}`);
      out.$ref = `${docId}#/$defs/${ref.slice('#/components/schemas/'.length)}`;
    } else if (SCHEMA_MAPS.has(key)) {
      out[key] = Object.fromEntries(Object.entries(value as Json).map(([name, s]) => [name, toJsonSchema(s, docId)]));
    } else if (SUBSCHEMA.has(key)) {
      out[key] = typeof value === 'boolean' ? value : toJsonSchema(value, docId);
    } else if (SUBSCHEMA_LISTS.has(key)) {
      out[key] = (value as unknown[]).map((s) => toJsonSchema(s, docId));
    } else {
      out[key] = value;
    }
  }
  if ((schema as Json).nullable === true) {
    if (out.$ref) return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

export interface Check {
  /** Validation errors, one line each (`/path message`); empty when valid. */
  errors: string[];
}

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}${e.keyword === 'enum' ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`);

/** Validators for the operations of a set of documents. */
export class Conformance {
  readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly docs = new Map<string, OpenApiDocument>();

  constructor(docs: OpenApiDocument[]) {
    // strict: an unknown keyword or format in a converted schema is an error, never ignored;
    // strictTypes off: HubSpot's schemas leave `type` out beside some keywords, which is valid.
    this.ajv = new Ajv({ strict: true, strictTypes: false, strictTuples: false, allErrors: true });
    addFormats(this.ajv);
    for (const doc of docs) {
      this.docs.set(doc.file, doc);
      const id = this.docId(doc.file);
      const defs = Object.fromEntries(Object.entries((doc.json.components?.schemas ?? {}) as Json).map(([name, s]) => [name, toJsonSchema(s, id)]));
      this.ajv.addSchema({ $id: id, $defs: defs });
    }
  }

  private docId(file: string) {
    return `https://hubspot-openapi.test/${encodeURIComponent(file)}`;
  }

  private validator(cacheKey: string, doc: string, schema: unknown): ValidateFunction {
    let v = this.compiled.get(cacheKey);
    if (!v) {
      v = this.ajv.compile(toJsonSchema(schema, this.docId(doc)) as Json);
      this.compiled.set(cacheKey, v);
    }
    return v;
  }

  private resolve(doc: string, obj: Json): Json {
    if (typeof obj?.$ref === 'string') {
      const [, section, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(obj.$ref) ?? [];
      const target = this.docs.get(doc)!.json.components?.[section!]?.[name!];
      if (!target) throw new Error(`${doc}: unresolved ${obj.$ref}`);
      return target as Json;
    }
    return obj;
  }

  /** The explicit status codes the document lists for the operation (not `default`). */
  statuses(op: DocOperation): string[] {
    return Object.keys(op.spec.responses ?? {}).filter((s) => s !== 'default');
  }

  /** The content types of the operation's request body (empty when it takes none). */
  requestContentTypes(op: DocOperation): string[] {
    return Object.keys(this.resolve(op.doc, op.spec.requestBody ?? {}).content ?? {});
  }

  requestBodyRequired(op: DocOperation): boolean {
    return this.resolve(op.doc, op.spec.requestBody ?? {}).required === true;
  }

  /** The request body against the document's schema for `contentType`. */
  checkRequest(op: DocOperation, contentType: string, body: unknown): Check {
    const schema = this.resolve(op.doc, op.spec.requestBody ?? {}).content?.[contentType]?.schema;
    if (!schema) return { errors: [`the document takes no ${contentType} body for ${op.key}`] };
    const v = this.validator(`${op.doc} ${op.key} request ${contentType}`, op.doc, schema);
    return { errors: v(body) ? [] : describeErrors(v.errors) };
  }

  /**
   * Query and path parameters against the document: each one sent must be one the document has,
   * with a value its schema accepts, and every required one must be there. An array is sent as the
   * document's `style`/`explode` say (`form` exploded: the name repeated); a string given for an
   * array parameter is its comma-separated form.
   */
  checkParameters(op: DocOperation, where: 'query' | 'path', values: Record<string, string | string[]>): Check {
    const params = this.parameters(op, where);
    const errors: string[] = [];
    for (const p of params) if (p.required && values[p.name] === undefined) errors.push(`${where} parameter ${p.name} is required`);
    for (const [name, raw] of Object.entries(values)) {
      const p = params.find((x) => x.name === name);
      if (!p) {
        errors.push(`${where} parameter ${name} is not in the document`);
        continue;
      }
      const type = p.schema?.type;
      const value = type === 'array' ? (Array.isArray(raw) ? raw : raw.split(',')).map((s) => typed(p.schema.items?.type, s)) : Array.isArray(raw) ? raw : typed(type, raw);
      const v = this.validator(`${op.doc} ${op.key} ${where} ${name}`, op.doc, p.schema ?? {});
      if (!v(value)) errors.push(...describeErrors(v.errors).map((e) => `${where} parameter ${name}: ${e}`));
    }
    return { errors };
  }

  /** The query string for `values`, arrays serialized as the document's parameter says. */
  queryString(op: DocOperation, values: Record<string, string | string[]>): string {
    const params = this.parameters(op, 'query');
    const q = new URLSearchParams();
    for (const [name, value] of Object.entries(values)) {
      const p = params.find((x) => x.name === name);
      if (!Array.isArray(value)) q.append(name, value);
      else if ((p?.style ?? 'form') === 'form' && p?.explode !== false) for (const v of value) q.append(name, v);
      else q.append(name, value.join(','));
    }
    return q.toString();
  }

  private parameters(op: DocOperation, where: 'query' | 'path'): Json[] {
    return ((op.spec.parameters ?? []) as Json[]).map((p) => this.resolve(op.doc, p)).filter((p) => p.in === where);
  }

  /**
   * An error answer against the document's `default` response (HubSpot's error body): the status a
   * 4xx or 5xx the document does not list on its own, the body valid for the default's schema.
   */
  checkErrorResponse(op: DocOperation, status: number, body: unknown): Check {
    if (status < 400) return { errors: [`status ${status} is not an error`] };
    if (this.statuses(op).includes(String(status))) return this.checkResponse(op, status, 'application/json', body);
    const fallback = op.spec.responses?.default;
    if (!fallback) return { errors: [`the document lists no default answer for ${op.key}`] };
    const content = (this.resolve(op.doc, fallback).content ?? {}) as Json;
    const [type, media] = Object.entries(content)[0] ?? [];
    if (!media?.schema) return { errors: [`${op.key}: the default answer has no schema`] };
    const v = this.validator(`${op.doc} ${op.key} response default ${type}`, op.doc, media.schema);
    return { errors: v(body) ? [] : describeErrors(v.errors) };
  }

  /** The answer against the document: the status must be listed, the body valid for it. */
  checkResponse(op: DocOperation, status: number, contentType: string | null, body: unknown): Check {
    const listed = this.statuses(op);
    if (!listed.includes(String(status))) return { errors: [`status ${status} is not one the document lists (${listed.join(', ')})`] };
    const response = this.resolve(op.doc, op.spec.responses[String(status)]);
    const content = response.content as Json | undefined;
    if (!content || Object.keys(content).length === 0) {
      return { errors: body === null || body === '' ? [] : [`status ${status} has no body in the document, but one came: ${JSON.stringify(body).slice(0, 200)}`] };
    }
    const schema = content['application/json']?.schema;
    if (!schema) return { errors: [`status ${status}: the document has no JSON body (${Object.keys(content).join(', ')})`] };
    if (!contentType?.startsWith('application/json')) return { errors: [`status ${status}: content type ${contentType}, the document says application/json`] };
    const v = this.validator(`${op.doc} ${op.key} response ${status}`, op.doc, schema);
    return { errors: v(body) ? [] : describeErrors(v.errors) };
  }
}

function typed(type: string | undefined, raw: string): unknown {
  if (type === 'integer' || type === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}
