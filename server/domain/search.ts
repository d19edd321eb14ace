import { and, asc, eq, getTableColumns, isNull, or, type SQL, sql } from 'drizzle-orm';
import { hubspotPrimaryType } from '../../shared/association-types.ts';
import { COMPANY, CONTACT } from '../../shared/objects.ts';
import { type FilterOperator, normalizeDomain, normalizeEmail, type SearchBody, type SearchFilter } from '../../shared/records.ts';
import type { DbOrTx } from '../db/client.ts';
import { shapeText } from '../db/prepared.ts';
import { records } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { type ObjectType, resolveObjectType } from './object-types.ts';
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

/**
 * A property as SQL: its text, its comparable value, and how it compares. `id` and `date` are the
 * record's own columns (hs_object_id, createdate...); stored properties compare by their defined
 * type: `number` as numbers, `time` (date, datetime) as instants, `bool` as true/false, `text` as
 * text. `guess` is a property without a definition (a value stored before definitions were
 * checked): numeric when the value looks like a number.
 */
export interface Operand {
  kind: 'id' | 'date' | 'number' | 'time' | 'bool' | 'text' | 'guess';
  /** True for a value from the record's properties (its name must be a property name). */
  stored: boolean;
  text: SQL;
  numeric: SQL;
}

/**
 * How a property of a definition compares (see Operand): as a number, an instant, true/false or
 * text. The one place this is decided: search's filters and sorts and the index page's sorts and
 * cursors all read it through operand() and orderKeys().
 */
export function kindOf(type: string | undefined): Operand['kind'] {
  switch (type) {
    case 'number':
      return 'number';
    case 'date':
    case 'datetime':
      return 'time';
    case 'bool':
      return 'bool';
    case undefined:
      return 'guess';
    default:
      return 'text';
  }
}

/** The columns of the record a condition reads: the searched record, or another one (its primary company). */
interface RecordColumns {
  id: SQL;
  properties: SQL;
  createdAt: SQL;
  updatedAt: SQL;
}

const SEARCHED: RecordColumns = { id: sql`${records.id}`, properties: sql`${records.properties}`, createdAt: sql`${records.createdAt}`, updatedAt: sql`${records.updatedAt}` };
/** The primary company inside an association filter's subquery (alias `pc`). */
const PRIMARY_COMPANY: RecordColumns = { id: sql.raw('pc.id'), properties: sql.raw('pc.properties'), createdAt: sql.raw('pc.created_at'), updatedAt: sql.raw('pc.updated_at') };

/**
 * What counts as a number, in JS and in SQL alike: at most 100 digits on either side of the point
 * and an exponent of at most three digits. Every such text casts to numeric on PostgreSQL and
 * PGlite (numeric holds 131072 digits before the point and 16383 after); anything else, like a
 * stored "1e999999" that the cast would refuse, is compared and sorted as text, so one odd value
 * can never make a whole workspace's searches fail.
 */
const NUMBER_SQL = '^\\s*-?(\\d{1,100}\\.?\\d{0,100}|\\.\\d{1,100})([eE][-+]?\\d{1,3})?\\s*$';
export const NUMBER = new RegExp(NUMBER_SQL);

/**
 * The dates a filter may name: years 1 to 9999. JavaScript stops at ±275760 and PostgreSQL
 * parses neither its six-digit years nor years before 4713 BC; beyond this range a value is refused.
 */
const DATE_RANGE = { min: Date.parse('0001-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') };

/**
 * A property of the searched record (`records` in the statement) as SQL, compared by `type`, the
 * property's defined type (undefined: no definition); the index page sorts with it too.
 */
export function operand(name: string, on: RecordColumns = SEARCHED, type?: string): Operand {
  switch (name) {
    case 'hs_object_id':
      return { kind: 'id', stored: false, text: sql`${on.id}::text`, numeric: sql`${on.id}` };
    case 'createdate':
      return { kind: 'date', stored: false, text: sql`${on.createdAt}::text`, numeric: sql`date_trunc('milliseconds', ${on.createdAt})` };
    case 'lastmodifieddate':
    case 'hs_lastmodifieddate':
      return { kind: 'date', stored: false, text: sql`${on.updatedAt}::text`, numeric: sql`date_trunc('milliseconds', ${on.updatedAt})` };
    default: {
      const text = sql`(${on.properties}->>${shapeText(name)})`;
      const kind = kindOf(type);
      const asNumber = sql`(case when ${text} ~ ${NUMBER_SQL}::text then ${text}::numeric end)`;
      const numeric = kind === 'time' ? sql`crm_property_time(${text})` : kind === 'bool' ? sql`lower(${text})` : kind === 'text' ? text : asNumber;
      return { kind, stored: true, text, numeric };
    }
  }
}

/** A property of a type as search compares it (its definition's type). */
function typedOperand(type: ObjectType, name: string, on: RecordColumns = SEARCHED): Operand {
  return operand(name, on, type.properties.get(name)?.type);
}

function bad(message: string, where: string, code: 'VALIDATION_ERROR' | 'PROPERTY_INVALID' = 'VALIDATION_ERROR'): ApiError {
  return new ApiError(code, message, { errors: [{ message, in: where }] });
}

/** A comparable value: a number for numeric comparison, a timestamp for dates, a boolean, else text. */
type Value = { kind: 'number'; sql: SQL; text: string } | { kind: 'date'; sql: SQL } | { kind: 'bool'; text: string } | { kind: 'text'; text: string };

/** ISO 8601 without a zone is UTC, as HubSpot reads it (and crm_property_time in SQL). */
function parseTime(text: string): number {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) return Date.parse(`${t.replace(' ', 'T')}Z`);
  return Date.parse(t);
}

function valueOf(op: Operand, raw: string | number | boolean | undefined, where: string): Value {
  if (raw === undefined) throw bad(`${where} is required for this operator`, where);
  const text = String(raw);
  if (op.kind === 'bool') {
    if (!/^(true|false)$/i.test(text.trim())) throw bad(`${where} must be true or false, got "${text.slice(0, 100)}"`, where);
    return { kind: 'bool', text: text.trim().toLowerCase() };
  }
  if (op.kind === 'number') {
    if (!NUMBER.test(text)) throw bad(`${where} must be a number, got "${text.slice(0, 100)}"`, where);
    return { kind: 'number', sql: sql`${text.trim()}::numeric`, text };
  }
  if (op.kind === 'text') return { kind: 'text', text };
  if (op.kind === 'date' || op.kind === 'time') {
    const ms = NUMBER.test(text) ? Number(text) : parseTime(text);
    if (!Number.isFinite(ms)) throw bad(`${where} must be a date (ISO 8601 or epoch milliseconds), got "${text.slice(0, 100)}"`, where);
    if (ms < DATE_RANGE.min || ms > DATE_RANGE.max) throw bad(`${where} must be a date between the years 1 and 9999, got "${text.slice(0, 100)}"`, where);
    return { kind: 'date', sql: sql`${new Date(ms).toISOString()}::timestamptz` };
  }
  if (NUMBER.test(text)) return { kind: 'number', sql: sql`${text.trim()}::numeric`, text };
  if (op.kind === 'id') throw bad(`${where} must be a record id, got "${text}"`, where);
  return { kind: 'text', text };
}

function equals(op: Operand, v: Value): SQL {
  if (v.kind === 'date') return sql`${op.numeric} = ${v.sql}`;
  if (v.kind === 'bool') return sql`${op.numeric} = ${v.text}::text`;
  if (v.kind === 'number' && op.kind === 'number') return sql`${op.numeric} = ${v.sql}`;
  // a whole id compares as bigint, so the record key answers it (bigint = numeric would scan every record)
  if (v.kind === 'number' && op.kind === 'id' && /^\s*\d{1,15}\s*$/.test(v.text)) return sql`${op.numeric} = ${v.text.trim()}::bigint`;
  if (v.kind === 'number') return op.kind === 'id' ? sql`${op.numeric} = ${v.sql}` : sql`(${op.numeric} = ${v.sql} or lower(${op.text}) = lower(${v.text}::text))`;
  return sql`lower(${op.text}) = lower(${v.text}::text)`;
}

function compare(op: Operand, v: Value, sign: '<' | '<=' | '>' | '>='): SQL {
  const s = sql.raw(sign);
  if (v.kind === 'bool') return sql`${op.numeric} ${s} ${v.text}::text`;
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

/** What filters need beyond the filter itself: the workspace, and the object types `associations.<type>` named. */
interface FilterScope {
  workspaceId: string;
  type: ObjectType;
  associated: Map<string, ObjectType>;
  /** Companies, for `associations.company.primary.<property>` filters (their property types). */
  company?: ObjectType;
}

/**
 * Contacts' emails and companies' domains are stored with an internationalized domain in ASCII
 * form (records.ts): a value typed in Unicode (`jan@bücher.de`) is compared in that form too.
 */
function asStored(typeId: string, name: string): ((v: string | number | boolean) => string | number | boolean) | null {
  const normalize = typeId === CONTACT && name === 'email' ? normalizeEmail : typeId === COMPANY && name === 'domain' ? normalizeDomain : null;
  if (!normalize) return null;
  return (v) => (typeof v === 'string' && /[^\x00-\x7f]/.test(v) ? (normalize(v) ?? v) : v);
}

function filterSql(given: SearchFilter, scope: FilterScope, where: string): SQL {
  const name = given.propertyName;
  if (name.startsWith(ASSOCIATIONS_PREFIX)) return associationFilterSql(given, scope, where);
  const stored = asStored(scope.type.typeId, name);
  const filter = stored ? { ...given, ...(given.value !== undefined ? { value: stored(given.value) } : {}), ...(given.values ? { values: given.values.map(stored) } : {}) } : given;
  const op = typedOperand(scope.type, name);
  if (op.stored) {
    if (!PROPERTY_NAME.test(name)) throw bad(`${name} is not a property name`, `${where}.propertyName`, 'PROPERTY_INVALID');
    if (scope.type.definition && !scope.type.properties.has(name)) {
      throw bad(`${name} is not a property of ${scope.type.name}`, `${where}.propertyName`, 'PROPERTY_INVALID');
    }
  }
  return conditionSql(op, filter, where);
}

/** One filter's condition on an operand, with search's semantics for every operator. */
function conditionSql(op: Operand, filter: SearchFilter, where: string): SQL {
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

async function filtersSql(db: DbOrTx, workspaceId: string, body: SearchBody, type: ObjectType): Promise<SQL | undefined> {
  const groups = body.filterGroups ?? [];
  if (groups.length > SEARCH_LIMITS.groups) throw bad(`At most ${SEARCH_LIMITS.groups} filter groups, got ${groups.length}`, 'filterGroups');
  const total = groups.reduce((n, g) => n + g.filters.length, 0);
  if (total > SEARCH_LIMITS.filters) throw bad(`At most ${SEARCH_LIMITS.filters} filters in all, got ${total}`, 'filterGroups');
  const located = groups.map((group, g) => {
    if (group.filters.length > SEARCH_LIMITS.filtersPerGroup) {
      throw bad(`At most ${SEARCH_LIMITS.filtersPerGroup} filters in a group, filterGroups[${g}] has ${group.filters.length}`, `filterGroups[${g}].filters`);
    }
    return group.filters.map((filter, i) => ({ filter, where: `filterGroups[${g}].filters[${i}]` }));
  });
  return filterGroupsSql(db, workspaceId, type, located);
}

/** A filter and where it came from in the request (`filterGroups[0].filters[1]`, `query:filter[2]`), for errors. */
export interface LocatedFilter {
  filter: SearchFilter;
  where: string;
}

/**
 * The condition of filter groups (ORed) of filters (ANDed) on `records`, as search applies them;
 * undefined when there is none. The index page filters with it too. Object types named by
 * `associations.<objectType>` filters are resolved first (PROPERTY_INVALID when unknown).
 */
export async function filterGroupsSql(db: DbOrTx, workspaceId: string, type: ObjectType, groups: LocatedFilter[][]): Promise<SQL | undefined> {
  const associated = new Map<string, ObjectType>();
  for (const { filter, where } of groups.flat()) {
    const ref = associationRef(filter.propertyName);
    if (ref?.kind !== 'any' || associated.has(ref.objectType)) continue;
    try {
      associated.set(ref.objectType, await resolveObjectType(db, workspaceId, ref.objectType));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'OBJECT_TYPE_NOT_FOUND') {
        throw bad(`${filter.propertyName}: ${ref.objectType} is not an object type`, `${where}.propertyName`, 'PROPERTY_INVALID');
      }
      throw err;
    }
  }
  const primaryFilters = groups.flat().some(({ filter }) => associationRef(filter.propertyName)?.kind === 'primary');
  const scope: FilterScope = { workspaceId, type, associated, ...(primaryFilters ? { company: await resolveObjectType(db, workspaceId, COMPANY) } : {}) };
  const ored = groups.map((group) => and(...group.map(({ filter, where }) => filterSql(filter, scope, where))));
  const nonEmpty = ored.filter((c): c is SQL => c !== undefined);
  return nonEmpty.length > 0 ? or(...nonEmpty) : undefined;
}

// ---- filters on associations (R12) ----------------------------------------------------------------

const ASSOCIATIONS_PREFIX = 'associations.';
const COMPANY_REFS = new Set(['company', 'companies', COMPANY]);

/**
 * The association filters, by property name:
 * - `associations.<objectType>`: has associations with records of that type (HAS_PROPERTY,
 *   NOT_HAS_PROPERTY), or with given records (EQ, IN, NEQ, NOT_IN on record ids);
 * - `associations.company.primary`: the primary company, the same way;
 * - `associations.company.primary.<property>`: a property of the primary company, every operator.
 */
type AssociationRef = { kind: 'any'; objectType: string } | { kind: 'primary'; property?: string };

function associationRef(name: string): AssociationRef | null {
  if (!name.startsWith(ASSOCIATIONS_PREFIX)) return null;
  const parts = name.slice(ASSOCIATIONS_PREFIX.length).split('.');
  if (parts.length === 1 && parts[0]) return { kind: 'any', objectType: parts[0] };
  if ((parts.length === 2 || parts.length === 3) && COMPANY_REFS.has(parts[0]!.toLowerCase()) && parts[1] === 'primary') {
    return parts.length === 3 ? { kind: 'primary', property: parts[2]! } : { kind: 'primary' };
  }
  return null;
}

/** Operators that hold for records without the value, and their positive forms. */
const NEGATED: Partial<Record<FilterOperator, FilterOperator>> = { NEQ: 'EQ', NOT_IN: 'IN', NOT_HAS_PROPERTY: 'HAS_PROPERTY', NOT_CONTAINS_TOKEN: 'CONTAINS_TOKEN' };

/** Record ids of an EQ / IN (or NEQ / NOT_IN) filter on associations. */
function recordIds(filter: SearchFilter, where: string): number[] {
  const many = filter.operator === 'IN' || filter.operator === 'NOT_IN';
  const raw = many ? filter.values : filter.value === undefined ? undefined : [filter.value];
  const at = many ? `${where}.values` : `${where}.value`;
  if (!raw || raw.length === 0) throw bad(`${at} must name ${many ? 'at least one record id' : 'a record id'} for ${filter.operator}`, at);
  return raw.map((v, i) => {
    const text = String(v).trim();
    const id = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(id) || id <= 0) throw bad(`${many ? `${at}[${i}]` : at} must be a record id, got "${text}"`, many ? `${at}[${i}]` : at);
    return id;
  });
}

/**
 * HAS_PROPERTY / EQ / IN (and their negations) on "associated with". `any` asks for an association
 * of the record; `these(ids)` for one with the given records, read from THEIR side (R2 keeps both
 * directions): the key of the associations table then starts with the few ids asked, not with
 * every record searched.
 */
function associatedWith(filter: SearchFilter, where: string, any: SQL, these: (ids: SQL) => SQL): SQL {
  const positive = NEGATED[filter.operator] ?? filter.operator;
  let cond: SQL;
  if (positive === 'HAS_PROPERTY') cond = any;
  else if (positive === 'EQ' || positive === 'IN') cond = these(sql.join(recordIds(filter, where).map((id) => sql`${id}::bigint`), sql`, `));
  else {
    throw bad(`${filter.propertyName} takes HAS_PROPERTY, NOT_HAS_PROPERTY, EQ, NEQ, IN or NOT_IN (record ids), not ${filter.operator}`, `${where}.operator`);
  }
  return positive === filter.operator ? cond : sql`not ${cond}`;
}

function associationFilterSql(filter: SearchFilter, scope: FilterScope, where: string): SQL {
  const ref = associationRef(filter.propertyName);
  const ws = scope.workspaceId;
  const self = scope.type.typeId;
  if (!ref) {
    throw bad(`${filter.propertyName} is not an association filter: use associations.<objectType>, associations.company.primary or associations.company.primary.<property>`, `${where}.propertyName`, 'PROPERTY_INVALID');
  }
  if (ref.kind === 'any') {
    const to = scope.associated.get(ref.objectType)!.typeId;
    return associatedWith(
      filter,
      where,
      sql`exists (select 1 from associations ha where ha.workspace_id = ${ws} and ha.from_id = ${records.id} and ha.to_type = ${to})`,
      (ids) => sql`exists (select 1 from associations hb where hb.workspace_id = ${ws} and hb.from_id in (${ids}) and hb.to_type = ${self} and hb.to_id = ${records.id})`,
    );
  }
  const primary = hubspotPrimaryType(self, COMPANY);
  if (!primary) {
    throw bad(`${scope.type.name} have no primary company; associations.company.primary filters are for contacts, deals and tickets`, `${where}.propertyName`, 'PROPERTY_INVALID');
  }
  if (ref.property === undefined) {
    return associatedWith(
      filter,
      where,
      sql`exists (select 1 from associations pa where pa.workspace_id = ${ws} and pa.from_id = ${records.id} and pa.to_type = ${COMPANY} and pa.type_id = ${primary.typeId})`,
      (ids) => sql`exists (select 1 from associations pb where pb.workspace_id = ${ws} and pb.from_id in (${ids}) and pb.to_type = ${self} and pb.to_id = ${records.id} and pb.type_id = ${primary.inverseTypeId})`,
    );
  }
  const name = ref.property;
  const op = operand(name, PRIMARY_COMPANY, scope.company?.properties.get(name)?.type);
  if (op.stored && !PROPERTY_NAME.test(name)) throw bad(`${name} is not a property name`, `${where}.propertyName`, 'PROPERTY_INVALID');
  // At most one primary company: "it matches" is "one exists that matches" (R12). A negation holds
  // for records without a primary company too, as it holds for records without the property.
  const positive = NEGATED[filter.operator];
  const cond = conditionSql(op, positive ? { ...filter, operator: positive } : filter, where);
  // Both directions of the primary edge are joined, so the planner may start from the searched
  // record (pa, by its key) or, for a selective condition, from the companies (an index such as
  // records_company_domain, then pb by its key).
  const exists = sql`exists (select 1 from associations pa
    join records pc on pc.workspace_id = pa.workspace_id and pc.id = pa.to_id and pc.type_id = ${COMPANY}
    join associations pb on pb.workspace_id = pc.workspace_id and pb.from_id = pc.id and pb.to_type = ${self} and pb.to_id = pa.from_id and pb.type_id = ${primary.inverseTypeId}
    where pa.workspace_id = ${ws} and pa.from_id = ${records.id} and pa.to_type = ${COMPANY} and pa.type_id = ${primary.typeId} and ${cond})`;
  return positive ? sql`not ${exists}` : exists;
}

function querySql(body: SearchBody, type: ObjectType): SQL | undefined {
  const q = body.query?.trim();
  if (!q) return undefined;
  const props = searchableProperties(type);
  const conds = props.map((name) => sql`strpos(lower(${operand(name).text}), lower(${q}::text)) > 0`);
  if (/^\d{1,16}$/.test(q)) conds.push(sql`${records.id} = ${q}::bigint`);
  return conds.length > 0 ? or(...conds) : sql`false`;
}

/** One ORDER BY key of an operand, and the SQL type of its values (to read a value back from its text). */
export interface OrderKey {
  expr: SQL;
  cast: 'numeric' | 'text' | 'timestamptz' | 'bigint';
}

/**
 * How an operand sorts, by its kind (kindOf): numbers by value then, for values that are no
 * number, by text; instants to the millisecond then by text; true/false and text as text alone;
 * the record's id and dates by value. Empty and unreadable values are null: callers put them last.
 * Search's sorts and the index page's (whose cursors hold these keys) both use this.
 */
export function orderKeys(op: Operand): OrderKey[] {
  switch (op.kind) {
    case 'id':
      return [{ expr: op.numeric, cast: 'bigint' }];
    case 'date':
      return [{ expr: op.numeric, cast: 'timestamptz' }];
    case 'time':
      return [
        { expr: sql`date_trunc('milliseconds', ${op.numeric})`, cast: 'timestamptz' },
        { expr: op.text, cast: 'text' },
      ];
    case 'text':
      return [{ expr: op.text, cast: 'text' }];
    case 'bool':
      return [
        { expr: op.numeric, cast: 'text' },
        { expr: op.text, cast: 'text' },
      ];
    case 'number':
    case 'guess':
      return [
        { expr: op.numeric, cast: 'numeric' },
        { expr: op.text, cast: 'text' },
      ];
  }
}

function orderSql(body: SearchBody, type: ObjectType): SQL[] {
  const order: SQL[] = [];
  (body.sorts ?? []).forEach((s, i) => {
    const [name, descending] = typeof s === 'string' ? [s.replace(/^-/, ''), s.startsWith('-')] : [s.propertyName, s.direction === 'DESCENDING'];
    const op = typedOperand(type, name);
    if (op.stored && (!PROPERTY_NAME.test(name) || (type.definition && !type.properties.has(name)))) {
      throw bad(`Cannot sort by ${name}: not a property of ${type.name}`, `sorts[${i}]`, 'PROPERTY_INVALID');
    }
    const way = sql.raw(descending ? 'desc nulls last' : 'asc nulls last');
    // by the property's type (orderKeys); unreadable values last
    for (const key of orderKeys(op)) order.push(sql`${key.expr} ${way}`);
  });
  order.push(asc(records.id));
  return order;
}

/**
 * HubSpot CRM search over one type's live records: filter groups (ORed) of filters (ANDed), a
 * free-text `query` over the type's searchable properties, sorts, offset paging. One statement,
 * every value a parameter. Comparisons are numeric when the given value is a number. Besides
 * properties, filters may name associations (see associationRef): the primary company's
 * properties (R12) and "has associations with".
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
    await filtersSql(db, workspaceId, body, type),
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
