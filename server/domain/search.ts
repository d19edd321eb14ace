import { and, asc, desc, eq, getTableColumns, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { SearchBody, SearchFilter } from '../../shared/records.ts';
import type { DbOrTx } from '../db/client.ts';
import { records } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import type { ObjectType } from './object-types.ts';
import { PROPERTY_NAME } from './record-properties.ts';
import type { RecordRow } from './records.ts';

/** HubSpot's search limits: filter groups are ORed, filters in a group ANDed. */
export const SEARCH_LIMITS = { groups: 5, filtersPerGroup: 6, filters: 18, defaultPageSize: 10 } as const;

/** What `query` looks through when the type has no definition of its own. */
const DEFAULT_SEARCHABLE: Record<string, string[]> = {
  '0-1': ['firstname', 'lastname', 'email', 'phone', 'company'],
  '0-2': ['name', 'domain', 'website'],
  '0-3': ['dealname'],
  '0-5': ['subject', 'content'],
  '0-49': ['hs_email_subject'],
  '0-48': ['hs_call_title'],
  '0-47': ['hs_meeting_title'],
  '0-46': ['hs_note_body'],
  '0-27': ['hs_task_subject'],
};

export function searchableProperties(type: ObjectType): string[] {
  return type.definition?.searchableProperties ?? DEFAULT_SEARCHABLE[type.typeId] ?? [];
}

export interface SearchOutcome {
  total: number;
  rows: RecordRow[];
  /** Offset of the next page, when there is one. */
  after: string | null;
}

/** A property as SQL: its text, its numeric value when it has one, and what kind of column it is. */
interface Operand {
  kind: 'text' | 'id' | 'date';
  text: SQL;
  numeric: SQL;
}

const NUMBER = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const NUMBER_SQL = '^\\s*-?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?\\s*$';

function operand(name: string): Operand {
  switch (name) {
    case 'hs_object_id':
      return { kind: 'id', text: sql`${records.id}::text`, numeric: sql`${records.id}` };
    case 'createdate':
      return { kind: 'date', text: sql`${records.createdAt}::text`, numeric: sql`date_trunc('milliseconds', ${records.createdAt})` };
    case 'lastmodifieddate':
    case 'hs_lastmodifieddate':
      return { kind: 'date', text: sql`${records.updatedAt}::text`, numeric: sql`date_trunc('milliseconds', ${records.updatedAt})` };
    default: {
      const text = sql`(${records.properties}->>${name}::text)`;
      return { kind: 'text', text, numeric: sql`(case when ${text} ~ ${NUMBER_SQL}::text then ${text}::numeric end)` };
    }
  }
}

function bad(message: string, where: string, code: 'VALIDATION_ERROR' | 'PROPERTY_INVALID' = 'VALIDATION_ERROR'): ApiError {
  return new ApiError(code, message, { errors: [{ message, in: where }] });
}

/** A comparable value: a number for numeric comparison, a timestamp for dates, else text. */
type Value = { kind: 'number'; sql: SQL; text: string } | { kind: 'date'; sql: SQL } | { kind: 'text'; text: string };

function valueOf(op: Operand, raw: string | number | boolean | undefined, where: string): Value {
  if (raw === undefined) throw bad(`${where} is required for this operator`, where);
  const text = String(raw);
  if (op.kind === 'date') {
    const ms = NUMBER.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(ms)) throw bad(`${where} must be a date (ISO 8601 or epoch milliseconds), got "${text}"`, where);
    return { kind: 'date', sql: sql`${new Date(ms).toISOString()}::timestamptz` };
  }
  if (NUMBER.test(text)) return { kind: 'number', sql: sql`${text.trim()}::numeric`, text };
  if (op.kind === 'id') throw bad(`${where} must be a record id, got "${text}"`, where);
  return { kind: 'text', text };
}

function equals(op: Operand, v: Value): SQL {
  if (v.kind === 'date') return sql`${op.numeric} = ${v.sql}`;
  if (v.kind === 'number') return op.kind === 'id' ? sql`${op.numeric} = ${v.sql}` : sql`(${op.numeric} = ${v.sql} or lower(${op.text}) = lower(${v.text}::text))`;
  return sql`lower(${op.text}) = lower(${v.text}::text)`;
}

function compare(op: Operand, v: Value, sign: '<' | '<=' | '>' | '>='): SQL {
  const s = sql.raw(sign);
  return v.kind === 'text' ? sql`${op.text} ${s} ${v.text}::text` : sql`${op.numeric} ${s} ${v.sql}`;
}

/** `*` is a wildcard; otherwise the value must appear as a whole token (between non-alphanumerics). */
function tokenPattern(value: string): string {
  const body = value
    .split('*')
    .map((part) => part.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&'))
    .join('.*');
  return `(^|[^[:alnum:]])${body}($|[^[:alnum:]])`;
}

/** Negation that keeps records without the property (HubSpot's NEQ, NOT_IN, NOT_CONTAINS_TOKEN). */
const not = (cond: SQL) => sql`coalesce(not (${cond}), true)`;

function filterSql(filter: SearchFilter, type: ObjectType, where: string): SQL {
  const name = filter.propertyName;
  const op = operand(name);
  if (op.kind === 'text') {
    if (!PROPERTY_NAME.test(name)) throw bad(`${name} is not a property name`, `${where}.propertyName`, 'PROPERTY_INVALID');
    if (type.definition && !type.definition.properties.some((p) => p.name === name)) {
      throw bad(`${name} is not a property of ${type.name}`, `${where}.propertyName`, 'PROPERTY_INVALID');
    }
  }
  const value = () => valueOf(op, filter.value, `${where}.value`);
  const values = () => {
    if (!filter.values || filter.values.length === 0) throw bad(`${where}.values must list at least one value for ${filter.operator}`, `${where}.values`);
    return filter.values.map((v, i) => valueOf(op, v, `${where}.values[${i}]`));
  };
  const anyOf = () => or(...values().map((v) => equals(op, v)))!;
  const token = () => {
    if (filter.value === undefined || String(filter.value).trim() === '') throw bad(`${where}.value is required for ${filter.operator}`, `${where}.value`);
    return sql`${op.text} ~* ${tokenPattern(String(filter.value).trim())}::text`;
  };
  switch (filter.operator) {
    case 'EQ':
      return equals(op, value());
    case 'NEQ':
      return not(equals(op, value()));
    case 'LT':
      return compare(op, value(), '<');
    case 'LTE':
      return compare(op, value(), '<=');
    case 'GT':
      return compare(op, value(), '>');
    case 'GTE':
      return compare(op, value(), '>=');
    case 'BETWEEN': {
      const low = value();
      const high = valueOf(op, filter.highValue, `${where}.highValue`);
      // numeric only when both ends are numbers
      if (low.kind === 'number' && high.kind !== 'number') return and(compare(op, { kind: 'text', text: low.text }, '>='), compare(op, high, '<='))!;
      if (high.kind === 'number' && low.kind !== 'number') return and(compare(op, low, '>='), compare(op, { kind: 'text', text: high.text }, '<='))!;
      return and(compare(op, low, '>='), compare(op, high, '<='))!;
    }
    case 'IN':
      return anyOf();
    case 'NOT_IN':
      return not(anyOf());
    case 'HAS_PROPERTY':
      return sql`(${op.text} is not null and ${op.text} <> '')`;
    case 'NOT_HAS_PROPERTY':
      return sql`(${op.text} is null or ${op.text} = '')`;
    case 'CONTAINS_TOKEN':
      return token();
    case 'NOT_CONTAINS_TOKEN':
      return not(token());
  }
}

function filtersSql(body: SearchBody, type: ObjectType): SQL | undefined {
  const groups = body.filterGroups ?? [];
  if (groups.length > SEARCH_LIMITS.groups) throw bad(`At most ${SEARCH_LIMITS.groups} filter groups, got ${groups.length}`, 'filterGroups');
  const total = groups.reduce((n, g) => n + g.filters.length, 0);
  if (total > SEARCH_LIMITS.filters) throw bad(`At most ${SEARCH_LIMITS.filters} filters in all, got ${total}`, 'filterGroups');
  const ored = groups.map((group, g) => {
    if (group.filters.length > SEARCH_LIMITS.filtersPerGroup) {
      throw bad(`At most ${SEARCH_LIMITS.filtersPerGroup} filters in a group, filterGroups[${g}] has ${group.filters.length}`, `filterGroups[${g}].filters`);
    }
    return and(...group.filters.map((f, i) => filterSql(f, type, `filterGroups[${g}].filters[${i}]`)));
  });
  const nonEmpty = ored.filter((c): c is SQL => c !== undefined);
  return nonEmpty.length > 0 ? or(...nonEmpty) : undefined;
}

function querySql(body: SearchBody, type: ObjectType): SQL | undefined {
  const q = body.query?.trim();
  if (!q) return undefined;
  const props = searchableProperties(type);
  const conds = props.map((name) => sql`strpos(lower(${operand(name).text}), lower(${q}::text)) > 0`);
  if (/^\d{1,16}$/.test(q)) conds.push(sql`${records.id} = ${q}::bigint`);
  return conds.length > 0 ? or(...conds) : sql`false`;
}

function orderSql(body: SearchBody, type: ObjectType): SQL[] {
  const order: SQL[] = [];
  (body.sorts ?? []).forEach((s, i) => {
    const [name, descending] = typeof s === 'string' ? [s.replace(/^-/, ''), s.startsWith('-')] : [s.propertyName, s.direction === 'DESCENDING'];
    const op = operand(name);
    if (op.kind === 'text' && (!PROPERTY_NAME.test(name) || (type.definition && !type.definition.properties.some((p) => p.name === name)))) {
      throw bad(`Cannot sort by ${name}: not a property of ${type.name}`, `sorts[${i}]`, 'PROPERTY_INVALID');
    }
    const dir = descending ? desc : asc;
    if (op.kind === 'text') order.push(sql`${op.numeric} ${sql.raw(descending ? 'desc' : 'asc')} nulls last`, sql`${op.text} ${sql.raw(descending ? 'desc' : 'asc')} nulls last`);
    else order.push(dir(op.numeric));
  });
  order.push(asc(records.id));
  return order;
}

/**
 * HubSpot CRM search over one type's live records: filter groups (ORed) of filters (ANDed), a
 * free-text `query` over the type's searchable properties, sorts, offset paging. One statement,
 * every value a parameter. Comparisons are numeric when the given value is a number.
 */
export async function searchRecords(db: DbOrTx, workspaceId: string, type: ObjectType, body: SearchBody): Promise<SearchOutcome> {
  const limit = body.limit ?? SEARCH_LIMITS.defaultPageSize;
  const offset = body.after === undefined || body.after === '' ? 0 : Number(body.after);
  if (!Number.isSafeInteger(offset) || offset < 0) throw bad(`after must be a cursor from paging.next.after, got "${body.after}"`, 'after');
  const where = and(
    eq(records.workspaceId, workspaceId),
    eq(records.typeId, type.typeId),
    isNull(records.archivedAt),
    isNull(records.mergedInto),
    filtersSql(body, type),
    querySql(body, type),
  );
  const order = orderSql(body, type);
  const rows =
    limit === 0
      ? []
      : await db
          .select({ ...getTableColumns(records), total: sql<number>`count(*) over ()`.mapWith(Number) })
          .from(records)
          .where(where)
          .orderBy(...order)
          .limit(limit)
          .offset(offset);
  let total = rows[0]?.total;
  if (total === undefined) {
    const [counted] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(records).where(where);
    total = counted?.n ?? 0;
  }
  const found: RecordRow[] = rows.map(({ total: _total, ...row }) => row);
  const next = offset + found.length;
  return { total, rows: found, after: limit > 0 && next < total ? String(next) : null };
}
