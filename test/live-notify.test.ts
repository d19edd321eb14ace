import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { type ChangeListener, listenForChanges, nextWrite } from '../server/domain/history/live.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';
import { until } from './helpers/server-process.ts';

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
  /** What the listener reported (a lost connection). */
  const logged: string[] = [];

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
    listener = await listenForChanges(dbUrl, { retryMs: 100, log: (m) => logged.push(m) });
  });

  afterAll(async () => {
    await listener?.close();
    await db?.destroy();
  });

  /** Waits for a wake-up of the workspace (or the poll of `ms`); answers how long it took. */
  async function timeToWake(write: () => Promise<unknown>, ms = 3_000, ws = workspaceId): Promise<number> {
    const started = performance.now();
    const woken = nextWrite(ws, ms, new Set());
    await write();
    await woken;
    return performance.now() - started;
  }

  // a write straight into the database, as another process (or the command line) would make it:
  // no request of this app, so only the notification can wake the stream
  const writeElsewhere = async (email: string, ws = workspaceId) => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query(`insert into records (workspace_id, type_id, properties) values ($1, '0-1', $2) returning id`, [ws, { email }]);
      await client.query(`insert into record_changes (workspace_id, action, object_type, object_id, properties) values ($1, 'CREATED', '0-1', $2, $3)`, [ws, rows[0].id, { email }]);
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
    // after the rollback, a committed write of another workspace: the one LISTEN connection gets
    // notifications in commit order, so once that one has woken its workspace, a notification of
    // the rollback would have woken this one before it
    const other = await app.request('/api/workspaces', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Notify other', plan: 'enterprise' }) });
    expect(other.status).toBe(201);
    const otherId = ((await other.json()) as { id: string }).id;
    const stop = new Set<() => void>();
    let woken = false;
    const waiting = nextWrite(workspaceId, 60_000, stop).then(() => (woken = true));
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      await client.query('begin');
      await client.query(`insert into record_changes (workspace_id, action, object_type, object_id) values ($1, 'CREATED', '0-1', 1)`, [workspaceId]);
      await client.query('rollback');
      expect(await timeToWake(() => writeElsewhere('marker@notify.example', otherId), 3_000, otherId)).toBeLessThan(1_000);
      expect(woken, 'the rolled back transaction woke its workspace').toBe(false);
    } finally {
      for (const abort of [...stop]) abort();
      await waiting;
      await client.end();
    }
  });

  it('when the LISTEN connection is cut, it comes back by itself and wakes streams again', async () => {
    const reported = logged.length;
    const admin = new pg.Client({ connectionString: url() });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN crm_changes%'`);
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    // the listener says it lost the connection, then connects again by itself
    await until(async () => logged.slice(reported), (m) => m.length > 0, 5_000, 10);
    expect(logged.slice(reported).join('\n')).toMatch(/connection lost/);
    await until(async () => listener.connected(), (up) => up, 5_000, 10);
    expect(await timeToWake(() => writeElsewhere('after-reconnect@notify.example'))).toBeLessThan(1_000);
  });
});
