import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import {
  indexPageResponse,
  indexPath,
  indexQuery,
  renderBody,
  renderResponse,
} from '../../shared/views.ts';
import type { DbOrTx } from '../db/client.ts';
import { indexPage } from '../domain/index-page.ts';
import { type ObjectType, resolveObjectType } from '../domain/object-types.ts';
import { renderTemplate } from '../domain/render.ts';
import type { AppEnv } from '../env.ts';
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
          'Sort: `-amount,dealname` (empty values last); `after`: the cursor of `paging.next`.',
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
        const page = await indexPage(db, workspaceId, type, { columns: query.columns, filters: query.filter, sorts: query.sort, after: query.after, limit: query.limit });
        const next = () => {
          const url = new URL(c.req.url);
          url.searchParams.set('after', page.after!);
          return { next: { after: page.after!, link: `${url.pathname}${url.search}` } };
        };
        return c.json({ objectTypeId: type.typeId, objectType: type.name, columns: page.columns, results: page.rows, ...(page.after ? { paging: next() } : {}) }, 200);
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
