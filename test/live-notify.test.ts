import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { rowsOf } from '../server/db/client.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { type ChangeListener, listenForChanges, nextWrite } from '../server/domain/history/live.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';

/**
 * Issue 17, live streams across processes: a committed change wakes the streams of its workspace
 * through PostgreSQL NOTIFY (the change_feed_notify migration), whoever wrote it; a lost LISTEN connection comes
 * back by itself, and the streams' polling covers the time it is away.
 */
const onPostgres = process.env.TEST_DB === 'postgres';

// LISTEN/NOTIFY wakes other server processes, which exist only on PostgreSQL: postgres project only.
describe.skipIf(!onPostgres)('LISTEN/NOTIFY wake-ups (issue 17)', () => {
  let db: TestDatabase;
  let listener: ChangeListener;
  let token: string;
  let workspaceId: string;
  let app: ReturnType<typeof createApp>;
  let dbUrl = '';
  const url = () => dbUrl;

  beforeAll(async () => {
    db = await testDatabase();
    const boot = await bootstrapInstance(db.db, { plan: 'enterprise' });
    token = boot!.token;
    workspaceId = boot!.workspaceId;
    app = createApp({ db: db.db, tokenCacheMs: 0 });
    const [row] = rowsOf<{ db: string }>(await db.db.execute(sql`select current_database() as db`));
    const target = new URL(process.env.DATABASE_URL!);
    target.pathname = `/${row!.db}`;
    dbUrl = target.toString();
    listener = await listenForChanges(dbUrl, { retryMs: 100, log: () => {} });
  });

  afterAll(async () => {
    await listener?.close();
    await db?.destroy();
  });

  /** Waits for a wake-up of the workspace (or the poll of `ms`); answers how long it took. */
  async function timeToWake(write: () => Promise<unknown>, ms = 3_000): Promise<number> {
    const started = performance.now();
    const woken = nextWrite(workspaceId, ms, new Set());
    await write();
    await woken;
    return performance.now() - started;
  }

  // a write straight into the database, as another process (or the command line) would make it:
  // no request of this app, so only the notification can wake the stream
  const writeElsewhere = async (email: string) => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query(`insert into records (workspace_id, type_id, properties) values ($1, '0-1', $2) returning id`, [workspaceId, { email }]);
      await client.query(`insert into record_changes (workspace_id, action, object_type, object_id, properties) values ($1, 'CREATED', '0-1', $2, $3)`, [workspaceId, rows[0].id, { email }]);
      await client.query('commit');
    } finally {
      await client.end();
    }
  };

  it('a change committed on another connection wakes the workspace at once, not at the poll', async () => {
    expect(listener.connected()).toBe(true);
    expect(await timeToWake(() => writeElsewhere('elsewhere@notify.example'))).toBeLessThan(1_000);
    // and the stream reads it: the feed has the change
    const feed = await app.request('/api/changes', { headers: { authorization: `Bearer ${token}` } });
    expect(JSON.stringify(await feed.json())).toContain('elsewhere@notify.example');
  });

  it('a transaction that rolls back wakes nobody (NOTIFY is sent at commit)', async () => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      const took = await timeToWake(async () => {
        await client.query('begin');
        await client.query(`insert into record_changes (workspace_id, action, object_type, object_id) values ($1, 'CREATED', '0-1', 1)`, [workspaceId]);
        await client.query('rollback');
      }, 600);
      expect(took).toBeGreaterThanOrEqual(590);
    } finally {
      await client.end();
    }
  });

  it('when the LISTEN connection is cut, it comes back by itself and wakes streams again', async () => {
    const admin = new pg.Client({ connectionString: url() });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN crm_changes%'`);
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    const end = Date.now() + 5_000;
    while (listener.connected() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    while (!listener.connected() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(listener.connected()).toBe(true);
    expect(await timeToWake(() => writeElsewhere('after-reconnect@notify.example'))).toBeLessThan(1_000);
  });
});
