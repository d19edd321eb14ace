import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors.ts';

export interface JsonBodyLimitOptions {
  /** The largest request body accepted, in bytes (default 4 MiB). */
  maxBytes?: number;
  /** Requests that keep a limit of their own (the CSV upload streams its file with a larger one). */
  exempt?: (c: Context) => boolean;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * 413 for a body over the limit, before it is read whole: a declared Content-Length over the limit
 * is refused without reading a byte, a chunked body once the limit is passed. The refusal closes
 * the connection, so the rest of a huge upload is not read and thrown away.
 */
export function jsonBodyLimit(options: JsonBodyLimitOptions = {}): MiddlewareHandler {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const exempt = options.exempt ?? (() => false);
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes, this server's limit (CRM_MAX_BODY_BYTES)`, {
        errors: [{ message: `over ${maxBytes} bytes`, in: 'body' }],
        headers: { Connection: 'close' },
      });
    },
  });
  return async function jsonBodyLimitMiddleware(c, next) {
    if (exempt(c)) return next();
    return limit(c, next);
  };
}
