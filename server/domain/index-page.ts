import { type SQL, sql } from 'drizzle-orm';
import { hubspotDefaultType, hubspotPrimaryType } from '../../shared/association-types.ts';
import { COMPANY, standardObjectById } from '../../shared/objects.ts';
import type { SearchFilter } from '../../shared/records.ts';
import {
  type AssociationsCell,
  INDEX_LIMITS,
  type IndexCell,
  type IndexColumn,
  type IndexColumnView,
  type IndexRow,
  type IndexSort,
  PROPERTY_LABELS,
  type RecordRef,
} from '../../shared/views.ts';
import type { DbOrTx } from '../db/client.ts';
import { runStatement, shapeNumber, shapeText } from '../db/prepared.ts';
import { ID_TEXT, RowShapeError, resultRows, timestampOf } from '../db/rows.ts';
import type { ObjectSchemaDefinition } from '../db/schema/index.ts';
import { importRecords, records } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { type ObjectType, resolveObjectType } from './object-types.ts';
import { displayName, typedNameSql } from './record-name.ts';
import { PROPERTY_NAME } from './record-properties.ts';
import { filterGroupsSql, NUMBER, operand, type OrderKey, orderKeys } from './search.ts';

/**
 * Index pages (R9, R19): a page of one type's records with property columns and association
 * columns, "[Object] → [Objects]" (count and the first few) and "[Object] → Company (primary)",
 * read in ONE statement whatever the number of columns: the page's records are chosen in a
 * subquery (filters, keyset on the sort, limit), and each association cell is a correlated
 * subquery over that page only, so the database never touches the associations of other rows.
 */

export interface IndexPageInput {
  columns: IndexColumn[];
  filters?: SearchFilter[] | undefined;
  sorts?: IndexSort[] | undefined;
  after?: string | undefined;
  /** The page before this cursor (the previous page); never with `after`. */
  before?: string | undefined;
  limit: number;
  /**
   * Read with the one-condition keyset (every property sort) instead of index ranges: the plan before
   * records_sort_*, kept so the benchmark compares both in the same run.
   */
  oneConditionKeyset?: boolean;
  /** Only the records this import created (the imports screen links its records this way). */
  importId?: string | undefined;
}

export interface IndexPage {
  columns: IndexColumnView[];
  rows: IndexRow[];
  /** Cursor of the next page, when there is one. */
  after: string | null;
  /** Cursor of the previous page, when rows precede this one. */
  before: string | null;
}

function bad(message: string, where: string, code: 'VALIDATION_ERROR' | 'PROPERTY_INVALID' = 'VALIDATION_ERROR'): ApiError {
  return new ApiError(code, message, { errors: [{ message, in: where }] });
}

/** `Deal`, `Companies`: HubSpot's headings use the singular of the row type and the plural of the other. */
function singularLabel(type: ObjectType): string {
  return type.definition?.labels.singular ?? capitalize(type.singular);
}
function pluralLabel(type: ObjectType): string {
  return type.definition?.labels.plural ?? capitalize(type.name);
}
function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A column resolved against the row type: what it reads and how it is headed. */
type Resolved =
  | { kind: 'property'; key: string; property: string; view: IndexColumnView }
  | { kind: 'associations'; key: string; to: ObjectType; typeId: SQL; view: IndexColumnView }
  | { kind: 'primaryCompany'; key: string; typeId: number; company: ObjectType; view: IndexColumnView };

const SYSTEM = new Set(['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate']);

async function resolveColumns(db: DbOrTx, workspaceId: string, type: ObjectType, columns: IndexColumn[]): Promise<Resolved[]> {
  const out: Resolved[] = [];
  const seen = new Set<string>();
  const associationColumns = columns.filter((c) => c.kind !== 'property').length;
  if (associationColumns > INDEX_LIMITS.maxAssociationColumns) {
    throw bad(`At most ${INDEX_LIMITS.maxAssociationColumns} association columns, got ${associationColumns}`, 'query:columns');
  }
  for (const [i, column] of columns.entries()) {
    if (seen.has(column.key)) continue;
    seen.add(column.key);
    out.push(await resolveColumn(db, workspaceId, type, column, `query:columns[${i}]`));
  }
  return out;
}

async function resolveColumn(db: DbOrTx, workspaceId: string, type: ObjectType, column: IndexColumn, where: string): Promise<Resolved> {
  if (column.kind === 'property') {
    const name = column.property;
    if (!SYSTEM.has(name) && (!PROPERTY_NAME.test(name) || !type.properties.has(name))) {
      throw bad(`${name} is not a property of ${type.name}`, where, 'PROPERTY_INVALID');
    }
    const label = type.properties.get(name)?.label ?? PROPERTY_LABELS[name] ?? name;
    return { kind: 'property', key: column.key, property: name, view: { key: column.key, kind: 'property', label, property: name } };
  } else if (column.kind === 'associations') {
    let to: ObjectType;
    try {
      to = await resolveObjectType(db, workspaceId, column.objectType);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'OBJECT_TYPE_NOT_FOUND') throw bad(`${column.key}: ${column.objectType} is not an object type`, where);
      throw err;
    }
    const builtIn = hubspotDefaultType(type.typeId, to.typeId);
    if (!builtIn && standardObjectById(type.typeId) && standardObjectById(to.typeId)) {
      throw bad(`${column.key}: ${type.name} cannot be associated with ${to.name}`, where);
    }
    // a custom object's pair has its unlabeled type once something was associated; none means no associations
    const typeId = builtIn
      ? sql`${builtIn.typeId}::int`
      : sql`(select type_id from association_types where workspace_id = ${workspaceId} and from_type = ${type.typeId} and to_type = ${to.typeId} and label is null)`;
    const view: IndexColumnView = { key: column.key, kind: 'associations', label: `${singularLabel(type)} → ${pluralLabel(to)}`, toObjectTypeId: to.typeId, toObjectType: to.name };
    return { kind: 'associations', key: column.key, to, typeId, view };
  } else {
    const primary = hubspotPrimaryType(type.typeId, COMPANY);
    if (!primary) throw bad(`${column.key}: ${type.name} have no primary company; the column is for contacts, deals and tickets`, where);
    const company = await resolveObjectType(db, workspaceId, COMPANY);
    const view: IndexColumnView = { key: column.key, kind: 'primaryCompany', label: `${singularLabel(type)} → Company (primary)`, toObjectTypeId: COMPANY, toObjectType: company.name };
    return { kind: 'primaryCompany', key: column.key, typeId: primary.typeId, company, view };
  }
}

// ---- sorting and the cursor -----------------------------------------------------------------------

/** One ORDER BY key: an expression, its SQL type (to read the cursor's value back), its direction. */
interface SortKey extends OrderKey {
  descending: boolean;
  /** Its values come from the row itself (a property): index ranges may serve it (keysetParts); else computedKeys reads it. */
  ranged: boolean;
}

/**
 * The sort key of an association column (R9, R19), over the row being chosen (`records`):
 * "[Object] → Company (primary)" by the primary company's name, as its cell shows it;
 * "[Object] → [Objects]" by how many records are associated, what the cell shows first ("[x]
 * records"), none being empty (null). Both are subqueries per record: no index orders by them.
 */
function associationKey(ws: string, column: Resolved): OrderKey {
  if (column.kind === 'primaryCompany') {
    return {
      expr: sql`(select ${typedNameSql(COMPANY, undefined, 't')}
        from associations a join records t on t.workspace_id = a.workspace_id and t.id = a.to_id
        where a.workspace_id = ${ws} and a.from_id = ${records.id} and a.to_type = ${COMPANY} and a.type_id = ${column.typeId}::int limit 1)`,
      cast: 'text',
    };
  }
  if (column.kind === 'associations') {
    return {
      expr: sql`nullif((select count(*) from associations a where a.workspace_id = ${ws} and a.from_id = ${records.id} and a.to_type = ${column.to.typeId} and a.type_id = ${column.typeId}), 0)`,
      cast: 'bigint',
    };
  }
  throw new Error('a property column has no association key');
}

/**
 * The keys of the sorts: a property as search orders it (orderKeys, by the property's type), an
 * association column by associationKey; empty values last in both directions.
 */
async function sortKeys(db: DbOrTx, ws: string, type: ObjectType, sorts: IndexSort[]): Promise<SortKey[]> {
  const keys: SortKey[] = [];
  for (const [i, s] of sorts.entries()) {
    const where = `query:sort[${i}]`;
    if (s.column) {
      const key = associationKey(ws, await resolveColumn(db, ws, type, s.column, where));
      keys.push({ ...key, descending: s.descending, ranged: false });
      continue;
    }
    const name = s.propertyName;
    const defined = type.properties.get(name);
    const op = operand(name, undefined, defined?.type);
    if (op.stored && (!PROPERTY_NAME.test(name) || !defined)) {
      throw bad(`Cannot sort by ${name}: not a property of ${type.name}`, where, 'PROPERTY_INVALID');
    }
    for (const key of orderKeys(op)) keys.push({ ...key, descending: s.descending, ranged: true });
  }
  return keys;
}

/** What a cursor holds: the sort it belongs to, the row's key values (as text) and its id. */
interface Cursor {
  s: string;
  k: Array<string | null>;
  id: number;
}

function sortSignature(sorts: IndexSort[]): string {
  return sorts.map((s) => `${s.descending ? '-' : ''}${s.propertyName}`).join(',');
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string, sorts: IndexSort[], keys: SortKey[], param: 'after' | 'before'): Cursor {
  const from = param === 'after' ? 'paging.next.after' : 'paging.prev.before';
  const invalid = () => bad(`${param} must be a cursor from ${from} of the same sort`, `query:${param}`);
  let c: Cursor;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
  } catch {
    throw invalid();
  }
  const okKeys = Array.isArray(c?.k) && c.k.length === keys.length && c.k.every((v) => v === null || (typeof v === 'string' && v.length <= 1000));
  if (!okKeys || c.s !== sortSignature(sorts) || !Number.isSafeInteger(c.id) || c.id < 0) throw invalid();
  for (const [i, key] of keys.entries()) {
    const v = c.k[i];
    if (v === null || v === undefined) continue;
    // only what the cast takes: a number search would treat as one, an id below 2^53
    if (key.cast === 'numeric' && !NUMBER.test(v)) throw invalid();
    if (key.cast === 'bigint' && !(/^\d{1,16}$/.test(v) && Number.isSafeInteger(Number(v)))) throw invalid();
    if (key.cast === 'timestamptz' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v)) throw invalid();
  }
  return c;
}

/**
 * Ties go by record id in the direction of the first sort key: a descending sort is the ascending
 * one backwards (empty values still last), so one (property, id) index serves both directions.
 */
function idDescending(keys: SortKey[]): boolean {
  return keys[0]?.descending ?? false;
}

/**
 * Which way a part of the statement reads: `forward` is the page's order (after a cursor),
 * `backward` the same order reversed (before a cursor: the previous page, read from its end).
 */
type Way = 'forward' | 'backward';

/** A key's ORDER BY direction: the sort's, empty values last; reversed when reading backward. */
function keyOrder(k: SortKey, way: Way): SQL {
  const descending = k.descending !== (way === 'backward');
  return sql.raw(`${descending ? 'desc' : 'asc'} ${way === 'backward' ? 'nulls first' : 'nulls last'}`);
}
function idOrder(keys: SortKey[], way: Way): SQL {
  return sql.raw(idDescending(keys) !== (way === 'backward') ? 'desc' : 'asc');
}
/** The ids further on than the cursor's, in the reading's direction (ties of every key). */
function idBeyond(keys: SortKey[], cursor: Cursor, way: Way, id: SQL = sql`${records.id}`): SQL {
  return idDescending(keys) !== (way === 'backward') ? sql`${id} < ${cursor.id}::bigint` : sql`${id} > ${cursor.id}::bigint`;
}

/**
 * Rows after the cursor (forward) or before it (backward), in the sort's order with empty values
 * last in both directions and the record id breaking ties (see idDescending): the keyset
 * condition (no offset, so every page costs the same).
 */
function beyondCursor(keys: SortKey[], cursor: Cursor, way: Way, id?: SQL): SQL {
  const at = (i: number): SQL => {
    if (i === keys.length) return idBeyond(keys, cursor, way, id);
    const key = keys[i]!;
    const v = cursor.k[i] ?? null;
    const rest = at(i + 1);
    if (way === 'forward') {
      if (v === null) return sql`(${key.expr} is null and ${rest})`;
      const value = sql`${v}::${sql.raw(key.cast)}`;
      const beyond = key.descending ? sql`${key.expr} < ${value}` : sql`${key.expr} > ${value}`;
      return sql`(${beyond} or ${key.expr} is null or (${key.expr} = ${value} and ${rest}))`;
    }
    // backward: the empty values precede the cursor only when it is empty too
    if (v === null) return sql`(${key.expr} is not null or (${key.expr} is null and ${rest}))`;
    const value = sql`${v}::${sql.raw(key.cast)}`;
    const before = key.descending ? sql`${key.expr} > ${value}` : sql`${key.expr} < ${value}`;
    return sql`(${before} or (${key.expr} = ${value} and ${rest}))`;
  };
  return at(0);
}

/** A run of rows in the reading's order: its conditions and its ORDER BY (over `records`). */
interface Part {
  where: SQL[];
  order: SQL[];
}

/**
 * The rows beyond the cursor as consecutive ranges, each one an index range read in order, so a
 * deep page costs what the first one does (R19). With one sort key on a property (the common
 * case: a column heading), the rows after (v, id) are: the ties of v further on by id, then the
 * values beyond v, then the empty values; `(expr, id)` indexes (records_sort_*) serve each range,
 * and an empty key on the cursor leaves the empty values after id only. Backward (the previous
 * page) is the mirror: the ties of v before id, then the values before v, reversed; an empty key
 * on the cursor: the empty values before id, then every value. Several keys keep the
 * one-condition form. Only for keys of the record's own values: association columns (computed per
 * record, no index to range over) are read by computedKeys.
 */
function keysetParts(keys: SortKey[], cursor: Cursor | undefined, way: Way, oneCondition = false): Part[] {
  const byId = sql`${records.id} ${idOrder(keys, way)}`;
  if (keys.length !== 1 || oneCondition) {
    return [{ where: cursor ? [beyondCursor(keys, cursor, way)] : [], order: [...keys.map((k) => sql`${k.expr} ${keyOrder(k, way)}`), byId] }];
  }
  const key = keys[0]!;
  const ordered = sql`${key.expr} ${sql.raw(key.descending !== (way === 'backward') ? 'desc' : 'asc')}`;
  const empty: Part = { where: [sql`${key.expr} is null`], order: [byId] };
  const filled: Part = { where: [sql`${key.expr} is not null`], order: [ordered, byId] };
  if (!cursor) return way === 'forward' ? [filled, empty] : [empty, filled];
  const v = cursor.k[0] ?? null;
  const idOn = idBeyond(keys, cursor, way);
  if (v === null) return way === 'forward' ? [{ where: [...empty.where, idOn], order: [byId] }] : [{ where: [...empty.where, idOn], order: [byId] }, filled];
  const value = sql`${v}::${sql.raw(key.cast)}`;
  const further = key.descending !== (way === 'backward') ? sql`${key.expr} < ${value}` : sql`${key.expr} > ${value}`;
  const ties: Part = { where: [sql`${key.expr} = ${value}`, idOn], order: [byId] };
  return way === 'forward' ? [ties, { where: [further], order: [ordered, byId] }, empty] : [ties, { where: [further], order: [ordered, byId] }];
}

/**
 * The rows beyond the cursor when a key is an association column's (computed per record, no
 * index orders by it): every record of the type is read and its keys computed ONCE, in a subquery
 * the planner keeps as it is (`offset 0`), then compared with the cursor and sorted. Written
 * inline, each key's subquery ran for the ORDER BY and again for each comparison with the cursor
 * (four times a row for one key). The records are read in id order, the order of records_type:
 * left free, the planner read them through another partial index of the type in that index's
 * order, reaching the rows in random order (2.4 s against 5 s a page on 200,000 contacts).
 */
function computedKeys(select: SQL, conditions: SQL[], keys: SortKey[], cursor: Cursor | undefined, way: Way, rowsRead: SQL): SQL {
  const computed = keys.map((k, i) => ({ ...k, expr: sql.raw(`r.k${i}`) }));
  const beyond = cursor ? sql`where ${beyondCursor(computed, cursor, way, sql.raw('r.id'))}` : sql``;
  const order = [...computed.map((k) => sql`${k.expr} ${keyOrder(k, way)}`), sql`r.id ${idOrder(keys, way)}`];
  return sql`select * from (select ${select} from ${records} where ${sql.join(conditions, sql` and `)} order by ${records.id} offset 0) r
    ${beyond} order by ${sql.join(order, sql`, `)} limit ${rowsRead}`;
}

/** The rows beyond the cursor when every key is the record's own (a property, the id): keysetParts' ranges in one statement. */
function keysetRows(select: SQL, conditions: SQL[], keys: SortKey[], cursor: Cursor | undefined, way: Way, rowsRead: SQL, oneCondition?: boolean): SQL {
  const parts = keysetParts(keys, cursor, way, oneCondition);
  if (parts.length === 1) {
    return sql`select ${select} from ${records} where ${sql.join([...conditions, ...parts[0]!.where], sql` and `)} order by ${sql.join(parts[0]!.order, sql`, `)} limit ${rowsRead}`;
  }
  // each part is one ordered range of an index (see keysetParts); their union is at most (parts × page) rows, put in order and cut
  return sql`select * from (${sql.join(
    parts.map((part, n) => sql`(select ${select}, ${shapeNumber(n)}::int as part from ${records} where ${sql.join([...conditions, ...part.where], sql` and `)} order by ${sql.join(part.order, sql`, `)} limit ${rowsRead})`),
    sql` union all `,
  )}) u order by u.part, ${sql.join([...keys.map((k, i) => sql`u.${sql.raw(`k${i}`)} ${keyOrder(k, way)}`), sql`u.id ${idOrder(keys, way)}`], sql`, `)} limit ${rowsRead}`;
}

// ---- the page ---------------------------------------------------------------------------------------

function cellSql(ws: string, column: Resolved): SQL | null {
  if (column.kind === 'associations') {
    // the count from the key alone (index-only), names for the first few only; one pass computing
    // both (row_number + a filtered json_agg) measured no faster on ordinary rows and 1.8× slower
    // on the busiest ones (hundreds of edges), so these are two subqueries
    const to = column.to;
    const edges = sql`from associations a where a.workspace_id = ${ws} and a.from_id = p.id and a.to_type = ${to.typeId} and a.type_id = ${column.typeId}`;
    return sql`json_build_object(
      'count', (select count(*)::int ${edges}),
      'first', (select coalesce(json_agg(json_build_object('id', f.id::text, 'name', f.name) order by f.id), '[]'::json) from (
        select t.id, ${typedNameSql(to.typeId, to.definition, 't')} as name
        from associations a join records t on t.workspace_id = a.workspace_id and t.id = a.to_id
        where a.workspace_id = ${ws} and a.from_id = p.id and a.to_type = ${to.typeId} and a.type_id = ${column.typeId}
        order by a.to_id limit ${shapeNumber(INDEX_LIMITS.firstShown)}) f))`;
  }
  if (column.kind === 'primaryCompany') {
    return sql`(select json_build_object('id', t.id::text, 'name', ${typedNameSql(COMPANY, undefined, 't')})
      from associations a join records t on t.workspace_id = a.workspace_id and t.id = a.to_id
      where a.workspace_id = ${ws} and a.from_id = p.id and a.to_type = ${COMPANY} and a.type_id = ${column.typeId}::int limit 1)`;
  }
  return null;
}

/** A page's row: the record, its sort keys as text (`kt0`…) and its association cells (`c0`…, by column). */
interface PageRow {
  id: number;
  properties: Record<string, string | null>;
  created_at: Date;
  updated_at: Date;
  keys: Array<string | null>;
  /** By column; null for a property column (read from `properties`). */
  cells: Array<AssociationsCell | RecordRef | null>;
}

const PAGE_QUERY = 'index page: a page';

/** A page's row that does not have the statement's shape: the query, the row and the column in the error. */
function badRow(row: number, column: string, message: string, input: unknown): RowShapeError {
  return new RowShapeError(PAGE_QUERY, [{ code: 'custom', message, path: [row, column], input }]);
}

function idOf(v: unknown, row: number, column: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && ID_TEXT.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw badRow(row, column, 'not an id', v);
  return n;
}

function textOrNull(v: unknown, row: number, column: string): string | null {
  if (v !== null && typeof v !== 'string') throw badRow(row, column, 'not text or null', v);
  return v;
}

function dateOf(v: unknown, row: number, column: string): Date {
  const d = timestampOf(v);
  if (!d) throw badRow(row, column, 'not a timestamp', v);
  return d;
}

function refOf(v: unknown, row: number, column: string): RecordRef {
  const r = v as { id?: unknown; name?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || (r.name !== null && typeof r.name !== 'string')) throw badRow(row, column, 'not a record reference {id, name}', v);
  return { id: r.id, name: r.name };
}

function cellOf(kind: Resolved['kind'], v: unknown, row: number, column: string): AssociationsCell | RecordRef | null {
  if (kind === 'primaryCompany') return v === null ? null : refOf(v, row, column);
  const c = v as { count?: unknown; first?: unknown } | null;
  if (typeof c !== 'object' || c === null || !Number.isSafeInteger(c.count) || !Array.isArray(c.first)) throw badRow(row, column, 'not an associations cell {count, first}', v);
  return { count: c.count as number, first: c.first.map((f) => refOf(f, row, column)) };
}

/**
 * The page's rows, checked as every raw statement's rows are (db/rows.ts: a row that does not fit
 * names the query and the column), by hand rather than by a zod schema. This is the index page's
 * hot path, and with the zod parse about 4 MB per scavenge outlived it, most of it allocated by that
 * parse (the heap sampling profiler; why V8 kept it was not established): scavenges of 8-12 ms
 * inside requests, 2 ms with these checks (bench/README.md, index pages).
 */
export function pageRowsOf(result: unknown, keyCount: number, columns: Resolved[]): PageRow[] {
  const rows = resultRows(PAGE_QUERY, result);
  const out: PageRow[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Record<string, unknown>;
    if (typeof r !== 'object' || r === null) throw badRow(i, '', 'not a row', r);
    const properties = r.properties as Record<string, unknown>;
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) throw badRow(i, 'properties', 'not a map of property values', properties);
    for (const name in properties) {
      const value = properties[name];
      if (value !== null && typeof value !== 'string') throw badRow(i, `properties.${name}`, 'not text or null', value);
    }
    const keys: Array<string | null> = new Array(keyCount);
    for (let k = 0; k < keyCount; k++) keys[k] = textOrNull(r[`kt${k}`], i, `kt${k}`);
    const cells: Array<AssociationsCell | RecordRef | null> = new Array(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const kind = columns[c]!.kind;
      cells[c] = kind === 'property' ? null : cellOf(kind, r[`c${c}`], i, `c${c}`);
    }
    out[i] = {
      id: idOf(r.id, i, 'id'),
      properties: properties as Record<string, string | null>,
      created_at: dateOf(r.created_at, i, 'created_at'),
      updated_at: dateOf(r.updated_at, i, 'updated_at'),
      keys,
      cells,
    };
  }
  return out;
}

function propertyValue(row: PageRow, name: string): string | null {
  switch (name) {
    case 'hs_object_id':
      return String(row.id);
    case 'createdate':
      return row.created_at.toISOString();
    case 'lastmodifieddate':
    case 'hs_lastmodifieddate':
      return row.updated_at.toISOString();
    default:
      return row.properties[name] ?? null;
  }
}

/**
 * One index page of a type's live records (R19): the asked columns for each row, association
 * cells counted within the workspace only. Filters are search's (so also on the primary company's
 * properties, R12); sorts are by property with empty values last; `after` is a keyset cursor.
 * Answers with one SQL statement; resolving names of custom object types may read their (cached)
 * definitions first.
 */
/** The record was created by this import (import_records: one row per record an import wrote, keyed by import). */
function createdByImport(ws: string, importId: string): SQL {
  return sql`exists (select 1 from ${importRecords} ir where ir.workspace_id = ${ws} and ir.import_id = ${importId} and ir.record_id = ${records.id} and ir.action = 'CREATED')`;
}

export async function indexPage(db: DbOrTx, workspaceId: string, type: ObjectType, input: IndexPageInput): Promise<IndexPage> {
  const ws = workspaceId;
  if (input.after && input.before) throw bad('after and before cannot both be given: a page is read after one cursor or before one', 'query:before');
  const columns = await resolveColumns(db, ws, type, input.columns);
  const sorts = input.sorts ?? [];
  const keys = await sortKeys(db, ws, type, sorts);
  const filters = input.filters ?? [];
  const filter = filters.length > 0 ? await filterGroupsSql(db, ws, type, [filters.map((f, i) => ({ filter: f, where: `query:filter[${i}]` }))]) : undefined;
  const way: Way = input.before ? 'backward' : 'forward';
  const cursor = input.before ? decodeCursor(input.before, sorts, keys, 'before') : input.after ? decodeCursor(input.after, sorts, keys, 'after') : undefined;
  const limit = Math.min(Math.max(1, input.limit), INDEX_LIMITS.maxLimit);
  // one row more than the page (see `more`), in the statement's text: a LIMIT that is a parameter
  // leaves the generic plan guessing how many rows are wanted
  const rowsRead = shapeNumber(limit + 1);

  const conditions: SQL[] = [
    sql`${records.workspaceId} = ${ws}`,
    sql`${records.typeId} = ${shapeText(type.typeId)}`,
    sql`${records.archivedAt} is null`,
    sql`${records.mergedInto} is null`,
    ...(filter ? [filter] : []),
    ...(input.importId ? [createdByImport(ws, input.importId)] : []),
  ];
  const keyColumns = keys.map((k, i) => sql`, ${k.expr} as ${sql.raw(`k${i}`)}`);
  // the page is shown in the sort's order whichever way it was read
  const outerOrder = [...keys.map((k, i) => sql`p.${sql.raw(`k${i}`)} ${keyOrder(k, 'forward')}`), sql`p.id ${idOrder(keys, 'forward')}`];
  // the cursor keeps the row's keys as text; times as ISO 8601 (UTC, milliseconds: the key's precision)
  const keyTexts = keys.map((k, i) => {
    const key = sql.raw(`p.k${i}`);
    const text = k.cast === 'timestamptz' ? sql`to_char(${key} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : sql`${key}::text`;
    return sql`, ${text} as ${sql.raw(`kt${i}`)}`;
  });
  const cells = columns.flatMap((c, i) => {
    const cell = cellSql(ws, c);
    return cell ? [sql`, ${cell} as ${sql.raw(`c${i}`)}`] : [];
  });
  const select = sql`${records.id} as id, ${records.properties} as properties, ${records.createdAt} as created_at, ${records.updatedAt} as updated_at${sql.join(keyColumns, sql``)}`;
  const chosen = keys.some((k) => !k.ranged) ? computedKeys(select, conditions, keys, cursor, way, rowsRead) : keysetRows(select, conditions, keys, cursor, way, rowsRead, input.oneConditionKeyset);

  const rows = pageRowsOf(
    // prepared on PGlite, where planning each page anew was 40% of its time (db/prepared.ts)
    await runStatement(
      db,
      sql`
      select p.id, p.properties, p.created_at, p.updated_at${sql.join(keyTexts, sql``)}${sql.join(cells, sql``)}
      from (${chosen}) p
      order by ${sql.join(outerOrder, sql`, `)}`,
      { postgres: 'plain' },
    ),
    keys.length,
    columns,
  );

  // one row more than the page tells whether more follow in the reading's direction: the last
  // row forward, the first one backward (the rows are in the page's order here)
  const more = rows.length > limit;
  const shown = !more ? rows : way === 'forward' ? rows.slice(0, limit) : rows.slice(rows.length - limit);
  // back at the start with a short page: the first page is what "previous" means there
  if (way === 'backward' && !more && shown.length < limit) return indexPage(db, ws, type, { ...input, before: undefined });
  const out: IndexRow[] = shown.map((row) => {
    const values: Record<string, IndexCell> = {};
    for (const [i, c] of columns.entries()) {
      values[c.key] = c.kind === 'property' ? propertyValue(row, c.property) : row.cells[i]!;
    }
    return { id: String(row.id), name: displayName(type.typeId, row.properties, type.definition), values };
  });
  const first = shown.at(0);
  const last = shown.at(-1);
  const cursorOf = (row: PageRow) => encodeCursor({ s: sortSignature(sorts), k: row.keys, id: row.id });
  // forward: rows precede a page read after a cursor; backward: rows follow the cursor's own row
  const hasNext = way === 'forward' ? more : true;
  const hasPrev = way === 'forward' ? cursor !== undefined : more;
  return {
    columns: columns.map((c) => c.view),
    rows: out,
    after: hasNext && last ? cursorOf(last) : null,
    before: hasPrev && first ? cursorOf(first) : null,
  };
}
