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

/**
 * Request validation from a zod schema. The same schema feeds the OpenAPI document, so the
 * documentation cannot drift from what the server accepts. A failure names every bad field.
 */
export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return validator(target, schema, (result) => {
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
