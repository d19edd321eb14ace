import { type Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import {
  ACTIVITIES,
  associationPath,
  associationsAtQuery,
  associationsView,
  changesPage,
  changesQuery,
  historyPage,
  historyQuery,
  recordPath,
  revertPath,
  revertQuery,
  revertResult,
} from '../../shared/history.ts';
import { STANDARD_OBJECTS } from '../../shared/objects.ts';
import type { DbOrTx } from '../db/client.ts';
import { transaction } from '../db/transaction.ts';
import { associationsAt, currentAssociations } from '../domain/history/at.ts';
import { formatCursor, parseCursor, readChanges } from '../domain/history/changes.ts';
import { type HistoryFilter, listHistory } from '../domain/history/entries.ts';
import { revertEntry } from '../domain/history/revert.ts';
import { type ObjectType, resolveObjectType } from '../domain/object-types.ts';
import { actorOf, type AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

const tags = ['History'];
const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

/** Type ids named in `toObjectType` (names or ids; `activities` for every activity type). Unknown: 400. */
async function toTypesOf(db: DbOrTx, workspaceId: string, refs: string[] | undefined, field: string): Promise<string[] | undefined> {
  if (!refs) return undefined;
  const ids = new Set<string>();
  for (const ref of refs) {
    if (ref.toLowerCase() === ACTIVITIES) {
      for (const o of STANDARD_OBJECTS) if (o.activity) ids.add(o.typeId);
      continue;
    }
    try {
      ids.add((await resolveObjectType(db, workspaceId, ref)).typeId);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'OBJECT_TYPE_NOT_FOUND') throw err;
      throw new ApiError('VALIDATION_ERROR', `Invalid query: ${field}: unknown object type "${ref}"`, { errors: [{ message: `unknown object type ${ref}`, in: `query:${field}`, code: 'INVALID_VALUE' }] });
    }
  }
  return [...ids];
}

function notFound(type: ObjectType, id: number): ApiError {
  return new ApiError('NOT_FOUND', `No ${type.name} record with id ${id}`, { errors: [{ message: 'record not found', in: 'path:id' }] });
}

/** The link to the next page: this request with `after` replaced. */
export function nextLink(c: Context<AppEnv>, after: string): string {
  const url = new URL(c.req.url);
  url.searchParams.set('after', after);
  return `${url.pathname}${url.search}`;
}

/** /api: association history (R20–R22), point-in-time associations (B3), revert (B1), change feed (B2). */
export function historyRoutes() {
  return new Hono<AppEnv>()
    .get(
      '/objects/:objectType/:id/association-history',
      describeRoute({
        summary: "A record's association history, newest first (R20–R22)",
        description: 'Every association change of the record, one entry per change seen from this record: the associated record (name, type, id, link), the action, labels, time and source (R21). Filters combine; `after` pages on. An archived record keeps its history.',
        tags,
        responses: { 200: json(historyPage, 'Entries, newest first') },
      }),
      validate('param', recordPath),
      validate('query', historyQuery),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const p = c.req.valid('param');
        const q = c.req.valid('query');
        const type = await resolveObjectType(db, auth.workspaceId, p.objectType);
        const filter: HistoryFilter = { toTypes: await toTypesOf(db, auth.workspaceId, q.toObjectType, 'toObjectType'), sources: q.source, actions: q.action, from: q.from, to: q.to };
        const page = await listHistory(db, auth.workspaceId, { typeId: type.typeId, id: p.id }, filter, { limit: q.limit, after: q.after === undefined ? undefined : Number(q.after) });
        if (!page.found) throw notFound(type, p.id);
        const paging = page.next !== undefined ? { paging: { next: { after: String(page.next), link: nextLink(c, String(page.next)) } } } : {};
        return c.json({ results: page.entries, ...paging }, 200);
      },
    )
    .get(
      '/objects/:objectType/:id/association-history/:toObjectType/:toId',
      describeRoute({
        summary: 'The full history of one association, newest first (R22)',
        tags,
        responses: { 200: json(historyPage, 'Entries, newest first') },
      }),
      validate('param', associationPath),
      validate('query', historyQuery.pick({ limit: true, after: true }).extend({ limit: historyQuery.shape.limit.default(500) })),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const p = c.req.valid('param');
        const q = c.req.valid('query');
        const type = await resolveObjectType(db, auth.workspaceId, p.objectType);
        const toType = await resolveObjectType(db, auth.workspaceId, p.toObjectType);
        const page = await listHistory(db, auth.workspaceId, { typeId: type.typeId, id: p.id }, { toTypes: [toType.typeId], toId: p.toId }, { limit: q.limit, after: q.after === undefined ? undefined : Number(q.after) });
        if (!page.found) throw notFound(type, p.id);
        const paging = page.next !== undefined ? { paging: { next: { after: String(page.next), link: nextLink(c, String(page.next)) } } } : {};
        return c.json({ results: page.entries, ...paging }, 200);
      },
    )
    .get(
      '/objects/:objectType/:id/associations',
      describeRoute({
        summary: "A record's associations now, or as they were at a moment (B3)",
        description: 'With `at`, rebuilt from the association history: the changes committed by then, in commit order. Grouped by the associated object type, with type ids and labels.',
        tags,
        responses: { 200: json(associationsView, 'Associations by object type') },
      }),
      validate('param', recordPath),
      validate('query', associationsAtQuery),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const p = c.req.valid('param');
        const { at } = c.req.valid('query');
        const type = await resolveObjectType(db, auth.workspaceId, p.objectType);
        const view = at ? await associationsAt(db, auth.workspaceId, type, p.id, at) : await currentAssociations(db, auth.workspaceId, type, p.id);
        return c.json(view, 200);
      },
    )
    .post(
      '/history/:entryId/revert',
      describeRoute({
        summary: 'Undo one association change (B1)',
        description: 'The inverse change, made by the caller and recorded in history ("revert of entry N"). Admins revert any change; a rep only the changes the rep made (others: 403). A revert that a rule forbids (limit, primary company) answers that rule\'s error; when the association changed again since, 409.',
        tags,
        responses: { 200: json(revertResult, 'The history entries the revert wrote') },
      }),
      validate('param', revertPath),
      validate('query', revertQuery),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const ctx = { workspaceId: auth.workspaceId, plan: auth.plan, actor: actorOf(auth) };
        const { newPrimaryCompanyId } = c.req.valid('query');
        const { entryId } = c.req.valid('param');
        const principal = auth.principal;
        // a rep undoes only the changes the rep made; admins any change
        const onlyOwn = principal.kind === 'user' && principal.role === 'rep' ? principal.userId : undefined;
        const result = await transaction(db, (tx) => revertEntry(tx, ctx, entryId, { newPrimaryCompanyId, onlyOwn }));
        return c.json(result, 200);
      },
    )
    .get(
      '/changes',
      describeRoute({
        summary: "The workspace's change feed: records and associations, in commit order (B2)",
        description: 'Record changes (created, updated, archived, restored, merged) and every association history entry, in the order their transactions committed. Follow `paging.next.after` (always given) to stay in sync: from any cursor, applying the events in order ends with the server\'s state. `hasMore` says to ask again at once.',
        tags,
        responses: { 200: json(changesPage, 'Events in commit order') },
      }),
      validate('query', changesQuery),
      async (c) => {
        const auth = c.get('auth');
        const q = c.req.valid('query');
        const page = await readChanges(c.get('db'), auth.workspaceId, parseCursor(q.after), q.limit);
        const after = formatCursor(page.next);
        return c.json({ results: page.results, hasMore: page.hasMore, paging: { next: { after, link: nextLink(c, after) } } }, 200);
      },
    );
}
