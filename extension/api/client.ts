import type { Connection } from '../settings.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** What a request came to, body parsed (null when empty or not JSON). */
export interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

/** A failed read: `status` 0 when the server could not be reached. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as `Idempotency-Key` (writes): the server applies a request with the same key once. */
  idempotencyKey?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** One HTTP request to the CRM server with the rep's token. Throws only when the server cannot be reached. */
export async function request(connection: Connection, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${connection.token}`, accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const res = await doFetch(`${connection.server}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  });
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body, headers: res.headers };
}

/** The server's error message and stable code (HubSpot's body: `message`, code in `subCategory`). */
export function errorOf(reply: Reply): { code: string; message: string } {
  const b = (reply.body ?? {}) as { message?: unknown; subCategory?: unknown; category?: unknown };
  const code = typeof b.subCategory === 'string' ? b.subCategory : typeof b.category === 'string' ? b.category : `HTTP_${reply.status}`;
  const message = typeof b.message === 'string' ? b.message : `The server answered ${reply.status}`;
  return { code, message };
}

/** A read: the parsed body on 2xx, else an ApiFailure with the server's reason. */
export async function read<T>(connection: Connection, method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let reply: Reply;
  try {
    reply = await request(connection, method, path, options);
  } catch (err) {
    throw new ApiFailure(0, 'UNREACHABLE', `Cannot reach ${connection.server}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (reply.status >= 200 && reply.status < 300) return reply.body as T;
  const { code, message } = errorOf(reply);
  throw new ApiFailure(reply.status, code, message);
}
