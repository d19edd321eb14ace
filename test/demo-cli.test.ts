/**
 * The demo from the command line and over HTTP: `crm demo` loads it into an existing database and
 * refuses a second time; the demo mailbox answers only on a server started with `--demo`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { demoLines } from '../server/cli/start.ts';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/index.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { ASTRID, MAJA, TOMAS } from '../server/demo/people.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';
import { freshPostgres, request, runToExit, tempDir } from './helpers/server-process.ts';

const onPostgres = process.env.TEST_DB === 'postgres';

describe('the demo mailbox route', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await testDatabase();
    await bootstrapInstance(db.db, { plan: 'enterprise' });
  });
  afterAll(() => db?.destroy());

  it('GET /demo/mail is a 404 on a server started without --demo', async () => {
    const res = await createApp({ db: db.db }).request('/demo/mail');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
  });

  it('with --demo: 200 text/html, no token needed, Gmail-structured threads of the demo people, and a CSP that runs no script', async () => {
    const res = await createApp({ db: db.db, demoMail: true }).request('/demo/mail');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    for (const p of [ASTRID, MAJA, TOMAS]) expect(html).toContain(`email="${p.email}"`);
    expect(html).toContain('class="hP" data-thread-perm-id="thread-f:');
    expect(html).toContain('aria-label="Google Account: Sam Rivera');
    expect(html).not.toContain('<script');
    // only that path
    expect((await createApp({ db: db.db, demoMail: true }).request('/demo/mail/other')).status).toBe(404);
  });
});

describe('crm demo', () => {
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let dropPg: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    dir = await tempDir('crm-demo');
    if (onPostgres) {
      const pg = await freshPostgres();
      dropPg = pg.drop;
      env = { DATABASE_URL: pg.url };
    } else env = { DATA_DIR: join(dir.path, 'data') };
  });
  afterAll(async () => {
    await dropPg?.();
    await dir?.remove();
  });

  const crm = (args: string[]) => runToExit(env, 'server/cli/crm.ts', args);

  it('loads the demo workspace into a database nobody started a server on; a second run refuses and adds nothing', async () => {
    const first = await crm(['demo', '--seed', '42']);
    expect(first.stderr).toContain('Set up the instance');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Demo workspace loaded into \S+ \(seed 42\): 32 companies, \d+ contacts, \d+ deals, \d+ tickets, 6 custom-object records, \d+ logged emails and notes; import \S+ with 3 refused rows\.$/m);
    expect(first.stdout).toContain('npm start -- --demo');
    const again = await crm(['demo', '--force']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('crm demo: This workspace holds the demo workspace already: nothing was added.\n');
  }, 120_000);

  it('a wrong option is a usage error', async () => {
    const wrong = await crm(['demo', '--seed', 'abc']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--seed must be a whole number');
    expect(wrong.stderr).toContain('demo [--workspace <id>] [--seed <n>] [--force]');
  });
});

// npm start runs on the embedded database only (it ignores DATABASE_URL): PGlite in both projects, so once
describe.skipIf(onPostgres)('npm start -- --demo on a running server', () => {
  it('loads the demo into an empty workspace and serves the mailbox; the next start keeps the demo as it is', async () => {
    const running = await startServer(loadConfig({ DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1' }), { tokenCacheMs: 0, drainMs: 200, demo: true });
    try {
      const token = running.ownerToken!;
      const first = await demoLines(running, token);
      expect(first.err).toEqual([]);
      expect(first.out[0]).toMatch(/^Demo workspace loaded in \d+\.\d s \(seed 20261201\): 32 companies, \d+ contacts, \d+ deals, \d+ tickets$/);
      expect(first.out[1]).toBe(`Demo mailbox: ${running.url}/demo/mail (open it once the extension is signed in)`);
      const page = await fetch(`${running.url}/demo/mail`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain(MAJA.email);
      expect((await demoLines(running, token)).out[0]).toBe('Demo workspace: already loaded');
    } finally {
      await running.close();
    }
  }, 120_000);

  it('an argument other than --demo is refused before anything starts', async () => {
    const wrong = await runToExit({ DATA_DIR: 'memory://' }, 'server/cli/start.ts', ['--demo', '--dmeo']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('npm start: unknown argument --dmeo (the only one is --demo: `npm start -- --demo`)\n');
    expect(wrong.stdout).toBe('');
  });

  it('a workspace with records of its own gets a warning and no demo data', async () => {
    const running = await startServer(loadConfig({ DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1' }), { tokenCacheMs: 0, drainMs: 200, demo: true });
    try {
      const token = running.ownerToken!;
      expect((await request(running.url, 'POST', '/crm/v3/objects/contacts', token, { properties: { email: 'ana@customer.example' } })).status).toBe(201);
      const lines = await demoLines(running, token);
      expect(lines.err).toEqual(['WARNING: --demo: this workspace already has records, so the demo data was not added (`npx crm demo --force` adds it anyway; a new DATA_DIR starts empty).']);
      expect(lines.out).toEqual([`Demo mailbox: ${running.url}/demo/mail (open it once the extension is signed in)`]);
      expect((await request(running.url, 'GET', '/crm/v3/objects/contacts', token)).body.results).toHaveLength(1);
    } finally {
      await running.close();
    }
  }, 60_000);
});
