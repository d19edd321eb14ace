import { type Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { type OwnersQuery, ownerParam, ownerQuery, ownersPage, ownersQuery, publicOwner } from '../../shared/owners.ts';
import { getOwner, listOwners } from '../domain/owners.ts';
import type { AppEnv } from '../env.ts';
import { validate } from '../validate.ts';
import { nextLink } from './history.ts';

const tags = ['Owners'];
const MAPPING = "Owners are the workspace's users; an owner's id is its user's id. Removed users are archived owners; deactivated users stay owners without `userId`.";

const listRoute = () =>
  describeRoute({
    summary: "The workspace's owners (its users), by id",
    description: `${MAPPING} \`email\` finds one by address; follow \`paging.next.after\` for the next page.`,
    tags,
    responses: { 200: { description: 'A page of owners', content: { 'application/json': { schema: resolver(ownersPage) } } } },
  });

async function ownersAnswer(c: Context<AppEnv>, query: OwnersQuery) {
  const page = await listOwners(c.get('db'), c.get('auth').workspaceId, query);
  return c.json({ results: page.results, ...(page.after !== null ? { paging: { next: { after: page.after, link: nextLink(c, page.after) } } } : {}) }, 200);
}

/**
 * HubSpot's CRM v3 owners API, mounted at /crm/v3. The list answers at `/crm/v3/owners` and at
 * `/crm/v3/owners/`: HubSpot's client asks for the latter (its OwnersApi) and the former (its
 * BasicApi), and Hono routes the two apart.
 */
export function ownerRoutes() {
  return new Hono<AppEnv>()
    .get('/owners', listRoute(), validate('query', ownersQuery), (c) => ownersAnswer(c, c.req.valid('query')))
    .get('/owners/', listRoute(), validate('query', ownersQuery), (c) => ownersAnswer(c, c.req.valid('query')))
    .get(
      '/owners/:ownerId',
      describeRoute({
        summary: 'One owner, by owner id or (`idProperty=userId`) user id: the same number here',
        description: MAPPING,
        tags,
        responses: { 200: { description: 'The owner', content: { 'application/json': { schema: resolver(publicOwner) } } } },
      }),
      validate('param', ownerParam),
      validate('query', ownerQuery),
      async (c) => c.json(await getOwner(c.get('db'), c.get('auth').workspaceId, Number(c.req.valid('param').ownerId), c.req.valid('query').archived === 'true')),
    );
}
