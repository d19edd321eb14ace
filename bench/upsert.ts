/**
 * Batch upsert of contacts by email through the real app (`app.request`, no HTTP): 10,000 contacts
 * in batches of 100, upserted twice (the first run creates them, the second updates them), beside
 * batch create of as many contacts and batch update of those by id in the same run, the baselines
 * the upsert is read against (all see the same machine load). Each operation runs `--rounds` times, in turn, on new emails.
 *
 * Per operation: the whole wall time, contacts per second, the median batch, and the CPU time this
 * process spent per batch (on PGlite the database runs in this process, so that is the whole cost;
 * compare it on a busy machine).
 *
 *   node bench/upsert.ts [--db pglite|postgres|both] [--contacts N] [--batch N] [--rounds N]
 *
 * PGlite runs with fsync off. PostgreSQL uses DATABASE_URL, in a database of its own, dropped at
 * the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/client.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { freshPostgres } from '../test/helpers/server-process.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    contacts: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
  },
});
const contacts = Number(args.contacts);
const batch = Number(args.batch);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Measured {
  wallMs: number;
  medianBatchMs: number;
  cpuPerBatchMs: number;
}

async function open(kind: 'pglite' | 'postgres') {
  if (kind === 'postgres') {
    const made = await freshPostgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
    const database = await openDatabase({ databaseUrl: made.url });
    return { database, cleanup: async () => (await database.close(), await made.drop()) };
  }
  const dir = await mkdtemp(join(tmpdir(), 'crm-bench-upsert-'));
  const database = await openDatabase({ dataDir: dir, durable: false });
  return { database, cleanup: async () => (await database.close(), await rm(dir, { recursive: true, force: true })) };
}

async function run(kind: 'pglite' | 'postgres'): Promise<Map<string, Measured[]>> {
  const { database, cleanup } = await open(kind);
  const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
  if (!boot) throw new Error('the new database was not empty');
  const app = createApp({ db: database.db, tokenCacheMs: 60_000, rateLimits: { app: 0, user: 0 } });
  const post = async (path: string, body: unknown) => {
    const res = await app.request(path, { method: 'POST', headers: { authorization: `Bearer ${boot.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${kind} POST ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const created: string[] = [];
  const measure = async (inputsOf: (from: number) => unknown[], path: string): Promise<Measured> => {
    const each: number[] = [];
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let from = 0; from < contacts; from += batch) {
      const t = performance.now();
      const answer = await post(path, { inputs: inputsOf(from) });
      each.push(performance.now() - t);
      if (path.endsWith('/batch/create')) created.push(...answer.results.map((x: { id: string }) => x.id));
    }
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - start, medianBatchMs: median(each), cpuPerBatchMs: (used.user + used.system) / 1000 / each.length };
  };
  const emails = (prefix: string, from: number) => Array.from({ length: Math.min(batch, contacts - from) }, (_, i) => `${prefix}${from + i}@bench.example`);
  const results = new Map<string, Measured[]>();
  const add = (name: string, m: Measured) => results.set(name, [...(results.get(name) ?? []), m]);
  try {
    for (let r = 0; r < Number(args.rounds); r++) {
      created.length = 0;
      add('batch create', await measure((from) => emails(`create${r}-`, from).map((email) => ({ properties: { email, firstname: 'A' } })), '/crm/v3/objects/contacts/batch/create'));
      add('batch update', await measure((from) => created.slice(from, from + batch).map((id) => ({ id, properties: { firstname: 'B' } })), '/crm/v3/objects/contacts/batch/update'));
      const upserts = (firstname: string) => (from: number) => emails(`upsert${r}-`, from).map((id) => ({ id, idProperty: 'email', properties: { firstname } }));
      add('upsert, creates', await measure(upserts('A'), '/crm/v3/objects/contacts/batch/upsert'));
      add('upsert, updates', await measure(upserts('B'), '/crm/v3/objects/contacts/batch/upsert'));
      console.log(`${kind} round ${r + 1}:`, [...results].map(([k, v]) => `${k} ${v.at(-1)!.wallMs.toFixed(0)} ms`).join(', '));
    }
  } finally {
    await cleanup();
  }
  return results;
}

const kinds = args.db === 'both' ? (['pglite', 'postgres'] as const) : ([args.db as 'pglite' | 'postgres'] as const);
for (const kind of kinds) {
  const results = await run(kind);
  const base = median(results.get('batch create')!.map((m) => m.wallMs));
  console.log(`\n${kind}: ${contacts.toLocaleString('en')} contacts in batches of ${batch}, median of ${args.rounds} rounds`);
  console.log(`  ${'operation'.padEnd(18)} ${'wall s'.padStart(7)} ${'contacts/s'.padStart(11)} ${'batch ms'.padStart(9)} ${'cpu/batch'.padStart(10)} ${'vs create'.padStart(10)}`);
  for (const [name, list] of results) {
    const wall = median(list.map((m) => m.wallMs));
    const cols = [
      (wall / 1000).toFixed(1).padStart(7),
      Math.round(contacts / (wall / 1000)).toLocaleString('en').padStart(11),
      median(list.map((m) => m.medianBatchMs)).toFixed(1).padStart(9),
      median(list.map((m) => m.cpuPerBatchMs)).toFixed(1).padStart(10),
      `${(wall / base).toFixed(2)}×`.padStart(10),
    ];
    console.log(`  ${name.padEnd(18)} ${cols.join(' ')}`);
  }
}
