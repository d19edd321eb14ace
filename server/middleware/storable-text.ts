import type { MiddlewareHandler } from 'hono';
import { findUnstorable, unstorableText } from '../../shared/text.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';

export interface StorableTextOptions {
  /**
   * Routes whose body's `inputs[i]` are checked per input by the route itself (a batch keeps its
   * good inputs, each bad one becomes that input's error): the rest of their body is checked here.
   */
  batchPath?: RegExp;
}

/** Percent-decodes what decodes, as Hono does for params: a broken sequence stays as it is. */
function decodeLoosely(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

function refuse(where: string, message: string): ApiError {
  return new ApiError('VALIDATION_ERROR', `Invalid ${where}: ${message}`, { errors: [{ message, in: where, code: 'INVALID_CHARACTER' }] });
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Issue 13: a NUL character or a lone surrogate anywhere in a request (path, query names and
 * values, a JSON body's strings and keys) is a 400 naming where it is, before any route runs, so
 * no statement is ever sent with text the database cannot hold (shared/text.ts). One rule at the
 * boundary instead of a check per handler. Bodies that are not JSON are left to their route (the
 * import's multipart reader checks its own fields).
 */
export function storableText(options: StorableTextOptions = {}): MiddlewareHandler<AppEnv> {
  const batchPath = options.batchPath ?? /\/batch\//;
  return async function storableTextMiddleware(c, next) {
    const url = new URL(c.req.url);
    const pathProblem = unstorableText(decodeLoosely(url.pathname));
    if (pathProblem) throw refuse('path', `the path ${pathProblem}`);
    for (const [name, value] of url.searchParams) {
      const why = unstorableText(name) ?? unstorableText(value);
      if (why) throw refuse(`query:${name.replace(/\u0000/g, '\\u0000')}`, `the query parameter ${why}`);
    }
    const type = c.req.header('content-type');
    if (type && JSON_TYPE.test(type) && c.req.raw.body) {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return next(); // not JSON: the route's validator answers that
      }
      const skip = batchPath.test(url.pathname) ? (path: string) => /^inputs\[\d+\]$/.test(path) : undefined;
      const found = findUnstorable(body, skip);
      if (found) throw refuse(`body:${found.in || '(root)'}`, found.message);
    }
    return next();
  };
}
