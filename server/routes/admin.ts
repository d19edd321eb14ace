import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { createTokenBody, createUserBody, createWorkspaceBody, meView, patchUserBody, patchWorkspaceBody, tokensResponse, userIdParam, usersResponse, userView, workspaceIdParam, workspaceView } from '../../shared/workspace.ts';
import { type AuditInput, recordAudit } from '../domain/audit.ts';
import { issueToken, listTokens, revokeToken } from '../domain/tokens.ts';
import { listUsers, removeUser, tokenIdsOfUser, updateUser } from '../domain/users.ts';
import { createUser, createWorkspace, getWorkspace, updateWorkspace, type WorkspaceView } from '../domain/workspaces.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import type { TokenCache } from '../middleware/auth.ts';
import type { Revocations } from '../middleware/revocations.ts';
import { validate } from '../validate.ts';

const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });
const tags = ['Admin'];

/** The audit entries of a workspace change: one per aspect that changed (name, plan, settings). */
function workspaceChanges(before: WorkspaceView, after: WorkspaceView): AuditInput[] {
  const entry = (action: AuditInput['action'], details: Record<string, unknown>): AuditInput => ({ action, targetType: 'workspace', targetId: after.id, details });
  const entries: AuditInput[] = [];
  if (before.name !== after.name) entries.push(entry('workspace.renamed', { from: before.name, to: after.name }));
  if (before.plan !== after.plan) entries.push(entry('workspace.plan_changed', { from: before.plan, to: after.plan }));
  const settings: Record<string, { from: unknown; to: unknown }> = {};
  const b = before.settings as Record<string, unknown>;
  const a = after.settings as Record<string, unknown>;
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) settings[key] = { from: b[key] ?? null, to: a[key] ?? null };
  }
  if (Object.keys(settings).length > 0) entries.push(entry('workspace.settings_changed', settings));
  return entries;
}

/**
 * Workspaces, users and tokens. Who may call each route is in server/permissions.ts; what is
 * checked here goes beyond a role (the plan is the instance owner's).
 */
export function adminRoutes(cache: TokenCache, revocations: Revocations) {
  return new Hono<AppEnv>()
    .post('/workspaces', describeRoute({ summary: 'Create a workspace (instance owner only)', tags }), validate('json', createWorkspaceBody), async (c) => {
      const auth = c.get('auth');
      const body = c.req.valid('json');
      const ws = await c.get('db').transaction(async (tx) => {
        const made = await createWorkspace(tx, { name: body.name, plan: body.plan });
        await recordAudit(tx, auth, { action: 'workspace.created', targetType: 'workspace', targetId: made.id, details: { name: made.name, plan: made.plan } });
        return made;
      });
      return c.json({ id: ws.id, name: ws.name, plan: ws.plan, adminToken: ws.adminToken }, 201);
    })
    .patch(
      '/workspaces/:id',
      describeRoute({ summary: "Change any workspace's plan, name or settings (instance owner only)", tags, responses: { 200: json(workspaceView, 'The workspace') } }),
      validate('param', workspaceIdParam),
      validate('json', patchWorkspaceBody),
      async (c) => {
        const auth = c.get('auth');
        const id = c.req.valid('param').id;
        const ws = await c.get('db').transaction(async (tx) => {
          const before = await getWorkspace(tx, id);
          const after = await updateWorkspace(tx, id, c.req.valid('json'));
          // the entries belong to the changed workspace; the actor is the instance owner
          for (const entry of workspaceChanges(before, after)) await recordAudit(tx, { ...auth, workspaceId: id }, entry);
          return after;
        });
        cache.dropWorkspace(id);
        return c.json(ws);
      },
    )
    .get('/me', describeRoute({ summary: 'Who the caller is: the user and their role, or the app token and its scopes; and the workspace', tags, responses: { 200: json(meView, 'The caller') } }), async (c) => {
      const { workspaceId, principal } = c.get('auth');
      const ws = await getWorkspace(c.get('db'), workspaceId);
      const caller =
        principal.kind === 'user'
          ? { kind: 'user' as const, id: principal.userId, name: principal.userName, role: principal.role, instanceOwner: principal.instanceOwner }
          : { kind: 'app' as const, tokenId: principal.tokenId, name: principal.name, scopes: principal.scopes };
      return c.json(meView.parse({ workspace: { id: ws.id, name: ws.name, plan: ws.plan }, caller }));
    })
    .get('/workspace', describeRoute({ summary: 'This workspace: plan and settings', tags, responses: { 200: json(workspaceView, 'The workspace') } }), async (c) => {
      return c.json(await getWorkspace(c.get('db'), c.get('auth').workspaceId));
    })
    .patch('/workspace', describeRoute({ summary: 'Change the name or settings; the plan only as the instance owner', tags }), validate('json', patchWorkspaceBody), async (c) => {
      const auth = c.get('auth');
      const body = c.req.valid('json');
      // plans are sold by whoever runs the instance, not chosen by a workspace's own admins
      if (body.plan !== undefined && !(auth.principal.kind === 'user' && auth.principal.instanceOwner)) {
        throw new ApiError('FORBIDDEN', 'Only the instance owner may change the plan', { errors: [{ message: 'needs the instance owner', in: 'body:plan', code: 'ROLE_REQUIRED' }] });
      }
      const ws = await c.get('db').transaction(async (tx) => {
        const before = await getWorkspace(tx, auth.workspaceId);
        const after = await updateWorkspace(tx, auth.workspaceId, body);
        for (const entry of workspaceChanges(before, after)) await recordAudit(tx, auth, entry);
        return after;
      });
      cache.dropWorkspace(auth.workspaceId);
      return c.json(ws);
    })
    .get('/users', describeRoute({ summary: "The workspace's users (removed users are not listed)", tags, responses: { 200: json(usersResponse, 'The users') } }), async (c) => {
      return c.json({ results: await listUsers(c.get('db'), c.get('auth').workspaceId) });
    })
    .post('/users', describeRoute({ summary: 'Add a user; answers their token once', tags }), validate('json', createUserBody), async (c) => {
      const auth = c.get('auth');
      const body = c.req.valid('json');
      const user = await c.get('db').transaction(async (tx) => {
        const made = await createUser(tx, auth.workspaceId, body);
        await recordAudit(tx, auth, { action: 'user.created', targetType: 'user', targetId: made.id, details: { name: body.name, email: body.email, role: body.role } });
        return made;
      });
      return c.json(user, 201);
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
        const auth = c.get('auth');
        const { workspaceId } = auth;
        const id = c.req.valid('param').id;
        const patch = c.req.valid('json');
        const user = await c.get('db').transaction(async (tx) => {
          const changed = await updateUser(tx, workspaceId, id, patch);
          await recordAudit(tx, auth, { action: 'user.updated', targetType: 'user', targetId: id, details: { name: changed.name, ...patch } });
          return changed;
        });
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
        const auth = c.get('auth');
        const id = c.req.valid('param').id;
        const { revokedTokenIds } = await c.get('db').transaction(async (tx) => {
          const removed = await removeUser(tx, auth.workspaceId, id);
          await recordAudit(tx, auth, { action: 'user.removed', targetType: 'user', targetId: id, details: { name: removed.user.name, revokedTokens: removed.revokedTokenIds.length } });
          return removed;
        });
        revocations.revoked(revokedTokenIds);
        return c.body(null, 204);
      },
    )
    .get('/tokens', describeRoute({ summary: "The workspace's live tokens: never the secret", tags, responses: { 200: json(tokensResponse, 'The tokens') } }), async (c) => {
      return c.json({ results: await listTokens(c.get('db'), c.get('auth').workspaceId) });
    })
    .post(
      '/tokens',
      describeRoute({ summary: 'Create an app token with HubSpot scopes (changes recorded with source API); answers the token once', tags }),
      validate('json', createTokenBody),
      async (c) => {
        const auth = c.get('auth');
        const body = c.req.valid('json');
        const { id, token } = await c.get('db').transaction(async (tx) => {
          const made = await issueToken(tx, { workspaceId: auth.workspaceId, kind: 'app', name: body.name, scopes: body.scopes });
          await recordAudit(tx, auth, { action: 'token.created', targetType: 'token', targetId: made.id, details: { name: body.name, kind: 'app', scopes: body.scopes } });
          return made;
        });
        return c.json({ id, token, scopes: body.scopes }, 201);
      },
    )
    .delete(
      '/tokens/:id',
      describeRoute({ summary: 'Revoke a token: refused at once here, within a second on other server processes; its change streams close', tags, responses: { 204: { description: 'Revoked' } } }),
      validate('param', userIdParam),
      async (c) => {
        const auth = c.get('auth');
        const revoked = await c.get('db').transaction(async (tx) => {
          const gone = await revokeToken(tx, auth.workspaceId, c.req.valid('param').id);
          await recordAudit(tx, auth, { action: 'token.revoked', targetType: 'token', targetId: gone.id, details: { name: gone.name, kind: gone.kind } });
          return gone;
        });
        revocations.revoked([revoked.id]);
        return c.body(null, 204);
      },
    );
}
