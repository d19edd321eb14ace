/**
 * Benchmark of the change feed (B2): how many events per second a client gets following
 * `GET /api/changes` over real HTTP, from the start of a workspace's feed of 1M events, page by
 * page. The events are loaded in bulk first (records created in batches of 10, association
 * changes two rows per commit: created, primary set, label added, deleted), already in commit
 * order, the way the triggers would have left them. A benchmark reports; it never fails a run.
 *
 *   npm run bench:changes -- [--db pglite|postgres|both] [--events N] [--limits 500,1000] [--keep]
 *
 * `both` is the default when DATABASE_URL is set, else pglite. PostgreSQL runs on DATABASE_URL
 * (or the local server) in a database of its own (crm_bench_changes), dropped at the end unless
 * --keep (then it, or the PGlite directory, is left for a look at the plans).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createApp } from '../server/app.ts';
import { type Database, openDatabase } from '../server/db/client.ts';
import { rowsOf } from '../test/helpers/raw-rows.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { int, markdownTable, ms, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    events: { type: 'string', default: '1000000' },
    limits: { type: 'string', default: '500,1000' },
    keep: { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const LIMITS = args.limits!.split(',').map(Number);
const PG_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_BENCH_DB = 'crm_bench_changes';
type Kind = 'pglite' | 'postgres';

async function open(kind: Kind): Promise<{ database: Database; cleanup(): Promise<void> }> {
  if (kind === 'postgres') {
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
    };
    await admin(`drop database if exists ${PG_BENCH_DB} with (force)`);
    await admin(`create database ${PG_BENCH_DB}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${PG_BENCH_DB}`;
    const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
    return { database, cleanup: async () => admin(`drop database if exists ${PG_BENCH_DB} with (force)`) };
  }
  const dir = await mkdtemp(join(tmpdir(), 'crm-bench-changes-'));
  const database = await openDatabase({ dataDir: dir });
  return { database, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Loads `events` events into one workspace, in one statement per table: record commits of 10
 * created records each, then association commits of two history rows each (one per direction).
 * Commit rows are written first with their seq, so the triggers have nothing left to do.
 */
async function load(database: Database, workspaceId: string, events: number): Promise<{ commits: number; records: number; history: number; seconds: number }> {
  const db = database.db;
  const records = Math.round(events * 0.1);
  const recordCommits = Math.ceil(records / 10);
  const pairs = Math.floor((events - records) / 2);
  const started = performance.now();
  const ws = workspaceId;
  await db.transaction(async (tx) => {
    const [base] = rowsOf<{ k: number }>(await tx.execute(sql`select nextval('change_tx_keys') as k`));
    const k0 = Number(base!.k);
    await tx.execute(sql`select setval('change_tx_keys', ${k0 + recordCommits + pairs})`);
    await tx.execute(sql`
      insert into change_commits (workspace_id, tx_key, seq, committed_at)
      select ${ws}, ${k0} + g, ${k0} + g, now() - interval '1 day' + g * interval '1 ms' from generate_series(0, ${recordCommits + pairs - 1}) g`);
    await tx.execute(sql`select setval('change_seqs', ${k0 + recordCommits + pairs})`);
    // records: contacts, companies and deals, created ten per commit
    await tx.execute(sql`
      insert into record_changes (workspace_id, tx_key, action, object_type, object_id, properties)
      select ${ws}, ${k0} + g / 10, 'CREATED', (array['0-1', '0-2', '0-3'])[1 + g % 3], 1000001 + g,
        case g % 3 when 0 then jsonb_build_object('email', 'person' || g || '@example.com', 'firstname', 'First' || g, 'lastname', 'Last' || g)
          when 1 then jsonb_build_object('name', 'Company ' || g, 'domain', 'company' || g || '.com')
          else jsonb_build_object('dealname', 'Deal ' || g, 'amount', (g % 1000)::text) end
      from generate_series(0, ${records - 1}) g order by g`);
    // association changes, both directions per commit
    await tx.execute(sql`
      insert into association_history (workspace_id, tx_key, action, source, source_user_id, source_user_name, from_type, from_id, to_type, to_id, to_name, type_id, label)
      select ${ws}, ${k0 + recordCommits} + p, x.action, 'USER', 1, 'Owner',
        case when d = 0 then '0-1' else x.to_type end, case when d = 0 then c else o end,
        case when d = 0 then x.to_type else '0-1' end, case when d = 0 then o else c end,
        case when d = 0 then 'Other ' || o else 'Person ' || c end,
        case when d = 0 then x.type_ab else x.type_ba end, x.label
      from generate_series(0, ${pairs - 1}) p
        cross join lateral (select 1000001 + (p * 3) % ${records} as c, 1000001 + (p * 7 + 1) % ${records} as o, p % 20 as m) v
        cross join lateral (select
          case when m < 12 then 'CREATED' when m < 15 then 'CREATED' when m < 17 then 'PRIMARY_SET' when m = 17 then 'LABEL_ADDED' else 'DELETED' end as action,
          case when m < 12 or m >= 17 then '0-3' else '0-2' end as to_type,
          case when m < 12 or m >= 18 then 4 when m < 15 then 279 when m < 17 then 1 else 4 end as type_ab,
          case when m < 12 or m >= 18 then 3 when m < 15 then 280 when m < 17 then 2 else 3 end as type_ba,
          case when m in (15, 16) then 'Primary' when m = 17 then 'Decision maker' end as label) x
        cross join generate_series(0, 1) d
      order by p, d`);
  });
  await db.execute(sql`analyze change_commits`);
  await db.execute(sql`analyze association_history`);
  await db.execute(sql`analyze record_changes`);
  return { commits: recordCommits + pairs, records, history: pairs * 2, seconds: (performance.now() - started) / 1000 };
}

interface FollowResult {
  limit: number;
  events: number;
  pages: number;
  seconds: number;
  eventsPerSecond: number;
  pageMs: ReturnType<typeof summarize>;
  bytes: number;
}

/** Follows the whole feed from the start, one page after the other, as a syncing client does. */
async function followAll(baseUrl: string, token: string, limit: number, expected: number): Promise<FollowResult> {
  let after: string | undefined;
  let events = 0;
  let bytes = 0;
  const latencies: number[] = [];
  const started = performance.now();
  let last: [number, number] = [0, Number.NEGATIVE_INFINITY];
  const position = (cursor: string) => cursor.split('.').map(Number) as [number, number];
  for (;;) {
    const t0 = performance.now();
    const res = await fetch(`${baseUrl}/api/changes?limit=${limit}${after ? `&after=${after}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /api/changes answered ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { results: Array<{ cursor: string }>; hasMore: boolean; paging: { next: { after: string } } };
    latencies.push(performance.now() - t0);
    bytes += text.length;
    events += body.results.length;
    if (body.results.length > 0) {
      const first = position(body.results[0]!.cursor);
      if (first[0] < last[0] || (first[0] === last[0] && first[1] <= last[1])) throw new Error(`cursor went back: ${first} after ${last}`);
      last = position(body.results.at(-1)!.cursor);
    }
    after = body.paging.next.after;
    if (!body.hasMore) break;
  }
  const seconds = (performance.now() - started) / 1000;
  if (events !== expected) throw new Error(`followed ${events} events, expected ${expected}`);
  return { limit, events, pages: latencies.length, seconds, eventsPerSecond: events / seconds, pageMs: summarize(latencies), bytes };
}

async function run(kind: Kind) {
  console.log(`\n## ${kind}: loading ${int(EVENTS)} events`);
  const { database, cleanup } = await open(kind);
  const server = { close: () => {} } as { close(): void };
  try {
    const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
    if (!boot) throw new Error('the bench database was not empty');
    const loaded = await load(database, boot.workspaceId, EVENTS);
    console.log(`loaded ${int(loaded.records)} record events and ${int(loaded.history)} association events in ${int(loaded.commits)} commits: ${loaded.seconds.toFixed(1)} s`);
    const app = createApp({ db: database.db });
    const listening = await new Promise<{ port: number; close(): void }>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ port: info.port, close: () => s.close() }));
    });
    server.close = listening.close;
    const baseUrl = `http://127.0.0.1:${listening.port}`;
    // warm-up: a few pages
    await fetch(`${baseUrl}/api/changes?limit=100`, { headers: { authorization: `Bearer ${boot.token}` } }).then((r) => r.text());
    const results: FollowResult[] = [];
    for (const limit of LIMITS) {
      const load = loadavg()[0]!.toFixed(2);
      const r = await followAll(baseUrl, boot.token, limit, loaded.records + loaded.history);
      console.log(`limit ${limit}: ${int(r.events)} events in ${r.seconds.toFixed(1)} s (load average before ${load}, after ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores)`);
      results.push(r);
    }
    console.log();
    console.log(
      markdownTable(
        ['db', 'page size', 'events', 'pages', 'seconds', 'events/s', 'page p50 ms', 'page p99 ms', 'MB'],
        results.map((r) => [kind, r.limit, int(r.events), int(r.pages), r.seconds.toFixed(1), int(r.eventsPerSecond), ms(r.pageMs.p50), ms(r.pageMs.p99), (r.bytes / 1e6).toFixed(0)]),
      ),
    );
  } finally {
    server.close();
    await database.close();
    if (args.keep) console.log(`kept the ${kind} database for a look`);
    else await cleanup();
  }
}

const kinds: Kind[] = args.db === 'both' || (!args.db && process.env.DATABASE_URL) ? ['pglite', 'postgres'] : [(args.db as Kind | undefined) ?? 'pglite'];
for (const kind of kinds) await run(kind);
