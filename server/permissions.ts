import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { PIPELINE_OBJECTS, pipelineObjectType } from '../shared/pipelines.ts';
import { ALL_OBJECT_READ_SCOPES, type AppScope, objectScope, schemaScope } from '../shared/scopes.ts';
import type { Principal } from './env.ts';
import { ApiError } from './errors.ts';

/**
 * Who may call which route: one table for every route of the API, enforced by one middleware
 * (server/middleware/authorize.ts). A route missing here is refused to everyone (fail closed), and
 * test/permissions.test.ts walks the OpenAPI document to check every route against this table for
 * every role. docs/security.md shows it as a table.
 *
 * Users: `rep` means reps and admins, `admin` only admins, `owner` only the instance owner. App
 * tokens: the HubSpot scopes they need (all of them), `any` for no scope, `never` when an app token
 * may not call the route at all. `also` names a further check the route itself makes.
 */
export type UserRole = 'owner' | 'admin' | 'rep';
type Params = Record<string, string>;
export type AppRule = 'never' | 'any' | ((params: Params) => AppScope[]);

export interface Permission {
  user: UserRole;
  app: AppRule;
  also?: string;
}

/** The most records a rep may archive in one batch call (admins and apps: the batch limit, 1,000). */
export const REP_BATCH_ARCHIVE_MAX = 100;
/** The most merges a rep may make in an hour (per server process); admins and apps: no such limit. */
export const REP_MERGES_PER_HOUR = 30;

const read = (param: string) => (p: Params) => [objectScope(p[param] ?? '', 'read')];
const write = (param: string) => (p: Params) => [objectScope(p[param] ?? '', 'write')];
const scopes = (...list: AppScope[]) => () => list;

const rep = (app: AppRule, also?: string): Permission => ({ user: 'rep', app, ...(also ? { also } : {}) });
const admin = (app: AppRule, also?: string): Permission => ({ user: 'admin', app, ...(also ? { also } : {}) });

/**
 * Pipelines: HubSpot takes any of many scopes; here reading needs the object's read scope
 * (`crm.objects.deals.read`, one HubSpot accepts) and changing needs HubSpot's schema write scope
 * of the object (`crm.schemas.deals.write`). A path naming neither deals nor tickets needs both
 * (it is answered 400 after that).
 */
function pipelineScopes(access: 'read' | 'write') {
  return (p: Params): AppScope[] => {
    const type = pipelineObjectType(p.objectType ?? '');
    const names = type ? [PIPELINE_OBJECTS[type].name] : (['deals', 'tickets'] as const);
    return names.map((name) => (access === 'read' ? objectScope(name, 'read') : (`crm.schemas.${name}.write` as const)));
  };
}

function pipelineRules(prefix: string): Record<string, Permission> {
  const read = rep(pipelineScopes('read'));
  const change = admin(pipelineScopes('write'));
  const pipeline = `${prefix}/:objectType/:pipelineId`;
  const stage = `${pipeline}/stages/:stageId`;
  return {
    [`GET ${prefix}/:objectType`]: read,
    [`POST ${prefix}/:objectType`]: change,
    [`GET ${pipeline}`]: read,
    [`PATCH ${pipeline}`]: change,
    [`PUT ${pipeline}`]: change,
    [`DELETE ${pipeline}`]: change,
    // the audit names who changed what: for those who may change it
    [`GET ${pipeline}/audit`]: change,
    [`GET ${pipeline}/stages`]: read,
    [`POST ${pipeline}/stages`]: change,
    [`GET ${stage}`]: read,
    [`PATCH ${stage}`]: change,
    [`PUT ${stage}`]: change,
    [`DELETE ${stage}`]: change,
    [`GET ${stage}/audit`]: change,
  };
}

/** Schemas of custom objects: the same rules under both of HubSpot's prefixes. */
function schemaRules(prefix: string): Record<string, Permission> {
  return {
    [`GET ${prefix}`]: rep(scopes('crm.schemas.custom.read')),
    [`POST ${prefix}`]: admin(scopes('crm.schemas.custom.write')),
    [`GET ${prefix}/:objectType`]: rep(scopes('crm.schemas.custom.read')),
    [`PATCH ${prefix}/:objectType`]: admin(scopes('crm.schemas.custom.write')),
    [`DELETE ${prefix}/:objectType`]: admin(scopes('crm.schemas.custom.write')),
    [`POST ${prefix}/batch/read`]: rep(scopes('crm.schemas.custom.read')),
    [`POST ${prefix}/:objectType/associations`]: admin(scopes('crm.schemas.custom.write')),
    [`DELETE ${prefix}/:objectType/associations/:associationIdentifier`]: admin(scopes('crm.schemas.custom.write')),
  };
}

/**
 * Properties and property groups: reading needs the object's read scope (one HubSpot accepts),
 * changing needs an admin or HubSpot's schema write scope of the object (`crm.schemas.contacts.write`;
 * activities count as contacts, custom types as `crm.schemas.custom.write`).
 */
function propertyRules(prefix: string): Record<string, Permission> {
  const view = rep(read('objectType'));
  const change = admin((p) => [schemaScope(p.objectType ?? '', 'write')]);
  return {
    [`GET ${prefix}/:objectType`]: view,
    [`POST ${prefix}/:objectType`]: change,
    [`GET ${prefix}/:objectType/:propertyName`]: view,
    [`PATCH ${prefix}/:objectType/:propertyName`]: change,
    [`DELETE ${prefix}/:objectType/:propertyName`]: change,
    [`POST ${prefix}/:objectType/batch/create`]: change,
    [`POST ${prefix}/:objectType/batch/read`]: view,
    [`POST ${prefix}/:objectType/batch/archive`]: change,
    [`GET ${prefix}/:objectType/groups`]: view,
    [`POST ${prefix}/:objectType/groups`]: change,
    [`GET ${prefix}/:objectType/groups/:groupName`]: view,
    [`PATCH ${prefix}/:objectType/groups/:groupName`]: change,
    [`DELETE ${prefix}/:objectType/groups/:groupName`]: change,
  };
}

/** Association labels and limits definitions: the same rules under both prefixes the client uses. */
function definitionRules(prefix: string): Record<string, Permission> {
  return {
    [`GET ${prefix}/definitions/configurations/all`]: rep('any'),
    [`GET ${prefix}/definitions/configurations/:fromType/:toType`]: rep(read('fromType')),
    [`POST ${prefix}/definitions/configurations/:fromType/:toType/batch/create`]: admin(write('fromType')),
    [`POST ${prefix}/definitions/configurations/:fromType/:toType/batch/update`]: admin(write('fromType')),
    [`POST ${prefix}/definitions/configurations/:fromType/:toType/batch/purge`]: admin(write('fromType')),
    [`GET ${prefix}/:fromType/:toType/labels`]: rep(read('fromType')),
    [`POST ${prefix}/:fromType/:toType/labels`]: admin(write('fromType')),
    [`PUT ${prefix}/:fromType/:toType/labels`]: admin(write('fromType')),
    [`DELETE ${prefix}/:fromType/:toType/labels/:typeId`]: admin(write('fromType')),
  };
}

export const PERMISSIONS: Record<string, Permission> = {
  // workspace, users, tokens
  'POST /api/workspaces': { user: 'owner', app: 'never' },
  'PATCH /api/workspaces/:id': { user: 'owner', app: 'never' },
  'GET /api/me': rep('any'),
  'GET /api/workspace': rep('any'),
  'PATCH /api/workspace': admin('never', 'changing `plan` needs the instance owner'),
  'GET /api/associations/:fromType/:toType/usage': admin(read('fromType')),
  'GET /api/users': admin('never'),
  'POST /api/users': admin('never'),
  'PATCH /api/users/:id': admin('never', 'not the instance owner; one active admin stays'),
  'DELETE /api/users/:id': admin('never', 'not the instance owner; one active admin stays'),
  'GET /api/tokens': admin('never'),
  'POST /api/tokens': admin('never'),
  'DELETE /api/tokens/:id': admin('never'),
  'GET /api/audit': admin('never'),

  // records (CRM v3 objects)
  'GET /crm/v3/objects/:objectType': rep(read('objectType')),
  'POST /crm/v3/objects/:objectType': rep(write('objectType')),
  'POST /crm/v3/objects/:objectType/search': rep(read('objectType')),
  'POST /crm/v3/objects/:objectType/batch/create': rep(write('objectType')),
  'POST /crm/v3/objects/:objectType/batch/read': rep(read('objectType')),
  'POST /crm/v3/objects/:objectType/batch/update': rep(write('objectType')),
  'POST /crm/v3/objects/:objectType/batch/upsert': rep(write('objectType')),
  'POST /crm/v3/objects/:objectType/batch/archive': rep(write('objectType'), `a rep archives at most ${REP_BATCH_ARCHIVE_MAX} records per call`),
  'GET /crm/v3/objects/:objectType/:id': rep(read('objectType')),
  'PATCH /crm/v3/objects/:objectType/:id': rep(write('objectType')),
  'DELETE /crm/v3/objects/:objectType/:id': rep(write('objectType')),
  'POST /crm/v3/objects/:objectType/merge': rep(write('objectType'), `a rep at most ${REP_MERGES_PER_HOUR} merges an hour`),
  // erasure cannot be undone: admins, and apps with HubSpot's scope for it
  'POST /crm/v3/objects/contacts/gdpr-delete': admin(scopes('crm.objects.contacts.write')),
  'POST /api/merges/:mergeId/undo': rep('never'),
  'POST /api/objects/:objectType/:id/restore': rep(write('objectType')),
  'GET /api/objects/:objectType/:id/activities': rep(read('objectType')),
  'POST /api/objects/:objectType/:id/activities': rep((p) => [...new Set([objectScope(p.objectType ?? '', 'write'), 'crm.objects.contacts.write' as const])]),

  // associations (CRM v4)
  'PUT /crm/v4/objects/:fromType/:fromId/associations/default/:toType/:toId': rep(write('fromType')),
  'PUT /crm/v4/objects/:fromType/:fromId/associations/:toType/:toId': rep(write('fromType')),
  'DELETE /crm/v4/objects/:fromType/:fromId/associations/:toType/:toId': rep(write('fromType')),
  'GET /crm/v4/objects/:fromType/:fromId/associations/:toType': rep(read('fromType')),
  'POST /crm/v4/associations/:fromType/:toType/batch/associate/default': rep(write('fromType')),
  'POST /crm/v4/associations/:fromType/:toType/batch/create': rep(write('fromType')),
  'POST /crm/v4/associations/:fromType/:toType/batch/read': rep(read('fromType')),
  'POST /crm/v4/associations/:fromType/:toType/batch/archive': rep(write('fromType')),
  'POST /crm/v4/associations/:fromType/:toType/batch/labels/archive': rep(write('fromType')),
  // the report covers records of every type
  'POST /crm/v4/associations/usage/high-usage-report/:userId': rep(() => ALL_OBJECT_READ_SCOPES),
  ...definitionRules('/crm/v4/associations'),
  ...definitionRules('/crm/associations/v4'),

  // custom object schemas
  ...propertyRules('/crm/v3/properties'),
  ...schemaRules('/crm/v3/schemas'),
  ...schemaRules('/crm-object-schemas/v3/schemas'),

  // pipelines and owners
  ...pipelineRules('/crm/v3/pipelines'),
  'GET /crm/v3/owners': rep(scopes('crm.objects.owners.read')),
  'GET /crm/v3/owners/': rep(scopes('crm.objects.owners.read')),
  'GET /crm/v3/owners/:ownerId': rep(scopes('crm.objects.owners.read')),

  // history, change feed, views
  'GET /api/objects/:objectType/:id/association-history': rep(read('objectType')),
  'GET /api/objects/:objectType/:id/association-history/:toObjectType/:toId': rep(read('objectType')),
  'GET /api/objects/:objectType/:id/associations': rep(read('objectType')),
  'POST /api/history/:entryId/revert': rep('never', 'a rep reverts only the changes the rep made'),
  'GET /api/changes': rep(() => ALL_OBJECT_READ_SCOPES),
  'GET /api/changes/latest': rep(() => ALL_OBJECT_READ_SCOPES),
  'GET /api/changes/stream': rep(() => ALL_OBJECT_READ_SCOPES),
  'GET /api/objects/:objectType/index': rep(read('objectType')),
  'POST /api/objects/:objectType/:id/copy-associations': rep(write('objectType')),
  'POST /api/render': rep(scopes('crm.objects.contacts.read')),

  // the companion and recommendations
  'POST /api/companion/contacts': rep(scopes('crm.objects.contacts.write')),
  'POST /api/companion/thread': rep(scopes('crm.objects.contacts.read')),
  'GET /api/objects/:objectType/:id/recommendations': rep(read('objectType')),
  'POST /api/recommendations/thread': rep(scopes('crm.objects.contacts.read')),

  // imports and background jobs
  'POST /api/imports': rep(scopes('crm.import')),
  'POST /api/imports/mapping': rep(scopes('crm.import')),
  'GET /api/imports': rep(scopes('crm.import')),
  'GET /api/imports/:id': rep(scopes('crm.import')),
  'GET /api/imports/:id/errors.csv': rep(scopes('crm.import')),
  'POST /api/imports/:id/cancel': rep(scopes('crm.import'), 'a rep or app only its own import'),
  'POST /api/imports/:id/undo': rep(scopes('crm.import'), 'a rep or app only its own import'),
  // HubSpot's imports API over the same jobs (its client posts to `/crm/v3/imports/`)
  'POST /crm/v3/imports': rep(scopes('crm.import')),
  'POST /crm/v3/imports/': rep(scopes('crm.import')),
  'GET /crm/v3/imports': rep(scopes('crm.import')),
  'GET /crm/v3/imports/': rep(scopes('crm.import')),
  'GET /crm/v3/imports/:importId': rep(scopes('crm.import')),
  'GET /crm/v3/imports/:importId/errors': rep(scopes('crm.import')),
  'POST /crm/v3/imports/:importId/cancel': rep(scopes('crm.import'), 'a rep or app only its own import'),
  'POST /api/auto-domain/jobs': admin('never'),
  'GET /api/auto-domain/jobs/:id': rep(scopes('crm.objects.companies.read')),
};

/** The rule of a route as Hono registered it (`GET /crm/v3/objects/:objectType`), or undefined. */
export function permissionOf(method: string, routePath: string): Permission | undefined {
  return PERMISSIONS[`${method} ${routePath}`];
}

/** Path parameters by the route's pattern (segments are decoded as Hono decodes them). */
export function paramsOf(routePath: string, path: string): Params {
  const names = routePath.split('/');
  const values = path.split('/');
  const out: Params = {};
  for (const [i, name] of names.entries()) {
    if (!name.startsWith(':')) continue;
    const value = values[i] ?? '';
    try {
      out[name.slice(1)] = decodeURIComponent(value);
    } catch {
      out[name.slice(1)] = value;
    }
  }
  return out;
}

/**
 * Undo and cancel of an import: an admin may do it to any import of the workspace, a rep only to
 * the imports they started, an app token only to those it started (`startedBy` of the job).
 */
export function assertMayManageImport(principal: Principal, startedBy: Record<string, unknown>): void {
  if (principal.kind === 'user' && principal.role === 'admin') return;
  const own = principal.kind === 'user' ? startedBy.source === 'USER' && startedBy.userId === principal.userId : startedBy.source === 'API' && startedBy.sourceId === String(principal.tokenId);
  if (!own) throw new ApiError('FORBIDDEN', 'Only an admin or whoever started this import may undo or cancel it', { errors: [{ message: 'not your import', in: 'path:id', code: 'ROLE_REQUIRED' }] });
}

/** Batch archive: a rep archives at most REP_BATCH_ARCHIVE_MAX records per call. */
export function assertMayBatchArchive(principal: Principal, count: number): void {
  if (principal.kind === 'user' && principal.role === 'rep' && count > REP_BATCH_ARCHIVE_MAX) {
    throw new ApiError('FORBIDDEN', `A rep archives at most ${REP_BATCH_ARCHIVE_MAX} records per call (${count} given); an admin may archive up to 1,000`, {
      errors: [{ message: `at most ${REP_BATCH_ARCHIVE_MAX} inputs for a rep`, in: 'body:inputs', code: 'ROLE_REQUIRED' }],
    });
  }
}

const repMerges = new RateLimiterMemory({ points: REP_MERGES_PER_HOUR, duration: 3_600 });

/**
 * Merges: a rep makes at most REP_MERGES_PER_HOUR an hour (a merge takes a record's associations
 * away from it; undoable, but a slip repeated many times is a lot to undo). Answers the seconds to
 * wait when over, or 0 (and counts this one).
 */
export async function repMergeWait(auth: { workspaceId: string; principal: Principal }): Promise<number> {
  if (auth.principal.kind !== 'user' || auth.principal.role !== 'rep') return 0;
  try {
    await repMerges.consume(`${auth.workspaceId}:${auth.principal.userId}`);
    return 0;
  } catch (res) {
    if (res instanceof Error) throw res;
    return Math.max(1, Math.ceil((res as RateLimiterRes).msBeforeNext / 1000));
  }
}
