/**
 * Benchmark of the server's start (issue 18): time from process start to `/health` answering, and
 * resident memory (RSS, from /proc) once idle, each server in a process of its own:
 *
 *   - the server on the embedded database (PGlite, durable), run as `npm run server` runs it
 *     (package.json): on a new data directory with no template stored (initdb, which keeps one), on
 *     a new directory unpacked from that template, a restart on it, and the same restart from the
 *     server's sources (CRM_BUNDLE=off) rather than its bundle;
 *   - baselines in the same run: a bare PGlite open of a directory (PGlite's own defaults, nothing of
 *     ours: new, then restart), and the server on PostgreSQL (new database, then restart);
 *   - `npm start` (server/cli/start.ts): /health, and the extension line, with the extension's
 *     sources changed since its build (a build runs) and unchanged;
 *   - with --graph (--graph-only: nothing else): a restart on a directory holding the 200,000-record
 *     bench graph, then an open-loop load of one-click associations at --rate for --load-seconds
 *     (60 by default; pass 3600 for the issue's hour) in segments of 30 s worth of requests, each
 *     printing its rate, latency and RSS as it ends, and RSS after the load and every 5 s of
 *     --after-idle seconds more (twice --idle by default).
 *
 *   npm run bench:startup -- [--runs N] [--idle SECONDS] [--graph] [--records N] [--pairs N]
 *                            [--load-seconds S] [--rate R] [--after-idle S]
 *                            [--graph-only] [--no-bare] [--no-postgres] [--no-npm-start]
 *
 * Times are medians of --runs (3). The machine may be shared: CPU seconds of each server process
 * are reported beside wall time, as they depend less on what else runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase } from '../server/db/client.ts';
import { rowsOf } from '../test/helpers/raw-rows.ts';
import { freshPostgres, npmScriptArgs } from '../test/helpers/server-process.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { useTokenKey } from '../server/domain/tokens.ts';
import { buildGraph, freshContactDealPairs, loadGraph, pgliteLoader } from './graph.ts';
import { LoadGenerator } from './http.ts';
import { int, markdownTable } from './stats.ts';
import { CONTACT } from '../shared/objects.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bareOpen = fileURLToPath(new URL('./pglite-open.ts', import.meta.url));
/** What `npm run server` and `npm start` run (package.json). */
const SERVER = npmScriptArgs('server');
const NPM_START = npmScriptArgs('start');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    idle: { type: 'string', default: '5' },
    graph: { type: 'boolean', default: false },
    records: { type: 'string', default: '200000' },
    pairs: { type: 'string', default: '1000000' },
    'load-seconds': { type: 'string', default: '60' },
    rate: { type: 'string', default: '100' },
    'after-idle': { type: 'string' },
    'graph-only': { type: 'boolean', default: false },
    'no-postgres': { type: 'boolean', default: false },
    'no-npm-start': { type: 'boolean', default: false },
    'no-bare': { type: 'boolean', default: false },
  },
});

const RUNS = Math.max(1, Number(args.runs));
const IDLE_SECONDS = Number(args.idle);
/** With --graph: seconds the server is left idle after the load before its memory is read last. */
const AFTER_IDLE_SECONDS = Number(args['after-idle'] ?? IDLE_SECONDS * 2);
const PG_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** A database of this run's own: two runs at once must not drop each other's. */
/** The owner token the graph's directory is made with (the server reads it, hashed, like any). */
const GRAPH_TOKEN = 'crm_bench_startup_owner_token_0123456789';
/** The server secret (CRM_SECRET) that keys the stored hash of GRAPH_TOKEN. */
const GRAPH_SECRET = 'bench-startup-graph-secret-0123456789abcdef';

const log = (line: string) => process.stderr.write(`[startup] ${line}\n`);

// ---- measuring one process ---------------------------------------------------------------------

interface Start {
  /** Spawn to `/health` answering 200 (to READY for the bare baseline), seconds. */
  seconds: number;
  /** What the process printed as its own start time, when it did. */
  printedSeconds?: number;
  /** CPU seconds (user + system) the process had used when it answered. */
  cpuSeconds: number;
  /** RSS when it answered, after --idle seconds, and its peak, MB. */
  rssAtReadyMb: number;
  rssIdleMb: number;
  peakMb: number;
  /** npm start only: spawn to the `Browser extension` line, seconds. */
  extensionSeconds?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

function status(pid: number): { rssMb: number; peakMb: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The `q` quantile of sorted values. */
const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Running {
  child: ChildProcess;
  url: string;
  start: Start;
  stop(): Promise<void>;
}

/**
 * Spawns `node <script>` with `env`, polls `/health` (or waits for READY) from the moment of the
 * spawn, then waits --idle seconds and reads its memory. `waitFor` also waits for a line of output.
 */
async function launch(script: string[], env: Record<string, string>, options: { bare?: boolean; waitFor?: RegExp } = {}): Promise<Running> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const childEnv: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: '127.0.0.1' };
  for (const name of ['DATA_DIR', 'DATABASE_URL', 'CRM_ADMIN_TOKEN', 'CRM_PLAN', 'CRM_PGLITE_DURABILITY', 'CRM_EXTENSION_OUT_DIR', 'CRM_CACHE_DIR', 'CRM_BUNDLE']) delete childEnv[name];
  const spawned = performance.now();
  const child = spawn(process.execPath, script, { cwd: root, env: { ...childEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const fail = (why: string) => new Error(`${script.join(' ')}: ${why}\n${out}\n${err}`);

  let seconds = Number.NaN;
  for (;;) {
    if (gone) throw fail('exited before it was ready');
    if (performance.now() - spawned > 600_000) throw fail('not ready after 10 minutes');
    if (options.bare) {
      if (/^READY /m.test(out)) break;
    } else {
      try {
        const res = await fetch(`${url}/health`);
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
    }
    await sleep(10);
  }
  seconds = (performance.now() - spawned) / 1000;
  const cpuSeconds = cpuSecondsOf(child.pid!);
  const atReady = status(child.pid!);
  let extensionSeconds: number | undefined;
  if (options.waitFor) {
    while (!options.waitFor.test(out) && !options.waitFor.test(err)) {
      if (gone) throw fail('exited before the expected line');
      await sleep(20);
    }
    extensionSeconds = (performance.now() - spawned) / 1000;
  }
  await sleep(IDLE_SECONDS * 1000);
  const idle = status(child.pid!);
  const printed = /\(started in (\d+\.\d+) s\)/.exec(out)?.[1];
  return {
    child,
    url,
    start: {
      seconds,
      ...(printed ? { printedSeconds: Number(printed) } : {}),
      cpuSeconds,
      rssAtReadyMb: atReady.rssMb,
      rssIdleMb: idle.rssMb,
      peakMb: idle.peakMb,
      ...(extensionSeconds !== undefined ? { extensionSeconds } : {}),
    },
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function launchAndStop(script: string[], env: Record<string, string>, options: { bare?: boolean; waitFor?: RegExp } = {}): Promise<Start> {
  const running = await launch(script, env, options);
  await running.stop();
  return running.start;
}

// ---- scenarios ---------------------------------------------------------------------------------

interface Row {
  what: string;
  runs: Start[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/** A new directory (or database) and a restart on it, RUNS times each. */
async function newAndRestart(label: string, once: (fresh: boolean, where: string) => Promise<Start>, fresh: () => Promise<{ where: string; remove(): Promise<void> }>): Promise<Row[]> {
  const rows: Row[] = [
    { what: `${label}: new`, runs: [] },
    { what: `${label}: restart`, runs: [] },
  ];
  for (let run = 0; run < RUNS; run++) {
    const target = await fresh();
    try {
      rows[0]!.runs.push(await once(true, target.where));
      rows[1]!.runs.push(await once(false, target.where));
    } finally {
      await target.remove();
    }
    log(`${label}: run ${run + 1}/${RUNS}: new ${describe(rows[0]!.runs.at(-1)!)}; restart ${describe(rows[1]!.runs.at(-1)!)}`);
  }
  return rows;
}

/**
 * The server on PGlite, each run with a template cache of its own (CRM_CACHE_DIR): a new directory
 * on a machine without a template (initdb; the template is kept), a new directory unpacked from
 * it, a restart on that one, and the same restart from the sources (CRM_BUNDLE=off: no bundle).
 */
async function pgliteRows(): Promise<Row[]> {
  const label = 'server on PGlite (durable)';
  const rows: Row[] = [
    { what: `${label}: new, first on the machine (initdb, keeps a template)`, runs: [] },
    { what: `${label}: new (from the template)`, runs: [] },
    { what: `${label}: restart`, runs: [] },
    { what: `${label}: restart, from its sources (CRM_BUNDLE=off)`, runs: [] },
  ];
  for (let run = 0; run < RUNS; run++) {
    const target = await tempDataDir('server');
    const cache = join(target.where, '..', 'cache');
    try {
      rows[0]!.runs.push(await launchAndStop(SERVER, { DATA_DIR: `${target.where}-initdb`, CRM_CACHE_DIR: cache }));
      rows[1]!.runs.push(await launchAndStop(SERVER, { DATA_DIR: target.where, CRM_CACHE_DIR: cache }));
      rows[2]!.runs.push(await launchAndStop(SERVER, { DATA_DIR: target.where, CRM_CACHE_DIR: cache }));
      rows[3]!.runs.push(await launchAndStop(SERVER, { DATA_DIR: target.where, CRM_CACHE_DIR: cache, CRM_BUNDLE: 'off' }));
    } finally {
      await target.remove();
    }
    log(`${label}: run ${run + 1}/${RUNS}: ${rows.map((row) => `${row.what.slice(label.length + 2)}: ${describe(row.runs.at(-1)!)}`).join('; ')}`);
  }
  return rows;
}

/** One run in a line, so that a run cut short still leaves its figures. */
function describe(s: Start): string {
  return `${s.seconds.toFixed(2)} s to /health, CPU ${s.cpuSeconds.toFixed(2)} s, RSS ${s.rssAtReadyMb.toFixed(0)} MB at ready, ${s.rssIdleMb.toFixed(0)} MB idle, peak ${s.peakMb.toFixed(0)} MB`;
}

async function tempDataDir(prefix: string): Promise<{ where: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `crm-startup-${prefix}-`));
  return { where: join(dir, 'data'), remove: () => rm(dir, { recursive: true, force: true }) };
}

async function postgresDatabase(): Promise<{ where: string; remove(): Promise<void> }> {
  const made = await freshPostgres(PG_ADMIN_URL);
  return { where: made.url, remove: made.drop };
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** `npm start` with its extension built into a folder of its own: first with no build (sources changed), then unchanged. */
async function npmStart(): Promise<Row[]> {
  const rows: Row[] = [
    { what: 'npm start, extension sources changed (builds)', runs: [] },
    { what: 'npm start, extension unchanged', runs: [] },
  ];
  for (let run = 0; run < RUNS; run++) {
    const target = await tempDataDir('npm-start');
    const out = join(target.where, '..', 'extension');
    try {
      const env = { DATA_DIR: target.where, CRM_EXTENSION_OUT_DIR: out };
      const waitFor = /^(Browser extension|WARNING: the browser extension)/m;
      rows[0]!.runs.push(await launchAndStop(NPM_START, env, { waitFor }));
      rows[1]!.runs.push(await launchAndStop(NPM_START, env, { waitFor }));
    } finally {
      await target.remove();
    }
    log(`npm start: run ${run + 1}/${RUNS}: build ${rows[0]!.runs.at(-1)!.extensionSeconds!.toFixed(2)} s, unchanged ${rows[1]!.runs.at(-1)!.extensionSeconds!.toFixed(2)} s`);
  }
  return rows;
}

interface GraphReport {
  records: number;
  associationRows: number;
  loadSeconds: number;
  restart: Start;
  afterReadsMb: number;
  load: { seconds: number; rate: number; requests: number; errors: number; p50Ms: number; p99Ms: number };
  rssDuringLoadMb: number[];
  rssAfterLoadMb: number;
  rssIdleAfterLoadMb: number;
  /** RSS every 5 s of the idle time after the load. */
  rssIdleSamplesMb: number[];
  peakMb: number;
}

/** The bench graph in a new directory, the server restarted on it, then an open-loop load. */
async function graphScenario(): Promise<GraphReport> {
  const target = await tempDataDir('graph');
  try {
    // the owner token's stored hash is keyed with the server's secret: the same one here and in the server
    useTokenKey(Buffer.from(GRAPH_SECRET, 'utf8'));
    const database = await openDatabase({ dataDir: target.where });
    const boot = await bootstrapInstance(database.db, { plan: 'enterprise', adminToken: GRAPH_TOKEN });
    const [first] = rowsOf<{ id: number }>(await database.db.execute(sql`select nextval('record_ids')::bigint as id`));
    const graph = buildGraph({ workspaceId: boot!.workspaceId, firstId: Number(first!.id), records: Number(args.records), pairs: Number(args.pairs) });
    log(`graph: loading ${int(graph.recordCount)} records, ${int(graph.associationRows)} association rows`);
    const client = (database.db as unknown as { $client: Parameters<typeof pgliteLoader>[0] }).$client;
    const loaded = await loadGraph(pgliteLoader(client), graph, (l) => log(`graph: ${l}`));
    await database.close();

    const running = await launch(SERVER, { DATA_DIR: target.where, CRM_SECRET: GRAPH_SECRET });
    try {
      log(`graph: restart ${running.start.seconds.toFixed(2)} s, idle ${running.start.rssIdleMb.toFixed(0)} MB`);
      const auth = { authorization: `Bearer ${GRAPH_TOKEN}` };
      // reads that touch the graph: a contact's associations, pages of records
      const contacts = graph.ids[CONTACT]!;
      for (let i = 0; i < 200; i++) {
        const res = await fetch(`${running.url}/crm/v4/objects/contacts/${contacts.first + ((i * 7919) % contacts.count)}/associations/companies`, { headers: auth });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`association read answered ${res.status}: ${body.slice(0, 300)}`);
      }
      const afterReadsMb = status(running.child.pid!).rssMb;

      const rate = Number(args.rate);
      const seconds = Number(args['load-seconds']);
      const requests = Math.max(1, Math.round(rate * seconds));
      // the load runs in segments of 30 s (or less), each an open loop at `rate`: every segment
      // prints its figures and the RSS seen in it, so a run cut short still leaves its results, and
      // a server that cannot keep up delays the end by one segment's backlog, not the whole hour's
      const segmentRequests = Math.max(1, Math.round(rate * Math.min(30, seconds)));
      const pairs = freshContactDealPairs(graph, requests + 1);
      const paths = pairs.map(([c, d]) => `/crm/v4/objects/contacts/${c}/associations/default/deals/${d}`);
      const generator = LoadGenerator.start();
      const samples: number[] = [];
      let segmentSamples: number[] = [];
      const sampler = setInterval(() => {
        const rss = status(running.child.pid!).rssMb;
        samples.push(rss);
        segmentSamples.push(rss);
      }, 5000);
      const latencies: number[] = [];
      let errors = 0;
      let sent = 0;
      const loadStarted = performance.now();
      try {
        log(`graph: open-loop load, ${rate} req/s for ${seconds} s, in segments of ${segmentRequests} requests; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
        while (sent < requests && (performance.now() - loadStarted) / 1000 < seconds) {
          const count = Math.min(segmentRequests, requests - sent);
          segmentSamples = [];
          const result = await generator.run({
            name: 'associate',
            baseUrl: running.url,
            method: 'PUT',
            headers: auth,
            paths: paths.slice(sent, sent + count),
            clients: 1,
            warmup: 0,
            requests: count,
            expectStatus: 200,
            ratePerSecond: rate,
          });
          sent += count;
          errors += result.errors;
          for (const ms of result.latenciesMs) latencies.push(ms);
          const seg = [...result.latenciesMs].sort((a, b) => a - b);
          const now = status(running.child.pid!);
          segmentSamples.push(now.rssMb);
          samples.push(now.rssMb);
          log(
            `graph: load ${((performance.now() - loadStarted) / 1000).toFixed(0)} s: ${int(sent)} sent, segment ${count} in ${result.seconds.toFixed(1)} s (${(count / result.seconds).toFixed(1)} req/s), ` +
              `${result.errors} errors${result.firstError ? ` (${result.firstError.slice(0, 120)})` : ''}, p50 ${pct(seg, 0.5).toFixed(1)} ms, p99 ${pct(seg, 0.99).toFixed(1)} ms; ` +
              `RSS ${now.rssMb.toFixed(0)} MB (segment min ${Math.min(...segmentSamples).toFixed(0)}, max ${Math.max(...segmentSamples).toFixed(0)}; all min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)}), peak ${now.peakMb.toFixed(0)} MB; load average ${loadavg()[0]!.toFixed(1)}`,
          );
        }
      } finally {
        clearInterval(sampler);
        await generator.close();
      }
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const rssAfterLoadMb = status(running.child.pid!).rssMb;
      log(`graph: after the load: RSS ${rssAfterLoadMb.toFixed(0)} MB`);
      const idleSamples: number[] = [];
      for (let waited = 0; waited < AFTER_IDLE_SECONDS; waited += 5) {
        await sleep(Math.min(5, AFTER_IDLE_SECONDS - waited) * 1000);
        idleSamples.push(status(running.child.pid!).rssMb);
        if (idleSamples.length % 6 === 0) log(`graph: idle ${Math.min(waited + 5, AFTER_IDLE_SECONDS)} s after the load: RSS ${idleSamples.at(-1)!.toFixed(0)} MB`);
      }
      const idle = status(running.child.pid!);
      log(`graph: after ${AFTER_IDLE_SECONDS} s idle: RSS ${idle.rssMb.toFixed(0)} MB, peak ${idle.peakMb.toFixed(0)} MB`);
      const sorted = latencies.sort((a, b) => a - b);
      return {
        records: graph.recordCount,
        associationRows: graph.associationRows,
        loadSeconds: loaded.totalSeconds,
        restart: running.start,
        afterReadsMb,
        load: {
          seconds: loadSeconds,
          rate,
          requests: sent,
          errors,
          p50Ms: pct(sorted, 0.5),
          p99Ms: pct(sorted, 0.99),
        },
        rssDuringLoadMb: samples,
        rssAfterLoadMb,
        rssIdleAfterLoadMb: idle.rssMb,
        rssIdleSamplesMb: idleSamples,
        peakMb: idle.peakMb,
      };
    } finally {
      await running.stop();
    }
  } finally {
    await target.remove();
  }
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  log(`${RUNS} run(s) per row, ${IDLE_SECONDS} s idle before memory is read; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (!args['graph-only']) await startRows(startedAt);
  if (args.graph || args['graph-only']) await graphRows();
}

/** The table of starts: each scenario RUNS times. */
async function startRows(startedAt: string): Promise<void> {
  const rows: Row[] = [];
  if (!args['no-bare']) rows.push(...(await newAndRestart('bare PGlite open (baseline)', (_, dir) => launchAndStop([bareOpen, dir], {}, { bare: true }), () => tempDataDir('bare'))));
  // a start that builds the server's bundle (its sources changed) is not what is measured: one
  // start on a throwaway database first, which also fills Node's compile cache
  await launchAndStop(SERVER, { DATA_DIR: 'memory://' });
  rows.push(...(await pgliteRows()));
  if (!args['no-postgres']) {
    if (await postgresReachable()) {
      rows.push(...(await newAndRestart('server on PostgreSQL (baseline)', (_, url) => launchAndStop(SERVER, { DATABASE_URL: url }), postgresDatabase)));
    } else {
      log(`PostgreSQL at ${new URL(PG_ADMIN_URL).host} is not reachable: its baseline is left out`);
    }
  }
  if (!args['no-npm-start']) rows.push(...(await npmStart()));

  const mb = (v: number) => v.toFixed(0);
  const table = markdownTable(
    ['Start', 'to /health (s)', 'printed (s)', 'CPU (s)', 'RSS at ready (MB)', `RSS idle +${IDLE_SECONDS}s (MB)`, 'peak RSS (MB)', 'extension ready (s)'],
    rows.map((row) => {
      const m = (pick: (s: Start) => number | undefined) => {
        const values = row.runs.map(pick).filter((v): v is number => v !== undefined);
        return values.length ? median(values) : undefined;
      };
      const fmt = (v: number | undefined, f: (v: number) => string) => (v === undefined ? '' : f(v));
      return [
        row.what,
        fmt(m((s) => s.seconds), (v) => v.toFixed(2)),
        fmt(m((s) => s.printedSeconds), (v) => v.toFixed(1)),
        fmt(m((s) => s.cpuSeconds), (v) => v.toFixed(2)),
        fmt(m((s) => s.rssAtReadyMb), mb),
        fmt(m((s) => s.rssIdleMb), mb),
        fmt(m((s) => s.peakMb), mb),
        fmt(m((s) => s.extensionSeconds), (v) => v.toFixed(2)),
      ];
    }),
  );
  process.stdout.write(`\nServer start (median of ${RUNS}; ${cpus().length} cores, load average at the end ${loadavg()[0]!.toFixed(1)}; started ${startedAt})\n\n${table}\n`);
}

/** The graph scenario and its table. */
async function graphRows(): Promise<void> {
  const mb = (v: number) => v.toFixed(0);
  // as in startRows: the bundle is built, and the compile cache filled, before the measured start
  if (args['graph-only']) await launchAndStop(SERVER, { DATA_DIR: 'memory://' });
  {
    const g = await graphScenario();
    process.stdout.write(
      `\nWith the bench graph (${int(g.records)} records, ${int(g.associationRows)} association rows, loaded in ${g.loadSeconds.toFixed(0)} s):\n\n` +
        markdownTable(
          ['Measure', 'Value'],
          [
            ['restart to /health (s)', g.restart.seconds.toFixed(2)],
            ['CPU at ready (s)', g.restart.cpuSeconds.toFixed(2)],
            [`RSS idle after start (MB)`, mb(g.restart.rssIdleMb)],
            ['RSS after 200 association reads (MB)', mb(g.afterReadsMb)],
            [`open-loop load`, `${g.load.rate} req/s for ${g.load.seconds.toFixed(0)} s: ${g.load.requests} associations, ${g.load.errors} errors, p50 ${g.load.p50Ms.toFixed(2)} ms, p99 ${g.load.p99Ms.toFixed(2)} ms`],
            ['RSS during the load, min / max (MB)', `${mb(Math.min(...g.rssDuringLoadMb))} / ${mb(Math.max(...g.rssDuringLoadMb))}`],
            ['RSS during the load, every 5 s (MB)', g.rssDuringLoadMb.map(mb).join(' ')],
            ['RSS right after the load (MB)', mb(g.rssAfterLoadMb)],
            [`RSS after ${AFTER_IDLE_SECONDS} s idle (MB)`, mb(g.rssIdleAfterLoadMb)],
            ['RSS during that idle, every 5 s (MB)', g.rssIdleSamplesMb.map(mb).join(' ')],
            ['peak RSS (MB)', mb(g.peakMb)],
          ],
        ) +
        '\n',
    );
  }
}

await main();
