import type { Context } from 'hono';
import { type ErrorBody, errorCategory } from '../shared/errors.ts';
import type { BatchError } from '../shared/records.ts';
import type { ErrorCode } from '../shared/errors.ts';

/**
 * HubSpot's two answer envelopes, built here only: the error body of a refused request and the
 * batch answer with its per-input errors. HubSpot's clients read both (the category, the
 * per-input context naming which input failed), so every route answers them the same way.
 */

export interface ErrorDetail {
  message: string;
  /** Where the problem is: a JSON path (`inputs[3].to.id`), a query parameter, a header. */
  in?: string;
  code?: string;
  context?: Record<string, string[]>;
}

/** What the envelopes read of an error: the fields of ApiError (server/errors.ts), which builds on this module. */
export interface EnvelopeError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly errors: ErrorDetail[];
  readonly context: Record<string, string[]> | undefined;
  readonly fields: Pick<ErrorBody, 'errorType' | 'policyName'>;
}

/** The details of an error: its own, or one naming the message and the code when it has none. */
function detailsOf(err: EnvelopeError): ErrorDetail[] {
  return err.errors.length > 0 ? err.errors : [{ message: err.message, code: err.code }];
}

/** HubSpot's `Error` body, our stable code in `subCategory`. */
export function errorBodyOf(err: EnvelopeError, correlationId: string = crypto.randomUUID()): ErrorBody {
  return {
    status: 'error',
    message: err.message,
    category: errorCategory[err.code],
    subCategory: err.code,
    correlationId,
    errors: detailsOf(err),
    ...(err.context ? { context: err.context } : {}),
    ...err.fields,
  };
}

/**
 * One failed input of a batch (HubSpot's `StandardError`): `context` names the input (its index,
 * its ids) and keeps whatever the error itself says in its context (an existing contact's id, say).
 */
export function batchErrorOf(err: EnvelopeError, input: Record<string, string[]>): BatchError {
  return {
    status: 'error',
    category: errorCategory[err.code],
    subCategory: err.code,
    message: err.message,
    context: { ...input, ...err.context },
    errors: detailsOf(err),
    links: {},
  };
}

/**
 * HubSpot's batch answer: `COMPLETE` with the results, and `okStatus` when every input applied;
 * 207 with `numErrors` and the per-input errors when some did not (the others still applied).
 */
export function batchAnswer<T>(c: Context, results: T[], errors: BatchError[], startedAt: Date, okStatus: 200 | 201) {
  const body = { status: 'COMPLETE' as const, results, startedAt: startedAt.toISOString(), completedAt: new Date().toISOString() };
  if (errors.length === 0) return c.json(body, okStatus);
  return c.json({ ...body, numErrors: errors.length, errors }, 207);
}
