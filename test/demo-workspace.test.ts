/**
 * The demo workspace (issue "The first ten minutes"): loaded through the API by two users, with
 * every kind of data a screen can show, the same for the same seed, refused on a workspace that
 * already has records unless forced.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { ASTRID, ASTRID_PERSONAL, DEALS, ERIK, HALDEN, LIAM } from '../server/demo/people.ts';
import { DemoRefusedError, loadDemoWorkspace, type Requester } from '../server/demo/workspace.ts';
import type { Plan } from '../shared/plans.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';

interface Loaded {
  db: TestDatabase;
  token: string;
  request: Requester;
  get<T = any>(path: string): Promise<T>;
  post<T = any>(path: string, body: unknown): Promise<T>;
}

/** A fresh instance on its own database, and a loader that runs the import in process. */
async function instance(plan: Plan = 'enterprise'): Promise<Loaded & { load(options?: { seed?: number; force?: boolean }): ReturnType<typeof loadDemoWorkspace> }> {
  const db = await testDatabase();
  const boot = (await bootstrapInstance(db.db, { plan }))!;
  const app = createApp({ db: db.db, tokenCacheMs: 0 });
  const request: Requester = async (path, init) => app.request(path, init);
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${boot.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.json();
  };
  return {
    db,
    token: boot.token,
    request,
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body),
    load: (options = {}) =>
      loadDemoWorkspace(request, {
        adminToken: boot.token,
        plan,
        ...options,
        runImport: async (id) => {
          const job = await claimJob(db.db, boot.workspaceId, id);
          if (job) await runJob(db.db, job);
        },
      }),
  };
}

async function all(ctx: Loaded, type: string, properties: string): Promise<Array<{ id: string; properties: Record<string, string | null> }>> {
  const out = [];
  let after: string | undefined;
  do {
    const page = await ctx.get(`/crm/v3/objects/${type}?limit=100&properties=${properties}${after ? `&after=${after}` : ''}`);
    out.push(...page.results);
    after = page.paging?.next?.after;
  } while (after);
  return out;
}

/** What the workspace holds, without ids or times: records by their names, associations by the names of both ends. */
async function contentOf(ctx: Loaded) {
  const name = new Map<string, string>();
  const records: Record<string, string[]> = {};
  for (const [type, props, key] of [['companies', 'name,domain', 'domain'], ['contacts', 'email,firstname,lastname', 'email'], ['deals', 'dealname,dealstage,amount', 'dealname'], ['tickets', 'subject,hs_pipeline_stage', 'subject']] as const) {
    const rows = await all(ctx, type, props);
    records[type] = rows.map((r) => props.split(',').map((p) => r.properties[p] ?? '').join('|')).sort();
    for (const r of rows) name.set(`${type}:${r.id}`, `${r.properties[key]}`);
  }
  const pairs: string[] = [];
  for (const [from, to] of [['contacts', 'companies'], ['contacts', 'deals'], ['contacts', 'tickets'], ['deals', 'companies'], ['contacts', 'contacts']] as const) {
    const ids = [...name.keys()].filter((k) => k.startsWith(`${from}:`)).map((k) => k.split(':')[1]!);
    const answer = await ctx.post(`/crm/v4/associations/${from}/${to}/batch/read`, { inputs: ids.map((id) => ({ id })) });
    for (const r of answer.results) {
      for (const a of r.to) pairs.push(`${name.get(`${from}:${r.from.id}`)} → ${name.get(`${to}:${a.toObjectId}`)} [${a.associationTypes.map((t: { label: string | null }) => t.label ?? '').sort().join(',')}]`);
    }
  }
  return { records, pairs: pairs.sort() };
}

describe('the demo workspace', () => {
  it('has every kind of data the screens show, each written by the real rules with its history source', async () => {
    const ctx = await instance();
    try {
      const started = Date.now();
      const summary = await ctx.load();
      console.log(`demo workspace loaded in ${Date.now() - started} ms:`, summary);
      expect(summary.companies).toBeGreaterThanOrEqual(24);
      expect(summary.contacts).toBeGreaterThanOrEqual(60);
      // companies with real-looking domains
      const companies = await all(ctx, 'companies', 'name,domain');
      expect(companies.every((c) => /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/.test(c.properties.domain ?? ''))).toBe(true);
      // deals in several stages of the default pipeline, tickets
      const deals = await all(ctx, 'deals', 'dealstage,pipeline');
      expect(new Set(deals.map((d) => d.properties.dealstage)).size).toBeGreaterThanOrEqual(4);
      expect(deals.every((d) => d.properties.pipeline === 'default')).toBe(true);
      expect((await all(ctx, 'tickets', 'subject')).length).toBeGreaterThan(2);
      // labels, single and paired
      const dealLabels = await ctx.get('/crm/v4/associations/contacts/deals/labels');
      expect(dealLabels.results.map((l: { label: string | null }) => l.label)).toEqual(expect.arrayContaining(['Decision maker', 'Champion']));
      const paired = await ctx.get('/crm/v4/associations/contacts/contacts/labels');
      expect(paired.results.map((l: { label: string | null }) => l.label)).toEqual(expect.arrayContaining(['Manager', 'Reports to']));
      const astrid = (await ctx.post('/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: ASTRID.email }] }] })).results[0].id;
      const erik = (await ctx.post('/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: ERIK.email }] }] })).results[0].id;
      const toErik = await ctx.get(`/crm/v4/objects/contacts/${astrid}/associations/contacts`);
      expect(toErik.results.find((a: { toObjectId: number }) => String(a.toObjectId) === erik).associationTypes.map((t: { label: string | null }) => t.label)).toContain('Manager');
      // custom-object records on Enterprise
      expect((await ctx.get('/crm/v3/objects/licenses?limit=100')).results.length).toBe(summary.customRecords);
      expect(summary.customRecords).toBeGreaterThan(2);
      // logged emails and notes
      expect((await ctx.get(`/crm/v4/objects/contacts/${astrid}/associations/emails`)).results.length).toBe(3);
      expect((await ctx.get('/crm/v3/objects/notes?limit=100')).results.length).toBeGreaterThan(2);
      // the import with its error file
      const imported = await ctx.get(`/api/imports/${summary.importId}`);
      expect(imported.state).toBe('done');
      expect(imported.errors.map((e: { code: string }) => e.code)).toEqual(expect.arrayContaining(['INVALID_EMAIL']));
      const errorsCsv = await ctx.request(`/api/imports/${summary.importId}/errors.csv`, { headers: { authorization: `Bearer ${ctx.token}` } });
      expect(errorsCsv.status).toBe(200);
      expect(await errorsCsv.text()).toContain('lars.eriksson(at)haldenfreight.se');
      // the association history: users, the import, the domain rule, a merge, an undo
      const sources = new Set<string>();
      const names = new Set<string>();
      const contacts = await all(ctx, 'contacts', 'email');
      for (const c of contacts.slice(0, 40).concat(contacts.filter((x) => [ASTRID.email, ERIK.email, LIAM.email].includes(x.properties.email!)))) {
        for (const e of (await ctx.get(`/api/objects/contacts/${c.id}/association-history`)).results) {
          sources.add(e.source);
          if (e.sourceUserName) names.add(e.sourceUserName);
        }
      }
      expect([...sources]).toEqual(expect.arrayContaining(['USER', 'IMPORT', 'AUTO_DOMAIN', 'OBJECT_MERGE']));
      expect([...names]).toEqual(expect.arrayContaining(['Sam Rivera', 'Priya Nair']));
      const erikHistory = (await ctx.get(`/api/objects/contacts/${erik}/association-history`)).results;
      const pilot = (await ctx.post('/crm/v3/objects/deals/search', { filterGroups: [{ filters: [{ propertyName: 'dealname', operator: 'EQ', value: DEALS.pilot.dealname }] }] })).results[0].id;
      expect(erikHistory.filter((e: { toObjectId: string }) => e.toObjectId === pilot).map((e: { action: string }) => e.action)).toEqual(['DELETED', 'CREATED']);
      // the merged twin is gone, its company came to Astrid
      expect(contacts.some((c) => c.properties.email === ASTRID_PERSONAL)).toBe(false);
      const halden = companies.find((c) => c.properties.domain === HALDEN.domain)!.id;
      expect((await ctx.get(`/crm/v4/objects/contacts/${astrid}/associations/companies`)).results.map((a: { toObjectId: number }) => String(a.toObjectId))).toContain(halden);
      // the writing users' tokens were revoked
      expect((await ctx.get('/api/tokens')).results.filter((t: { kind: string; name: string }) => t.name === 'Sam Rivera' || t.name === 'Priya Nair')).toEqual([]);
    } finally {
      await ctx.db.destroy();
    }
  }, 240_000);
});

describe('the demo workspace is deterministic, and never mixed into real data by accident', () => {
  it('the same seed gives the same workspace; another seed another one', async () => {
    const runs = [];
    for (const seed of [7, 7, 8]) {
      const ctx = await instance();
      try {
        const t0 = Date.now();
        await ctx.load({ seed });
        const t1 = Date.now();
        runs.push(await contentOf(ctx));
        console.log(`seed ${seed}: loaded in ${t1 - t0} ms, read back in ${Date.now() - t1} ms`);
      } finally {
        await ctx.db.destroy();
      }
    }
    expect(runs[0]!.records.contacts!.length).toBeGreaterThan(40);
    expect(runs[0]!.pairs.length).toBeGreaterThan(100);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]!.records.companies).not.toEqual(runs[0]!.records.companies);
  }, 240_000);

  it('refuses a workspace that has records, writing nothing; --force loads it anyway', async () => {
    const ctx = await instance('starter');
    try {
      await ctx.post('/crm/v3/objects/contacts', { properties: { email: 'someone@realcustomer.example', firstname: 'Someone' } });
      await expect(ctx.load()).rejects.toBeInstanceOf(DemoRefusedError);
      expect((await all(ctx, 'contacts', 'email')).map((c) => c.properties.email)).toEqual(['someone@realcustomer.example']);
      expect((await ctx.get('/api/users')).results.map((u: { name: string }) => u.name)).toEqual(['Owner']);
      const summary = await ctx.load({ force: true });
      expect((await all(ctx, 'contacts', 'email')).length).toBe(summary.contacts + 1);
      // Starter: no labels, no custom objects, the rest is there
      expect(summary.customRecords).toBe(0);
      expect((await ctx.get('/crm/v4/associations/contacts/deals/labels')).results.map((l: { label: string | null }) => l.label)).not.toContain('Decision maker');
    } finally {
      await ctx.db.destroy();
    }
  }, 240_000);
});
