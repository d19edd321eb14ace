import fc from 'fast-check';
import type { OpenAPIV3_1 } from 'openapi-types';

/**
 * The route fuzzer (issue 13): for every operation of the OpenAPI document, requests with hostile
 * path parameters, query values, bodies and content types, sent to the real app. A 5xx, or an
 * answer slower than the bound, is a failure; fast-check shrinks each to a small reproduction.
 * Used by test/fuzz.test.ts (short, in CI) and bench/fuzz.ts (long).
 */

type Document = OpenAPIV3_1.Document;
type Schema = OpenAPIV3_1.SchemaObject | OpenAPIV3_1.ReferenceObject;

export interface FuzzTarget {
  request(path: string, init: RequestInit): Response | Promise<Response>;
  token: string;
}

export interface FuzzOptions {
  /** Generated requests per operation (shrinking a failure adds more). */
  runs: number;
  /** Slower than this (ms) is a failure. */
  maxMs: number;
  seed?: number;
  /** Values a generated parameter often takes, so requests reach past "not found": ids of seeded records, type names. */
  known?: string[];
  /** Such values by parameter or field name (`objectType`, `propertyName`); names ending in `Type` or `Id` fall back to `type` and `id`. */
  knownBy?: Record<string, string[]>;
  /** A body the server accepts, by operation (`POST /crm/v3/objects/{objectType}/search`): the systematic pass starts from it. */
  bodies?: Record<string, unknown>;
  /** Operations left out (`GET /api/changes/stream`), with the reason in the caller. */
  skip?: Set<string>;
}

export interface FuzzRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string | undefined;
}

export interface FuzzFailure {
  operation: string;
  status: number;
  ms: number;
  request: FuzzRequest;
  answer: string;
}

export interface FuzzReport {
  operations: number;
  requests: number;
  failures: FuzzFailure[];
  slowestMs: number;
  /** How many answers of each status: a fuzzer that only ever meets 401 or 404 proves nothing. */
  statuses: Record<number, number>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The sharpest of them, drawn more often: what a cast or a text column refuses. */
const SHARP_STRINGS = ['\u0000', '\uD800', '', '-1', '1e999999', '-1e999999', '1e-999999', '99999999999999999999', '9223372036854775808', '275760-09-13T00:00:00.000Z', '1e20', '100000000000000000000'];

/** Strings that broke servers before: database limits, number parsing, encodings, paths. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  '😀',
  '%00',
  '%',
  '%E0%A4%A',
  '../../etc/passwd',
  '..',
  '-1',
  '0',
  '1',
  '1.5',
  '1e999999',
  '-1e999999',
  '1e-999999',
  '99999999999999999999',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '2147483648',
  'NaN',
  'Infinity',
  'true',
  'null',
  '[]',
  '{}',
  '0x10',
  '275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00Z',
  '1e20',
  '100000000000000000000',
  '9999-12-31',
  '0000-00-00',
  "' or 1=1 --",
  '"; drop table records; --',
  '<script>alert(1)</script>',
  '=cmd|calc',
  '\\',
  'a,b,c',
  'contacts',
  'companies',
  'deals',
  'tickets',
  '0-1',
  '0-2',
  '2-1',
  'x'.repeat(1_000),
  'y'.repeat(70_000),
];
const HOSTILE_NUMBERS = [0, -1, 1, 1.5, -0, 2 ** 31, 2 ** 53, -(2 ** 63), 1e20, 1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 5e-324];

function hostileString(known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...SHARP_STRINGS) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
    { weight: known.length > 0 ? 1 : 0, arbitrary: known.length > 0 ? fc.constantFrom(...known) : fc.constant('') },
  );
}

/** Mostly a value the server knows (so the request gets past "not found" into the domain code), else a hostile one. */
function plausibleString(known: string[]): fc.Arbitrary<string> {
  if (known.length === 0) return hostileString(known);
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 2, arbitrary: hostileString(known) });
}

const hostileNumber = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 1, arbitrary: fc.double() }, { weight: 1, arbitrary: fc.integer() });

function resolve(doc: Document, schema: Schema | undefined): OpenAPIV3_1.SchemaObject | undefined {
  let s = schema;
  for (let i = 0; s && '$ref' in s && i < 10; i++) {
    const name = s.$ref.split('/').pop()!;
    s = doc.components?.schemas?.[name] as Schema | undefined;
  }
  return s as OpenAPIV3_1.SchemaObject | undefined;
}

/**
 * Values shaped like the schema (its property names, nesting, enums), filled with hostile
 * strings and numbers, and sometimes of a wrong type: deep enough to reach the domain code.
 */
function fromSchema(doc: Document, schema: Schema | undefined, known: string[], depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  const wrong = fc.oneof(hostileString(known), hostileNumber, fc.constantFrom(null, true, [], {}));
  if (!s || depth > 5) return wrong;
  const alternatives = (s.anyOf ?? s.oneOf ?? s.allOf) as Schema[] | undefined;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((a) => fromSchema(doc, a, known, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  let right: fc.Arbitrary<unknown>;
  if (s.enum && s.enum.length > 0) right = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: hostileString(known) });
  else if (type === 'object' || s.properties) {
    const props = Object.entries(s.properties ?? {}).map(([k, v]) => [k, fromSchema(doc, v as Schema, known, depth + 1)] as const);
    const extra = typeof s.additionalProperties === 'object' ? fromSchema(doc, s.additionalProperties as Schema, known, depth + 1) : undefined;
    const required = (s.required ?? []).filter((k) => s.properties?.[k]);
    // the required fields mostly present, so the body gets past the schema
    const record = fc.oneof({ weight: 4, arbitrary: fc.record(Object.fromEntries(props), { requiredKeys: required }) }, { weight: 1, arbitrary: fc.record(Object.fromEntries(props), { requiredKeys: [] }) });
    right = fc.tuple(record, extra ? fc.dictionary(plausibleString(known), extra, { maxKeys: 3 }) : fc.constant({})).map(([a, b]) => ({ ...b, ...a }));
  } else if (type === 'array') right = fc.array(fromSchema(doc, (s as OpenAPIV3_1.ArraySchemaObject).items as Schema, known, depth + 1), { maxLength: 3 });
  else if (type === 'integer' || type === 'number') right = fc.oneof({ weight: 4, arbitrary: hostileNumber }, { weight: 1, arbitrary: hostileString(known) });
  else if (type === 'boolean') right = fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: hostileString(known) });
  else right = plausibleString(known);
  return fc.oneof({ weight: 8, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

/** A plausible value for the schema: known ids and names, small numbers, enum members, required fields. */
let knownBy: Record<string, string[]> = {};

/** Known values for a parameter or field name. */
function knownFor(name: string | undefined, known: string[]): string[] {
  if (name === undefined) return known;
  const list = knownBy[name] ?? (/type$/i.test(name) ? knownBy.type : /ids?$/i.test(name) ? knownBy.id : undefined);
  return list && list.length > 0 ? list : known;
}

function validFromSchema(doc: Document, schema: Schema | undefined, known: string[], depth = 0, name?: string): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  const word = fc.constantFrom(...knownFor(name, known.length > 0 ? known : ['x']));
  if (!s || depth > 5) return word;
  const alternatives = (s.anyOf ?? s.oneOf ?? s.allOf) as Schema[] | undefined;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((a) => validFromSchema(doc, a, known, depth + 1, name)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (s.enum && s.enum.length > 0) return fc.constantFrom(...s.enum);
  if (type === 'object' || s.properties) {
    const props = Object.entries(s.properties ?? {}).map(([k, v]) => [k, validFromSchema(doc, v as Schema, known, depth + 1, k)] as const);
    const required = (s.required ?? []).filter((k) => s.properties?.[k]);
    if (props.length === 0 && typeof s.additionalProperties === 'object') return fc.dictionary(word, validFromSchema(doc, s.additionalProperties as Schema, known, depth + 1), { maxKeys: 2 });
    return fc.record(Object.fromEntries(props), { requiredKeys: required });
  }
  if (type === 'array') return fc.array(validFromSchema(doc, (s as OpenAPIV3_1.ArraySchemaObject).items as Schema, known, depth + 1, name), { minLength: 1, maxLength: 2 });
  if (type === 'integer' || type === 'number') return /ids?$/i.test(name ?? '') && knownBy.id ? fc.constantFrom(...knownBy.id.map(Number)) : fc.integer({ min: 1, max: 10 });
  if (type === 'boolean') return fc.boolean();
  return word;
}

/** The value with its n-th leaf (string, number or boolean, counted modulo their number) replaced. */
function replaceLeaf(value: unknown, n: number, by: unknown): unknown {
  let leaves = 0;
  const count = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(count);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(count);
    else leaves++;
  };
  count(value);
  if (leaves === 0) return value;
  let target = n % leaves;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return target-- === 0 ? by : v;
  };
  return walk(value);
}

const sharpValue = fc.oneof(fc.constantFrom(...SHARP_STRINGS), fc.constantFrom(...HOSTILE_NUMBERS, 1e308, -1e308, 0.1));

const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', 'multipart/form-data', 'application/json; charset=utf-16', 'application/octet-stream', 'application/json;', 'APPLICATION/JSON'];

/** A body as sent: JSON of the generated value mostly, else broken JSON, bytes, or another content type. */
function bodyOf(doc: Document, op: OpenAPIV3_1.OperationObject, known: string[]): fc.Arbitrary<{ contentType: string | undefined; body: string | undefined }> {
  const content = op.requestBody && !('$ref' in op.requestBody) ? op.requestBody.content : undefined;
  const schema = content?.['application/json']?.schema ?? content?.['multipart/form-data']?.schema;
  const value = fromSchema(doc, schema as Schema | undefined, known);
  return fc.oneof(
    { weight: 8, arbitrary: value.map((v) => ({ contentType: 'application/json', body: JSON.stringify(v) ?? 'null' })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,2', 'nul', '"\\ud800"', '{"a":"\\u0000"}', '', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]').map((b) => ({ contentType: 'application/json', body: b })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES, undefined), value).map(([contentType, v]) => ({ contentType, body: JSON.stringify(v) ?? '' })) },
    { weight: 1, arbitrary: fc.constant({ contentType: undefined, body: undefined }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(hostileString(known), hostileString(known))
        .map(([a, b]) => ({ contentType: 'multipart/form-data; boundary=zz', body: `--zz\r\nContent-Disposition: form-data; name="options"\r\n\r\n${a}\r\n--zz\r\nContent-Disposition: form-data; name="file"; filename="${b}"\r\n\r\n${a}\r\n--zz--\r\n` })),
    },
  );
}

/** A URL can carry only UTF-8: a lone surrogate becomes U+FFFD (bodies still carry them). */
const encode = (v: string) => encodeURIComponent(v.toWellFormed());

/** One operation's requests: every path parameter, its query parameters (and a stray one), a body for writes. */
function requestsOf(doc: Document, method: string, template: string, op: OpenAPIV3_1.OperationObject, known: string[]): fc.Arbitrary<FuzzRequest> {
  const params = (op.parameters ?? []).map((p) => p as OpenAPIV3_1.ParameterObject);
  const pathNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const queryNames = params.filter((p) => p.in === 'query').map((p) => p.name);
  const withBody = method !== 'get' && method !== 'delete';
  const content = op.requestBody && !('$ref' in op.requestBody) ? op.requestBody.content : undefined;
  const jsonSchema = content?.['application/json']?.schema as Schema | undefined;
  // plausible everywhere but one place: reaches past the schema into the domain code
  const word = known.length > 0 ? fc.constantFrom(...known) : fc.constant('x');
  const oneSharp = fc
    .record({
      values: fc.tuple(...pathNames.map((n) => fc.constantFrom(...knownFor(n, known.length > 0 ? known : ['x'])))),
      query: fc.dictionary(fc.constantFrom(...(queryNames.length > 0 ? queryNames : ['limit'])), fc.oneof(word, fc.constantFrom('true', '10', '0')), { maxKeys: 2 }),
      body: jsonSchema && withBody ? validFromSchema(doc, jsonSchema, known) : fc.constant(undefined),
      where: fc.nat(),
      sharp: sharpValue,
      queryName: fc.constantFrom(...(queryNames.length > 0 ? queryNames : ['after'])),
    })
    .map(({ values, query, body, where, sharp, queryName }) => {
      const places = pathNames.length + 1 + (body === undefined ? 0 : 1);
      const at = where % places;
      const segments = [...values];
      const q: Record<string, string> = { ...query };
      let b = body;
      if (at < pathNames.length) segments[at] = String(sharp);
      else if (at === pathNames.length) q[queryName] = String(sharp);
      else b = replaceLeaf(body, Math.floor(where / places), sharp);
      let path = template;
      pathNames.forEach((name, i) => {
        path = path.replace(`{${name}}`, encode(segments[i] ?? ''));
      });
      const search = Object.entries(q).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
      return { method: method.toUpperCase(), path: search ? `${path}?${search}` : path, contentType: b === undefined ? undefined : 'application/json', body: b === undefined ? undefined : JSON.stringify(b) };
    });
  return fc.oneof({ weight: 4, arbitrary: oneSharp }, { weight: 1, arbitrary: hostileEverywhere(doc, method, template, op, known, pathNames, queryNames, withBody) });
}

function hostileEverywhere(doc: Document, method: string, template: string, op: OpenAPIV3_1.OperationObject, known: string[], pathNames: string[], queryNames: string[], withBody: boolean): fc.Arbitrary<FuzzRequest> {
  const segment = fc.oneof({ weight: 8, arbitrary: plausibleString(known).map(encode) }, { weight: 1, arbitrary: fc.constantFrom('%00', '%', '%ZZ', '%E0%A4%A', '%2F', '.', '..') });
  const queryValue = fc.oneof({ weight: 6, arbitrary: plausibleString([...known, 'true', 'false', '10', '500', '0']) }, { weight: 1, arbitrary: fc.constantFrom('%00', '%') });
  const query = fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(queryNames.length > 0 ? queryNames : ['x'])) }, { weight: 1, arbitrary: fc.constantFrom('limit', 'after', 'archived', 'properties', 'idProperty', 'q', 'at', 'objectType') }), queryValue, { maxKeys: 4 });
  return fc
    .tuple(fc.tuple(...pathNames.map(() => segment)), query, withBody ? bodyOf(doc, op, known) : fc.constant({ contentType: undefined, body: undefined }))
    .map(([values, q, b]) => {
      let path = template;
      pathNames.forEach((name, i) => {
        path = path.replace(`{${name}}`, values[i] ?? '');
      });
      const search = Object.entries(q)
        .map(([k, v]) => `${encode(k)}=${v === '%00' || v === '%' ? v : encode(v)}`)
        .join('&');
      return { method: method.toUpperCase(), path: search ? `${path}?${search}` : path, contentType: b.contentType, body: b.body };
    });
}

/** Every leaf of a value, counted as replaceLeaf counts them. */
function leafCount(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + leafCount(v), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + leafCount(v), 0);
  return 1;
}

/**
 * The systematic part: one plausible request, then each of its places (every path parameter,
 * every declared query parameter, every leaf of the body, at most `maxPlaces`) given two of the
 * sharp values in turn. Random requests find combinations; these make sure no place is missed.
 */
async function systematicRequests(doc: Document, method: string, template: string, op: OpenAPIV3_1.OperationObject, known: string[], seed: number, accepted: (r: FuzzRequest) => Promise<boolean>, goodBody: unknown, maxPlaces = 14): Promise<FuzzRequest[]> {
  const pathNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const queryNames = (op.parameters ?? []).map((p) => p as OpenAPIV3_1.ParameterObject).filter((p) => p.in === 'query').map((p) => p.name);
  const content = op.requestBody && !('$ref' in op.requestBody) ? op.requestBody.content : undefined;
  const jsonSchema = content?.['application/json']?.schema as Schema | undefined;
  const withBody = method !== 'get' && method !== 'delete' && jsonSchema !== undefined;
  // the base: the first of a few plausible requests that the server accepts (2xx), so each
  // sharp value lands in a request that is otherwise good and reaches the domain code
  const tries = 16;
  const valueSamples = fc.sample(fc.tuple(...pathNames.map((n) => fc.constantFrom(...knownFor(n, known.length > 0 ? known : ['x'])))), { numRuns: tries, seed });
  const bodySamples = withBody ? fc.sample(validFromSchema(doc, jsonSchema, known), { numRuns: tries, seed }) : [];
  // a known good body, tried with each sample of path values first
  if (withBody && goodBody !== undefined) {
    bodySamples.unshift(...valueSamples.map(() => goodBody));
    valueSamples.unshift(...valueSamples.slice());
  }
  let values = valueSamples[0];
  let body = bodySamples[0];
  const build = (segments: string[], query: Record<string, string>, b: unknown): FuzzRequest => {
    let path = template;
    pathNames.forEach((name, i) => {
      path = path.replace(`{${name}}`, encode(segments[i] ?? ''));
    });
    const search = Object.entries(query).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    return { method: method.toUpperCase(), path: search ? `${path}?${search}` : path, contentType: b === undefined ? undefined : 'application/json', body: b === undefined ? undefined : JSON.stringify(b) };
  };
  for (let i = 0; i < Math.max(valueSamples.length, bodySamples.length); i++) {
    if (await accepted(build(valueSamples[i] ?? [], {}, bodySamples[i]))) {
      values = valueSamples[i];
      body = bodySamples[i];
      break;
    }
  }
  const out: FuzzRequest[] = [];
  const places = [...pathNames.map((_, i) => ({ kind: 'path' as const, i })), ...queryNames.map((name) => ({ kind: 'query' as const, name })), ...Array.from({ length: body === undefined ? 0 : leafCount(body) }, (_, i) => ({ kind: 'body' as const, i }))].slice(0, maxPlaces);
  places.forEach((place, p) => {
    for (const k of [0, 1]) {
      const sharp = SYSTEMATIC[(p * 2 + k + seed) % SYSTEMATIC.length]!;
      if (place.kind === 'path') out.push(build((values ?? []).map((v, i) => (i === place.i ? String(sharp) : v)), {}, body));
      else if (place.kind === 'query') out.push(build(values ?? [], { [place.name]: String(sharp) }, body));
      else out.push(build(values ?? [], {}, replaceLeaf(body, place.i, sharp)));
    }
  });
  return out;
}

/** The values each place gets in the systematic part, in turn. */
const SYSTEMATIC: unknown[] = ['1e999999', '\u0000', '99999999999999999999', '275760-09-13T00:00:00.000Z', '-1e999999', '\uD800', '1e-999999', 1e308, '9223372036854775808', -1, '', 'y'.repeat(70_000), '1e20', '0'];

/** Sends one request; its status, time and the start of its answer (an event stream is closed after its headers). */
async function send(target: FuzzTarget, r: FuzzRequest): Promise<{ status: number; ms: number; answer: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.token}` };
  if (r.contentType) headers['content-type'] = r.contentType;
  const started = performance.now();
  const res = await target.request(r.path, { method: r.method, headers, ...(r.body !== undefined ? { body: r.body } : {}) });
  let answer = '';
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) await res.body?.cancel();
  else answer = (await res.text()).slice(0, 500);
  return { status: res.status, ms: performance.now() - started, answer };
}

/** Fuzzes every operation of the document; answers the requests sent and one shrunk failure per failing operation. */
export async function fuzzRoutes(doc: Document, target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { operations: 0, requests: 0, failures: [], slowestMs: 0, statuses: {} };
  knownBy = options.knownBy ?? {};
  const known = options.known ?? [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const op = item?.[method];
      if (!op) continue;
      const operation = `${method.toUpperCase()} ${template}`;
      if (options.skip?.has(operation)) continue;
      report.operations++;
      let last: { status: number; ms: number; answer: string } | undefined;
      const probe = async (r: FuzzRequest) => {
        report.requests++;
        const answer = await send(target, r);
        report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
        if (answer.status >= 500 || answer.ms > options.maxMs) report.failures.push({ operation, status: answer.status, ms: Math.round(answer.ms), request: r, answer: answer.answer });
        return answer.status < 300;
      };
      const examples = (await systematicRequests(doc, method, template, op, known, (options.seed ?? 0) + report.operations, probe, options.bodies?.[operation])).map((r) => [r] as [FuzzRequest]);
      const result = await fc.check(
        fc.asyncProperty(requestsOf(doc, method, template, op, known), async (r) => {
          report.requests++;
          last = await send(target, r);
          report.slowestMs = Math.max(report.slowestMs, last.ms);
          report.statuses[last.status] = (report.statuses[last.status] ?? 0) + 1;
          if (process.env.FUZZ_DEBUG && operation.includes(process.env.FUZZ_DEBUG)) console.info(last.status, r.path, r.body?.slice(0, 300), '→', last.answer.slice(0, 200));
          return last.status < 500 && last.ms <= options.maxMs;
        }),
        { numRuns: options.runs + examples.length, examples, ...(options.seed !== undefined ? { seed: options.seed } : {}), endOnFailure: false, maxSkipsPerRun: 0 },
      );
      if (result.failed && result.counterexample) {
        const [request] = result.counterexample;
        // the shrunk request again, for its own answer
        const again = await send(target, request);
        report.failures.push({ operation, status: again.status, ms: Math.round(again.ms), request, answer: again.answer || last?.answer || '' });
      }
    }
  }
  return report;
}

/** A failure as a line a reader can replay with curl. */
export function describeFailure(f: FuzzFailure): string {
  const body = f.request.body === undefined ? '' : ` -H 'content-type: ${f.request.contentType ?? ''}' --data-raw ${JSON.stringify(f.request.body.length > 300 ? `${f.request.body.slice(0, 300)}…` : f.request.body)}`;
  return `${f.operation}: ${f.status} in ${f.ms} ms\n  curl -X ${f.request.method} '${f.request.path.length > 300 ? `${f.request.path.slice(0, 300)}…` : f.request.path}'${body}\n  → ${f.answer.slice(0, 300)}`;
}
