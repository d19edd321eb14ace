import { z } from 'zod';
import { type ErrorCode, errorBody } from '../../shared/errors.ts';
import { type Notice, notice } from '../notice.ts';
import type { Connection } from '../settings.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Failures the server did not name: `UNREACHABLE`, no answer at all (status 0); `INVALID_RESPONSE`,
 * an answer outside the contract (a body that does not fit the route's schema, or an error
 * without the server's error body, such as a proxy's 502 page).
 */
export type ClientErrorCode = 'UNREACHABLE' | 'INVALID_RESPONSE';

/** Every failed request: the server's error (its code, status, message and `context`), or one of ours. */
export class ApiFailure extends Error {
  /** The HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  /** The server's `context` (HubSpot's): which records the error is about, e.g. `{ id: ['42'] }`. */
  readonly context: Readonly<Record<string, readonly string[]>>;
  /** The server's Retry-After (429, 503), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** `METHOD /path` of the request. */
  readonly route: string;
  /** The reason as a notice, when the companion wrote it (no answer): shown in the rep's language. The server's reasons have none. */
  readonly notice: Notice | undefined;

  constructor(init: { status: number; code: ErrorCode | ClientErrorCode; message: string; route: string; context?: Record<string, string[]>; retryAfterMs?: number; notice?: Notice }) {
    super(init.message);
    this.name = 'ApiFailure';
    this.status = init.status;
    this.code = init.code;
    this.context = init.context ?? {};
    this.retryAfterMs = init.retryAfterMs;
    this.route = init.route;
    this.notice = init.notice;
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions<S extends z.ZodType> {
  method: Method;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Sent as multipart/form-data instead of `body`: a File in it is streamed from disk by the
   * browser, never read into the page's memory (uploads).
   */
  form?: FormData;
  /** This request's timeout instead of the client's; null: none (an upload takes as long as the file does). */
  timeoutMs?: number | null;
  /** What a 2xx answer must be; an empty answer (204) is `undefined`. */
  schema: S;
  /** Sent as `Idempotency-Key` (writes): the server applies a request with the same key once. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Called with a 2xx answer's headers, before its body is read. */
  onHeaders?: (headers: Headers) => void;
}

export interface ApiClient {
  /** The answer, parsed and checked against `schema`; an ApiFailure for anything else. */
  request<S extends z.ZodType>(path: string, options: RequestOptions<S>): Promise<z.output<S>>;
  /** A streamed GET (server-sent events): the answer's body as it arrives, or an ApiFailure as `request` gives. No timeout. */
  stream(path: string, options: { accept: string; signal?: AbortSignal }): Promise<ReadableStream<Uint8Array>>;
  /** Checks a value that came another way (an event of a stream) against its schema, failing as `request` does. `what`: `event 42`. */
  check<S extends z.ZodType>(schema: S, value: unknown, where: { route: string; status: number; what: string }): z.output<S>;
}

export interface ClientOptions {
  fetch?: FetchLike;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** `results[0].properties.email`: where in a body a schema issue is. */
function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(the body)';
}

/** The issues of a failed parse, naming each field: at most three, then how many more. */
function issuesOf(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${pathOf(i.path)}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const snippet = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 200);

/** What any JSON error answer may still say, when it is not the server's error body (a server newer than this client). */
const anyMessage = z.object({ message: z.string() });

/** The server's error body as an ApiFailure; an answer without one keeps its status and says so. */
async function failureOf(res: Response, route: string): Promise<ApiFailure> {
  const text = await res.text().catch(() => '');
  const retry = retryAfterMs(res.headers);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = errorBody.safeParse(json);
  if (parsed.success) {
    const { subCategory, message, context } = parsed.data;
    return new ApiFailure({ status: res.status, code: subCategory, message, route, ...(context ? { context } : {}), ...(retry !== undefined ? { retryAfterMs: retry } : {}) });
  }
  const loose = anyMessage.safeParse(json);
  const said = loose.success ? loose.data.message : snippet(text);
  return new ApiFailure({
    status: res.status,
    code: 'INVALID_RESPONSE',
    message: `${route} answered ${res.status} without the server's error body${said ? `: ${said}` : ''}`,
    route,
    ...(retry !== undefined ? { retryAfterMs: retry } : {}),
  });
}

/**
 * The one HTTP client of the companion: every request to the CRM server goes through it, with the
 * rep's token. Paths come from shared/api-paths.ts and answers are checked against the route's
 * schema from shared/, so the extension and the server share one contract; anything else is an
 * ApiFailure.
 */
export function createApiClient(connection: Connection, options: ClientOptions = {}): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** `caller`: the caller's own signal; its abort goes on as it is (giving up is no unreachable server). */
  async function send(method: Method, path: string, init: { headers: Record<string, string>; body?: string | FormData; signal?: AbortSignal }, caller: AbortSignal | undefined): Promise<Response> {
    try {
      return await doFetch(`${connection.server}${path}`, {
        method,
        headers: { authorization: `Bearer ${connection.token}`, ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (err) {
      if (caller?.aborted) throw err;
      const detail = err instanceof Error ? err.message : String(err);
      throw new ApiFailure({ status: 0, code: 'UNREACHABLE', message: `Cannot reach ${connection.server}: ${detail}`, route: `${method} ${path}`, notice: notice('noticeCannotReach', connection.server, detail) });
    }
  }

  function check<S extends z.ZodType>(schema: S, value: unknown, where: { route: string; status: number; what: string }): z.output<S> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const { route, status, what } = where;
    throw new ApiFailure({ status, code: 'INVALID_RESPONSE', message: `${route}: ${what} does not fit its schema: ${issuesOf(parsed.error)}`, route });
  }

  return {
    async request(path, request) {
      const route = `${request.method} ${path}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
      const limit = request.timeoutMs === undefined ? timeoutMs : request.timeoutMs;
      const signals = [request.signal, limit === null ? undefined : AbortSignal.timeout(limit)].filter((s) => s !== undefined);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      // a form's content type (with its boundary) is the browser's to write
      const sent = request.form ?? (request.body !== undefined ? JSON.stringify(request.body) : undefined);
      const res = await send(request.method, path, { headers, ...(sent !== undefined ? { body: sent } : {}), ...(signal ? { signal } : {}) }, request.signal);
      if (!res.ok) throw await failureOf(res, route);
      request.onHeaders?.(res.headers);
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw new ApiFailure({ status: 0, code: 'UNREACHABLE', message: `${route}: the answer was cut off: ${err instanceof Error ? err.message : String(err)}`, route });
      }
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        throw new ApiFailure({ status: res.status, code: 'INVALID_RESPONSE', message: `${route} answered ${res.status} with a body that is not JSON: ${snippet(text)}`, route });
      }
      return check(request.schema, body, { route, status: res.status, what: `the ${res.status} answer` });
    },
    async stream(path, request) {
      const route = `GET ${path}`;
      const res = await send('GET', path, { headers: { accept: request.accept }, ...(request.signal ? { signal: request.signal } : {}) }, request.signal);
      if (!res.ok) throw await failureOf(res, route);
      if (!res.body) throw new ApiFailure({ status: res.status, code: 'INVALID_RESPONSE', message: `${route} answered ${res.status} without a body to stream`, route });
      return res.body;
    },
    check,
  };
}
