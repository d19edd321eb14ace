import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { createTokenBody, createUserBody, createWorkspaceBody, patchUserBody, patchWorkspaceBody, tokenView, userIdParam, userView, workspaceIdParam, workspaceView } from '../../shared/workspace.ts';
import { issueToken, listTokens, revokeToken } from '../domain/tokens.ts';
import { listUsers, removeUser, tokenIdsOfUser, updateUser } from '../domain/users.ts';
import { createUser, createWorkspace, getWorkspace, updateWorkspace } from '../domain/workspaces.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import type { TokenCache } from '../middleware/auth.ts';
import type { Revocations } from '../middleware/revocations.ts';
import { validate } from '../validate.ts';

const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });
const tags = ['Admin'];

/**
 * Workspaces, users and tokens. Who may call each route is in server/permissions.ts; what is
 * checked here goes beyond a role (the plan is the instance owner's).
 */
export function adminRoutes(cache: TokenCache, revocations: Revocations) {
  return new Hono<AppEnv>()
    .post('/workspaces', describeRoute({ summary: 'Create a workspace (instance owner only)', tags }), validate('json', createWorkspaceBody), async (c) => {
      const body = c.req.valid('json');
      const ws = await createWorkspace(c.get('db'), { name: body.name, plan: body.plan });
      return c.json({ id: ws.id, name: ws.name, plan: ws.plan, adminToken: ws.adminToken }, 201);
    })
    .patch(
      '/workspaces/:id',
      describeRoute({ summary: "Change any workspace's plan, name or settings (instance owner only)", tags, responses: { 200: json(workspaceView, 'The workspace') } }),
      validate('param', workspaceIdParam),
      validate('json', patchWorkspaceBody),
      async (c) => {
        const id = c.req.valid('param').id;
        const ws = await updateWorkspace(c.get('db'), id, c.req.valid('json'));
        cache.dropWorkspace(id);
        return c.json(ws);
      },
    )
    .get('/workspace', describeRoute({ summary: 'This workspace: plan and settings', tags }), async (c) => {
      return c.json(await getWorkspace(c.get('db'), c.get('auth').workspaceId));
    })
    .patch('/workspace', describeRoute({ summary: 'Change the name or settings; the plan only as the instance owner', tags }), validate('json', patchWorkspaceBody), async (c) => {
      const auth = c.get('auth');
      const body = c.req.valid('json');
      // plans are sold by whoever runs the instance, not chosen by a workspace's own admins
      if (body.plan !== undefined && !(auth.principal.kind === 'user' && auth.principal.instanceOwner)) {
        throw new ApiError('FORBIDDEN', 'Only the instance owner may change the plan', { errors: [{ message: 'needs the instance owner', in: 'body:plan', code: 'ROLE_REQUIRED' }] });
      }
      const ws = await updateWorkspace(c.get('db'), auth.workspaceId, body);
      cache.dropWorkspace(auth.workspaceId);
      return c.json(ws);
    })
    .get('/users', describeRoute({ summary: "The workspace's users (removed users are not listed)", tags, responses: { 200: json(z.object({ results: z.array(userView) }), 'The users') } }), async (c) => {
      return c.json({ results: await listUsers(c.get('db'), c.get('auth').workspaceId) });
    })
    .post('/users', describeRoute({ summary: 'Add a user; answers their token once', tags }), validate('json', createUserBody), async (c) => {
      return c.json(await createUser(c.get('db'), c.get('auth').workspaceId, c.req.valid('json')), 201);
    })
    .patch(
      '/users/:id',
      describeRoute({
        summary: "Change a user's role, or deactivate and activate them",
        description: 'A deactivated user\'s tokens are refused at once (their open change streams close within a second) until `active: true`. The instance owner cannot be changed; the workspace keeps at least one active admin (409).',
        tags,
        responses: { 200: json(userView, 'The user') },
      }),
      validate('param', userIdParam),
      validate('json', patchUserBody),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const id = c.req.valid('param').id;
        const user = await updateUser(c.get('db'), workspaceId, id, c.req.valid('json'));
        // a cached token carries the role it was verified with; a deactivated user's streams close
        const tokenIds = await tokenIdsOfUser(c.get('db'), workspaceId, id);
        if (user.active) cache.dropTokens(tokenIds);
        else revocations.revoked(tokenIds);
        return c.json(user);
      },
    )
    .delete(
      '/users/:id',
      describeRoute({
        summary: 'Remove a user: their tokens are revoked; their history entries keep their name',
        description: 'The instance owner cannot be removed; the workspace keeps at least one active admin (409).',
        tags,
        responses: { 204: { description: 'Removed' } },
      }),
      validate('param', userIdParam),
      async (c) => {
        const { revokedTokenIds } = await removeUser(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').id);
        revocations.revoked(revokedTokenIds);
        return c.body(null, 204);
      },
    )
    .get('/tokens', describeRoute({ summary: "The workspace's live tokens: never the secret", tags, responses: { 200: json(z.object({ results: z.array(tokenView) }), 'The tokens') } }), async (c) => {
      return c.json({ results: await listTokens(c.get('db'), c.get('auth').workspaceId) });
    })
    .post(
      '/tokens',
      describeRoute({ summary: 'Create an app token with HubSpot scopes (changes recorded with source API); answers the token once', tags }),
      validate('json', createTokenBody),
      async (c) => {
        const body = c.req.valid('json');
        const { id, token } = await issueToken(c.get('db'), { workspaceId: c.get('auth').workspaceId, kind: 'app', name: body.name, scopes: body.scopes });
        return c.json({ id, token, scopes: body.scopes }, 201);
      },
    )
    .delete(
      '/tokens/:id',
      describeRoute({ summary: 'Revoke a token: refused at once here, within a second on other server processes; its change streams close', tags, responses: { 204: { description: 'Revoked' } } }),
      validate('param', userIdParam),
      async (c) => {
        const revoked = await revokeToken(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').id);
        revocations.revoked([revoked.id]);
        return c.body(null, 204);
      },
    );
}
