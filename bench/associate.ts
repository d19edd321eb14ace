/**
 * Benchmark of the one-click association (`PUT /crm/v4/objects/contacts/{id}/associations/default/deals/{id}`)
 * over real HTTP, on a loaded graph (200k records, 1M association pairs by default), beside two
 * ceilings served the same way: a trivial Hono route, and a route that does one bare INSERT into
 * the same database. Reports latency (p50/p99) and request rates, checks them against the targets,
 * and writes bench/results/associate-<db>.json. A benchmark reports; it never fails a test run.
 *
 *   npm run bench:associate -- [--db pglite|pglite-relaxed|postgres|both|all] [--records N] [--pairs N]
 *                              [--requests N] [--warmup N] [--seq-requests N] [--clients N]
 *                              [--rate R] [--rate-requests N] [--wait-idle SECONDS] [--retries N]
 *                              [--no-probe] [--keep]
 *
 * The machine is shared: every scenario reports the CPU that other processes used while it ran
 * ("Other CPU %"), and is run again (up to --retries times, default 2) when that was over 30% of
 * a core, keeping the quietest attempt; --wait-idle waits (up to SECONDS) for the machine to be
 * quiet before each attempt.
 *
 * `both` is pglite + postgres (the default when DATABASE_URL is set, else pglite). PostgreSQL runs
 * on DATABASE_URL, or the local server, in a database of its own (crm_bench) dropped at the end.
 * `pglite-relaxed` is PGlite with fsync off (CRM_PGLITE_DURABILITY=relaxed): what durability costs.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import pg from 'pg';
import { createApp } from '../server/app.ts';
import { type Database, openDatabase } from '../server/db/client.ts';
import { rowsOf } from '../test/helpers/raw-rows.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { buildGraph, freshContactDealPairs, type Graph, pairKey, type Loader, type LoadReport, loadGraph, pgliteLoader, postgresLoader } from './graph.ts';
import { LoadGenerator, type LoadSpec } from './http.ts';
import { type ExplainPair, probeAssociate, type ProbeReport } from './probe.ts';
import { int, markdownTable, ms, type Summary, summarize } from './stats.ts';
import { COMPANY, CONTACT, DEAL } from '../shared/objects.ts';

type DbKind = 'pglite' | 'pglite-relaxed' | 'postgres';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    records: { type: 'string', default: '200000' },
    pairs: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '300' },
    'seq-requests': { type: 'string', default: '1000' },
    clients: { type: 'string', default: '10' },
    rate: { type: 'string', default: '100' },
    'rate-requests': { type: 'string', default: '600' },
    'no-probe': { type: 'boolean', default: false },
    'wait-idle': { type: 'string', default: '0' },
    retries: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});

const RECORDS = Number(args.records);
const PAIRS = Number(args.pairs);
const REQUESTS = Number(args.requests);
const WARMUP = Number(args.warmup);
const SEQ_REQUESTS = Number(args['seq-requests']);
const SEQ_WARMUP = Math.max(10, Math.round(WARMUP / 3));
const CLIENTS = Number(args.clients);
const RATE = Number(args.rate);
const RATE_REQUESTS = Number(args['rate-requests']);
const PROBE_CALLS = 750;
const RETRIES = Number(args.retries);
/** A scenario during which other processes used more CPU than this (% of one core) is run again. */
const NOISE_LIMIT = 30;
const PG_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_BENCH_DB = 'crm_bench';

/** Targets, from the brief. */
const TARGET_P99_MS = 5;
const TARGET_SHARE_OF_INSERT = 1 / 3;

function dbsToRun(): DbKind[] {
  const choice = args.db ?? (process.env.DATABASE_URL ? 'both' : 'pglite');
  const map: Record<string, DbKind[]> = { pglite: ['pglite'], 'pglite-relaxed': ['pglite-relaxed'], postgres: ['postgres'], both: ['pglite', 'postgres'], all: ['pglite', 'pglite-relaxed', 'postgres'] };
  const picked = choice.split(',').flatMap((c) => map[c.trim()] ?? []);
  if (picked.length === 0) throw new Error(`--db must be pglite, pglite-relaxed, postgres, both or all (got ${choice})`);
  return [...new Set(picked)];
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// ---- databases ---------------------------------------------------------------------------------

interface Prepared {
  kind: DbKind;
  label: string;
  database: Database;
  loader: Loader;
  settings: Record<string, string | number | boolean>;
  /** CPU ticks of the database server's processes (PostgreSQL only: PGlite runs in this process). */
  dbCpu?: () => Map<string, number>;
  cleanup(): Promise<void>;
}

async function prepare(kind: DbKind): Promise<Prepared> {
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${PG_BENCH_DB} with (force)`);
    await admin.query(`create database ${PG_BENCH_DB}`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${PG_BENCH_DB}`;
    const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 10 });
    const loader = await postgresLoader(url.toString());
    const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname);
    return {
      kind,
      label: 'PostgreSQL',
      database,
      loader,
      settings: { ...(await settingsOf(database)), pool: 10, url: `${url.protocol}//${url.host}${url.pathname}` },
      ...(local ? { dbCpu: postgresCpu } : {}),
      cleanup: async () => {
        await loader.close();
        await database.close();
        if (args.keep) {
          log(`kept database ${url.toString()}`);
          return;
        }
        const dropper = new pg.Client({ connectionString: PG_ADMIN_URL });
        await dropper.connect();
        await dropper.query(`drop database if exists ${PG_BENCH_DB} with (force)`);
        await dropper.end();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), `crm-bench-${kind}-`));
  const database = await openDatabase({ dataDir: dir, durable: kind === 'pglite' });
  const client = (database.db as unknown as { $client: PGlite }).$client;
  const module = (client as unknown as { Module?: { NODEFS?: { stream_ops?: Record<string, unknown> } } }).Module;
  const flushes = typeof module?.NODEFS?.stream_ops?.fsync === 'function';
  const disk = diskFlush(dir);
  return {
    kind,
    label: kind === 'pglite' ? 'PGlite (durable)' : 'PGlite (relaxed: fsync off)',
    database,
    loader: pgliteLoader(client),
    settings: {
      ...(await settingsOf(database)),
      dataDir: dir,
      /** Whether a flush PostgreSQL asks for reaches the disk (Emscripten's NODEFS has no fsync of its own; openDatabase gives it one when durable). */
      flushesReachDisk: flushes,
      diskFsyncP50Ms: Number(disk.p50.toFixed(3)),
      diskFsyncP99Ms: Number(disk.p99.toFixed(3)),
    },
    cleanup: async () => {
      await database.close();
      if (args.keep) {
        log(`kept data directory ${dir}`);
        return;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function settingsOf(database: Database): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers']) {
    out[name] = String(rowsOf<Record<string, string>>(await database.db.execute(sql.raw(`show ${name}`)))[0]?.[name]);
  }
  return out;
}

/** What a real flush costs on this disk: 8 KB written then fsync (as PGlite's WAL flush does), 200 times. */
function diskFlush(dir: string): Summary {
  const path = join(dir, '.bench-flush');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(8192, 7);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    writeSync(fd, block, 0, block.length, (i % 16) * 8192);
    const started = performance.now();
    fsyncSync(fd);
    times.push(performance.now() - started);
  }
  closeSync(fd);
  return summarize(times);
}

/** Busy and total CPU seconds of the whole machine, from /proc/stat (100 ticks a second). */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!;
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** Waits until other processes use less than a quarter of the machine for 2 s in a row (at most `seconds`). */
async function waitIdle(seconds: number): Promise<void> {
  if (seconds <= 0) return;
  const until = Date.now() + seconds * 1000;
  let quiet = 0;
  while (Date.now() < until && quiet < 2) {
    const before = machineCpu();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = machineCpu();
    quiet = (after.busy - before.busy) / (after.total - before.total) < 0.25 ? quiet + 1 : 0;
  }
  if (quiet < 2) log(`the machine did not get quiet within ${seconds} s; measuring anyway`);
}

/**
 * CPU ticks per PostgreSQL process that works for the benchmark: the backends connected to its
 * database and the server's own background processes (/proc, 100 ticks a second). Other
 * databases' backends (other people's tests on a shared server) are left out.
 */
function postgresCpu(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const backend = /^postgres: \S+ \S+ \S+/.test(title) && !/ (checkpointer|background writer|walwriter|autovacuum|logical replication|archiver|stats)/.test(title);
      if (backend && !title.includes(` ${PG_BENCH_DB} `)) continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while we looked
    }
  }
  return ticks;
}

/** CPU seconds the processes alive at `after` used since `before` (a process that ended meanwhile is left out). */
function cpuSecondsBetween(before: Map<string, number>, after: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks / 100;
}

// ---- servers -----------------------------------------------------------------------------------

function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<{ url: string; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ url: `http://127.0.0.1:${info.port}`, server: server as Server }));
    server.once('error', reject);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The ceiling of the framework: a route that answers JSON and touches nothing. */
function pingApp() {
  return new Hono().get('/ping', (c) => c.json({ status: 'ok' }));
}

/** The ceiling of the database: one bare single-row INSERT (autocommit) per request, same db handle. */
function insertApp(database: Database, workspaceId: string) {
  let n = 0;
  return new Hono().post('/insert', async (c) => {
    n++;
    await database.db.execute(sql`insert into bench_scratch (workspace_id, a, b) values (${workspaceId}, ${n}, ${n * 2})`);
    return c.json({ ok: true }, 201);
  });
}

// ---- one database ------------------------------------------------------------------------------

interface Scenario {
  name: string;
  route: string;
  /** `10 clients`, `1 client`, or `100 req/s open loop`. */
  load: string;
  clients: number;
  ratePerSecond?: number;
  warmup: number;
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: Summary;
  /** CPU of this process (server + PGlite) during the measured requests, % of one core. */
  serverCpuPercent: number;
  /** CPU of the PostgreSQL processes, % of one core (PostgreSQL on this machine only). */
  dbCpuPercent?: number;
  /** CPU of the load generator, % of one core. */
  generatorCpuPercent: number;
  /** CPU every other process on the machine used meanwhile, % of one core: noise. */
  otherCpuPercent: number;
  /** Runs it took to get one with little noise (the quietest is kept). */
  attempts: number;
}

interface Target {
  name: string;
  unit: 'ms' | 'ratio';
  value: number;
  limit: string;
  pass: boolean;
}

interface RunResult {
  db: DbKind;
  kind: 'pglite' | 'postgres';
  label: string;
  startedAt: string;
  options: Record<string, number>;
  machine: { cpus: number; node: string };
  settings: Record<string, string | number | boolean>;
  load: LoadReport;
  scenarios: Scenario[];
  targets: Target[];
  verification: { associationRowsAdded: number; expected: number; historyRows: number; expectedHistory: number; ok: boolean };
  probe?: ProbeReport;
  seconds: number;
}

async function runOne(kind: DbKind, generator: LoadGenerator): Promise<RunResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  await waitIdle(Number(args['wait-idle']));
  log(`${kind}: preparing`);
  const prepared = await prepare(kind);
  const { database } = prepared;
  const servers: Server[] = [];
  try {
    const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
    if (!boot) throw new Error('the benchmark database was not empty');
    const [first] = rowsOf<{ id: number }>(await database.db.execute(sql`select nextval('record_ids')::bigint as id`));
    const graph = buildGraph({ workspaceId: boot.workspaceId, firstId: Number(first!.id), records: RECORDS, pairs: PAIRS });
    log(`${kind}: loading ${int(graph.recordCount)} records, ${int(graph.associationRows)} association rows`);
    const load = await loadGraph(prepared.loader, graph, (l) => log(`${kind}: ${l}`));
    await database.db.execute(sql`create table bench_scratch (workspace_id uuid not null, id bigint generated always as identity, a bigint not null, b bigint not null, created_at timestamptz not null default now(), primary key (workspace_id, id))`);

    const ping = await listen(pingApp().fetch);
    const insert = await listen(insertApp(database, boot.workspaceId).fetch);
    const crm = await listen(createApp({ db: database.db }).fetch);
    servers.push(ping.server, insert.server, crm.server);

    const seq = { warmup: SEQ_WARMUP, requests: SEQ_REQUESTS };
    const conc = { warmup: WARMUP, requests: REQUESTS };
    const open = { warmup: Math.round(RATE_REQUESTS / 10), requests: RATE_REQUESTS };
    // every association request writes a pair that is not associated yet: enough for every attempt
    const perAttempt = conc.warmup + conc.requests + seq.warmup + seq.requests + open.warmup + open.requests;
    const fresh = freshContactDealPairs(graph, perAttempt * (RETRIES + 1) + PROBE_CALLS + 1);
    let used = 0;
    const takePairs = (count: number) => {
      const taken = fresh.slice(used, used + count);
      used += count;
      return taken.map(([c, d]) => `/crm/v4/objects/contacts/${c}/associations/default/deals/${d}`);
    };
    const auth = { authorization: `Bearer ${boot.token}` };

    // per route: CLIENTS clients (closed loop), 1 client (sequential), then RATE req/s (open loop)
    const shapes: Array<{ clients: number; warmup: number; requests: number; ratePerSecond?: number }> = [
      { clients: CLIENTS, ...conc },
      { clients: 1, ...seq },
      { clients: 1, ...open, ratePerSecond: RATE },
    ];
    const plans: Array<{ spec: Omit<LoadSpec, 'paths'>; route: string; paths: (count: number) => string[] }> = [];
    const add = (base: Omit<LoadSpec, 'clients' | 'warmup' | 'requests' | 'paths'>, route: string, paths: (count: number) => string[], scale = 1) => {
      for (const shape of shapes) {
        // an open loop says nothing about a route that does no work
        if (shape.ratePerSecond && base.name === 'ping') continue;
        const scaled = shape.ratePerSecond ? { warmup: shape.warmup, requests: shape.requests } : { warmup: shape.warmup * scale, requests: shape.requests * scale };
        plans.push({ spec: { ...base, ...shape, ...scaled }, route, paths });
      }
    };
    add({ name: 'ping', baseUrl: ping.url, method: 'GET', expectStatus: 200 }, 'GET /ping (trivial Hono route)', () => ['/ping'], 5);
    add({ name: 'insert', baseUrl: insert.url, method: 'POST', expectStatus: 201 }, 'POST /insert (one bare INSERT)', () => ['/insert']);
    add({ name: 'associate', baseUrl: crm.url, method: 'PUT', headers: auth, expectStatus: 200 }, 'PUT …/contacts/{id}/associations/default/deals/{id}', takePairs);

    const [before] = rowsOf<{ a: number; h: number }>(await database.db.execute(sql`select (select count(*) from associations)::int as a, (select count(*) from association_history)::int as h`));
    const scenarios: Scenario[] = [];
    for (const plan of plans) {
      let best: Scenario | undefined;
      for (let attempt = 1; attempt <= RETRIES + 1; attempt++) {
        await waitIdle(Number(args['wait-idle']));
        const spec: LoadSpec = { ...plan.spec, paths: plan.paths(plan.spec.warmup + plan.spec.requests) };
        const scenario = await measure(spec, plan.route, prepared, generator);
        scenario.attempts = attempt;
        log(`${kind}: ${spec.name}, ${scenario.load}: p50 ${ms(scenario.latencyMs.p50)} ms, p99 ${ms(scenario.latencyMs.p99)} ms, ${int(scenario.requestsPerSecond)} req/s (other processes: ${int(scenario.otherCpuPercent)}% CPU)${scenario.errors ? `, ${scenario.errors} ERRORS: ${scenario.firstError}` : ''}`);
        if (!best || scenario.otherCpuPercent < best.otherCpuPercent) best = { ...scenario };
        best.attempts = attempt;
        if (scenario.otherCpuPercent <= NOISE_LIMIT) break;
      }
      scenarios.push(best!);
    }
    const [after] = rowsOf<{ a: number; h: number }>(await database.db.execute(sql`select (select count(*) from associations)::int as a, (select count(*) from association_history)::int as h`));
    const verification = {
      associationRowsAdded: after!.a - before!.a,
      expected: 2 * used,
      historyRows: after!.h - before!.h,
      expectedHistory: 2 * used,
      ok: after!.a - before!.a === 2 * used && after!.h - before!.h === 2 * used,
    };
    if (!verification.ok) log(`${kind}: WARNING: writes do not add up: ${JSON.stringify(verification)}`);

    let probe: ProbeReport | undefined;
    if (!args['no-probe']) {
      log(`${kind}: probing the hot path (associate() and associateDefault() without HTTP, EXPLAIN ANALYZE)`);
      const [owner] = rowsOf<{ id: number; name: string }>(await database.db.execute(sql`select id, name from users where workspace_id = ${boot.workspaceId} and instance_owner`));
      const ctx = { workspaceId: boot.workspaceId, plan: 'enterprise' as const, actor: { source: 'USER' as const, userId: Number(owner!.id), userName: owner!.name } };
      probe = await probeAssociate(database, ctx, fresh.slice(used, used + PROBE_CALLS), explainPairs(graph, fresh[used + PROBE_CALLS]!));
    }

    const find = (name: string, load: string) => scenarios.find((s) => s.name === name && s.load === load)!;
    const assocConc = find('associate', loadOf({ clients: CLIENTS }));
    const assocSeq = find('associate', loadOf({ clients: 1 }));
    const assocOpen = find('associate', loadOf({ clients: 1, ratePerSecond: RATE }));
    const insertConc = find('insert', loadOf({ clients: CLIENTS }));
    const targets: Target[] = [
      { name: `associate p99, 1 client (sequential) < ${TARGET_P99_MS} ms`, unit: 'ms', value: assocSeq.latencyMs.p99, limit: `< ${TARGET_P99_MS} ms`, pass: assocSeq.latencyMs.p99 < TARGET_P99_MS },
      { name: `associate p99, ${RATE} req/s open loop < ${TARGET_P99_MS} ms`, unit: 'ms', value: assocOpen.latencyMs.p99, limit: `< ${TARGET_P99_MS} ms`, pass: assocOpen.latencyMs.p99 < TARGET_P99_MS },
      { name: `associate p99, ${CLIENTS} clients < ${TARGET_P99_MS} ms`, unit: 'ms', value: assocConc.latencyMs.p99, limit: `< ${TARGET_P99_MS} ms`, pass: assocConc.latencyMs.p99 < TARGET_P99_MS },
      {
        name: `associate req/s >= 1/3 of bare INSERT req/s (${CLIENTS} clients)`,
        unit: 'ratio',
        value: assocConc.requestsPerSecond / insertConc.requestsPerSecond,
        limit: `>= ${TARGET_SHARE_OF_INSERT.toFixed(3)} (${int(insertConc.requestsPerSecond * TARGET_SHARE_OF_INSERT)} req/s)`,
        pass: assocConc.requestsPerSecond >= insertConc.requestsPerSecond * TARGET_SHARE_OF_INSERT,
      },
    ];
    return {
      db: kind,
      kind: database.kind,
      label: prepared.label,
      startedAt,
      options: { records: RECORDS, pairs: PAIRS, requests: REQUESTS, warmup: WARMUP, seqRequests: SEQ_REQUESTS, clients: CLIENTS, rate: RATE, rateRequests: RATE_REQUESTS },
      machine: { cpus: cpus().length, node: process.version },
      settings: prepared.settings,
      load,
      scenarios,
      targets,
      verification,
      ...(probe ? { probe } : {}),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const s of servers) await close(s);
    await prepared.cleanup();
  }
}

/** Runs one spec, and measures the CPU of this process, of PostgreSQL, of the client and of everything else. */
async function measure(spec: LoadSpec, route: string, prepared: Prepared, generator: LoadGenerator): Promise<Scenario> {
  let cpu = process.cpuUsage();
  let dbCpu = prepared.dbCpu?.();
  let machine = machineCpu();
  const result = await generator.run(spec, () => {
    cpu = process.cpuUsage();
    dbCpu = prepared.dbCpu?.();
    machine = machineCpu();
  });
  const used = process.cpuUsage(cpu);
  const dbUsed = prepared.dbCpu && dbCpu ? cpuSecondsBetween(dbCpu, prepared.dbCpu()) : undefined;
  const machineBusy = machineCpu().busy - machine.busy;
  const serverSeconds = (used.user + used.system) / 1e6;
  return {
    name: spec.name,
    route,
    load: loadOf(spec),
    clients: spec.clients,
    ...(spec.ratePerSecond ? { ratePerSecond: spec.ratePerSecond } : {}),
    warmup: spec.warmup,
    requests: spec.requests,
    errors: result.errors,
    ...(result.firstError ? { firstError: result.firstError } : {}),
    seconds: result.seconds,
    requestsPerSecond: result.latenciesMs.length / result.seconds,
    latencyMs: summarize(result.latenciesMs),
    serverCpuPercent: (serverSeconds / result.seconds) * 100,
    ...(dbUsed !== undefined ? { dbCpuPercent: (dbUsed / result.seconds) * 100 } : {}),
    generatorCpuPercent: (result.cpuSeconds / result.seconds) * 100,
    otherCpuPercent: Math.max(0, ((machineBusy - serverSeconds - (dbUsed ?? 0) - result.cpuSeconds) / result.seconds) * 100),
    attempts: 1,
  };
}

function loadOf(spec: { clients: number; ratePerSecond?: number }): string {
  if (spec.ratePerSecond) return `${spec.ratePerSecond} req/s open loop`;
  return spec.clients === 1 ? '1 client' : `${spec.clients} clients`;
}

/**
 * Pairs to EXPLAIN: a typical fresh contact–deal pair; the busiest deal (the skew puts the hubs
 * first); and the busiest company, with a contact that has another company already.
 */
function explainPairs(graph: Graph, typical: [number, number]): ExplainPair[] {
  const contacts = graph.ids[CONTACT]!;
  const hubDeal = graph.ids[DEAL]!.first;
  const hubCompany = graph.ids[COMPANY]!.first;
  let contact = contacts.first + contacts.count - 1;
  while (graph.contactDealKeys.has(pairKey(contact, hubDeal))) contact--;
  const companyPairs = graph.pairs.find((p) => p.aType === CONTACT && p.bType === COMPANY)!;
  const withHub = new Set<number>();
  for (let i = 0; i < companyPairs.a.length; i++) if (companyPairs.b[i] === hubCompany) withHub.add(companyPairs.a[i]!);
  let other = contacts.first + contacts.count - 1;
  while (withHub.has(other)) other--;
  return [
    { name: 'typical contact–deal', from: { type: CONTACT, id: typical[0] }, to: { type: DEAL, id: typical[1] } },
    { name: `busiest deal (${graph.degree(hubDeal, CONTACT)} contacts)`, from: { type: CONTACT, id: contact }, to: { type: DEAL, id: hubDeal } },
    { name: `busiest company (${graph.degree(hubCompany, CONTACT)} contacts)`, from: { type: CONTACT, id: other }, to: { type: COMPANY, id: hubCompany } },
  ];
}

// ---- output ------------------------------------------------------------------------------------

function report(results: RunResult[]): string {
  const out: string[] = [];
  out.push(`### Association benchmark (${int(RECORDS)} records, ${int(PAIRS)} pairs; ${cpus().length} cores, Node ${process.version})`, '');
  out.push('Load (COPY into tables without keys, then keys, indexes, VACUUM ANALYZE):', '');
  out.push(
    markdownTable(
      ['Database', 'Records', 'Records/s', 'Association rows', 'Rows/s (COPY)', 'Keys+indexes s', 'VACUUM ANALYZE s', 'Total s', 'Rows/s overall'],
      results.map((r) => [r.label, int(r.load.records), int(r.load.recordsPerSecond), int(r.load.associationRows), int(r.load.associationRowsPerSecond), r.load.indexSeconds.toFixed(1), r.load.analyzeSeconds.toFixed(1), r.load.totalSeconds.toFixed(1), int(r.load.associationRowsPerSecondOverall)]),
    ),
    '',
  );
  out.push('HTTP on 127.0.0.1 (keep-alive, load generator in a child process):', '');
  out.push(
    markdownTable(
      ['Database', 'Route', 'Load', 'Requests', 'p50 ms', 'p99 ms', 'max ms', 'req/s', 'Server CPU %', 'PostgreSQL CPU %', 'Client CPU %', 'Other CPU %', 'Runs', 'Errors'],
      results.flatMap((r) =>
        r.scenarios.map((s) => [r.label, s.route, s.load, int(s.requests), ms(s.latencyMs.p50), ms(s.latencyMs.p99), ms(s.latencyMs.max), int(s.requestsPerSecond), int(s.serverCpuPercent), s.dbCpuPercent === undefined ? '' : int(s.dbCpuPercent), int(s.generatorCpuPercent), int(s.otherCpuPercent), s.attempts, s.errors]),
      ),
    ),
    '',
  );
  out.push('Targets:', '');
  out.push(markdownTable(['Database', 'Target', 'Measured', 'Result'], results.flatMap((r) => r.targets.map((t) => [r.label, t.name, t.unit === 'ratio' ? `${t.value.toFixed(2)}×` : `${ms(t.value)} ms`, t.pass ? 'PASS' : 'FAIL']))), '');
  for (const r of results) {
    if (!r.probe) continue;
    out.push(
      `Hot path, ${r.label}: associate() without HTTP, ${r.probe.calls} calls${r.probe.roundTrips !== undefined ? `, ${r.probe.roundTrips.toFixed(1)} round trips per call` : ''}, ${int(r.probe.walBytesPerCall)} bytes of WAL per call${r.kind === 'postgres' ? ' (whole server)' : ''}, other processes ${int(r.probe.otherCpuPercent)}% CPU:`,
      '',
    );
    out.push(
      markdownTable(
        ['Step', 'Per call', 'mean ms', 'p50 ms', 'p99 ms'],
        [
          ...r.probe.steps.map((s) => [s.step, s.perCall.toFixed(1), ms(s.latency.mean), ms(s.latency.p50), ms(s.latency.p99)]),
          ['floor: both edges + history as one autocommit statement', '1.0', ms(r.probe.floor.mean), ms(r.probe.floor.p50), ms(r.probe.floor.p99)],
          ['floor: `select 1` (any statement)', '1.0', ms(r.probe.roundTrip.mean), ms(r.probe.roundTrip.p50), ms(r.probe.roundTrip.p99)],
          ['one call: associateDefault(), the route\'s path for contact–deal (autocommit)', '1.0', ms(r.probe.oneCall.mean), ms(r.probe.oneCall.p50), ms(r.probe.oneCall.p99)],
        ],
      ),
      '',
    );
    out.push(markdownTable(['EXPLAIN ANALYZE: pair', 'Statement', 'Planning ms', 'Execution ms'], r.probe.explain.map((e) => [e.pair, e.step, e.planningMs.toFixed(3), e.executionMs.toFixed(3)])), '');
    if (r.probe.prepared.length > 0) {
      const rows = r.probe.prepared.map((p) => [p.step, ms(p.asSent.p50), ms(p.asSent.p99), ms(p.prepared.p50), ms(p.prepared.p99)]);
      out.push(markdownTable(['Statement (one connection, 200×)', 'as sent p50 ms', 'as sent p99 ms', 'prepared p50 ms', 'prepared p99 ms'], rows), '');
    }
  }
  for (const r of results) {
    const s = r.settings;
    out.push(`${r.label}: ${['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method'].map((k) => `${k}=${s[k]}`).join(', ')}${'flushesReachDisk' in s ? `, flushes reach the disk: ${s.flushesReachDisk ? 'yes' : 'NO'}, an 8 KB write + fsync on this disk p50/p99 ${s.diskFsyncP50Ms}/${s.diskFsyncP99Ms} ms` : ''}; run took ${r.seconds.toFixed(0)} s`);
  }
  return out.join('\n');
}

process.on('uncaughtException', (err) => {
  log(`uncaught: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

async function main(): Promise<void> {
  const dbs = dbsToRun();
  const resultsDir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  const generator = LoadGenerator.start();
  const results: RunResult[] = [];
  try {
    for (const kind of dbs) {
      const r = await runOne(kind, generator);
      results.push(r);
      const file = join(resultsDir, `associate-${kind}.json`);
      writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
      log(`${kind}: wrote ${file} (${r.seconds.toFixed(0)} s)`);
    }
  } finally {
    await generator.close();
  }
  process.stdout.write(`${report(results)}\n`);
}

await main();
