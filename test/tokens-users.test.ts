import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { until } from './helpers/server-process.ts';
import { seedRecords } from './helpers/records.ts';
import { importCsv } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });

type App = ReturnType<typeof createApp>;
const get = (app: App, path: string, token: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });

/** Opens a change stream; `ended` resolves with the time (ms since epoch) the server closed it. */
async function openStream(app: App, token: string): Promise<{ status: number; ended: Promise<number> }> {
  const res = await get(app, '/api/changes/stream', token);
  if (res.status !== 200 || !res.body) return { status: res.status, ended: Promise.resolve(Date.now()) };
  const reader = res.body.getReader();
  const ended = (async () => {
    for (;;) {
      const { done } = await reader.read();
      if (done) return Date.now();
    }
  })();
  return { status: res.status, ended };
}

/** `p`, or a rejection once `ms` have passed: a deadline on an awaited event, not a pause. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

async function newUser(role: 'admin' | 'rep', email: string) {
  const r = await t.call('POST', '/api/users', { name: `User ${email}`, email, role });
  expect(r.status).toBe(201);
  return r.body as { id: number; token: string };
}

describe('tokens: list and revoke (issue 13)', () => {
  it('GET /api/tokens lists id, name, kind, scopes, created and last used; never the secret or its hash', async () => {
    const app = await t.call('POST', '/api/tokens', { name: 'listed', scopes: ['crm.objects.contacts.read'] });
    expect((await t.call('GET', '/crm/v3/objects/contacts', undefined, app.body.token)).status).toBe(200);
    const list = await t.call('GET', '/api/tokens');
    expect(list.status).toBe(200);
    const row = list.body.results.find((r: { id: number }) => r.id === app.body.id);
    expect(row).toEqual({ id: app.body.id, name: 'listed', kind: 'app', userId: null, scopes: ['crm.objects.contacts.read'], createdAt: expect.any(String), lastUsedAt: expect.any(String) });
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(app.body.token);
    expect(text).not.toMatch(/hash|h1:/i);
    // the owner's own token is listed too, as a user token
    expect(list.body.results.some((r: { kind: string }) => r.kind === 'user')).toBe(true);
  });

  it('last used is written at most once a minute per token: using it again writes nothing', async () => {
    const app = await t.call('POST', '/api/tokens', { name: 'busy', scopes: ['crm.objects.contacts.read'] });
    await t.call('GET', '/crm/v3/objects/contacts', undefined, app.body.token);
    const stamp = async () => rowsOf<{ at: string }>(await t.db.db.execute(sql`select last_used_at::text as at from api_tokens where workspace_id = ${t.workspaceId} and id = ${app.body.id}`))[0]!.at;
    const first = await stamp();
    expect(first).toBeTruthy();
    await t.call('GET', '/crm/v3/objects/contacts', undefined, app.body.token);
    expect(await stamp()).toBe(first);
  });

  it('DELETE /api/tokens/{id}: refused at once here, even with a long token cache; a second revoke is 404', async () => {
    const cached = createApp({ db: t.db.db, tokenCacheMs: 60_000 });
    const app = await t.call('POST', '/api/tokens', { name: 'to revoke', scopes: ['crm.objects.contacts.read'] });
    expect((await get(cached, '/crm/v3/objects/contacts', app.body.token)).status).toBe(200);
    const revoke = await cached.request(`/api/tokens/${app.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.token}` } });
    expect(revoke.status).toBe(204);
    expect((await get(cached, '/crm/v3/objects/contacts', app.body.token)).status).toBe(401);
    expect((await t.call('DELETE', `/api/tokens/${app.body.id}`)).status).toBe(404);
    expect((await t.call('GET', '/api/tokens')).body.results.map((r: { id: number }) => r.id)).not.toContain(app.body.id);
  });

  it('revoked on one server process: another process (its own 1 s cache) refuses it within a second', async () => {
    const here = createApp({ db: t.db.db });
    const there = createApp({ db: t.db.db });
    const app = await t.call('POST', '/api/tokens', { name: 'two processes', scopes: ['crm.objects.contacts.read'] });
    expect((await get(there, '/crm/v3/objects/contacts', app.body.token)).status).toBe(200);
    await here.request(`/api/tokens/${app.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.token}` } });
    const revokedAt = Date.now();
    const refused = await until(async () => get(there, '/crm/v3/objects/contacts', app.body.token), (r) => r.status !== 200, 3_000, 20);
    expect(refused.status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_300);
  });

  it('a change stream held by a revoked token is closed: at once on this process, within a second on another', async () => {
    const here = createApp({ db: t.db.db });
    const there = createApp({ db: t.db.db });
    const rep = await newUser('rep', 'streamer@tokens.example');
    const local = await openStream(here, rep.token);
    const remote = await openStream(there, rep.token);
    expect([local.status, remote.status]).toEqual([200, 200]);
    const list = (await t.call('GET', '/api/tokens')).body.results as Array<{ id: number; userId: number | null }>;
    const tokenId = list.find((r) => r.userId === rep.id)!.id;
    expect((await here.request(`/api/tokens/${tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.token}` } })).status).toBe(204);
    // from the moment the revoke has answered (it commits before)
    const revokedAt = Date.now();
    expect((await within(local.ended, 1_000)) - revokedAt).toBeLessThan(100);
    expect((await within(remote.ended, 2_000)) - revokedAt).toBeLessThan(1_000);
  });
});

describe('users: list, change role, deactivate, remove (issue 13)', () => {
  it('GET /api/users lists the users with role and whether they are active', async () => {
    await newUser('rep', 'listed@users.example');
    const r = await t.call('GET', '/api/users');
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual(expect.arrayContaining([
      { id: expect.any(Number), name: 'Owner', email: 'owner@localhost', role: 'admin', instanceOwner: true, active: true, createdAt: expect.any(String) },
      expect.objectContaining({ email: 'listed@users.example', role: 'rep', active: true }),
    ]));
  });

  it('PATCH role: a rep made admin may use admin routes at once, and back', async () => {
    const u = await newUser('rep', 'promoted@users.example');
    expect((await t.call('GET', '/api/users', undefined, u.token)).status).toBe(403);
    expect((await t.call('PATCH', `/api/users/${u.id}`, { role: 'admin' })).body).toMatchObject({ id: u.id, role: 'admin' });
    expect((await t.call('GET', '/api/users', undefined, u.token)).status).toBe(200);
    await t.call('PATCH', `/api/users/${u.id}`, { role: 'rep' });
    expect((await t.call('GET', '/api/users', undefined, u.token)).status).toBe(403);
  });

  it('PATCH active: false refuses the user at once (and closes their stream); active: true lets them in again', async () => {
    const u = await newUser('rep', 'paused@users.example');
    const stream = await openStream(t.app, u.token);
    expect(stream.status).toBe(200);
    const off = await t.call('PATCH', `/api/users/${u.id}`, { active: false });
    expect(off.body).toMatchObject({ id: u.id, active: false });
    await within(stream.ended, 1_000);
    expect((await t.call('GET', '/api/workspace', undefined, u.token)).status).toBe(401);
    expect((await t.call('PATCH', `/api/users/${u.id}`, { active: true })).body.active).toBe(true);
    expect((await t.call('GET', '/api/workspace', undefined, u.token)).status).toBe(200);
  });

  it('DELETE: the user is refused and no longer listed; their history entries keep their name', async () => {
    const u = await newUser('rep', 'leaver@users.example');
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'kept@users.example' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Kept Co' }]);
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${co}`, undefined, u.token)).status).toBe(200);
    expect((await t.call('DELETE', `/api/users/${u.id}`)).status).toBe(204);
    expect((await t.call('GET', '/api/workspace', undefined, u.token)).status).toBe(401);
    expect((await t.call('GET', '/api/users')).body.results.map((r: { id: number }) => r.id)).not.toContain(u.id);
    const history = await t.call('GET', `/api/objects/contacts/${c}/association-history`);
    expect(history.body.results[0]).toMatchObject({ source: 'USER', sourceUserId: String(u.id), sourceUserName: 'User leaver@users.example' });
    expect((await t.call('DELETE', `/api/users/${u.id}`)).status).toBe(404);
  });

  it('security: the instance owner cannot be changed or removed; a workspace keeps one active admin; a rep cannot manage users', async () => {
    const owner = (await t.call('GET', '/api/users')).body.results.find((r: { instanceOwner: boolean }) => r.instanceOwner);
    const admin = await newUser('admin', 'second-admin@users.example');
    expect((await t.call('DELETE', `/api/users/${owner.id}`, undefined, admin.token)).status).toBe(403);
    expect((await t.call('PATCH', `/api/users/${owner.id}`, { role: 'rep' }, admin.token)).status).toBe(403);
    // a new workspace has one admin: it cannot demote or deactivate itself
    const ws = await t.call('POST', '/api/workspaces', { name: 'Solo', plan: 'starter' });
    const self = (await t.call('GET', '/api/users', undefined, ws.body.adminToken)).body.results[0];
    const demote = await t.call('PATCH', `/api/users/${self.id}`, { role: 'rep' }, ws.body.adminToken);
    expect(demote.status).toBe(409);
    expect(demote.body.message).toMatch(/no active admin/);
    expect((await t.call('PATCH', `/api/users/${self.id}`, { active: false }, ws.body.adminToken)).status).toBe(409);
    expect((await t.call('GET', '/api/users', undefined, ws.body.adminToken)).body.results[0]).toMatchObject({ role: 'admin', active: true });
    // another workspace's user is not found from here
    expect((await t.call('DELETE', `/api/users/${self.id}`)).status).toBe(404);
    const rep = await newUser('rep', 'not-a-manager@users.example');
    expect((await t.call('PATCH', `/api/users/${rep.id}`, { role: 'admin' }, rep.token)).status).toBe(403);
    expect((await t.call('PATCH', `/api/users/${rep.id}`, {})).status).toBe(400);
  });
});

describe('plans are the instance owner\'s (issue 13)', () => {
  it('a workspace admin changing the plan is 403 and nothing changes; name and settings stay theirs; the owner changes any plan', async () => {
    const ws = await t.call('POST', '/api/workspaces', { name: 'Upsell', plan: 'starter' });
    const r = await t.call('PATCH', '/api/workspace', { plan: 'enterprise' }, ws.body.adminToken);
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/instance owner/);
    expect((await t.call('GET', '/api/workspace', undefined, ws.body.adminToken)).body.plan).toBe('starter');
    expect((await t.call('PATCH', '/api/workspace', { name: 'Upsell BV' }, ws.body.adminToken)).status).toBe(200);
    expect((await t.call('PATCH', `/api/workspaces/${ws.body.id}`, { plan: 'enterprise' }, ws.body.adminToken)).status).toBe(403);
    const byOwner = await t.call('PATCH', `/api/workspaces/${ws.body.id}`, { plan: 'enterprise' });
    expect(byOwner.body).toMatchObject({ id: ws.body.id, name: 'Upsell BV', plan: 'enterprise' });
    expect((await t.call('GET', '/api/workspace', undefined, ws.body.adminToken)).body.plan).toBe('enterprise');
  });
});

describe('conditional rules (issue 13)', () => {
  it('a rep undoes or cancels only their own import; an admin any', async () => {
    const a = await newUser('rep', 'importer-a@rules.example');
    const b = await newUser('rep', 'importer-b@rules.example');
    const view = await importCsv(t, 'Email\nmine@rules.example', { objectType: 'contacts', mode: 'create' }, a.token);
    const byOther = await t.call('POST', `/api/imports/${view.id}/undo`, undefined, b.token);
    expect(byOther.status).toBe(403);
    expect(byOther.body.message).toMatch(/started this import/);
    expect((await t.call('POST', `/api/imports/${view.id}/cancel`, undefined, b.token)).status).toBe(403);
    expect((await t.call('POST', `/api/imports/${view.id}/undo`, undefined, a.token)).body).toMatchObject({ state: 'undone' });
    const second = await importCsv(t, 'Email\nagain@rules.example', { objectType: 'contacts', mode: 'create' }, a.token);
    expect((await t.call('POST', `/api/imports/${second.id}/undo`)).body).toMatchObject({ state: 'undone' });
  });

  it('batch archive: a rep archives at most 100 records per call, an admin up to 1,000', async () => {
    const rep = await newUser('rep', 'archiver@rules.example');
    const ids = await seedRecords(t.db.db, t.workspaceId, '0-3', Array.from({ length: 101 }, (_, i) => ({ dealname: `Bulk ${i}` })));
    const inputs = ids.map((id) => ({ id: String(id) }));
    const tooMany = await t.call('POST', '/crm/v3/objects/deals/batch/archive', { inputs }, rep.token);
    expect(tooMany.status).toBe(403);
    expect(tooMany.body.message).toMatch(/at most 100/);
    expect((await t.call('GET', `/crm/v3/objects/deals/${ids[0]}`)).status).toBe(200);
    expect((await t.call('POST', '/crm/v3/objects/deals/batch/archive', { inputs: inputs.slice(0, 100) }, rep.token)).status).toBe(204);
    expect((await t.call('POST', '/crm/v3/objects/deals/batch/archive', { inputs: inputs.slice(100) })).status).toBe(204);
  });

  it('merges: a rep makes at most 30 an hour (429 with Retry-After), an admin is not limited', async () => {
    const rep = await newUser('rep', 'merger@rules.example');
    const ids = await seedRecords(t.db.db, t.workspaceId, '0-1', Array.from({ length: 64 }, (_, i) => ({ email: `merge${i}@rules.example` })));
    const merge = (i: number, token?: string) => t.app.request('/crm/v3/objects/contacts/merge', {
      method: 'POST',
      headers: { authorization: `Bearer ${token ?? t.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ primaryObjectId: String(ids[2 * i]), objectIdToMerge: String(ids[2 * i + 1]) }),
    });
    for (let i = 0; i < 30; i++) expect((await merge(i, rep.token)).status).toBe(200);
    const over = await merge(30, rep.token);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await over.json()) as { message: string }).message).toMatch(/at most 30 merges an hour/);
    expect((await t.call('GET', `/crm/v3/objects/contacts/${ids[61]}`)).status).toBe(200);
    expect((await merge(31)).status).toBe(200);
  });
});
