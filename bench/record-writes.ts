/**
 * Record writes through the real app (`app.request`, no HTTP): single creates, single updates and
 * batch creates of 100 contacts, as an admin user and as an app token, each on a fresh database.
 *
 * Made to compare the write path before and after a change: with `--baseline DIR` (a checkout of
 * the other commit, e.g. `git worktree add DIR <commit>` or `git archive <commit> | tar -x -C DIR`,
 * with node_modules linked) it loads both servers into this process and alternates their rounds,
 * so both see the same machine load, and prints each median and their ratio. Without it, it
 * measures this checkout alone. A bare round trip (`select 1`) is measured with each.
 *
 * Two numbers per operation: the median wall time, and the CPU time this process spent per
 * operation (`cpu`). On PGlite the database runs inside this process, so `cpu` is the whole cost
 * of a write, and it is what to compare on a busy machine: wall times there mostly measure the
 * other processes.
 *
 *   node bench/record-writes.ts [--db pglite|postgres] [--baseline DIR] [--singles N] [--batches N] [--rounds N]
 *
 * PGlite runs with fsync off (what is compared is the work per write, not the disk). PostgreSQL
 * uses DATABASE_URL, in databases of their own (crm_bench_writes_*), dropped at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { freshPostgres } from '../test/helpers/server-process.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    baseline: { type: 'string' },
    singles: { type: 'string', default: '200' },
    batches: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Side {
  label: string;
  database: { db: any; close(): Promise<void> };
  call(method: string, path: string, token: string, body?: unknown): Promise<any>;
  user: string;
  app: string;
  cleanup(): Promise<void>;
}

/** One server (this checkout or the baseline's) on a database of its own. */
async function side(label: string, root: string): Promise<Side> {
  const load = (path: string) => import(pathToFileURL(join(root, path)).href);
  const { createApp } = await load('server/app.ts');
  const { openDatabase } = await load('server/db/client.ts');
  const { bootstrapInstance } = await load('server/domain/workspaces.ts');
  let database: Side['database'];
  let cleanup: () => Promise<void>;
  if (args.db === 'postgres') {
    const made = await freshPostgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
    database = await openDatabase({ databaseUrl: made.url });
    cleanup = async () => {
      await database.close();
      await made.drop();
    };
  } else {
    const dir = await mkdtemp(join(tmpdir(), `crm-bench-writes-${label}-`));
    // fsync off: the bench compares CPU and round trips, which a disk flush per commit would drown
    database = await openDatabase({ dataDir: dir, durable: false });
    cleanup = async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
  // no request budget: the bench sends far more than an app token may in 10 s
  const app = createApp({ db: database.db, tokenCacheMs: 60_000, rateLimits: { app: 0, user: 0 } });
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (res.status >= 300) throw new Error(`${label} ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  // an app token holds only the scopes it is given (server/permissions.ts)
  const appToken = (await call('POST', '/api/tokens', boot.token, { name: 'bench app', scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] })).token as string;
  return { label, database, call, user: boot.token, app: appToken, cleanup };
}

let n = 0;
async function round(s: Side): Promise<Record<string, number>> {
  const row: Record<string, number> = {};
  const time = async (name: string, count: number, fn: (i: number) => Promise<unknown>) => {
    const each: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await fn(i);
      each.push(performance.now() - t);
    }
    const used = process.cpuUsage(cpu);
    row[name] = median(each);
    row[`${name} cpu`] = (used.user + used.system) / 1000 / count;
  };
  const singles = Number(args.singles);
  await time('select 1', singles, () => s.database.db.execute(sql`select 1`));
  for (const [who, token] of [['user', s.user], ['app', s.app]] as const) {
    const ids: string[] = [];
    await time(`create (${who})`, singles, async () => ids.push((await s.call('POST', '/crm/v3/objects/contacts', token, { properties: { email: `c${n++}@bench.example`, firstname: 'A' } })).id));
    await time(`update (${who})`, singles, (i) => s.call('PATCH', `/crm/v3/objects/contacts/${ids[i]}`, token, { properties: { firstname: `B${i}` } }));
    await time(`batch create 100 (${who})`, Number(args.batches), () =>
      s.call('POST', '/crm/v3/objects/contacts/batch/create', token, { inputs: Array.from({ length: 100 }, () => ({ properties: { email: `c${n++}@bench.example` } })) }),
    );
  }
  return row;
}

async function main() {
  const here = resolve(import.meta.dirname, '..');
  const sides = [await side('current', here)];
  if (args.baseline) sides.unshift(await side('baseline', resolve(args.baseline)));
  const rows = new Map<string, Array<Record<string, number>>>(sides.map((s) => [s.label, []]));
  for (let r = 0; r < Number(args.rounds); r++) {
    // alternate which side goes first, so neither always meets a warmer or busier machine
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
      const row = await round(s);
      rows.get(s.label)!.push(row);
      console.log(`round ${r + 1} ${s.label}:`, Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '));
    }
  }
  const keys = Object.keys(rows.get('current')![0]!);
  const med = (label: string, key: string) => median(rows.get(label)!.map((x) => x[key]!));
  console.log(`\n${args.db}, median of ${args.rounds} rounds, ms per operation:`);
  console.log(`  ${'operation'.padEnd(24)} ${sides.map((s) => s.label.padStart(9)).join(' ')}${args.baseline ? '   ratio' : ''}`);
  for (const key of keys) {
    const values = sides.map((s) => med(s.label, key));
    const ratio = args.baseline ? `   ${(med('current', key) / med('baseline', key)).toFixed(2)}` : '';
    console.log(`  ${key.padEnd(24)} ${values.map((v) => v.toFixed(2).padStart(9)).join(' ')}${ratio}`);
  }
  for (const s of sides) await s.cleanup();
}

await main();
