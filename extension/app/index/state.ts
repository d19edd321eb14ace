/**
 * An index page's state (R19): what the address holds (filters, sort, the page's cursor: `after`
 * for a page reached forward, `before` for one reached by "Previous page"), so a
 * copied address or a reload shows the same view, and the columns a rep chose, kept per object
 * type in the extension's storage. Filters are the API's own syntax (`<property>:<operator>[:<value>]`,
 * shared/views.ts `indexFilter`): the address is passed on as it is.
 */
import { indexColumn, indexFilter, indexSort, PROPERTY_LABELS } from '../../../shared/views.ts';

export interface IndexState {
  filters: string[];
  /** `lastname` or `-lastname`, an association column (`primary:company`, `-assoc:deals`); null: record id order. */
  sort: string | null;
  /** The page after this cursor (the next page). */
  after: string | null;
  /** The page before this cursor (the previous page); never with `after`. */
  before?: string | null;
}

/** The state in an index route's query; what the API would refuse is left out. */
export function stateOf(query: URLSearchParams): IndexState {
  const filters = query.getAll('filter').filter((f) => indexFilter.safeParse(f).success);
  const sort = query.get('sort');
  const after = query.get('after');
  const before = query.get('before');
  const cursor = (c: string | null) => (c && c.length <= 2000 ? c : null);
  return {
    filters,
    sort: sort && indexSort.safeParse(sort).success ? sort : null,
    after: cursor(after),
    // one cursor at a time: `after` wins (the API refuses both)
    before: cursor(after) ? null : cursor(before),
  };
}

/** The query of a state: `filter` repeated, then `sort`, then `after` or `before`. */
export function queryOf(state: IndexState): URLSearchParams {
  const query = new URLSearchParams();
  for (const f of state.filters) query.append('filter', f);
  if (state.sort) query.set('sort', state.sort);
  if (state.after) query.set('after', state.after);
  else if (state.before) query.set('before', state.before);
  return query;
}

/**
 * Sorting a column (a property, or an association column by its key: `primary:company` by the
 * company's name, `assoc:deals` by the count): ascending first, then descending, then ascending
 * again; a new sort starts at the first page.
 */
export function nextSort(current: string | null, column: string): string {
  return current === column ? `-${column}` : column;
}

export const STANDARD_TYPES = ['contacts', 'companies', 'deals', 'tickets'] as const;
export type StandardType = (typeof STANDARD_TYPES)[number];

const standard = (objectType: string): StandardType | null => (STANDARD_TYPES as readonly string[]).includes(objectType) ? (objectType as StandardType) : null;

/** The property a type's name column sorts by. */
export const NAME_SORT: Record<StandardType, string> = { contacts: 'lastname', companies: 'name', deals: 'dealname', tickets: 'subject' };

const PROPERTIES: Record<StandardType, string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'jobtitle', 'lifecyclestage', 'createdate'],
  companies: ['name', 'domain', 'industry', 'city', 'createdate'],
  deals: ['dealname', 'amount', 'dealstage', 'closedate', 'createdate'],
  tickets: ['subject', 'hs_ticket_priority', 'createdate'],
};

/** Types that have a primary company (R9). */
const WITH_PRIMARY = new Set<string>(['contacts', 'deals', 'tickets']);

/** The columns a rep can choose on a type's index page: properties, then "→ [Objects]", then "→ Company (primary)". */
export function columnChoices(objectType: string): string[] {
  const type = standard(objectType);
  const properties = type ? PROPERTIES[type] : ['hs_object_id', 'createdate'];
  const associations = STANDARD_TYPES.filter((other) => other !== type).map((other) => `assoc:${other}`);
  return [...properties, ...associations, ...(type !== null && WITH_PRIMARY.has(type) ? ['primary:company'] : [])];
}

/** The columns before a rep chooses: the type's main properties and its association columns. */
export function defaultColumns(objectType: string): string[] {
  switch (standard(objectType)) {
    case 'contacts':
      return ['email', 'assoc:companies', 'primary:company', 'assoc:deals', 'assoc:tickets'];
    case 'companies':
      return ['domain', 'assoc:contacts', 'assoc:deals', 'assoc:tickets'];
    case 'deals':
      return ['amount', 'dealstage', 'assoc:contacts', 'assoc:companies', 'primary:company'];
    case 'tickets':
      return ['hs_ticket_priority', 'assoc:contacts', 'assoc:companies', 'primary:company'];
    default:
      return ['createdate', 'assoc:contacts', 'assoc:companies'];
  }
}

/** The heading of a column before the server names it (the chooser's list). */
export function propertyLabel(property: string): string {
  return PROPERTY_LABELS[property] ?? property;
}

/** The storage the chosen columns live in (`browser.storage.local`). */
export interface ColumnStore {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

const storageKey = (objectType: string) => `indexColumns:${objectType}`;

/** The columns chosen for a type, or its defaults; what is no column (anymore) is left out. */
export async function loadColumns(store: ColumnStore, objectType: string): Promise<string[]> {
  const key = storageKey(objectType);
  const saved = (await store.get(key))[key];
  if (!Array.isArray(saved)) return defaultColumns(objectType);
  const valid = saved.filter((c): c is string => typeof c === 'string' && indexColumn.safeParse(c).success);
  return valid.length > 0 ? valid : defaultColumns(objectType);
}

export async function saveColumns(store: ColumnStore, objectType: string, columns: readonly string[]): Promise<void> {
  await store.set({ [storageKey(objectType)]: [...columns] });
}

/** A filter the page builds: the field (property or association), its operator and value. */
export type FilterField = { kind: 'property'; property: string } | { kind: 'primary'; property: 'domain' | 'name' } | { kind: 'associations'; objectType: string };

export function filterOf(field: FilterField, operator: string, value: string): string {
  const v = value.trim();
  switch (field.kind) {
    case 'property':
      return operator === 'has' || operator === 'not_has' ? `${field.property}:${operator}` : `${field.property}:${operator}:${v}`;
    case 'primary':
      return `associations.company.primary.${field.property}:${operator}:${v}`;
    case 'associations':
      return `associations.${field.objectType}:${operator === 'not_has' ? 'not_has' : 'has'}`;
  }
}

/** The parts of a filter of the address, for its description. */
export function partsOf(filter: string): { property: string; operator: string; value: string | null } | null {
  const m = /^([A-Za-z0-9_.]+):([a-z_]+)(?::(.*))?$/s.exec(filter);
  return m ? { property: m[1]!, operator: m[2]!, value: m[3] ?? null } : null;
}
