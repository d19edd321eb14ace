import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { createTokenBody, createUserBody, createWorkspaceBody, patchWorkspaceBody } from '../../shared/workspace.ts';
import { issueToken } from '../domain/tokens.ts';
import { createUser, createWorkspace, getWorkspace, updateWorkspace } from '../domain/workspaces.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { requireAdmin, type TokenCache } from '../middleware/auth.ts';
import { validate } from '../validate.ts';

/** Workspaces, users and tokens. */
export function adminRoutes(cache: TokenCache) {
  return new Hono<AppEnv>()
    .post('/workspaces', describeRoute({ summary: 'Create a workspace (instance owner only)', tags: ['Admin'] }), validate('json', createWorkspaceBody), async (c) => {
      const auth = c.get('auth');
      if (auth.principal.kind !== 'user' || !auth.principal.instanceOwner) throw new ApiError('FORBIDDEN', 'Only the instance owner may create workspaces');
      const body = c.req.valid('json');
      const ws = await createWorkspace(c.get('db'), { name: body.name, plan: body.plan });
      return c.json({ id: ws.id, name: ws.name, plan: ws.plan, adminToken: ws.adminToken }, 201);
    })
    .get('/workspace', describeRoute({ summary: 'This workspace: plan and settings', tags: ['Admin'] }), async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      return c.json(await getWorkspace(c.get('db'), auth.workspaceId));
    })
    .patch('/workspace', describeRoute({ summary: 'Change the plan or settings', tags: ['Admin'] }), validate('json', patchWorkspaceBody), async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      const ws = await updateWorkspace(c.get('db'), auth.workspaceId, c.req.valid('json'));
      cache.dropWorkspace(auth.workspaceId);
      return c.json(ws);
    })
    .post('/users', describeRoute({ summary: 'Add a user; answers their token once', tags: ['Admin'] }), validate('json', createUserBody), async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      return c.json(await createUser(c.get('db'), auth.workspaceId, c.req.valid('json')), 201);
    })
    .post('/tokens', describeRoute({ summary: 'Create an app token (changes recorded with source API)', tags: ['Admin'] }), validate('json', createTokenBody), async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      const { id, token } = await issueToken(c.get('db'), { workspaceId: auth.workspaceId, kind: 'app', name: c.req.valid('json').name });
      return c.json({ id, token }, 201);
    });
}
