import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import {
  copyAssociationsBody,
  copyAssociationsPath,
  copyAssociationsResponse,
  indexPageResponse,
  indexPath,
  indexQuery,
  renderBody,
  renderResponse,
} from '../../shared/views.ts';
import type { DbOrTx } from '../db/client.ts';
import { copyAssociations } from '../domain/copy-associations.ts';
import { indexPage } from '../domain/index-page.ts';
import { type ObjectType, resolveObjectType } from '../domain/object-types.ts';
import { renderTemplate } from '../domain/render.ts';
import { actorOf, type AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema: resolver(schema as never) } } });

/** An object type named in a body: unknown is bad input there (400), naming the field. */
async function bodyObjectType(db: DbOrTx, workspaceId: string, ref: string, where: string): Promise<ObjectType> {
  try {
    return await resolveObjectType(db, workspaceId, ref);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'OBJECT_TYPE_NOT_FOUND') {
      throw new ApiError('VALIDATION_ERROR', `Invalid body: ${where}: unknown object type "${ref}"`, { errors: [{ message: `unknown object type ${ref}`, in: `body:${where}`, code: 'INVALID_VALUE' }] });
    }
    throw err;
  }
}

/** /api: views of records for people: index pages (R9, R19), personalization tokens (R12), copying associations (B6). */
export function viewRoutes() {
  return new Hono<AppEnv>()
    .get(
      '/objects/:objectType/index',
      describeRoute({
        summary: 'An index page: records with property and association columns, filtered, sorted, one query per page',
        description:
          'Columns (comma-separated): a property (`dealname`); `assoc:<objectType>`, "[Object] → [Objects]": `{count, first: [{id, name}]}` (the first three by record id); `primary:company`, "[Object] → Company (primary)": `{id, name}` or null. ' +
          'Filters (`filter`, repeated, all must hold): `<property>:<operator>[:<value>]` with eq, neq, lt, lte, gt, gte, between (`low|high`), in / not_in (`a|b|c`), has, not_has, contains, not_contains; search semantics, also `associations.company.primary.<property>` and `associations.<objectType>`. ' +
          'Sort: `-amount,dealname` (empty values last; ties by record id, backwards when the first sort is descending); association columns too: `primary:company` by the primary company\'s name, `-assoc:deals` by the number of associated deals (none last). `after`: the cursor of `paging.next` (the next page); `before`: the cursor of `paging.prev` (the previous page). `import`: only the records that import (`/api/imports/{id}`) created.',
        tags: ['Index pages'],
        responses: { 200: json(indexPageResponse, 'One page of rows, in the sort order, with the columns as asked') },
      }),
      validate('param', indexPath),
      validate('query', indexQuery),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const db = c.get('db');
        const query = c.req.valid('query');
        const type = await resolveObjectType(db, workspaceId, c.req.valid('param').objectType);
        const page = await indexPage(db, workspaceId, type, { columns: query.columns, filters: query.filter, sorts: query.sort, after: query.after, before: query.before, limit: query.limit, importId: query.import });
        // the same query with the other page's cursor in place of this one's
        const link = (param: 'after' | 'before', cursor: string) => {
          const url = new URL(c.req.url);
          url.searchParams.delete('after');
          url.searchParams.delete('before');
          url.searchParams.set(param, cursor);
          return `${url.pathname}${url.search}`;
        };
        const paging = {
          ...(page.after ? { next: { after: page.after, link: link('after', page.after) } } : {}),
          ...(page.before ? { prev: { before: page.before, link: link('before', page.before) } } : {}),
        };
        return c.json({ objectTypeId: type.typeId, objectType: type.name, columns: page.columns, results: page.rows, ...(page.after || page.before ? { paging } : {}) }, 200);
      },
    )
    .post(
      '/objects/:objectType/:id/copy-associations',
      describeRoute({
        summary: "Copy a record's associations to another record of the same type (B6)",
        description:
          'Each association goes through the same rules as one made by hand: limits, plan, primary company (R6–R8) and history with the caller as source. The primary company is copied only when the target has none. ' +
          'Refused ones are listed with their code; the others are copied (207 when some were refused).',
        tags: ['Associations'],
        responses: { 200: json(copyAssociationsResponse, 'Everything was copied (or already there)'), 207: json(copyAssociationsResponse, 'Some associations were refused; the others were copied') },
      }),
      validate('param', copyAssociationsPath),
      validate('json', copyAssociationsBody),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const p = c.req.valid('param');
        const body = c.req.valid('json');
        const type = await resolveObjectType(db, auth.workspaceId, p.objectType);
        const objectTypes = body.objectTypes ? await Promise.all(body.objectTypes.map((ref, i) => bodyObjectType(db, auth.workspaceId, ref, `objectTypes[${i}]`))) : undefined;
        const result = await copyAssociations(db, { workspaceId: auth.workspaceId, plan: auth.plan, actor: actorOf(auth) }, type, {
          fromId: p.id,
          toId: body.toRecordId,
          objectTypes,
          includeLabels: body.includeLabels,
        });
        return c.json(result, result.refused.length > 0 ? 207 : 200);
      },
    )
    .post(
      '/render',
      describeRoute({
        summary: 'Fill in personalization tokens for one record: `{{contact.firstname}}`, `{{company.name}}` (the primary company, R12)',
        description:
          '`{{object.property}}` where object is the record\'s type (`contact`, `deal`, `ticket`, a custom object) or `company`, its primary company. `{{contact.firstname | default: "there"}}` gives a fallback. ' +
          'Without a value (and without a default) a token renders as the empty string; every such token is listed in `missing` with the reason. The result is plain text: nothing is HTML-escaped.',
        tags: ['Personalization'],
        responses: { 200: json(renderResponse, 'The rendered text and the tokens that had no value') },
      }),
      validate('json', renderBody),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const db = c.get('db');
        const body = c.req.valid('json');
        const type = await bodyObjectType(db, workspaceId, body.objectType, 'objectType');
        return c.json(await renderTemplate(db, workspaceId, type, body.id, body.template), 200);
      },
    );
}
