import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type ErrorBody, type ErrorCode, errorCategory, errorStatus } from '../shared/errors.ts';
import { isRetryable, transactionConflict } from './db/transaction.ts';

export interface ErrorDetail {
  message: string;
  /** Where the problem is: a JSON path (`inputs[3].to.id`), a query parameter, a header. */
  in?: string;
  code?: string;
  context?: Record<string, string[]>;
}

/** The one error type of the API. `code` decides the HTTP status and HubSpot category. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly errors: ErrorDetail[];
  readonly context: Record<string, string[]> | undefined;

  constructor(code: ErrorCode, message: string, options: { errors?: ErrorDetail[]; context?: Record<string, string[]> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.errors = options.errors ?? [];
    this.context = options.context;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export function errorBodyOf(err: ApiError, correlationId: string = crypto.randomUUID()): ErrorBody {
  return {
    status: 'error',
    message: err.message,
    category: errorCategory[err.code],
    subCategory: err.code,
    correlationId,
    errors: err.errors.length > 0 ? err.errors : [{ message: err.message, code: err.code }],
    ...(err.context ? { context: err.context } : {}),
  };
}

/** Turns anything thrown into an ApiError; unknown errors become INTERNAL and are logged. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // a deadlock or serialization failure that no retry caught (inside a caller's transaction)
  if (isRetryable(err)) return transactionConflict();
  if (err instanceof HTTPException) {
    if (err.status === 400) return new ApiError('INVALID_JSON', err.message || 'The request body is not valid JSON');
    if (err.status === 401) return new ApiError('UNAUTHENTICATED', err.message);
    if (err.status === 404) return new ApiError('NOT_FOUND', err.message);
  }
  console.error(err);
  return new ApiError('INTERNAL', 'Internal error');
}

/** The app's one error handler: HubSpot's error body, our stable code in `subCategory`. */
export function onError(err: unknown, c: Context): Response {
  const apiError = toApiError(err);
  const correlationId = crypto.randomUUID();
  return c.json(errorBodyOf(apiError, correlationId), apiError.status as 400);
}
