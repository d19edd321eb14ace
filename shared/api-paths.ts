/**
 * The paths of the API routes the browser companion calls: one builder per route, every
 * parameter encoded. The extension writes no URL of its own, so a route that moves moves here and
 * the type checker finds every caller. What each route answers is a zod schema beside the route's
 * other schemas (shared/records.ts, associations.ts, companion.ts, history.ts, pipelines.ts, ...).
 */

/** A record as a path names it: its object type (plural name or type id) and its id. */
export interface PathRecord {
  objectType: string;
  id: string | number;
}

/**
 * The demo mailbox a server started with `--demo` serves (server/demo/mailbox.ts): a page, not an
 * API route; the companion reads it as a webmail (extension/mail/hosts.ts) and the welcome page links it.
 */
export const DEMO_MAIL_PATH = '/demo/mail';

const seg = (value: string | number) => encodeURIComponent(String(value));

/** `?a=1&b=2` of the parameters that are set, or '' when none is. */
function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

const associationsOf = (from: PathRecord) => `/crm/v4/objects/${seg(from.objectType)}/${seg(from.id)}/associations`;

export const apiPaths = {
  /** POST: an email thread as the sidebar shows it (server/routes/companion.ts). */
  companionThread: () => '/api/companion/thread',
  /** GET: the caller's workspace. */
  workspace: () => '/api/workspace',
  /** GET: who the caller is (user and role, or app token) and the workspace. */
  me: () => '/api/me',

  /** POST: create one record (HubSpot v3). */
  createRecord: (objectType: string) => `/crm/v3/objects/${seg(objectType)}`,
  /** POST: search records of one type. */
  searchRecords: (objectType: string) => `/crm/v3/objects/${seg(objectType)}/search`,
  /** POST: read records by id. */
  batchReadRecords: (objectType: string) => `/crm/v3/objects/${seg(objectType)}/batch/read`,

  /** GET: the live pipelines of deals or tickets, with their stages (HubSpot v3). */
  pipelines: (objectType: 'deals' | 'tickets') => `/crm/v3/pipelines/${seg(objectType)}`,

  /** PUT: associate two records with the unlabeled default type. */
  associateDefault: (from: PathRecord, to: PathRecord) => `${associationsOf(from)}/default/${seg(to.objectType)}/${seg(to.id)}`,
  /** PUT: associate two records with labels (the body); DELETE: remove the association altogether. */
  association: (from: PathRecord, to: PathRecord, params: { newPrimaryCompanyId?: string | number } = {}) =>
    `${associationsOf(from)}/${seg(to.objectType)}/${seg(to.id)}${query(params)}`,
  /** POST: associate many pairs with the default type; refused pairs are named in a 207's `errors`. */
  batchAssociateDefault: (fromType: string, toType: string) => `/crm/v4/associations/${seg(fromType)}/${seg(toType)}/batch/associate/default`,
  /**
   * GET: an index page (R9, R19): `columns` (properties, `assoc:<type>`, `primary:company`),
   * `filter` (repeated, `<property>:<operator>[:<value>]`), `sort` (`-amount`), `after`, `limit`.
   */
  indexPage: (objectType: string, params: { columns: readonly string[]; filters?: readonly string[]; sort?: string | null; after?: string | null; before?: string | null; limit?: number }) => {
    const search = new URLSearchParams({ columns: params.columns.join(',') });
    for (const f of params.filters ?? []) search.append('filter', f);
    if (params.sort) search.set('sort', params.sort);
    if (params.after) search.set('after', params.after);
    else if (params.before) search.set('before', params.before);
    if (params.limit !== undefined) search.set('limit', String(params.limit));
    return `/api/objects/${seg(objectType)}/index?${search.toString()}`;
  },
  /** POST: the associations of many records with one object type. */
  batchReadAssociations: (fromType: string, toType: string) => `/crm/v4/associations/${seg(fromType)}/${seg(toType)}/batch/read`,
  /** POST: remove labels between many pairs; the associations stay. */
  batchArchiveLabels: (fromType: string, toType: string) => `/crm/v4/associations/${seg(fromType)}/${seg(toType)}/batch/labels/archive`,

  /** GET: one record with the given properties (HubSpot v3). */
  record: (objectType: string, id: string | number, params: { properties?: readonly string[] } = {}) =>
    `/crm/v3/objects/${seg(objectType)}/${seg(id)}${query({ properties: params.properties?.join(',') })}`,
  /** PATCH: change a record's properties. */
  updateRecord: (objectType: string, id: string | number) => `/crm/v3/objects/${seg(objectType)}/${seg(id)}`,
  /** GET: what to associate with a record, with reasons (R5); `q` what the rep typed. */
  recordRecommendations: (record: PathRecord, params: { toObjectType: string; q?: string; limit?: number }) =>
    `/api/objects/${seg(record.objectType)}/${seg(record.id)}/recommendations${query({ toObjectType: params.toObjectType, q: params.q, limit: params.limit })}`,
  /** POST: undo one association change (B1). */
  revertHistoryEntry: (entryId: string | number, params: { newPrimaryCompanyId?: string | number } = {}) => `/api/history/${seg(entryId)}/revert${query(params)}`,
  /** GET: the per-record association limits an admin set for a pair (R4). */
  associationLimits: (fromType: string, toType: string) => `/crm/v4/associations/definitions/configurations/${seg(fromType)}/${seg(toType)}`,

  /** GET: a record's activities, newest first (the timeline). */
  timeline: (of: PathRecord, params: { limit?: number; after?: string } = {}) => `/api/objects/${seg(of.objectType)}/${seg(of.id)}/activities${query(params)}`,
  /** POST: log an activity (an email) on a record. */
  logActivity: (on: PathRecord) => `/api/objects/${seg(on.objectType)}/${seg(on.id)}/activities`,

  /** GET: a record's association history, newest first (R20, R21); filters as server/routes/history.ts reads them. */
  associationHistory: (record: PathRecord, params: { toObjectType?: string; source?: string; action?: string; from?: string; to?: string; limit?: number; after?: string } = {}) =>
    `/api/objects/${seg(record.objectType)}/${seg(record.id)}/association-history${query(params)}`,
  /** GET: the full history of one association, newest first (R22). */
  associationHistoryWith: (record: PathRecord, to: PathRecord, params: { limit?: number; after?: string } = {}) =>
    `/api/objects/${seg(record.objectType)}/${seg(record.id)}/association-history/${seg(to.objectType)}/${seg(to.id)}${query(params)}`,
  /** GET: a record's associations now, grouped by object type, with labels; or as they were at `at` (B3). */
  associationsAt: (record: PathRecord, params: { at?: string } = {}) => `/api/objects/${seg(record.objectType)}/${seg(record.id)}/associations${query(params)}`,

  /** GET: association types of a direction with their use and limits (admin settings). */
  associationUsage: (fromType: string, toType: string) => `/api/associations/${seg(fromType)}/${seg(toType)}/usage`,
  /** GET: the association types (labels) of a direction (R14); POST: create one; PUT: rename one (HubSpot v4). */
  labels: (fromType: string, toType: string) => `/crm/v4/associations/${seg(fromType)}/${seg(toType)}/labels`,
  /** DELETE: a label of a direction. */
  label: (fromType: string, toType: string, typeId: number) => `/crm/v4/associations/${seg(fromType)}/${seg(toType)}/labels/${seg(typeId)}`,
  /** POST: set per-record limits of a direction (HubSpot v4). */
  updateLimits: (fromType: string, toType: string) => `/crm/v4/associations/definitions/configurations/${seg(fromType)}/${seg(toType)}/batch/update`,
  /** POST: set per-record limits of a direction where none was set (HubSpot v4). */
  createLimits: (fromType: string, toType: string) => `/crm/v4/associations/definitions/configurations/${seg(fromType)}/${seg(toType)}/batch/create`,
  /** POST: remove per-record limits of a direction (back to the defaults; HubSpot v4). */
  purgeLimits: (fromType: string, toType: string) => `/crm/v4/associations/definitions/configurations/${seg(fromType)}/${seg(toType)}/batch/purge`,
  /** POST: start associating existing contacts by domain; GET: its progress. */
  autoDomainJobs: () => '/api/auto-domain/jobs',
  autoDomainJob: (id: string) => `/api/auto-domain/jobs/${seg(id)}`,
  /** GET/POST: the workspace's users. */
  users: () => '/api/users',
  /** PATCH/DELETE: one user. */
  user: (id: number) => `/api/users/${seg(id)}`,
  /** GET/POST: the workspace's tokens. */
  tokens: () => '/api/tokens',
  /** DELETE: revoke a token. */
  token: (id: number) => `/api/tokens/${seg(id)}`,

  /** GET: the change feed's end now. */
  changesLatest: () => '/api/changes/latest',
  /** GET: one page of the change feed after a cursor. */
  changes: (params: { after?: string; limit?: number }) => `/api/changes${query({ after: params.after, limit: params.limit })}`,
  /** GET: the change feed live, as server-sent events. */
  changesStream: (params: { after?: string }) => `/api/changes/stream${query({ after: params.after })}`,

  /** GET: the workspace's custom object types (HubSpot v3 schemas). */
  objectSchemas: () => '/crm/v3/schemas',
  /** GET: one custom object type (by type id, name or fully qualified name), its properties and required ones. */
  objectSchema: (objectType: string) => `/crm/v3/schemas/${seg(objectType)}`,

  /** POST (multipart: `options`, `file`): start a CSV import; GET: the latest imports. */
  imports: () => '/api/imports',
  /** POST: the column mapping an import would use for a header. */
  importMapping: () => '/api/imports/mapping',
  /** GET: one import, its progress and refused rows. */
  importJob: (id: string) => `/api/imports/${seg(id)}`,
  /** GET: the refused rows as CSV. */
  importErrorsCsv: (id: string) => `/api/imports/${seg(id)}/errors.csv`,
  /** POST: cancel a queued or running import. */
  cancelImport: (id: string) => `/api/imports/${seg(id)}/cancel`,
  /** POST: undo an import (B1). */
  undoImport: (id: string) => `/api/imports/${seg(id)}/undo`,
} as const;
