import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';

describe('health and admin', () => {
  const t = useTestApp();

  it('GET /health answers ok without a token', async () => {
    const r = await t.call('GET', '/health', undefined, null);
    expect(r).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('the owner creates a workspace whose admin token works only there', async () => {
    const r = await t.call('POST', '/api/workspaces', { name: 'Acme', plan: 'starter' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'Acme', plan: 'starter' });
    const ws = await t.call('GET', '/api/workspace', undefined, r.body.adminToken);
    expect(ws.body).toMatchObject({ id: r.body.id, plan: 'starter' });
  });

  it('security: no token, a wrong token and a malformed header are refused with 401', async () => {
    expect((await t.call('GET', '/api/workspace', undefined, null)).status).toBe(401);
    const wrong = await t.call('GET', '/api/workspace', undefined, 'crm_nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 'error', subCategory: 'UNAUTHENTICATED', category: 'INVALID_AUTHENTICATION' });
  });

  it('security: a rep cannot use admin endpoints; an admin who is not the owner cannot create workspaces', async () => {
    const rep = await t.call('POST', '/api/users', { name: 'Rita Rep', email: 'rita@example.com', role: 'rep' });
    expect(rep.status).toBe(201);
    expect((await t.call('GET', '/api/users', undefined, rep.body.token)).status).toBe(403);
    // the companion signs in with GET /api/workspace: a rep reads it
    expect((await t.call('GET', '/api/workspace', undefined, rep.body.token)).status).toBe(200);
    expect((await t.call('POST', '/api/tokens', { name: 'x' }, rep.body.token)).status).toBe(403);
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'professional' });
    const denied = await t.call('POST', '/api/workspaces', { name: 'Nested', plan: 'starter' }, other.body.adminToken);
    expect(denied.status).toBe(403);
    expect(denied.body.subCategory).toBe('FORBIDDEN');
  });

  it('GET /api/me: the user with their role, or the app token with its scopes, and the workspace', async () => {
    const owner = await t.call('GET', '/api/me');
    expect(owner.status).toBe(200);
    expect(owner.body).toMatchObject({ caller: { kind: 'user', role: 'admin', instanceOwner: true } });
    const ws = await t.call('GET', '/api/workspace');
    expect(owner.body.workspace).toEqual({ id: ws.body.id, name: ws.body.name, plan: ws.body.plan });
    const rep = await t.call('POST', '/api/users', { name: 'Mia Me', email: 'mia.me@example.com', role: 'rep' });
    const asRep = await t.call('GET', '/api/me', undefined, rep.body.token);
    expect(asRep.body.caller).toEqual({ kind: 'user', id: rep.body.id, name: 'Mia Me', role: 'rep', instanceOwner: false });
    const app = await t.call('POST', '/api/tokens', { name: 'sync', scopes: ['crm.objects.contacts.read'] });
    expect(app.status).toBe(201);
    const asApp = await t.call('GET', '/api/me', undefined, app.body.token);
    expect(asApp.body.caller).toEqual({ kind: 'app', tokenId: app.body.id, name: 'sync', scopes: ['crm.objects.contacts.read'] });
    expect((await t.call('GET', '/api/me', undefined, null)).status).toBe(401);
  });

  it('bad input names the field and writes nothing', async () => {
    const r = await t.call('POST', '/api/users', { name: 'X', email: 'not-an-email', role: 'boss' });
    expect(r.status).toBe(400);
    expect(r.body.subCategory).toBe('VALIDATION_ERROR');
    expect(r.body.errors.map((e: { in: string }) => e.in).sort()).toEqual(['body:email', 'body:role']);
    const dup = await t.call('POST', '/api/users', { name: 'Rita again', email: 'RITA@example.com', role: 'rep' });
    expect(dup.status).toBe(409);
  });

  it('PATCH /api/workspace changes plan and settings; unknown settings are refused', async () => {
    const ok = await t.call('PATCH', '/api/workspace', { plan: 'professional', settings: { autoAssociateCompaniesByDomain: true } });
    expect(ok.body).toMatchObject({ plan: 'professional', settings: { autoAssociateCompaniesByDomain: true } });
    const bad = await t.call('PATCH', '/api/workspace', { settings: { colour: 'red' } });
    expect(bad.status).toBe(400);
    expect((await t.call('GET', '/api/workspace')).body.plan).toBe('professional');
  });

  it('an app token is created once and authenticates', async () => {
    const r = await t.call('POST', '/api/tokens', { name: 'sync job', scopes: ['crm.objects.contacts.read'] });
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^crm_/);
    expect((await t.call('GET', '/crm/v3/objects/contacts', undefined, r.body.token)).status).toBe(200);
  });
});
