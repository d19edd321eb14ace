import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../shared/audit.ts';
import type { ChangeEvent } from '../shared/history.ts';
import { appScope } from '../shared/scopes.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { upload } from './fixtures/imports/upload.ts';
import { useTestApp } from './helpers/app.ts';
import { moment } from './helpers/clock.ts';

// Issue 13, audit trail: record changes and admin actions carry their actor (user or app token,
// with its name), readable by admins at GET /api/audit with filters and a cursor; the change feed
// carries the actor too.

const t = useTestApp();

interface Workspace {
  id: string;
  admin: string;
  adminId: string;
  rep: string;
  repId: string;
  app: string;
  appId: string;
}

/** A workspace of its own (its trail holds only what the test wrote), with an admin, a rep and an app token. */
async function workspace(name: string): Promise<Workspace> {
  const ws = await t.call('POST', '/api/workspaces', { name, plan: 'enterprise' });
  expect(ws.status).toBe(201);
  const admin = ws.body.adminToken as string;
  const [me] = rowsOf<{ id: number }>(await t.db.db.execute(sql`select id from users where workspace_id = ${ws.body.id}`));
  const rep = await t.call('POST', '/api/users', { name: 'Riley Rep', email: `riley@${name}.example`, role: 'rep' }, admin);
  expect(rep.status).toBe(201);
  const app = await t.call('POST', '/api/tokens', { name: 'Sync app', scopes: appScope.options }, admin);
  expect(app.status).toBe(201);
  return { id: ws.body.id, admin, adminId: String(me!.id), rep: rep.body.token, repId: String(rep.body.id), app: app.body.token, appId: String(app.body.id) };
}

async function audit(token: string, query = ''): Promise<{ results: AuditEntry[]; paging?: { next: { after: string; link: string } } }> {
  const r = await t.call('GET', `/api/audit${query}`, undefined, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function createContact(token: string, email: string): Promise<string> {
  const r = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email, firstname: 'Ada' } }, token);
  expect(r.status).toBe(201);
  return r.body.id;
}

const actorOf = (e: { actor?: unknown } | undefined) => (e?.actor ?? null) as { kind: string; id: string; name: string } | null;

describe('audit trail', () => {
  describe('record changes carry their actor', () => {
    let w: Workspace;
    let contact: string;
    let other: string;
    let company: string;
    beforeAll(async () => {
      w = await workspace('records');
      const made = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme', domain: 'acme-feed.example' } }, w.app);
      expect(made.status).toBe(201);
      company = made.body.id;
      contact = await createContact(w.rep, 'ada@records.example');
      expect((await t.call('PATCH', `/crm/v3/objects/contacts/${contact}`, { properties: { firstname: 'Adah' } }, w.app)).status).toBe(200);
      expect((await t.call('DELETE', `/crm/v3/objects/contacts/${contact}`, undefined, w.admin)).status).toBe(204);
      expect((await t.call('POST', `/api/objects/contacts/${contact}/restore`, undefined, w.rep)).status).toBe(200);
      other = await createContact(w.app, 'grace@records.example');
      const link = await t.call('PUT', `/crm/v4/objects/contacts/${other}/associations/default/companies/${company}`, undefined, w.rep);
      expect(link.status).toBe(200);
      const merged = await t.call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: contact, objectIdToMerge: other }, w.admin);
      expect(merged.status).toBe(200);
    });

    it('issue 13: create, update, archive, restore and merge name the user or app that made them, newest first', async () => {
      const page = await audit(w.admin, `?targetType=contacts&targetId=${contact}`);
      const seen = page.results.map((e) => [e.action, actorOf(e)?.kind, actorOf(e)?.name]);
      expect(seen).toEqual([
        ['record.updated', 'user', 'Admin'], // the survivor of the merge
        ['record.restored', 'user', 'Riley Rep'],
        ['record.archived', 'user', 'Admin'],
        ['record.updated', 'app', 'Sync app'],
        ['record.created', 'user', 'Riley Rep'],
      ]);
      expect(page.results[4]!.actor).toEqual({ kind: 'user', id: w.repId, name: 'Riley Rep' });
      expect(page.results[3]!.actor).toEqual({ kind: 'app', id: w.appId, name: 'Sync app' });
      expect(page.results.every((e) => e.targetType === 'contacts' && e.targetId === contact)).toBe(true);
      const mergedAway = await audit(w.admin, `?targetId=${other}`);
      expect(mergedAway.results.map((e) => [e.action, actorOf(e)?.kind])).toEqual([
        ['record.merged', 'user'],
        ['record.created', 'app'],
      ]);
      expect(mergedAway.results[0]!.details).toEqual({ mergedIntoObjectId: contact });
    });

    it('issue 13: records an import creates or updates, in the background job, name who uploaded the file', async () => {
      // as the job runner does it: outside any request
      const run = async (csv: string, mode: string, token: string) => {
        const up = await upload(t, csv, { objectType: 'contacts', mode }, token);
        expect(up.status, JSON.stringify(up.body)).toBe(202);
        const job = await claimJob(t.db.db, w.id, up.body.id);
        expect((await runJob(t.db.db, job!)).state).toBe('done');
      };
      await run('Email,First Name\nimp1@records.example,Imp\n', 'create', w.rep);
      await run('Email,First Name\nimp1@records.example,Updated\n', 'update', w.app);
      const page = await audit(w.admin, '?targetType=contacts&limit=2');
      expect(page.results.map((e) => [e.action, e.actor, e.details])).toEqual([
        ['record.updated', { kind: 'app', id: w.appId, name: 'Sync app' }, { source: 'IMPORT' }],
        ['record.created', { kind: 'user', id: w.repId, name: 'Riley Rep' }, { source: 'IMPORT' }],
      ]);
    });

    it('issue 13: the change feed carries the actor of record and association events (additive field)', async () => {
      const feed = await t.call('GET', '/api/changes?limit=1000', undefined, w.admin);
      expect(feed.status).toBe(200);
      const events = feed.body.results as ChangeEvent[];
      const created = events.find((e) => e.kind === 'record' && e.action === 'CREATED' && e.objectId === contact);
      expect(actorOf(created)).toEqual({ kind: 'user', id: w.repId, name: 'Riley Rep' });
      const companyCreated = events.find((e) => e.kind === 'record' && e.objectId === company);
      expect(actorOf(companyCreated)).toEqual({ kind: 'app', id: w.appId, name: 'Sync app' });
      const associated = events.filter((e) => e.kind === 'association' && e.action === 'CREATED' && e.source === 'USER' && e.toObjectId === company);
      expect(associated.length).toBeGreaterThan(0);
      for (const e of associated) expect(actorOf(e)).toEqual({ kind: 'user', id: w.repId, name: 'Riley Rep' });
      // association rows written by the merge (source OBJECT_MERGE) name the admin who merged
      const byMerge = events.filter((e) => e.kind === 'association' && e.source === 'OBJECT_MERGE');
      expect(byMerge.length).toBeGreaterThan(0);
      for (const e of byMerge) expect(actorOf(e)?.name).toBe('Admin');
      // the fields consumers read are unchanged
      expect(created).toMatchObject({ kind: 'record', action: 'CREATED', objectType: 'contacts', objectId: contact, properties: expect.objectContaining({ email: 'ada@records.example' }) });
    });
  });

  describe('admin actions', () => {
    let w: Workspace;
    beforeAll(async () => {
      w = await workspace('admin');
    });

    it('issue 13: users, tokens, plan, settings, schemas, labels and limits are recorded with the admin who did them', async () => {
      expect((await t.call('PATCH', '/api/workspace', { settings: { lifecycleStageSync: true } }, w.admin)).status).toBe(200);
      expect((await t.call('PATCH', '/api/workspace', { name: 'Admin ws' }, w.admin)).status).toBe(200);
      // plans are the instance owner's: recorded in the workspace's trail with the owner as actor
      expect((await t.call('PATCH', `/api/workspaces/${w.id}`, { plan: 'professional' })).status).toBe(200);
      expect((await t.call('PATCH', `/api/workspaces/${w.id}`, { plan: 'enterprise' })).status).toBe(200);
      const schema = await t.call('POST', '/crm/v3/schemas', { name: 'cars', labels: { singular: 'Car', plural: 'Cars' }, properties: [{ name: 'model', label: 'Model', type: 'string', fieldType: 'text' }], primaryDisplayProperty: 'model', associatedObjects: ['contacts'] }, w.admin);
      expect(schema.status, JSON.stringify(schema.body)).toBe(201);
      const typeId = schema.body.objectTypeId as string;
      expect((await t.call('PATCH', `/crm/v3/schemas/${typeId}`, { labels: { singular: 'Auto' } }, w.admin)).status).toBe(200);
      expect((await t.call('DELETE', `/crm/v3/schemas/${typeId}`, undefined, w.admin)).status).toBe(204);
      expect((await t.call('DELETE', `/crm/v3/schemas/${typeId}?archived=true`, undefined, w.admin)).status).toBe(204);
      const label = await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Advisor', name: 'advisor' }, w.admin);
      expect(label.status, JSON.stringify(label.body)).toBe(200);
      const labelId = label.body.results[0].typeId as number;
      expect((await t.call('PUT', '/crm/v4/associations/contacts/companies/labels', { associationTypeId: labelId, label: 'Adviser' }, w.admin)).status).toBe(204);
      const limits = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/companies/batch/create', { inputs: [{ category: 'USER_DEFINED', typeId: labelId, maxToObjectIds: 5 }] }, w.admin);
      expect(limits.status, JSON.stringify(limits.body)).toBe(201);
      expect((await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/companies/batch/purge', { inputs: [{ category: 'USER_DEFINED', typeId: labelId }] }, w.admin)).status).toBe(204);
      expect((await t.call('DELETE', `/crm/v4/associations/contacts/companies/labels/${labelId}`, undefined, w.admin)).status).toBe(204);

      const page = await audit(w.admin, '?limit=100');
      const admin = { kind: 'user', id: w.adminId, name: 'Admin' };
      const actions = page.results.map((e) => e.action).reverse();
      expect(actions).toEqual([
        'user.created',
        'token.created',
        'workspace.settings_changed',
        'workspace.renamed',
        'workspace.plan_changed',
        'workspace.plan_changed',
        'schema.created',
        'schema.updated',
        'schema.archived',
        'schema.purged',
        'label.created',
        'label.updated',
        'limits.set',
        'limits.removed',
        'label.deleted',
      ]);
      for (const e of page.results) {
        if (e.action === 'workspace.plan_changed') expect(e.actor).toMatchObject({ kind: 'user', name: 'Owner' });
        else expect(e.actor).toEqual(admin);
      }
      const byAction = (a: string) => page.results.filter((e) => e.action === a);
      expect(byAction('user.created')[0]).toMatchObject({ targetType: 'user', targetId: w.repId, details: { name: 'Riley Rep', role: 'rep' } });
      expect(byAction('token.created')[0]).toMatchObject({ targetType: 'token', targetId: w.appId, details: { name: 'Sync app', kind: 'app', scopes: appScope.options } });
      expect(JSON.stringify(byAction('token.created')[0])).not.toContain(w.app); // never the secret
      expect(byAction('workspace.plan_changed').map((e) => e.details)).toEqual([{ from: 'professional', to: 'enterprise' }, { from: 'enterprise', to: 'professional' }]);
      expect(byAction('workspace.settings_changed')[0]!.details).toEqual({ lifecycleStageSync: { from: null, to: true } }) // unset before: the default;
      expect(byAction('schema.created')[0]).toMatchObject({ targetType: 'schema', targetId: typeId, details: { name: 'cars' } });
      expect(byAction('limits.set')[0]).toMatchObject({ targetType: 'limit', details: { fromObjectType: 'contacts', toObjectType: 'companies', limits: [{ typeId: labelId, max: 5 }] } });
      expect(byAction('label.deleted')[0]).toMatchObject({ targetType: 'label', targetId: String(labelId) });
    });

    it('issue 13: a refused admin action leaves no entry (the entry is in the transaction of the action)', async () => {
      const before = (await audit(w.admin, '?limit=500')).results.length;
      const dup = await t.call('POST', '/api/users', { name: 'Riley Again', email: 'riley@admin.example', role: 'rep' }, w.admin);
      expect(dup.status).toBe(409);
      const badPlan = await t.call('PATCH', '/api/workspace', { plan: 'platinum' }, w.admin);
      expect(badPlan.status).toBe(400);
      expect((await audit(w.admin, '?limit=500')).results.length).toBe(before);
    });

    it('issue 13: the workspace created by the instance owner is in the owner workspace trail', async () => {
      const page = await audit(t.token, `?action=workspace.created&targetId=${w.id}`);
      expect(page.results).toHaveLength(1);
      expect(page.results[0]).toMatchObject({ targetType: 'workspace', details: { name: 'admin', plan: 'enterprise' }, actor: { kind: 'user', name: 'Owner' } });
    });
  });

  describe('filters and cursor', () => {
    let w: Workspace;
    const made: string[] = [];
    let middle = '';
    beforeAll(async () => {
      w = await workspace('filters');
      for (let i = 0; i < 3; i++) made.push(await createContact(w.rep, `rep${i}@filters.example`));
      middle = await moment();
      for (let i = 0; i < 2; i++) made.push(await createContact(w.app, `app${i}@filters.example`));
      expect((await t.call('PATCH', '/api/workspace', { settings: { lifecycleStageSync: true } }, w.admin)).status).toBe(200);
    });

    it('issue 13: actorKind, actorId, action, targetType, targetId and a time range each narrow the trail', async () => {
      const all = (await audit(w.admin, '?limit=500')).results;
      expect(all).toHaveLength(8); // user, token, 5 contacts, settings
      const apps = (await audit(w.admin, '?actorKind=app')).results;
      expect(apps.map((e) => e.targetId)).toEqual([made[4], made[3]]);
      expect((await audit(w.admin, `?actorId=${w.repId}`)).results.map((e) => e.targetId)).toEqual([made[2], made[1], made[0]]);
      expect((await audit(w.admin, `?actorKind=user&actorId=${w.appId}`)).results).toEqual([]);
      const adminActs = (await audit(w.admin, '?action=user.created,workspace.settings_changed')).results.map((e) => e.action);
      expect(adminActs).toEqual(['workspace.settings_changed', 'user.created']);
      expect((await audit(w.admin, '?action=record.created&action=token.created')).results).toHaveLength(6);
      expect((await audit(w.admin, '?targetType=contacts')).results).toHaveLength(5);
      expect((await audit(w.admin, '?targetType=0-1')).results).toHaveLength(5);
      expect((await audit(w.admin, '?targetType=user')).results.map((e) => e.action)).toEqual(['user.created']);
      expect((await audit(w.admin, `?targetId=${made[1]}`)).results.map((e) => e.targetId)).toEqual([made[1]]);
      expect((await audit(w.admin, `?targetType=token&targetId=${w.appId}`)).results.map((e) => e.action)).toEqual(['token.created']);
      expect((await audit(w.admin, '?targetType=companies')).results).toEqual([]);
      const later = (await audit(w.admin, `?occurredAfter=${encodeURIComponent(middle)}`)).results;
      expect(later.map((e) => e.action)).toEqual(['workspace.settings_changed', 'record.created', 'record.created']);
      const earlier = (await audit(w.admin, `?occurredBefore=${encodeURIComponent(middle)}&targetType=contacts`)).results;
      expect(earlier.map((e) => e.targetId)).toEqual([made[2], made[1], made[0]]);
    });

    it('issue 13: the cursor (after, limit, paging.next.after) walks the whole trail once, newest first, with filters kept', async () => {
      const all = (await audit(w.admin, '?limit=500')).results.map((e) => e.id);
      const walked: string[] = [];
      let query = '?limit=3';
      for (let pages = 0; pages < 10; pages++) {
        const page = await audit(w.admin, query);
        walked.push(...page.results.map((e) => e.id));
        if (!page.paging) break;
        expect(page.paging.next.link).toContain(`after=${page.paging.next.after}`);
        query = `?limit=3&after=${page.paging.next.after}`;
      }
      expect(walked).toEqual(all);
      expect([...all].sort((a, b) => Number(b) - Number(a))).toEqual(all);
      const byUsers = (await audit(w.admin, '?actorKind=user&limit=500')).results.map((e) => e.id);
      expect(byUsers).toHaveLength(6);
      const first = await audit(w.admin, '?actorKind=user&limit=4');
      expect(first.paging).toBeDefined();
      const second = await audit(w.admin, first.paging!.next.link.replace('/api/audit', ''));
      expect(second.paging).toBeUndefined();
      expect([...first.results, ...second.results].map((e) => e.id)).toEqual(byUsers);
    });
  });

  describe('security', () => {
    let w: Workspace;
    beforeAll(async () => {
      w = await workspace('security');
    });

    it('issue 13: reps and app tokens get 403, no token 401; an admin sees only their own workspace', async () => {
      for (const token of [w.rep, w.app]) {
        const r = await t.call('GET', '/api/audit', undefined, token);
        expect(r.status).toBe(403);
        expect(r.body.subCategory).toBe('FORBIDDEN');
      }
      expect((await t.call('GET', '/api/audit', undefined, null)).status).toBe(401);
      await createContact(w.rep, 'secret@security.example');
      const mine = (await audit(w.admin)).results;
      expect(mine.some((e) => e.action === 'record.created')).toBe(true);
      const owner = (await audit(t.token, '?limit=500')).results;
      expect(owner.some((e) => e.targetType === 'contacts' || e.action === 'user.created')).toBe(false);
    });

    it('issue 13: an entry keeps the user name it was written with, after the user is renamed and removed', async () => {
      const contact = await createContact(w.rep, 'kept@security.example');
      await t.db.db.execute(sql`update users set name = 'Renamed' where workspace_id = ${w.id} and id = ${Number(w.repId)}`);
      await t.db.db.execute(sql`delete from api_tokens where workspace_id = ${w.id} and user_id = ${Number(w.repId)}`);
      await t.db.db.execute(sql`delete from users where workspace_id = ${w.id} and id = ${Number(w.repId)}`);
      const page = await audit(w.admin, `?targetId=${contact}`);
      expect(page.results[0]!.actor).toEqual({ kind: 'user', id: w.repId, name: 'Riley Rep' });
      const created = (await audit(w.admin, '?action=user.created')).results[0]!;
      expect(created.details).toMatchObject({ name: 'Riley Rep' });
      const feed = await t.call('GET', '/api/changes?limit=1000', undefined, w.admin);
      const event = (feed.body.results as ChangeEvent[]).find((e) => e.kind === 'record' && e.objectId === contact);
      expect(actorOf(event)?.name).toBe('Riley Rep');
    });

    it('issue 13: hostile filters (NUL, lone surrogates, huge values, bad times, unknown actions) answer 400 naming the parameter, never 500', async () => {
      const huge = '9'.repeat(30);
      const cases: Array<[string, string]> = [
        [`targetType=${encodeURIComponent('contacts\u0000')}`, 'targetType'],
        [`targetId=${encodeURIComponent('1\u0000')}`, 'targetId'],
        [`targetId=${'x'.repeat(100_000)}`, 'targetId'],
        [`targetType=${'y'.repeat(1000)}`, 'targetType'],
        [`after=${huge}`, 'after'],
        ['after=99999999999999999999', 'after'],
        ['after=-1', 'after'],
        [`actorId=${huge}`, 'actorId'],
        ['actorId=1e999999', 'actorId'],
        ['limit=1e999999', 'limit'],
        ['limit=0', 'limit'],
        ['limit=100000', 'limit'],
        ['actorKind=robot', 'actorKind'],
        ['action=record.deleted', 'action'],
        [`action=${encodeURIComponent('user.created\u0000')}`, 'action'],
        ['occurredAfter=275760-09-13T00:00:00Z', 'occurredAfter'],
        ['occurredAfter=1e20', 'occurredAfter'],
        [`occurredBefore=${encodeURIComponent('2026-01-01T00:00:00Z\u0000')}`, 'occurredBefore'],
      ];
      for (const [query, param] of cases) {
        const r = await t.call('GET', `/api/audit?${query}`, undefined, w.admin);
        expect(r.status, `${query.slice(0, 80)}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(400);
        expect(r.body.subCategory).toBe('VALIDATION_ERROR');
        expect(r.body.errors.some((e: { in: string }) => e.in === `query:${param}` || e.in.startsWith(`query:${param}[`)), JSON.stringify(r.body.errors)).toBe(true);
      }
    });
  });
});
