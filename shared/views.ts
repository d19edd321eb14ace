import { z } from 'zod';
import { recordId } from './associations.ts';
import { objectTypeRef } from './objects.ts';
import type { FilterOperator, SearchFilter } from './records.ts';

/**
 * Views of records for people: index pages with association columns (R9, R19), personalization
 * tokens (R12) and copying associations between records (B6). These shapes are a contract with
 * the record pages and the companion.
 */

export const INDEX_LIMITS = {
  defaultLimit: 25,
  maxLimit: 100,
  maxColumns: 50,
  maxAssociationColumns: 20,
  /** How many associated records an "[Object] → [Objects]" cell names. */
  firstShown: 3,
  maxFilters: 10,
  maxSorts: 3,
} as const;

// ---- index page: columns ------------------------------------------------------------------------

/**
 * One column of an index page, as the `columns` parameter names it:
 * - `dealname`: a property (also `hs_object_id`, `createdate`, `lastmodifieddate`);
 * - `assoc:<objectType>`: "[Object] → [Objects]", the count of associated records of that type and
 *   the first few (`assoc:companies`, `assoc:0-1`, `assoc:boats`);
 * - `primary:company`: "[Object] → Company (primary)", the primary company (contacts, deals, tickets).
 */
export type IndexColumn =
  | { kind: 'property'; key: string; property: string }
  | { kind: 'associations'; key: string; objectType: string }
  | { kind: 'primaryCompany'; key: string };

const COLUMN = /^(?:(assoc|primary):)?([A-Za-z][A-Za-z0-9_]{0,99}|[0-9]+-[0-9]{1,12})$/;
const COMPANY_REFS = new Set(['company', 'companies', '0-2']);

export const indexColumn = z
  .string()
  .max(120)
  .regex(COLUMN, 'a column is a property (`dealname`), `assoc:<objectType>` (`assoc:companies`) or `primary:company`')
  .transform((key, ctx): IndexColumn => {
    const [, prefix, name] = COLUMN.exec(key)!;
    if (prefix === 'assoc') return { kind: 'associations', key, objectType: name! };
    if (prefix === 'primary') {
      if (!COMPANY_REFS.has(name!.toLowerCase())) ctx.addIssue({ code: 'custom', message: `only the primary company has a column: \`primary:company\`, not \`${key}\`` });
      return { kind: 'primaryCompany', key };
    }
    if (/^[0-9]/.test(name!)) ctx.addIssue({ code: 'custom', message: `\`${key}\` is not a property name; association columns are \`assoc:${key}\`` });
    return { kind: 'property', key, property: name! };
  });

/** `a,b` or a repeated parameter, as a list of trimmed, non-empty items. */
const commaList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));
/** A repeated parameter whose values may hold commas. */
const repeated = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

// ---- index page: filters and sorts --------------------------------------------------------------

/** The short operator names of `filter`, and the search operators they stand for. */
export const INDEX_OPERATORS = {
  eq: 'EQ',
  neq: 'NEQ',
  lt: 'LT',
  lte: 'LTE',
  gt: 'GT',
  gte: 'GTE',
  between: 'BETWEEN',
  in: 'IN',
  not_in: 'NOT_IN',
  has: 'HAS_PROPERTY',
  not_has: 'NOT_HAS_PROPERTY',
  contains: 'CONTAINS_TOKEN',
  not_contains: 'NOT_CONTAINS_TOKEN',
} as const satisfies Record<string, FilterOperator>;

const FILTER = /^([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+){0,3}):([a-z_]+)(?::(.*))?$/s;

/**
 * `filter=<property>:<operator>[:<value>]`, repeated; all must hold (AND). Operators: eq, neq, lt,
 * lte, gt, gte, between, in, not_in, has, not_has, contains, not_contains. `in`/`not_in` take
 * values separated by `|`, `between` takes `low|high`; `has`/`not_has` take none. The value is
 * everything after the second colon (dates may hold colons). Comparisons are those of search:
 * numeric when the value is a number, case-insensitive equality, `neq` keeps records without the
 * property. Properties may be `associations.company.primary.<property>` and `associations.<objectType>`.
 */
export const indexFilter = z
  .string()
  .max(2000)
  .regex(FILTER, 'a filter is `<property>:<operator>[:<value>]`, e.g. `amount:gt:1000`')
  .transform((text, ctx): SearchFilter => {
    const [, propertyName, op, value] = FILTER.exec(text)!;
    const operator = INDEX_OPERATORS[op as keyof typeof INDEX_OPERATORS];
    if (!operator) {
      ctx.addIssue({ code: 'custom', message: `unknown operator \`${op}\`; use one of ${Object.keys(INDEX_OPERATORS).join(', ')}` });
      return { propertyName: propertyName!, operator: 'EQ' };
    }
    const filter: SearchFilter = { propertyName: propertyName!, operator };
    if (value === undefined) return filter;
    if (operator === 'IN' || operator === 'NOT_IN') return { ...filter, values: value.split('|') };
    if (operator === 'BETWEEN') {
      const [low, high, ...rest] = value.split('|');
      if (high === undefined || rest.length > 0) ctx.addIssue({ code: 'custom', message: '`between` takes `low|high`' });
      return { ...filter, value: low!, ...(high !== undefined ? { highValue: high } : {}) };
    }
    return { ...filter, value };
  });

/**
 * A sort of an index page: a property, or an association column (R19): `propertyName` is then the
 * column's key (`assoc:deals`, `primary:company`) and `column` says which.
 */
export interface IndexSort {
  propertyName: string;
  descending: boolean;
  column?: Exclude<IndexColumn, { kind: 'property' }>;
}

/**
 * `sort=amount` ascending, `sort=-amount` descending; up to three, comma-separated. Empty values
 * last. Association columns sort too: `primary:company` by the primary company's name,
 * `assoc:<objectType>` by how many records are associated (none counts as empty: last).
 */
export const indexSort = z
  .string()
  .regex(/^-?(?:(?:assoc|primary):)?(?:[A-Za-z][A-Za-z0-9_]{0,99}|[0-9]+-[0-9]{1,12})$/, 'a sort is a property name or an association column (`assoc:deals`, `primary:company`), `-` in front for descending')
  .transform((s, ctx): IndexSort => {
    const key = s.replace(/^-/, '');
    const descending = s.startsWith('-');
    const column = indexColumn.safeParse(key);
    if (!column.success) {
      for (const issue of column.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
      return { propertyName: key, descending };
    }
    return column.data.kind === 'property' ? { propertyName: key, descending } : { propertyName: key, descending, column: column.data };
  });

export const indexPath = z.object({ objectType: objectTypeRef });

export const indexQuery = z.object({
  columns: commaList
    .pipe(z.array(indexColumn).min(1, 'name at least one column').max(INDEX_LIMITS.maxColumns, `at most ${INDEX_LIMITS.maxColumns} columns`))
    .describe('Comma-separated: properties (`dealname`), `assoc:<objectType>` ("Deal → Companies"), `primary:company` ("Deal → Company (primary)")'),
  filter: repeated
    .pipe(z.array(indexFilter).max(INDEX_LIMITS.maxFilters, `at most ${INDEX_LIMITS.maxFilters} filters`))
    .optional()
    .describe('Repeated, all must hold: `<property>:<operator>[:<value>]`, e.g. `amount:gt:1000`, `dealstage:in:won|lost`, `associations.company.primary.domain:eq:acme.com`'),
  sort: commaList
    .pipe(z.array(indexSort).max(INDEX_LIMITS.maxSorts, `at most ${INDEX_LIMITS.maxSorts} sorts`))
    .optional()
    .describe('Comma-separated properties, `-` for descending (`-amount,dealname`); record id order when absent'),
  after: z.string().max(2000).optional().describe('Cursor from `paging.next.after`: the page after it; only valid with the same sort'),
  before: z.string().max(2000).optional().describe('Cursor from `paging.prev.before`: the page before it (the first page when fewer rows are left); only valid with the same sort, never with `after`'),
  import: z.uuid().optional().describe('Only the records this import created (`/api/imports/{id}`); still there unless archived since'),
  limit: z.coerce.number().int().min(1).max(INDEX_LIMITS.maxLimit).default(INDEX_LIMITS.defaultLimit).describe(`Rows per page, at most ${INDEX_LIMITS.maxLimit}`),
});
export type IndexQuery = z.infer<typeof indexQuery>;

// ---- index page: the answer ---------------------------------------------------------------------

/** A record named in a cell: its id and display name (null when it has none). */
export const recordRef = z.object({ id: z.string(), name: z.string().nullable() });
export type RecordRef = z.infer<typeof recordRef>;

/** "[Object] → [Objects]": how many, and the first few by record id (the UI shows "[x] records"). */
export const associationsCell = z.object({ count: z.number().int(), first: z.array(recordRef) });
export type AssociationsCell = z.infer<typeof associationsCell>;

export const indexColumnView = z.object({
  key: z.string(),
  kind: z.enum(['property', 'associations', 'primaryCompany']),
  /** HubSpot's heading: `Amount`, `Deal → Companies`, `Deal → Company (primary)`. */
  label: z.string(),
  property: z.string().optional(),
  /** The associated object type (association and primary columns). */
  toObjectTypeId: z.string().optional(),
  toObjectType: z.string().optional(),
});
export type IndexColumnView = z.infer<typeof indexColumnView>;

export const indexCell = z.union([z.string(), z.null(), associationsCell, recordRef]);
export type IndexCell = z.infer<typeof indexCell>;

export const indexRow = z.object({
  id: z.string(),
  /** The record's display name. */
  name: z.string().nullable(),
  /** One value per column key: a property's string (or null), an associations cell, or the primary company (or null). */
  values: z.record(z.string(), indexCell),
});
export type IndexRow = z.infer<typeof indexRow>;

export const indexPageResponse = z.object({
  objectTypeId: z.string(),
  objectType: z.string(),
  columns: z.array(indexColumnView),
  results: z.array(indexRow),
  /** `next` when rows follow the page, `prev` when rows precede it; absent when neither. */
  paging: z.object({ next: z.object({ after: z.string(), link: z.string() }).optional(), prev: z.object({ before: z.string(), link: z.string() }).optional() }).optional(),
});
export type IndexPageResponse = z.infer<typeof indexPageResponse>;

/** Headings of common HubSpot properties; other properties are headed by their definition's label or name. */
export const PROPERTY_LABELS: Record<string, string> = {
  hs_object_id: 'Record ID',
  createdate: 'Create Date',
  lastmodifieddate: 'Last Modified Date',
  hs_lastmodifieddate: 'Last Modified Date',
  firstname: 'First Name',
  lastname: 'Last Name',
  email: 'Email',
  phone: 'Phone Number',
  jobtitle: 'Job Title',
  lifecyclestage: 'Lifecycle Stage',
  name: 'Company name',
  domain: 'Company Domain Name',
  industry: 'Industry',
  city: 'City',
  dealname: 'Deal Name',
  amount: 'Amount',
  dealstage: 'Deal Stage',
  pipeline: 'Pipeline',
  closedate: 'Close Date',
  subject: 'Ticket name',
  content: 'Ticket description',
  hs_pipeline: 'Pipeline',
  hs_pipeline_stage: 'Ticket status',
  hs_ticket_priority: 'Priority',
};

// ---- personalization tokens (R12) ---------------------------------------------------------------

export const RENDER_LIMITS = { templateLength: 100_000, tokens: 1000 } as const;

export const renderBody = z.object({
  template: z.string().max(RENDER_LIMITS.templateLength).describe('Plain text with `{{object.property}}` tokens, optionally `{{contact.firstname | default: "there"}}`'),
  objectType: objectTypeRef,
  id: recordId,
});
export type RenderBody = z.infer<typeof renderBody>;

/**
 * Why a token rendered empty (or as its default): the object is not the record's type nor its
 * `company`; the record has no primary company; the property has no value; not a token at all.
 */
export const missingReason = z.enum(['UNKNOWN_OBJECT', 'NO_PRIMARY_COMPANY', 'NO_VALUE', 'INVALID_TOKEN']);
export type MissingReason = z.infer<typeof missingReason>;

export const renderResponse = z.object({
  /** Plain text: values are inserted as they are, never HTML-escaped. Escape for the medium you send in. */
  rendered: z.string(),
  /** Each token that had no value, once, in order of appearance; `defaulted` when its fallback was used. */
  missing: z.array(z.object({ token: z.string(), reason: missingReason, defaulted: z.boolean() })),
});
export type RenderResponse = z.infer<typeof renderResponse>;

// ---- copy associations (B6) ---------------------------------------------------------------------

export const COPY_LIMITS = { associations: 1000, objectTypes: 20 } as const;

export const copyAssociationsPath = z.object({ objectType: objectTypeRef, id: recordId });
export const copyAssociationsBody = z.object({
  toRecordId: recordId.describe('The record that receives the associations; same object type as the source'),
  objectTypes: z.array(objectTypeRef).min(1).max(COPY_LIMITS.objectTypes).optional().describe('Copy only associations with these object types (default: all)'),
  includeLabels: z.boolean().default(false).describe('Copy association labels too (Professional and up); the plain association is copied either way'),
});
export type CopyAssociationsBody = z.infer<typeof copyAssociationsBody>;

const copiedItem = z.object({
  toObjectTypeId: z.string(),
  toObjectType: z.string(),
  toObjectId: z.string(),
  /** Labels between the target and this record afterwards. */
  labels: z.array(z.string()),
});
export const copyAssociationsResponse = z.object({
  fromObjectId: z.string(),
  toObjectId: z.string(),
  /** Newly associated, or labels added. */
  copied: z.array(copiedItem),
  /** Already associated with everything that would have been copied. */
  unchanged: z.array(copiedItem),
  /** Refused by a rule (limit, plan, self-association), with our error code; `labels` when only labels were refused. */
  refused: z.array(
    z.object({
      toObjectTypeId: z.string(),
      toObjectType: z.string(),
      toObjectId: z.string(),
      code: z.string(),
      message: z.string(),
      labels: z.array(z.string()).optional(),
    }),
  ),
});
export type CopyAssociationsResponse = z.infer<typeof copyAssociationsResponse>;
