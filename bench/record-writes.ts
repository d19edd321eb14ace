/**
 * Record writes through the real app (`app.request`, no HTTP): single creates, single updates and
 * batch creates of 100 contacts, as an admin user and as an app token, on a fresh database. Made to
 * compare the write path before and after a change (run it on both commits); it also runs a bare
 * round trip (`select 1`) in the same run as the baseline of the machine's speed at that moment.
 *
 *   node bench/record-writes.ts [--db pglite|postgres] [--singles N] [--batches N] [--rounds N]
 *
 * PGlite runs with fsync off (what is compared is the work per write, not the disk).
 * PostgreSQL uses DATABASE_URL (a database of its own, crm_bench_writes, dropped at the end).
 * Prints median per operation (ms) of each round and the median of the rounds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createApp } from '../server/app.ts';
import { type Database, openDatabase } from '../server/db/client.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    singles: { type: 'string', default: '300' },
    batches: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function open(): Promise<{ database: Database; cleanup: () => Promise<void> }> {
  if (args.db === 'postgres') {
    const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('drop database if exists crm_bench_writes with (force)');
    await admin.query('create database crm_bench_writes');
    await admin.end();
    const target = new URL(url);
    target.pathname = '/crm_bench_writes';
    const database = await openDatabase({ databaseUrl: target.toString() });
    return {
      database,
      cleanup: async () => {
        await database.close();
        const dropper = new pg.Client({ connectionString: url });
        await dropper.connect();
        await dropper.query('drop database if exists crm_bench_writes with (force)');
        await dropper.end();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'crm-bench-writes-'));
  // fsync off: the bench compares CPU and round trips, which a disk flush per commit would drown
  const database = await openDatabase({ dataDir: dir, durable: false });
  return { database, cleanup: async () => { await database.close(); await rm(dir, { recursive: true, force: true }); } };
}

async function main() {
  const { database, cleanup } = await open();
  const boot = (await bootstrapInstance(database.db, { plan: 'enterprise' }))!;
  const app = createApp({ db: database.db, tokenCacheMs: 60_000 });
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const appToken = (await call('POST', '/api/tokens', boot.token, { name: 'bench app' })).token as string;
  const singles = Number(args.singles);
  const batches = Number(args.batches);
  let n = 0;
  const rows: Array<Record<string, number>> = [];
  for (let round = 0; round < Number(args.rounds); round++) {
    const row: Record<string, number> = {};
    const time = async (name: string, count: number, fn: (i: number) => Promise<unknown>) => {
      const each: number[] = [];
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        await fn(i);
        each.push(performance.now() - t);
      }
      row[name] = median(each);
    };
    await time('select 1', singles, () => database.db.execute(sql`select 1`));
    for (const [who, token] of [['user', boot.token], ['app', appToken]] as const) {
      const ids: string[] = [];
      await time(`create (${who})`, singles, async () => ids.push((await call('POST', '/crm/v3/objects/contacts', token, { properties: { email: `c${n++}@bench.example`, firstname: 'A' } })).id));
      await time(`update (${who})`, singles, (i) => call('PATCH', `/crm/v3/objects/contacts/${ids[i]}`, token, { properties: { firstname: `B${i}` } }));
      await time(`batch create 100 (${who})`, batches, () =>
        call('POST', '/crm/v3/objects/contacts/batch/create', token, { inputs: Array.from({ length: 100 }, () => ({ properties: { email: `c${n++}@bench.example` } })) }),
      );
    }
    rows.push(row);
    console.log(`round ${round + 1}:`, Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(', '));
  }
  console.log(`\n${args.db}, median of ${rows.length} rounds (ms per operation):`);
  for (const key of Object.keys(rows[0]!)) console.log(`  ${key.padEnd(24)} ${median(rows.map((r) => r[key]!)).toFixed(2)}`);
  await cleanup();
}

await main();
