import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributeStatements, distributionPlan } from '../server/db/citus.ts';
import { openDatabase } from '../server/db/client.ts';
import { crmBin, freshPostgres } from './helpers/server-process.ts';

/**
 * Issue 17, the Citus migration path (server/db/citus/distribute.sql). Citus cannot be installed
 * here, so what is proven is what can be without it: the file covers every table of the schema
 * (distributed by workspace_id, or reference), names functions that exist with those signatures,
 * every unique index of a distributed table includes workspace_id (Citus refuses others), and
 * on plain PostgreSQL `crm distribute` refuses and changes nothing.
 */
const onPostgres = process.env.TEST_DB === 'postgres';
const root = fileURLToPath(new URL('..', import.meta.url));

// The Citus path runs against a PostgreSQL server (PGlite has no catalog of another server to check): postgres project only.
describe.skipIf(!onPostgres)('Citus migration path (issue 17, tenant sharding)', () => {
  let target: Awaited<ReturnType<typeof freshPostgres>>;
  let client: pg.Client;

  beforeAll(async () => {
    target = await freshPostgres();
    await (await openDatabase({ databaseUrl: target.url })).close();
    client = new pg.Client({ connectionString: target.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await target?.drop();
  });

  it('distributes every workspace table by workspace_id (read from the catalog, so new tables are included); workspaces, users and tokens are the reference tables (the statement test allows exactly these)', async () => {
    const plan = distributionPlan();
    expect([...plan.reference].sort()).toEqual(['api_tokens', 'users', 'workspaces']);
    // records first (the others are co-located with it); the catalog loop skips exactly it and the reference tables
    expect(plan.anchor).toBe('records');
    expect([...plan.excluded].sort()).toEqual(['api_tokens', 'records', 'users', 'workspaces']);
    // every table it distributes can be: workspace_id is the first column of its primary key
    const keys = (await client.query<{ tbl: string; first: string }>(`select c.conrelid::regclass::text as tbl, a.attname as first from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] where c.contype = 'p' and c.connamespace = 'public'::regnamespace`)).rows;
    const tables = (await client.query<{ name: string }>(`select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`)).rows.map((r) => r.name);
    const distributed = tables.filter((t) => !plan.reference.includes(t));
    expect(distributed.length).toBeGreaterThan(10);
    for (const t of distributed) expect(keys.find((k) => k.tbl === t)?.first, `primary key of ${t}`).toBe('workspace_id');
  });

  it('every unique index of a distributed table includes workspace_id (Citus can only enforce those)', async () => {
    const { reference } = distributionPlan();
    const tables = (await client.query<{ name: string }>(`select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`)).rows.map((r) => r.name);
    const distributed = tables.filter((t) => !reference.includes(t));
    const indexes = (await client.query<{ tbl: string; name: string; def: string }>(`select t.relname as tbl, i.relname as name, pg_get_indexdef(x.indexrelid) as def
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      where t.relnamespace = 'public'::regnamespace and x.indisunique`)).rows;
    const bad = indexes.filter((i) => distributed.includes(i.tbl) && !/\(workspace_id\b|\("workspace_id"/.test(i.def.replace(/.* USING \w+ /, '')));
    expect(bad).toEqual([]);
    expect(indexes.filter((i) => distributed.includes(i.tbl)).length).toBeGreaterThan(distributed.length);
  });

  it('the functions it distributes exist with those signatures, each taking the workspace as its distribution argument', async () => {
    const { functions } = distributionPlan();
    expect(functions.length).toBe(4);
    for (const signature of functions) {
      const [row] = (await client.query<{ args: string }>(`select pg_get_function_arguments($1::regprocedure) as args`, [signature])).rows;
      expect(row!.args, signature).toMatch(/^(ws|p_ws) uuid/);
    }
  });

  it('on PostgreSQL without Citus, `crm distribute` refuses with a clear message and changes nothing; the file itself refuses too', { timeout: 60_000 }, async () => {
    const { DATABASE_URL: _, ...env } = process.env;
    const child = spawn(process.execPath, [crmBin(), 'distribute'], { cwd: root, env: { ...env, DATABASE_URL: target.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('This database has no Citus extension');
    await expect(client.query(distributeStatements()[0]!)).rejects.toThrow(/Citus extension is not installed/);
  });
});
