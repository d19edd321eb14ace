import { z } from 'zod';

/**
 * Raw statements (`db.execute(sql…)`) are a deliberate choice for this engine: one round trip per
 * rule, CTEs and row locks that a query builder would spread over several calls. What they return
 * is untyped, and the two drivers differ in small ways (a bigint inside `json_agg` is a number, a
 * `bigint` column is a number on PGlite and, through the type parser in client.ts, on node-postgres;
 * a `numeric` is a string on both). So every raw statement's rows are parsed once, at the query
 * function's edge, by a schema built from the column shapes below. A row that does not fit is a
 * bug in the statement, and the error names the query and the column instead of letting an
 * `undefined` travel on.
 */

/** A bigint as the driver may give it in text: a decimal integer. */
export const ID_TEXT = /^-?\d+$/;

/** A bigint id or count, whether the driver gave a number or a decimal string. */
const id = z.union([z.number(), z.string().regex(ID_TEXT)]).transform((v) => Number(v)).pipe(z.number().int().safe());

/** A timestamp from a Date or an ISO string; null when it is neither or names no instant. */
export function timestampOf(v: unknown): Date | null {
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

function toDate(v: Date | string, ctx: z.RefinementCtx): Date {
  const d = timestampOf(v);
  if (!d) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${String(v)}` });
    return z.NEVER;
  }
  return d;
}

/** A timestamp, whether the driver gave a Date or (inside JSON) an ISO string. */
const timestamp = z.union([z.date(), z.string()]).transform(toDate);

/** Column shapes for raw rows. Compose them with `z.object({...})`. */
export const col = {
  id,
  /** An id that may be null (an outer join, a nullable reference). */
  idOrNull: id.nullable(),
  timestamp,
  timestampOrNull: timestamp.nullable(),
  /**
   * Inside JSON (`json_build_object`, `json_agg`) a bigint is always a number and a timestamp an
   * ISO string: these shapes check only that, for statements that aggregate many rows into JSON
   * (checking a change feed page of 1,000 events costs half as much).
   */
  jsonId: z.number(),
  jsonTimestamp: z.string().transform(toDate),
  text: z.string(),
  textOrNull: z.string().nullable(),
  bool: z.boolean(),
  /** A jsonb map of property values. */
  properties: z.record(z.string(), z.string().nullable()),
  /** An array the statement aggregated, `null` when it aggregated nothing: always an array here. */
  list: <T extends z.ZodType>(item: T) => z.array(item).nullable().transform((v) => v ?? []),
} as const;

export class RowShapeError extends Error {
  constructor(query: string, issues: z.core.$ZodIssue[]) {
    const first = issues[0];
    const at = first ? first.path.map(String).join('.') : '';
    super(`${query}: a row does not have the expected shape${at ? ` at ${at}` : ''}: ${first?.message ?? 'unknown'}`);
    this.name = 'RowShapeError';
  }
}

/**
 * The rows of a raw `db.execute(sql…)`, checked against `row`. `query` names the statement in the
 * error ("labels: pairs of a record", say).
 */
export function parseRows<S extends z.ZodType>(query: string, row: S, result: unknown): z.output<S>[] {
  const rows = resultRows(query, result);
  const out: z.output<S>[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const parsed = row.safeParse(rows[i]);
    if (!parsed.success) throw new RowShapeError(query, parsed.error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
    out[i] = parsed.data;
  }
  return out;
}

/** The rows of a driver's result, unchecked; a result without them is a RowShapeError naming `query`. */
export function resultRows(query: string, result: unknown): unknown[] {
  const rows = (result as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new RowShapeError(query, [{ code: 'custom', message: 'the result has no rows', path: [], input: result }]);
  return rows;
}

/** The one row a statement must return (a `select … as x` without `from`, an aggregate). */
export function parseRow<S extends z.ZodType>(query: string, row: S, result: unknown): z.output<S> {
  const rows = parseRows(query, row, result);
  if (rows.length !== 1) throw new RowShapeError(query, [{ code: 'custom', message: `expected one row, got ${rows.length}`, path: [], input: rows }]);
  return rows[0]!;
}
