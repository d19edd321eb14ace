import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase } from '../server/db/client.ts';
import { copyDatabase } from '../server/domain/copy-database.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { crmBin, freshPostgres, tempDir } from './helpers/server-process.ts';
import { call, generateWorkspace, workspaceReads } from './helpers/workspace.ts';

/**
 * Issue 17, moving from the embedded database to PostgreSQL: `crm copy-database --to <url>`
 * copies a PGlite DATA_DIR into an empty PostgreSQL database, and the server on PostgreSQL then
 * answers every read of a generated workspace exactly as it did on PGlite; new ids continue after
 * the old ones. Needs a PostgreSQL server (the postgres project).
 */
const onPostgres = process.env.TEST_DB === 'postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const SLOW = 180_000;

function crm(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _, ...rest } = process.env;
  const child = spawn(process.execPath, [crmBin(), ...args], { cwd: root, env: { ...rest, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

// The copy's target is a PostgreSQL database (its source is PGlite either way): postgres project only.
describe.skipIf(!onPostgres)('crm copy-database (issue 17: from PGlite to PostgreSQL)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let target: Awaited<ReturnType<typeof freshPostgres>>;
  let token: string;
  let workspaceId: string;
  let generated: Awaited<ReturnType<typeof generateWorkspace>>;
  const before = new Map<string, unknown>();

  beforeAll(async () => {
    dir = await tempDir('copy-db');
    target = await freshPostgres();
    const source = await openDatabase({ dataDir: dir.path, durable: false });
    try {
      const boot = await bootstrapInstance(source.db, { plan: 'enterprise' });
      token = boot!.token;
      workspaceId = boot!.workspaceId;
      const app = createApp({ db: source.db, tokenCacheMs: 0 });
      generated = await generateWorkspace(app, source, token, workspaceId);
      for (const path of workspaceReads(generated.ids, generated.importId)) before.set(path, await call(app, token, 'GET', path));
    } finally {
      await source.close();
    }
  }, SLOW);

  afterAll(async () => {
    await target?.drop();
    await dir?.remove();
  });

  it('refuses while a server holds the data directory, and names its pid', { timeout: SLOW }, async () => {
    const held = await openDatabase({ dataDir: dir.path, durable: false });
    try {
      const r = await crm(['copy-database', '--to', target.url], { DATA_DIR: dir.path });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`in use by another server process (pid ${process.pid})`);
    } finally {
      await held.close();
    }
  });

  it('copies everything: the server on PostgreSQL answers every read as on PGlite, keys replay, and new ids continue after the old ones', { timeout: SLOW }, async () => {
    const r = await crm(['copy-database', '--to', target.url], { DATA_DIR: dir.path });
    expect(r.stderr).toMatch(/records: \d+ row\(s\)/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Copied \d+ row\(s\) of \d+ table\(s\) and \d+ sequence\(s\)/m);

    const pgdb = await openDatabase({ databaseUrl: target.url });
    try {
      const app = createApp({ db: pgdb.db, tokenCacheMs: 0 });
      for (const [path, answer] of before) expect(await call(app, token, 'GET', path), path).toEqual(answer);
      // the idempotency key came along: the same request is answered from it
      const again = await call(app, token, 'POST', '/crm/v3/objects/contacts', { properties: { firstname: 'Keyed' } }, { 'idempotency-key': 'copy-key-1' });
      expect(again.replayed).toBe('true');
      expect(again.body).toEqual(generated.keyed);
      // sequences: a new record's id, and its change's cursor, come after every old one
      const allIds = Object.values(generated.ids).flat().map(Number);
      const created = await call(app, token, 'POST', '/crm/v3/objects/contacts', { properties: { email: 'after-copy@example.com' } });
      expect(created.status).toBe(201);
      expect(Number(created.body.id)).toBeGreaterThan(Math.max(...allIds, Number(generated.keyed.id)));
      const feed = (before.get('/api/changes?limit=1000') as { body: { results: Array<{ cursor: string }> } }).body.results;
      const newer = await call(app, token, 'GET', `/api/changes?after=${feed.at(-1)!.cursor}`);
      expect(newer.body.results.map((e: { objectId?: string }) => e.objectId)).toEqual([created.body.id]);
    } finally {
      await pgdb.close();
    }
  });

  it('refuses a target that has data, and changes nothing there; --force replaces it', { timeout: SLOW }, async () => {
    const refused = await crm(['copy-database', '--to', target.url], { DATA_DIR: dir.path });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/The target database is not empty: .*records.*--force/);
    const pgdb = await openDatabase({ databaseUrl: target.url });
    try {
      const app = createApp({ db: pgdb.db, tokenCacheMs: 0 });
      const found = await call(app, token, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'after-copy@example.com' }] }] });
      expect(found.body.total).toBe(1);

      const forced = await crm(['copy-database', '--to', target.url, '--force'], { DATA_DIR: dir.path });
      expect(forced.code, forced.stderr).toBe(0);
      const gone = await call(app, token, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'after-copy@example.com' }] }] });
      expect(gone.body.total).toBe(0);
      for (const [path, answer] of before) expect(await call(app, token, 'GET', path), path).toEqual(answer);
    } finally {
      await pgdb.close();
    }
  });

  it('big tables get their secondary indexes built after their rows: the target ends with exactly the indexes of a migrated database, and the same answers', { timeout: SLOW }, async () => {
    const other = await freshPostgres();
    const source = await openDatabase({ dataDir: dir.path, durable: false });
    const indexes = async (url: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(`select indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname`)).rows;
      } finally {
        await c.end();
      }
    };
    try {
      await (await openDatabase({ databaseUrl: other.url })).close();
      const expected = await indexes(other.url);
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      try {
        const report = await copyDatabase((source.db as unknown as { $client: PGlite }).$client, client, { rebuildIndexesFrom: 1 });
        expect(report.rows).toBeGreaterThan(100);
      } finally {
        await client.end();
      }
      expect(await indexes(other.url)).toEqual(expected);
      const pgdb = await openDatabase({ databaseUrl: other.url });
      try {
        const app = createApp({ db: pgdb.db, tokenCacheMs: 0 });
        for (const [path, answer] of before) expect(await call(app, token, 'GET', path), path).toEqual(answer);
      } finally {
        await pgdb.close();
      }
    } finally {
      await source.close();
      await other.drop();
    }
  });
});
