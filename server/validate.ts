import type { ValidationTargets } from 'hono';
import { validator } from 'hono-openapi';
import type { z } from 'zod';
import { ApiError } from './errors.ts';

function pathOf(issuePath: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined): string {
  if (!issuePath || issuePath.length === 0) return '(root)';
  let out = '';
  for (const part of issuePath) {
    const key = typeof part === 'object' ? part.key : part;
    out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** application/json, or a `+json` type (`application/merge-patch+json`), with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** 415 unless the request's body is declared JSON: the one rule for every route that takes a JSON body. */
export function requireJson(contentType: string | undefined): void {
  const mediaType = contentType?.split(';')[0]!.trim() ?? '';
  if (JSON_MEDIA_TYPE.test(mediaType)) return;
  throw new ApiError('UNSUPPORTED_MEDIA_TYPE', mediaType ? `This route takes a JSON body: send Content-Type: application/json, not ${mediaType.slice(0, 100)}` : 'This route takes a JSON body: send it with Content-Type: application/json', {
    errors: [{ message: 'not application/json', in: 'header:content-type' }],
  });
}

/**
 * Request validation from a zod schema. The same schema feeds the OpenAPI document, so the
 * documentation cannot drift from what the server accepts. A failure names every bad field.
 */
export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return validator(target, schema, (result, c) => {
    // Hono's json validator reads no body at all without a JSON content type and validates `{}`
    // instead: a search sent as text/plain would answer every record. Refused before anything runs.
    if (target === 'json') requireJson(c.req.header('content-type'));
    if (result.success) return;
    const where = target === 'json' ? 'body' : target;
    const errors = result.error.map((issue) => ({
      message: issue.message,
      in: `${where}:${pathOf(issue.path as never)}`,
      code: 'INVALID_VALUE',
    }));
    const first = errors[0];
    throw new ApiError('VALIDATION_ERROR', `Invalid ${where}: ${first ? `${first.in.slice(where.length + 1)}: ${first.message}` : 'bad input'}`, { errors });
  });
}
