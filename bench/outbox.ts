/**
 * Benchmark of the companion's outbox (X4): operations per second drained to a local server (the
 * real server as a child process, over HTTP), beside a baseline measured in the same run: the same
 * requests sent directly, one after another, without the outbox. Each operation is a one-click
 * association between a contact and a deal not yet associated.
 *
 *   npm run bench:outbox -- [--ops 600] [--rounds 3] [--db pglite|postgres]
 *
 * Scenarios, interleaved in rounds so that a busy machine weighs on each alike:
 *  - direct, no key: PUT …/associations/default/deals/{id}, sequentially;
 *  - direct, with key: the same through the companion's sendOperation (Idempotency-Key);
 *  - outbox: every operation submitted first (stored in IndexedDB), then drained;
 *  - outbox, submit-and-go: each submit starts the drain at once (how the rep's clicks arrive).
 * IndexedDB here is fake-indexeddb (in memory, in Node): a browser's IndexedDB writes to disk and
 * costs more per operation. A benchmark reports; it never fails a run.
 */
import 'fake-indexeddb/auto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sendOperation } from '../extension/api/operations.ts';
import { createOutbox } from '../extension/outbox/index.ts';
import type { Operation } from '../extension/outbox/operation.ts';
import { freshPostgres, request, startServerProcess, tempDir } from '../test/helpers/server-process.ts';
import { int, markdownTable, ms } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '3' },
    db: { type: 'string', default: 'pglite' },
  },
});
const OPS = Number(args.ops);
const ROUNDS = Number(args.rounds);
const PER_ROUND = Math.floor(OPS / ROUNDS);
const SCENARIOS = ['direct, no key', 'direct, with key', 'outbox (submit all, then drain)', 'outbox (submit and go)'] as const;
type Scenario = (typeof SCENARIOS)[number];
if (!Number.isInteger(PER_ROUND) || PER_ROUND < 1 || (args.db !== 'pglite' && args.db !== 'postgres')) {
  console.error('usage: npm run bench:outbox -- [--ops N] [--rounds N] [--db pglite|postgres]');
  process.exit(2);
}

const token = `crm_bench_outbox_${'x'.repeat(24)}`;
const dir = await tempDir('bench-outbox');
const pgdb = args.db === 'postgres' ? await freshPostgres() : null;
const server = await startServerProcess({ CRM_ADMIN_TOKEN: token, ...(pgdb ? { DATABASE_URL: pgdb.url } : { DATA_DIR: dir.path }) });
const connection = { server: server.url, token };

try {
  // contacts and deals, one pair per operation of every scenario
  const WARMUP = 10;
  const pairs = (PER_ROUND * ROUNDS + WARMUP) * SCENARIOS.length;
  const ids = async (type: string, props: (i: number) => Record<string, string>): Promise<string[]> => {
    const out: string[] = [];
    for (let start = 0; start < pairs; start += 100) {
      const inputs = Array.from({ length: Math.min(100, pairs - start) }, (_, k) => ({ properties: props(start + k) }));
      const r = await request(server.url, 'POST', `/crm/v3/objects/${type}/batch/create`, token, { inputs });
      if (r.status !== 201) throw new Error(`seeding ${type}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      out.push(...r.body.results.map((x: { id: string }) => String(x.id)));
    }
    return out;
  };
  const contacts = await ids('contacts', (i) => ({ email: `bench${i}@outbox.example` }));
  const deals = await ids('deals', (i) => ({ dealname: `Bench deal ${i}` }));
  let next = 0;
  const takeOps = (n: number): Operation[] =>
    Array.from({ length: n }, () => {
      const i = next++;
      return { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'associate', from: { objectType: 'contacts', id: contacts[i]! }, to: { objectType: 'deals', id: deals[i]! } };
    });

  const path = (op: Extract<Operation, { kind: 'associate' }>) => `/crm/v4/objects/contacts/${op.from.id}/associations/default/deals/${op.to.id}`;
  const failures: string[] = [];
  const run: Record<Scenario, (ops: Operation[]) => Promise<void>> = {
    'direct, no key': async (ops) => {
      for (const op of ops) {
        const r = await fetch(`${server.url}${path(op as Extract<Operation, { kind: 'associate' }>)}`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
        await r.arrayBuffer();
        if (r.status !== 200) failures.push(`direct ${r.status}`);
      }
    },
    'direct, with key': async (ops) => {
      for (const op of ops) {
        const r = await sendOperation(op, connection);
        if (r.outcome !== 'confirmed') failures.push(`sendOperation ${JSON.stringify(r)}`);
      }
    },
    'outbox (submit all, then drain)': async (ops) => {
      // stored first while the server is out of reach (the head waits for its retry), then drained in one go
      let online = false;
      const gated = createOutbox({ dbName: `bench-${crypto.randomUUID()}`, timers: false, send: async (op) => (online ? sendOperation(op, connection) : { outcome: 'retry', reason: 'offline' }) });
      for (const op of ops) await gated.submit(op);
      await gated.drain();
      online = true;
      await gated.retry(ops[0]!.opId);
      await gated.drain();
      const left = await gated.pendingCount();
      if (left !== 0) failures.push(`outbox left ${left}`);
      await gated.close();
    },
    'outbox (submit and go)': async (ops) => {
      const outbox = createOutbox({ dbName: `bench-${crypto.randomUUID()}`, timers: false, send: (op) => sendOperation(op, connection) });
      for (const op of ops) await outbox.submit(op);
      await outbox.drain();
      const left = await outbox.pendingCount();
      if (left !== 0) failures.push(`outbox left ${left}`);
      await outbox.close();
    },
  };

  // warm-up: a few of each
  for (const s of SCENARIOS) await run[s](takeOps(WARMUP));
  const seconds: Record<Scenario, number> = Object.fromEntries(SCENARIOS.map((s) => [s, 0])) as Record<Scenario, number>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of SCENARIOS) {
      const ops = takeOps(PER_ROUND);
      const started = performance.now();
      await run[s](ops);
      seconds[s] += (performance.now() - started) / 1000;
    }
  }
  const base = (PER_ROUND * ROUNDS) / seconds['direct, with key'];
  const rows = SCENARIOS.map((s) => {
    const rate = (PER_ROUND * ROUNDS) / seconds[s];
    return [s, int(rate), ms((seconds[s] * 1000) / (PER_ROUND * ROUNDS)), `${(rate / base).toFixed(2)}×`];
  });
  console.log(`\nOutbox drain to a local server (${args.db}, ${PER_ROUND * ROUNDS} operations per scenario in ${ROUNDS} rounds; load average ${loadavg()[0]!.toFixed(2)})\n`);
  console.log(markdownTable(['scenario', 'operations/s', 'ms per operation', 'vs direct with key'], rows));
  if (failures.length > 0) console.log(`\n${failures.length} operations did not confirm; first: ${failures[0]}`);
} finally {
  await server.stop();
  await dir.remove();
  await pgdb?.drop();
}
