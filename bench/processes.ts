/**
 * Benchmark of many server processes on one PostgreSQL (issue 17):
 *  - A-write → B-event: a contact created through process A, until its event arrives on a change
 *    stream held on process B (woken by LISTEN/NOTIFY); measured from the moment the write is
 *    sent. Target: p50 under 50 ms on loopback. Baseline of the same run: write and stream on
 *    one process (woken in process).
 *  - Request rate with 1, 2 and 4 processes side by side: the same closed-loop load (GET of a
 *    contact, keep-alive connections split evenly over the processes, one load generator
 *    process per server process).
 * Real `node server/index.ts` processes, as an operator runs them. A benchmark reports; it never
 * fails a run. On a machine with fewer cores than processes the rate cannot grow: the table
 * prints the core count and load average beside it.
 *
 *   npm run bench:processes -- [--counts 1,2,4] [--clients 16] [--requests 4000] [--writes 100]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openLiveStream } from '../test/helpers/event-stream.ts';
import { freshPostgres, type ListeningServer, request, startServerProcess } from '../test/helpers/server-process.ts';
import { LoadGenerator } from './http.ts';
import { int, markdownTable, ms, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    counts: { type: 'string', default: '1,2,4' },
    clients: { type: 'string', default: '16' },
    requests: { type: 'string', default: '4000' },
    writes: { type: 'string', default: '100' },
  },
});
const COUNTS = args.counts!.split(',').map(Number);
const CLIENTS = Number(args.clients);
const REQUESTS = Number(args.requests);
const WRITES = Number(args.writes);
// the bench's database is made next to DATABASE_URL's, or the local server's
const PG_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const TOKEN = 'crm_bench_processes_token_0123456789';
const log = (line: string) => process.stderr.write(`${line}\n`);


const pgDb = await freshPostgres(PG_ADMIN_URL);
const env = { DATABASE_URL: pgDb.url, CRM_ADMIN_TOKEN: TOKEN };

// the data: 2,000 contacts, made through a first process
const ids: string[] = [];
{
  const seed = await startServerProcess(env);
  for (let b = 0; b < 20; b++) {
    const r = await request(seed.url, 'POST', '/crm/v3/objects/contacts/batch/create', TOKEN, { inputs: Array.from({ length: 100 }, (_, i) => ({ properties: { email: `bench${b * 100 + i}@procs.example`, firstname: `Bench ${i}` } })) });
    ids.push(...r.body.results.map((x: { id: string }) => x.id));
  }
  await seed.stop();
}

/** A-write → B-event latencies (ms), one write at a time, a short random pause between. */
async function writeToEvent(a: ListeningServer, b: ListeningServer): Promise<number[]> {
  const stream = await openLiveStream(b.url, TOKEN);
  try {
    await stream.waitFor('ready', 1);
    const out: number[] = [];
    for (let i = 0; i < WRITES + 10; i++) {
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
      const before = stream.events.filter((e) => e.event === 'change').length;
      const start = performance.now();
      await request(a.url, 'POST', '/crm/v3/objects/contacts', TOKEN, { properties: { firstname: `Live ${i}` } });
      const got = await stream.waitFor('change', before + 1, 10_000);
      if (i >= 10) out.push(got[before]!.at - start);
    }
    return out;
  } finally {
    await stream.close();
  }
}

const rateRows: Array<Array<string | number>> = [];
const latencyRows: Array<Array<string | number>> = [];
let baseline = 0;
for (const n of COUNTS) {
  log(`${n} process(es): starting`);
  const servers = await Promise.all(Array.from({ length: n }, () => startServerProcess(env)));
  try {
    const generators = servers.map(() => LoadGenerator.start());
    const per = Math.ceil(REQUESTS / n);
    const warmup = 200;
    const results = await Promise.all(
      servers.map((s, k) =>
        generators[k]!.run({
          name: `get-${n}-${k}`,
          baseUrl: s.url,
          method: 'GET',
          paths: Array.from({ length: warmup + per }, () => `/crm/v3/objects/contacts/${ids[Math.floor(Math.random() * ids.length)]}`),
          headers: { authorization: `Bearer ${TOKEN}` },
          clients: Math.max(1, Math.round(CLIENTS / n)),
          warmup,
          requests: per,
          expectStatus: 200,
        }),
      ),
    );
    await Promise.all(generators.map((g) => g.close()));
    const seconds = Math.max(...results.map((r) => r.seconds));
    const total = results.reduce((s, r) => s + r.latenciesMs.length, 0);
    const rate = total / seconds;
    if (n === COUNTS[0]) baseline = rate;
    const lat = summarize(results.flatMap((r) => r.latenciesMs));
    rateRows.push([n, int(total), int(rate), `${(rate / baseline).toFixed(2)}×`, ms(lat.p50), ms(lat.p99), results.reduce((s, r) => s + r.errors, 0), loadavg()[0]!.toFixed(1)]);
    // baseline: write and stream on the same process (woken in process, no NOTIFY needed)
    const [a, b] = n >= 2 ? [servers[0]!, servers[1]!] : [servers[0]!, servers[0]!];
    const l = summarize(await writeToEvent(a, b));
    latencyRows.push([n >= 2 ? `${n}: A → B` : '1: A → A (baseline)', l.count, ms(l.p50), ms(l.p90), ms(l.p99), ms(l.max)]);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

console.log(`\n## Many processes on one PostgreSQL (${cpus().length} cores)\n`);
console.log(`GET /crm/v3/objects/contacts/{id}, ${CLIENTS} keep-alive connections in all, split over the processes; the first row is the baseline.\n`);
console.log(markdownTable(['processes', 'requests', 'req/s', 'vs 1', 'p50 ms', 'p99 ms', 'errors', 'load avg'], rateRows));
console.log(`\nA-write → B-event (contact created through process A, its event on a stream held on process B; from the write's send; target p50 < 50 ms). The baseline row writes and streams on one process:\n`);
console.log(markdownTable(['processes', 'writes', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], latencyRows));
await pgDb.drop();
