/**
 * Index pages (R19, issue 3): p50/p99 of a page of 50 rows with 4 association columns on the
 * 200k-record / 1M-association-pair graph, on PGlite (on disk) and PostgreSQL, through the real
 * app in process (`app.request`: bearer token, validation, the one statement, JSON) and for the
 * query alone (`indexPage()`). Pages start at random rows (keyset cursors), so every request reads
 * other records. The old plan a sorted scenario is compared with (the one-condition keyset) runs on
 * the same pages after the scenario's requests, not between them, and the generated graph is let
 * go before the measurements (npm's script runs node with --expose-gc to collect it): neither is
 * the app's work. A benchmark reports; it never fails a test run.
 *
 *   npm run bench:index-page -- [--db pglite|postgres|both] [--records 200000] [--pairs 1000000]
 *                               [--requests 400] [--warmup 40] [--wait-idle SECONDS] [--explain] [--keep]
 *                               [--only TEXT]   (only the scenarios whose name contains TEXT)
 *
 * The machine is shared: each scenario reports the CPU other processes used meanwhile ("other
 * CPU", % of one core; the benchmark's own PostgreSQL backends are not counted as other), and
 * --wait-idle waits (up to SECONDS) for a quiet machine before each one.
 * PostgreSQL runs on DATABASE_URL (or the local server) in a database of its own
 * (crm_bench_index_page), dropped at the end. PGlite loads into a temporary directory.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { COMPANY, CONTACT, DEAL } from '../shared/objects.ts';
import { indexQuery } from '../shared/views.ts';
import { createApp } from '../server/app.ts';
import { type Database, type Db, openDatabase } from '../server/db/client.ts';
import { rowsOf } from '../test/helpers/raw-rows.ts';
import * as schema from '../server/db/schema/index.ts';
import { encodeCursor, indexPage } from '../server/domain/index-page.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { buildGraph, type Graph, type Loader, type LoadReport, loadGraph, pgliteLoader, postgresLoader, prng } from './graph.ts';
import { int, markdownTable, ms, type Summary, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    records: { type: 'string', default: '200000' },
    pairs: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '40' },
    explain: { type: 'boolean', default: false },
    'wait-idle': { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});

type DbKind = 'pglite' | 'postgres';
const PG_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_BENCH_DB = 'crm_bench_index_page';
const REQUESTS = Number(args.requests);
const WARMUP = Number(args.warmup);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function dbsToRun(): DbKind[] {
  const choice = args.db ?? 'both';
  if (choice === 'both') return ['pglite', 'postgres'];
  if (choice === 'pglite' || choice === 'postgres') return [choice];
  throw new Error(`--db must be pglite, postgres or both (got ${choice})`);
}

// ---- databases ---------------------------------------------------------------------------------

interface Prepared {
  kind: DbKind;
  label: string;
  database: Database;
  loader: Loader;
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
    return {
      kind,
      label: 'PostgreSQL',
      database,
      loader,
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
  const dir = await mkdtemp(join(tmpdir(), 'crm-bench-index-'));
  // reads only: durability does not change them, and the load is faster without flushes
  const database = await openDatabase({ dataDir: dir, durable: false });
  const client = (database.db as unknown as { $client: PGlite }).$client;
  return {
    kind,
    label: 'PGlite (on disk)',
    database,
    loader: pgliteLoader(client),
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

/** The same database through a drizzle instance that hands every statement to `onQuery` (for EXPLAIN). */
function loggingDb(database: Database, onQuery: (query: string, params: unknown[]) => void): Db {
  const client = (database.db as unknown as { $client: never }).$client;
  const logger = { logQuery: onQuery };
  return (database.kind === 'pglite' ? drizzlePglite(client, { schema, logger }) : drizzlePg(client, { schema, logger })) as unknown as Db;
}

// ---- noise -------------------------------------------------------------------------------------

/** Busy and total CPU seconds of the machine (/proc/stat, 100 ticks a second). */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!;
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** CPU seconds of the PostgreSQL backends serving the benchmark's database (they work for us). */
function ourPostgresCpu(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(` ${PG_BENCH_DB} `)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

/** Starts counting; the answer is the CPU others used meanwhile, in % of one core. */
function otherCpu(): () => number {
  const m = machineCpu();
  const own = process.cpuUsage();
  const pgCpu = ourPostgresCpu();
  const t0 = performance.now();
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const mine = (process.cpuUsage(own).user + process.cpuUsage(own).system) / 1e6 + (ourPostgresCpu() - pgCpu);
    return Math.max(0, ((machineCpu().busy - m.busy - mine) / wall) * 100);
  };
}

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

// ---- scenarios ---------------------------------------------------------------------------------

interface Scenario {
  name: string;
  /** The query string of request i (without `?`). */
  query(i: number): string;
  /** Fewer requests for the heavy ones. */
  share?: number;
  /** Also time the query alone with the one-condition keyset (the plan before the sort indexes). */
  compareOneCondition?: boolean;
  /** Also run EXPLAIN ANALYZE on this many of its pages: the database's own planning and execution time, the floor under the request. */
  floorRuns?: number;
}

const CONTACT_COLUMNS = 'firstname,lastname,email,assoc:companies,assoc:deals,assoc:tickets,primary:company';
const DEAL_COLUMNS = 'dealname,amount,assoc:contacts,assoc:companies,assoc:tickets,primary:company';
const COMPANY_COLUMNS = 'name,domain,assoc:contacts,assoc:deals,assoc:tickets,assoc:companies';

/** What the scenarios need of the graph: its ids (the rest is let go before the measurements). */
type GraphIds = Pick<Graph, 'ids'>;

function scenarios(graph: GraphIds): Array<{ type: string; s: Scenario }> {
  const rand = prng(4242);
  const idAt = (type: string, skew = 1) => graph.ids[type]!.first + Math.floor(graph.ids[type]!.count * rand() ** skew);
  const randomPage = (type: string) => `&after=${encodeCursor({ s: '', k: [], id: idAt(type) - 1 })}`;
  const busiestCompanies = graph.ids[COMPANY]!;
  const domainOf = (companyId: number) => {
    // bench/graph.ts names company i `<word><i>.example.com`, words in a fixed cycle of 12
    const i = companyId - busiestCompanies.first;
    const words = ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'hooli', 'vandelay', 'wonka', 'tyrell', 'cyberdyne', 'soylent'];
    return `${words[i % words.length]}${i}.example.com`;
  };
  const lastNames = ['Smith', 'Garcia', 'Müller', 'Rossi', 'Dubois', 'Novak', 'Silva', 'Tanaka', 'Okafor', 'Larsen', 'Kowalski', 'Nguyen'];
  return [
    { type: 'contacts', s: { name: 'contacts, id order, random page', query: () => `columns=${CONTACT_COLUMNS}&limit=50${randomPage(CONTACT)}` } },
    { type: 'deals', s: { name: 'deals, id order, random page', query: () => `columns=${DEAL_COLUMNS}&limit=50${randomPage(DEAL)}` } },
    { type: 'companies', s: { name: 'companies, id order, random page', query: () => `columns=${COMPANY_COLUMNS}&limit=50${randomPage(COMPANY)}` } },
    // the graph's company picks are skewed to low ids: the first page holds the busiest companies
    { type: 'companies', s: { name: 'companies, first page (busiest rows)', query: () => `columns=${COMPANY_COLUMNS}&limit=50` } },
    {
      type: 'contacts',
      s: {
        name: 'contacts, filter primary company domain',
        query: () => `columns=${CONTACT_COLUMNS}&limit=50&filter=${encodeURIComponent(`associations.company.primary.domain:eq:${domainOf(idAt(COMPANY, 2))}`)}`,
        share: 0.25,
      },
    },
    {
      type: 'contacts',
      s: {
        name: 'contacts, sort=-lastname, random depth',
        query: () => {
          const name = lastNames[Math.floor(rand() * lastNames.length)]!;
          return `columns=${CONTACT_COLUMNS}&limit=50&sort=-lastname&after=${encodeCursor({ s: '-lastname', k: [name], id: idAt(CONTACT) })}`;
        },
        share: 0.25,
        compareOneCondition: true,
        floorRuns: 100,
      },
    },
    {
      type: 'contacts',
      s: {
        name: 'contacts, sort=lastname, previous page at random depth',
        query: () => {
          const name = lastNames[Math.floor(rand() * lastNames.length)]!;
          return `columns=${CONTACT_COLUMNS}&limit=50&sort=lastname&before=${encodeCursor({ s: 'lastname', k: [name], id: idAt(CONTACT) })}`;
        },
        share: 0.25,
        floorRuns: 100,
      },
    },
    {
      type: 'contacts',
      s: {
        // by the primary company's name: computed per contact, no index orders by it
        name: 'contacts, sort=primary:company, random depth',
        query: () => `columns=${CONTACT_COLUMNS}&limit=50&sort=primary:company&after=${encodeCursor({ s: 'primary:company', k: [`${'acgmsw'[Math.floor(rand() * 6)]}`], id: idAt(CONTACT) })}`,
        share: 0.05,
        floorRuns: 10,
      },
    },
    {
      type: 'contacts',
      s: {
        name: 'contacts, sort=-assoc:deals, random depth',
        query: () => `columns=${CONTACT_COLUMNS}&limit=50&sort=-assoc:deals&after=${encodeCursor({ s: '-assoc:deals', k: [String(1 + Math.floor(rand() * 4))], id: idAt(CONTACT) })}`,
        share: 0.05,
        floorRuns: 10,
      },
    },
    {
      type: 'contacts',
      s: {
        name: 'contacts, sort=lastname, random depth',
        query: () => {
          const name = lastNames[Math.floor(rand() * lastNames.length)]!;
          // lastname sorts as text alone: one key in the cursor
          return `columns=${CONTACT_COLUMNS}&limit=50&sort=lastname&after=${encodeCursor({ s: 'lastname', k: [name], id: idAt(CONTACT) })}`;
        },
        share: 0.25,
        compareOneCondition: true,
        floorRuns: 100,
      },
    },
  ];
}

interface Measured {
  scenario: string;
  requests: number;
  rowsPerPage: number;
  request: Summary;
  queryOnly: Summary;
  /** The query alone with the one-condition keyset, when the scenario compares. */
  oneCondition?: Summary;
  /** CPU other processes used while this scenario ran, % of one core. */
  otherCpuPercent: number;
  /** The machine's 1-minute load average before and after the scenario. */
  load: [number, number];
  /** EXPLAIN ANALYZE of pages of the scenario: the statement's planning and execution time inside the database. */
  floor?: { planning: Summary; execution: Summary };
}

async function measure(database: Database, token: string, workspaceId: string, graph: GraphIds): Promise<Measured[]> {
  const app = createApp({ db: database.db, tokenCacheMs: 600_000 });
  const out: Measured[] = [];
  for (const { type: typeRef, s } of scenarios(graph).filter(({ s }) => !args.only || s.name.includes(args.only))) {
    const n = Math.max(20, Math.round(REQUESTS * (s.share ?? 1)));
    const warm = Math.max(5, Math.round(WARMUP * (s.share ?? 1)));
    const type = await resolveObjectType(database.db, workspaceId, typeRef);
    await waitIdle(Number(args['wait-idle']));
    const loadBefore = loadavg()[0]!;
    const others = otherCpu();
    const requestTimes: number[] = [];
    const queryTimes: number[] = [];
    const oneConditionTimes: number[] = [];
    const compared: Array<{ parsed: ReturnType<typeof indexQuery.parse>; rows: number }> = [];
    let rows = 0;
    for (let i = 0; i < warm + n; i++) {
      const query = s.query(i);
      // through the app
      let t0 = performance.now();
      const res = await app.request(`/api/objects/${typeRef}/index?${query}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { results?: unknown[]; message?: string };
      const requestMs = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${s.name}: ${res.status} ${body.message}`);
      // the query alone, same page
      const parsed = indexQuery.parse(Object.fromEntries(new URLSearchParams(query)));
      t0 = performance.now();
      await indexPage(database.db, workspaceId, type, { columns: parsed.columns, filters: parsed.filter, sorts: parsed.sort, after: parsed.after, before: parsed.before, limit: parsed.limit });
      const queryMs = performance.now() - t0;
      if (i >= warm) {
        requestTimes.push(requestMs);
        queryTimes.push(queryMs);
        rows += body.results?.length ?? 0;
        if (s.compareOneCondition) compared.push({ parsed, rows: body.results?.length ?? 0 });
      }
    }
    // the plan before the sort indexes, on the same pages, after the measured requests: its reads
    // (hundreds of milliseconds of them) would leave PGlite's small buffer pool cold for the next
    // request, which the app never does to itself
    for (const { parsed, rows: expected } of compared) {
      const t0 = performance.now();
      const old = await indexPage(database.db, workspaceId, type, { columns: parsed.columns, filters: parsed.filter, sorts: parsed.sort, after: parsed.after, limit: parsed.limit, oneConditionKeyset: true });
      oneConditionTimes.push(performance.now() - t0);
      if (old.rows.length !== expected) throw new Error(`${s.name}: the one-condition keyset read ${old.rows.length} rows, the ranges ${expected}`);
    }
    const m: Measured = { scenario: s.name, requests: n, rowsPerPage: rows / n, request: summarize(requestTimes), queryOnly: summarize(queryTimes), otherCpuPercent: others(), load: [loadBefore, loadavg()[0]!] };
    if (s.compareOneCondition) m.oneCondition = summarize(oneConditionTimes);
    if (s.floorRuns) m.floor = await floor(database, workspaceId, typeRef, s);
    const old = m.oneCondition ? `; one-condition keyset p50 ${ms(m.oneCondition.p50)}, p99 ${ms(m.oneCondition.p99)}` : '';
    const inside = m.floor ? `; EXPLAIN ANALYZE execution p50 ${ms(m.floor.execution.p50)}, p99 ${ms(m.floor.execution.p99)}, planning p50 ${ms(m.floor.planning.p50)}` : '';
    log(`${s.name}: p50 ${ms(m.request.p50)} ms, p99 ${ms(m.request.p99)} ms (query alone p50 ${ms(m.queryOnly.p50)}, p99 ${ms(m.queryOnly.p99)}${old}${inside}; other CPU ${m.otherCpuPercent.toFixed(0)}%, load ${m.load.map((l) => l.toFixed(1)).join(' → ')})`);
    out.push(m);
  }
  return out;
}

/** The statement of one page of a scenario, as the app sends it (text and parameters). */
async function statementOf(database: Database, workspaceId: string, typeRef: string, query: string): Promise<{ query: string; params: unknown[] }> {
  let captured: { query: string; params: unknown[] } | undefined;
  const db = loggingDb(database, (q, params) => (captured = { query: q, params }));
  const parsed = indexQuery.parse(Object.fromEntries(new URLSearchParams(query)));
  const type = await resolveObjectType(db, workspaceId, typeRef);
  await indexPage(db, workspaceId, type, { columns: parsed.columns, filters: parsed.filter, sorts: parsed.sort, after: parsed.after, before: parsed.before, limit: parsed.limit });
  return captured!;
}

type Queryable = { query(text: string, params: unknown[]): Promise<{ rows: Array<Record<string, string>> }> };

/**
 * The floor: EXPLAIN (ANALYZE, TIMING OFF) of floorRuns pages of the scenario, one after another,
 * read for the database's own "Planning Time" and "Execution Time" (no network, no JSON, no
 * waiting for a turn on the CPU outside the statement).
 */
async function floor(database: Database, workspaceId: string, typeRef: string, s: Scenario): Promise<{ planning: Summary; execution: Summary }> {
  const client = (database.db as unknown as { $client: Queryable }).$client;
  const planning: number[] = [];
  const execution: number[] = [];
  for (let i = 0; i < s.floorRuns!; i++) {
    const statement = await statementOf(database, workspaceId, typeRef, s.query(i));
    const result = await client.query(`explain (analyze, timing off, costs off) ${statement.query}`, statement.params);
    const text = result.rows.map((r) => Object.values(r)[0]).join('\n');
    const time = (label: string) => Number(new RegExp(`${label}: ([0-9.]+) ms`).exec(text)?.[1] ?? Number.NaN);
    planning.push(time('Planning Time'));
    execution.push(time('Execution Time'));
  }
  return { planning: summarize(planning), execution: summarize(execution) };
}

/** EXPLAIN (ANALYZE, BUFFERS) of one page of each id-order scenario, for the report. */
async function explain(database: Database, workspaceId: string, graph: GraphIds): Promise<string[]> {
  const plans: string[] = [];
  const client = (database.db as unknown as { $client: Queryable }).$client;
  for (const { type: typeRef, s } of scenarios(graph)) {
    const statement = await statementOf(database, workspaceId, typeRef, s.query(0));
    const result = await client.query(`explain (analyze, buffers, costs off) ${statement.query}`, statement.params);
    plans.push(`### ${s.name}\n\n\`\`\`\n${result.rows.map((r) => Object.values(r)[0]).join('\n')}\n\`\`\``);
  }
  return plans;
}

interface RunResult {
  db: DbKind;
  label: string;
  load: LoadReport;
  settings: Record<string, string>;
  measured: Measured[];
  plans: string[];
}

async function runOne(kind: DbKind): Promise<RunResult> {
  log(`${kind}: preparing`);
  const prepared = await prepare(kind);
  const { database } = prepared;
  try {
    const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
    if (!boot) throw new Error('the benchmark database was not empty');
    const [first] = rowsOf<{ id: number }>(await database.db.execute(sql`select nextval('record_ids')::bigint as id`));
    // the generated graph (a million pairs, their keys) is let go once loaded: held through the
    // measurements, its objects made the process's own garbage collections the requests' tail
    const { load, graph } = await (async () => {
      const built = buildGraph({ workspaceId: boot.workspaceId, firstId: Number(first!.id), records: Number(args.records), pairs: Number(args.pairs) });
      log(`${kind}: loading ${int(built.recordCount)} records, ${int(built.associationRows)} association rows`);
      return { load: await loadGraph(prepared.loader, built, (l) => log(`${kind}: ${l}`)), graph: { ids: built.ids } };
    })();
    (globalThis as { gc?: () => void }).gc?.();
    const settings: Record<string, string> = {};
    for (const name of ['server_version', 'shared_buffers', 'work_mem']) {
      settings[name] = String(rowsOf<Record<string, string>>(await database.db.execute(sql.raw(`show ${name}`)))[0]?.[name]);
    }
    const measured = await measure(database, boot.token, boot.workspaceId, graph);
    const plans = args.explain ? await explain(database, boot.workspaceId, graph) : [];
    return { db: kind, label: prepared.label, load, settings, measured, plans };
  } finally {
    await prepared.cleanup();
  }
}

function report(results: RunResult[]): string {
  const out: string[] = ['# Index page benchmark (R19): 50 rows, 4 association columns', ''];
  out.push(`Machine: ${cpus().length} CPUs, Node ${process.version}. Graph: ${int(results[0]!.load.records)} records, ${int(results[0]!.load.associationRows)} association rows (${int(Number(args.pairs))} pairs).`);
  out.push('"request" is `app.request()` in process (token, validation, the one statement, JSON); "query" is `indexPage()` alone. Milliseconds.', '');
  out.push(
    markdownTable(
      ['Database', 'Scenario', 'n', 'rows', 'request p50', 'request p99', 'query p50', 'query p99', 'one-condition keyset p50 / p99', 'EXPLAIN ANALYZE execution p50 / p99 (planning p50)', 'other CPU %', 'load average'],
      results.flatMap((r) =>
        r.measured.map((m) => [
          r.label,
          m.scenario,
          m.requests,
          m.rowsPerPage.toFixed(0),
          ms(m.request.p50),
          ms(m.request.p99),
          ms(m.queryOnly.p50),
          ms(m.queryOnly.p99),
          m.oneCondition ? `${ms(m.oneCondition.p50)} / ${ms(m.oneCondition.p99)}` : '',
          m.floor ? `${ms(m.floor.execution.p50)} / ${ms(m.floor.execution.p99)} (${ms(m.floor.planning.p50)})` : '',
          m.otherCpuPercent.toFixed(0),
          m.load.map((l) => l.toFixed(1)).join(' → '),
        ]),
      ),
    ),
    '',
  );
  const pglite = results.find((r) => r.db === 'pglite');
  const postgres = results.find((r) => r.db === 'postgres');
  if (pglite && postgres) {
    out.push('PGlite compared with PostgreSQL (request times; > 1 means PGlite is slower):', '');
    out.push(
      markdownTable(
        ['Scenario', 'PGlite p50', 'PostgreSQL p50', 'ratio p50', 'PGlite p99', 'PostgreSQL p99', 'ratio p99'],
        pglite.measured.map((m) => {
          const o = postgres.measured.find((x) => x.scenario === m.scenario)!;
          return [m.scenario, ms(m.request.p50), ms(o.request.p50), `${(m.request.p50 / o.request.p50).toFixed(2)}×`, ms(m.request.p99), ms(o.request.p99), `${(m.request.p99 / o.request.p99).toFixed(2)}×`];
        }),
      ),
      '',
    );
  }
  for (const r of results) if (r.plans.length > 0) out.push(`## Plans on ${r.label}`, '', ...r.plans, '');
  return out.join('\n');
}

async function main(): Promise<void> {
  const results: RunResult[] = [];
  for (const kind of dbsToRun()) results.push(await runOne(kind));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  for (const r of results) writeFileSync(new URL(`./results/index-page-${r.db}.json`, import.meta.url), `${JSON.stringify({ ...r, options: args, startedAt: new Date().toISOString() }, null, 2)}\n`);
  process.stdout.write(`${report(results)}\n`);
}

await main();
