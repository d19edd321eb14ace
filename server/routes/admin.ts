import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { createTokenBody, createUserBody, createWorkspaceBody, patchWorkspaceBody } from '../../shared/workspace.ts';
import { type AuditInput, recordAudit } from '../domain/audit.ts';
import { issueToken } from '../domain/tokens.ts';
import { createUser, createWorkspace, getWorkspace, updateWorkspace, type WorkspaceView } from '../domain/workspaces.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { requireAdmin, type TokenCache } from '../middleware/auth.ts';
import { validate } from '../validate.ts';

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

/** Workspaces, users and tokens. */
export function adminRoutes(cache: TokenCache) {
  return new Hono<AppEnv>()
    .post('/workspaces', describeRoute({ summary: 'Create a workspace (instance owner only)', tags: ['Admin'] }), validate('json', createWorkspaceBody), async (c) => {
      const auth = c.get('auth');
      if (auth.principal.kind !== 'user' || !auth.principal.instanceOwner) throw new ApiError('FORBIDDEN', 'Only the instance owner may create workspaces');
      const body = c.req.valid('json');
      const ws = await c.get('db').transaction(async (tx) => {
        const made = await createWorkspace(tx, { name: body.name, plan: body.plan });
        await recordAudit(tx, auth, { action: 'workspace.created', targetType: 'workspace', targetId: made.id, details: { name: made.name, plan: made.plan } });
        return made;
      });
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
      const ws = await c.get('db').transaction(async (tx) => {
        const before = await getWorkspace(tx, auth.workspaceId);
        const after = await updateWorkspace(tx, auth.workspaceId, c.req.valid('json'));
        for (const entry of workspaceChanges(before, after)) await recordAudit(tx, auth, entry);
        return after;
      });
      cache.dropWorkspace(auth.workspaceId);
      return c.json(ws);
    })
    .post('/users', describeRoute({ summary: 'Add a user; answers their token once', tags: ['Admin'] }), validate('json', createUserBody), async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      const body = c.req.valid('json');
      const user = await c.get('db').transaction(async (tx) => {
        const made = await createUser(tx, auth.workspaceId, body);
        await recordAudit(tx, auth, { action: 'user.created', targetType: 'user', targetId: made.id, details: { name: body.name, email: body.email, role: body.role } });
        return made;
      });
      return c.json(user, 201);
    })
    .post('/tokens', describeRoute({ summary: 'Create an app token (changes recorded with source API)', tags: ['Admin'] }), validate('json', createTokenBody), async (c) => {
      const auth = c.get('auth');
      requireAdmin(auth);
      const { name } = c.req.valid('json');
      const { id, token } = await c.get('db').transaction(async (tx) => {
        const made = await issueToken(tx, { workspaceId: auth.workspaceId, kind: 'app', name });
        await recordAudit(tx, auth, { action: 'token.created', targetType: 'token', targetId: made.id, details: { name, kind: 'app' } });
        return made;
      });
      return c.json({ id, token }, 201);
    });
}
