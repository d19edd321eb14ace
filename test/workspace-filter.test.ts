import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { distributionPlan } from '../server/db/citus.ts';
import { openDatabase } from '../server/db/client.ts';
import { JobRunner } from '../server/domain/imports/runner.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { freshPostgres, until } from './helpers/server-process.ts';
import { call, generateWorkspace, workspaceReads } from './helpers/workspace.ts';

/**
 * Issue 17, tenant sharding: every statement the server sends on a workspace table filters by one
 * workspace, so that a database sharded by workspace_id (Citus, docs/sharding.md) sends it to one
 * shard. A representative run of the API (records, batches, search, associations, labels, limits,
 * primaries, merge and its undo, restore, history and revert, the change feed, imports, the
 * auto-domain job, recommendations, companion, idempotency keys, users and tokens) on PostgreSQL
 * with every statement captured in the database client; then PostgreSQL's own planner says, for
 * each distinct statement, which tables it reads or changes and with which conditions (EXPLAIN
 * VERBOSE with the statement's real parameters). Every scan of a workspace table must carry
 * `workspace_id = <one value>`. Inserts name their workspace_id in every row (the column is NOT
 * NULL), which is what routes them.
 */
const onPostgres = process.env.TEST_DB === 'postgres';

/**
 * Reference data: looked up across workspaces, small, written rarely. In Citus these are
 * reference tables (a copy on every node), so a lookup without a workspace stays on one node.
 * A request's token is found by its hash alone (the workspace is not known yet), with its user
 * joined in: tokens, users and workspaces are the reference tables, named once, in the Citus
 * migration (server/db/citus/distribute.sql).
 * Sequences (ids) are reference data too: they are not tables, and Citus serves them from the
 * coordinator.
 */
const REFERENCE_TABLES = distributionPlan().reference;

/**
 * Statements that cover every workspace on purpose: background upkeep of the job queue and of the
 * idempotency keys, not requests. Citus runs them on every shard (a multi-shard statement); each
 * is named here with why it is allowed, and anything else fails the test.
 */
const ALLOWED_CROSS_WORKSPACE: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /^select workspace_id, id from import_jobs\s+where state in \('queued', 'running'\)/, why: 'the job runner looks for the next queued job of any workspace (then claims it by workspace and id)' },
  { pattern: /^update "import_jobs" set "lease_until" = \$1 where "import_jobs"\."state" = \$2/, why: 'PGlite only: a single-process server frees the leases of jobs a stopped server left running' },
  { pattern: /^with gone as \(delete from idempotency_keys where created_at < /, why: 'expired idempotency keys are purged in every workspace, at most every 10 minutes per process' },
  { pattern: /^with dead as \( select c\.workspace_id, c\.import_id from import_chunks c where not exists/, why: 'upload pieces with no import (a server killed during an upload) are deleted in every workspace, at start and hourly' },
  { pattern: /^with ended as \( select workspace_id, id from import_jobs where kind = 'import' and state in /, why: "the files of imports past their retention are deleted in every workspace, at start and hourly" },
];

const SCAN_CONDITIONS = ['Filter', 'Index Cond', 'Recheck Cond', 'TID Cond', 'Hash Cond', 'Join Filter'];

interface Finding {
  statement: string;
  table: string;
  node: string;
  conditions: string;
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

interface Scan {
  relation: string;
  alias: string;
  node: string;
  conditions: string;
}

/** Every scan of a table in a plan, with all its conditions (a bitmap heap scan's index conditions sit on its bitmap index scans). */
function scansOf(plan: PlanNode, out: Scan[] = []): Scan[] {
  const relation = plan['Relation Name'] as string | undefined;
  const node = plan['Node Type'] as string;
  if (relation && node !== 'ModifyTable') {
    const own = SCAN_CONDITIONS.map((k) => plan[k]).filter((v): v is string => typeof v === 'string');
    const bitmap = (plan.Plans ?? []).flatMap((p) => (p['Node Type'] === 'Bitmap Index Scan' ? [p['Index Cond'] as string] : []));
    out.push({ relation, alias: (plan.Alias as string | undefined) ?? relation, node, conditions: [...own, ...bitmap].join(' AND ') });
  }
  for (const child of plan.Plans ?? []) scansOf(child, out);
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Scans of workspace tables that are not held to one workspace. A scan is held when its
 * conditions say `workspace_id = <a value>` (a constant or a parameter), or when it is joined on
 * `workspace_id = other.workspace_id` to a scan of the same statement that is held (a co-located
 * join: Citus keeps it on the shard of that value, as PostgreSQL does not carry the constant into
 * correlated subqueries by itself).
 */
function unfiltered(plan: PlanNode, tables: Set<string>, statement: string): Finding[] {
  const scans = scansOf(plan).filter((s) => tables.has(s.relation));
  const column = (alias: string) => `(?:${escape(alias)}\\.)?workspace_id`;
  const held = new Set(scans.filter((s) => new RegExp(`${column(s.alias)} = (?:'[0-9a-f-]{36}'::uuid|\\$\\d+)`).test(s.conditions)).map((s) => s.alias));
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of scans) {
      if (held.has(s.alias)) continue;
      const joined = [...held].some((other) =>
        new RegExp(`${escape(s.alias)}\\.workspace_id = ${escape(other)}\\.workspace_id|${escape(other)}\\.workspace_id = ${escape(s.alias)}\\.workspace_id`).test(s.conditions),
      );
      if (joined) {
        held.add(s.alias);
        grew = true;
      }
    }
  }
  return scans.filter((s) => !held.has(s.alias)).map((s) => ({ statement, table: s.relation, node: s.node, conditions: s.conditions || '(none)' }));
}

// The statements are EXPLAINed by a PostgreSQL server, the engine Citus distributes: postgres project only.
describe.skipIf(!onPostgres)('every statement on a workspace table filters by workspace (issue 17, tenant sharding)', () => {
  const statements = new Map<string, unknown[]>();
  let target: Awaited<ReturnType<typeof freshPostgres>>;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    target = await freshPostgres();
    let capturing = false;
    const database = await openDatabase({
      databaseUrl: target.url,
      onQuery: (query, params) => {
        if (capturing && !statements.has(query)) statements.set(query, params);
      },
    });
    close = () => database.close();
    const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
    capturing = true;
    const app = createApp({ db: database.db, tokenCacheMs: 0 });
    const token = boot!.token;
    const generated = await generateWorkspace(app, database, token, boot!.workspaceId);
    for (const path of workspaceReads(generated.ids, generated.importId)) expect((await call(app, token, 'GET', path)).status, path).toBe(200);
    const { contacts, companies, deals } = generated.ids as Record<string, string[]>;
    const c = contacts!;
    // more of the API: search, updates, restore, undo of a merge, revert, recommendations, companion, ...
    const ok = async (method: string, path: string, body?: unknown) => {
      const r = await call(app, token, method, path, body);
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body).slice(0, 300)}`).toBeLessThan(300);
      return r.body;
    };
    await ok('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@company3.example' }] }], sorts: ['email'], limit: 5 });
    await ok('POST', '/crm/v3/objects/companies/search', { query: 'Company', limit: 5 });
    await ok('PATCH', `/crm/v3/objects/contacts/${c[5]}`, { properties: { firstname: 'Changed' } });
    await ok('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: c[6], properties: { lastname: 'Batch' } }] });
    await ok('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: c[6] }, { id: c[7] }], properties: ['email'] });
    await ok('GET', `/crm/v3/objects/contacts/${c[2]}?associations=companies,deals`);
    await ok('POST', '/crm/v4/associations/contacts/companies/batch/read', { inputs: [{ id: c[2] }, { id: c[3] }] });
    await ok('POST', '/crm/v4/associations/contacts/deals/batch/create', { inputs: [{ from: { id: c[8] }, to: { id: deals![2] }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }] }] });
    await ok('POST', '/crm/v4/associations/contacts/deals/batch/archive', { inputs: [{ from: { id: c[8] }, to: [{ id: deals![2] }] }] });
    await ok('PUT', `/crm/v4/objects/contacts/${c[9]}/associations/companies/${companies![5]}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    await ok('DELETE', `/crm/v4/objects/contacts/${c[13]}/associations/deals/${deals![3]}`);
    await ok('POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/update', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 4 }] });
    await ok('GET', '/crm/v4/associations/definitions/configurations/tickets/contacts');
    await ok('DELETE', `/crm/v3/objects/contacts/${c[10]}`);
    await ok('POST', `/api/objects/contacts/${c[10]}/restore`);
    const history = await ok('GET', `/api/objects/contacts/${c[13]}/association-history`);
    const removed = history.results.find((e: { action: string }) => e.action === 'DELETED');
    if (removed) await ok('POST', `/api/history/${removed.id}/revert`);
    const merge = await ok('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: c[11], objectIdToMerge: c[12] });
    const mergeId = merge.mergeId ?? (await ok('GET', `/api/objects/contacts/${c[11]}/association-history`)).results.find((e: { mergeId?: string }) => e.mergeId)?.mergeId;
    if (mergeId) await ok('POST', `/api/merges/${mergeId}/undo`);
    await ok('GET', `/api/objects/contacts/${c[3]}/recommendations?toObjectType=companies`);
    await ok('GET', `/api/objects/contacts/${c[3]}/recommendations?toObjectType=deals`);
    await ok('POST', '/api/companion/contacts', { ids: [c[3], c[4]] });
    await ok('GET', '/api/objects/deals/index?limit=20&columns=dealname,amount,assoc:companies,assoc:contacts,primary:company');
    await ok('GET', '/api/changes/latest');
    const pipeline = await ok('POST', '/crm/v3/pipelines/tickets', { label: 'Escalations', displayOrder: 1, stages: [{ label: 'Open', displayOrder: 0, metadata: {} }] });
    await ok('PATCH', `/crm/v3/pipelines/tickets/${pipeline.id}`, { label: 'Escalated' });
    const stage = await ok('POST', `/crm/v3/pipelines/tickets/${pipeline.id}/stages`, { label: 'Solved', displayOrder: 1, metadata: { ticketState: 'CLOSED' } });
    await ok('PATCH', `/crm/v3/pipelines/tickets/${pipeline.id}/stages/${stage.id}`, { label: 'Done' });
    await ok('PUT', `/crm/v3/pipelines/tickets/${pipeline.id}`, { label: 'Escalated', displayOrder: 2, stages: [{ label: 'Open', displayOrder: 0, metadata: {} }, { label: 'Closed', displayOrder: 1, metadata: { ticketState: 'CLOSED' } }] });
    await ok('DELETE', `/crm/v3/pipelines/deals/default/stages/contractsent`);
    await ok('GET', `/crm/v3/pipelines/tickets/${pipeline.id}/audit`);
    await ok('DELETE', `/crm/v3/pipelines/tickets/${pipeline.id}`);
    await ok('GET', '/crm/v3/owners?email=owner@localhost');
    await ok('POST', '/api/tokens', { name: 'integration' });
    await ok('POST', `/api/imports/${generated.importId}/undo`);
    await ok('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true } });
    await ok('POST', '/crm/v3/objects/contacts', { properties: { email: 'auto@company2.example' } });
    const job = await ok('POST', '/api/auto-domain/jobs');
    // the background runner, as the server runs it
    const runner = new JobRunner(database.db, { pollMs: 50 });
    runner.start({ exclusive: false });
    const ended = await until(() => ok('GET', `/api/auto-domain/jobs/${job.id}`), (j) => j.state === 'done' || j.state === 'failed', 30_000, 50);
    expect(ended.state).toBe('done');
    await runner.stop();
    capturing = false;
  }, 240_000);

  afterAll(async () => {
    await close();
    await target?.drop();
  });

  it('captured a representative run: well over a hundred distinct statements on most workspace tables', async () => {
    expect(statements.size).toBeGreaterThan(100);
  });

  it('no statement scans a workspace table without `workspace_id = <one workspace>`; reference tables and the listed upkeep statements excepted', { timeout: 120_000 }, async () => {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const all = (await client.query<{ name: string }>(`select relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'`)).rows.map((r) => r.name);
      const workspaceTables = new Set(all.filter((t) => !REFERENCE_TABLES.includes(t)));
      // every table but the reference ones is keyed by workspace_id first (what Citus distributes by)
      const keys = (await client.query<{ tbl: string; first: string }>(`select c.conrelid::regclass::text as tbl, a.attname as first from pg_constraint c
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] where c.contype = 'p' and c.connamespace = 'public'::regnamespace`)).rows;
      for (const t of workspaceTables) expect(keys.find((k) => k.tbl === t)?.first, `primary key of ${t}`).toBe('workspace_id');

      const findings: Finding[] = [];
      const touched = new Set<string>();
      let explained = 0;
      for (const [statement, params] of statements) {
        const text = statement.trim();
        if (!/^(select|with|insert|update|delete)\b/i.test(text)) continue;
        if (ALLOWED_CROSS_WORKSPACE.some((a) => a.pattern.test(text.replace(/\s+/g, ' ')))) continue;
        const [row] = (await client.query(`explain (verbose, format json) ${text}`, params as unknown[])).rows as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
        const plans = row!['QUERY PLAN'];
        explained++;
        const walk = (p: PlanNode) => {
          if (typeof p['Relation Name'] === 'string') touched.add(p['Relation Name']);
          for (const c of p.Plans ?? []) walk(c);
        };
        walk(plans[0]!.Plan);
        findings.push(...unfiltered(plans[0]!.Plan, workspaceTables, text));
      }
      expect(explained).toBeGreaterThan(80);
      // the run reached the tables that matter for sharding
      for (const t of ['records', 'associations', 'association_history', 'record_changes', 'change_commits', 'association_types', 'association_limits', 'import_jobs', 'import_chunks', 'import_records', 'idempotency_keys', 'object_schemas']) {
        expect(touched.has(t), `no statement touched ${t}`).toBe(true);
      }
      expect(findings.map((f) => `${f.table} (${f.node}: ${f.conditions.slice(0, 200)}) in: ${f.statement.replace(/\s+/g, ' ').slice(0, 400)}`)).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
