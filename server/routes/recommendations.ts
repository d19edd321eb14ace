import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import {
  recommendationsResponse,
  recordRecommendationsPath,
  recordRecommendationsQuery,
  threadRecommendationsBody,
  threadRecommendationsResponse,
} from '../../shared/recommendations.ts';
import type { Db } from '../db/client.ts';
import { type ObjectType, resolveObjectType } from '../domain/object-types.ts';
import { scopeOf } from '../domain/recommendations/access.ts';
import { recommendForRecord } from '../domain/recommendations/record.ts';
import { recommendForThread } from '../domain/recommendations/thread.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

/** An object type named in the query string: unknown is bad input there (400), naming the field. */
async function queryObjectType(db: Db, workspaceId: string, ref: string, field: string): Promise<ObjectType> {
  try {
    return await resolveObjectType(db, workspaceId, ref);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'OBJECT_TYPE_NOT_FOUND') {
      throw new ApiError('VALIDATION_ERROR', `Invalid query: ${field}: unknown object type "${ref}"`, { errors: [{ message: `unknown object type ${ref}`, in: `query:${field}`, code: 'INVALID_VALUE' }] });
    }
    throw err;
  }
}

/** /api: recommendations of what to associate, for a record and for an email thread (R5, X2, B7). */
export function recommendationRoutes() {
  return new Hono<AppEnv>()
    .get(
      '/objects/:objectType/:id/recommendations',
      describeRoute({
        summary: 'Records of another type to associate with this record, ranked and explained',
        description:
          'Not yet associated records of `toObjectType`, by evidence (common associations, email domain, name, a related company\'s name or domain in a deal\'s or ticket\'s name, colleagues\' deals and tickets), then status and recency; `q` filters and re-ranks them (the search box, R5). Each reason is a `kind` with the `values` its sentence needs (no words: the client words them in its language). A record with no evidence (`evidence: false`: only open, recently updated or matching `q`) only fills a short list and always comes after every record with evidence. Unknown record: 404.',
        tags: ['Recommendations'],
        responses: { 200: { description: 'Records with evidence first, each part sorted by score, highest first', content: { 'application/json': { schema: resolver(recommendationsResponse) } } } },
      }),
      validate('param', recordRecommendationsPath),
      validate('query', recordRecommendationsQuery),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const p = c.req.valid('param');
        const query = c.req.valid('query');
        const source = await resolveObjectType(db, auth.workspaceId, p.objectType);
        const target = await queryObjectType(db, auth.workspaceId, query.toObjectType, 'toObjectType');
        const recommendations = await recommendForRecord(db, scopeOf(auth), { source, id: p.id, target, limit: query.limit, q: query.q ?? null });
        return c.json({ recommendations }, 200);
      },
    )
    .post(
      '/recommendations/thread',
      describeRoute({
        summary: "An email thread's participants, and the companies, deals and tickets it most likely belongs to",
        description:
          "Own addresses, the signed-in user's address and internal domains are not participants. Personal addresses never propose a company. Only records with evidence (participants, shared records, domain, subject, a related company's name or domain in the name, colleagues' deals and tickets) are recommended, each reason a `kind` with its `values`; a record already associated with every known contact of the thread is not recommended (it can still be in `logDefaults`).",
        tags: ['Recommendations'],
        responses: { 200: { description: 'Participants, ranked recommendations and what logging the email associates', content: { 'application/json': { schema: resolver(threadRecommendationsResponse) } } } },
      }),
      validate('json', threadRecommendationsBody),
      async (c) => {
        const auth = c.get('auth');
        const result = await recommendForThread(c.get('db'), scopeOf(auth), c.req.valid('json'));
        return c.json(result, 200);
      },
    );
}
