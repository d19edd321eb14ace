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
  /** POST: the associations of many records with one object type. */
  batchReadAssociations: (fromType: string, toType: string) => `/crm/v4/associations/${seg(fromType)}/${seg(toType)}/batch/read`,
  /** POST: remove labels between many pairs; the associations stay. */
  batchArchiveLabels: (fromType: string, toType: string) => `/crm/v4/associations/${seg(fromType)}/${seg(toType)}/batch/labels/archive`,

  /** GET: a record's activities, newest first (the timeline). */
  timeline: (of: PathRecord, params: { limit?: number; after?: string } = {}) => `/api/objects/${seg(of.objectType)}/${seg(of.id)}/activities${query(params)}`,
  /** POST: log an activity (an email) on a record. */
  logActivity: (on: PathRecord) => `/api/objects/${seg(on.objectType)}/${seg(on.id)}/activities`,

  /** GET: the change feed's end now. */
  changesLatest: () => '/api/changes/latest',
  /** GET: one page of the change feed after a cursor. */
  changes: (params: { after?: string; limit?: number }) => `/api/changes${query({ after: params.after, limit: params.limit })}`,
  /** GET: the change feed live, as server-sent events. */
  changesStream: (params: { after?: string }) => `/api/changes/stream${query({ after: params.after })}`,
} as const;
