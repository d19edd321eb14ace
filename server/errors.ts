import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type ErrorBody, type ErrorCode, errorStatus } from '../shared/errors.ts';
import { isRetryable } from './db/retryable.ts';
import { type EnvelopeError, type ErrorDetail, errorBodyOf } from './envelope.ts';

export type { ErrorDetail };

/** The one error type of the API. `code` decides the HTTP status and HubSpot category. */
export class ApiError extends Error implements EnvelopeError {
  readonly code: ErrorCode;
  readonly errors: ErrorDetail[];
  readonly context: Record<string, string[]> | undefined;
  /** Response headers that go with the error (a 429's Retry-After and rate-limit headers). */
  readonly headers: Record<string, string>;
  /** Extra top-level body fields a HubSpot client reads (a 429's `errorType`, `policyName`). */
  readonly fields: Pick<ErrorBody, 'errorType' | 'policyName'>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { errors?: ErrorDetail[]; context?: Record<string, string[]>; headers?: Record<string, string>; fields?: Pick<ErrorBody, 'errorType' | 'policyName'> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.errors = options.errors ?? [];
    this.context = options.context;
    this.headers = options.headers ?? {};
    this.fields = options.fields ?? {};
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/** Where an error happened, for the log line of an unexpected one. */
export interface ErrorSite {
  /** `POST /crm/v3/objects/:objectType/search`: the route's pattern, never the ids or emails in the path. */
  route?: string;
  correlationId?: string;
}

/** Turns anything thrown into an ApiError; unknown errors become INTERNAL and are logged, redacted. */
export function toApiError(err: unknown, site: ErrorSite = {}): ApiError {
  if (err instanceof ApiError) return err;
  // a deadlock or serialization failure that no retry caught (inside a caller's transaction)
  if (isRetryable(err)) return transactionConflict();
  if (err instanceof HTTPException) {
    if (err.status === 400) return new ApiError('INVALID_JSON', err.message || 'The request body is not valid JSON');
    if (err.status === 401) return new ApiError('UNAUTHENTICATED', err.message);
    if (err.status === 404) return new ApiError('NOT_FOUND', err.message);
  }
  console.error(redactedLogLine(err, site));
  return new ApiError('INTERNAL', 'Internal error');
}

/** A quoted value in a message ("x@example.org", 'Ann'): what a log must not keep. */
const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|''|\\.)*'/g;
const redact = (text: string): string => text.replace(QUOTED, (q) => `${q[0]}…${q[0]}`);

/**
 * One log line for an unexpected error, with what an operator needs to find it (code, route,
 * correlation id, the database's error code, the statement with its placeholders, the stack's
 * frames) and none of the values: a failed query's parameters are emails and property values,
 * and a database error's `detail` (`Key (email)=(…)`) and quoted parts repeat them.
 */
export function redactedLogLine(err: unknown, site: ErrorSite = {}): string {
  const parts = [`INTERNAL`, `correlationId=${site.correlationId ?? '-'}`, `route=${site.route ?? '-'}`];
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  for (const e of chain) {
    if (!(e instanceof Error)) {
      parts.push(`thrown=${typeof e}`);
      continue;
    }
    const pg = e as Error & { code?: unknown; query?: unknown; table?: unknown; column?: unknown; constraint?: unknown; routine?: unknown };
    // a failed query's message is "Failed query: <sql>\nparams: <values>": keep only the statement
    const message = typeof pg.query === 'string' ? `query: ${pg.query}` : e.message;
    parts.push(`${e.name}: ${redact(message).replace(/\s+/g, ' ').slice(0, 1_000)}`);
    for (const key of ['code', 'table', 'column', 'constraint', 'routine'] as const) if (typeof pg[key] === 'string') parts.push(`${key}=${pg[key]}`);
  }
  const frames = chain[0] instanceof Error ? (chain[0].stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 12) : [];
  return [parts.join(' | '), ...frames].join('\n');
}

/** The app's one error handler: HubSpot's error body, our stable code in `subCategory`. */
export function onError(err: unknown, c: Context): Response {
  const correlationId = crypto.randomUUID();
  const apiError = toApiError(err, { route: `${c.req.method} ${c.req.routePath}`, correlationId });
  for (const [name, value] of Object.entries(apiError.headers)) c.header(name, value);
  return c.json(errorBodyOf(apiError, correlationId), apiError.status as 400);
}

/** How often a transaction runs before the caller gets 409 TRANSACTION_CONFLICT (server/db/transaction.ts). */
export const TRANSACTION_ATTEMPTS = 5;

/** The answer once every attempt lost to concurrent writers; nothing of the request was written. */
export function transactionConflict(): ApiError {
  return new ApiError('TRANSACTION_CONFLICT', `The request collided with concurrent changes to the same records ${TRANSACTION_ATTEMPTS} times in a row and was not applied; nothing was written. Send it again.`, {
    errors: [{ message: 'concurrent writes to the same records' }],
  });
}
