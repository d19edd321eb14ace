/**
 * The demo from the command line and over HTTP: `crm demo` loads it into an existing database and
 * refuses a second time; the demo mailbox answers only on a server started with `--demo`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { ASTRID, MAJA, TOMAS } from '../server/demo/people.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';
import { freshPostgres, runToExit, tempDir } from './helpers/server-process.ts';

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
