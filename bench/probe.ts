import { readFileSync } from 'node:fs';
import { type SQL, sql } from 'drizzle-orm';
import pg from 'pg';
import { CONTACT, DEAL } from '../shared/objects.ts';
import { type Database, type Tx } from '../server/db/client.ts';
import { rowsOf } from '../test/helpers/raw-rows.ts';
import { associate, associateDefault } from '../server/domain/associations/rules.ts';
import type { WriteContext } from '../server/domain/associations/write.ts';
import { type Summary, summarize } from './stats.ts';

/**
 * Where the time of one association goes: associate() called directly (no HTTP) in its own
 * transaction, every statement it sends timed, BEGIN and COMMIT timed apart, and the statements
 * of one call EXPLAIN ANALYZEd on the loaded graph (in a savepoint that is rolled back).
 */

export interface StepTiming {
  step: string;
  /** How many times per association this step runs. */
  perCall: number;
  latency: Summary;
}

export interface ExplainPair {
  name: string;
  from: { type: string; id: number };
  to: { type: string; id: number };
}

export interface ProbeReport {
  calls: number;
  /** Client round trips per association (counted on the PostgreSQL driver; PGlite runs the same code). */
  roundTrips?: number;
  /** WAL written per association (on PostgreSQL: by the whole server meanwhile). */
  walBytesPerCall: number;
  /** CPU other processes used while associate() ran, % of one core: noise. */
  otherCpuPercent: number;
  steps: StepTiming[];
  /** One autocommit statement writing both edges and both history rows: the floor of a write. */
  floor: Summary;
  /** `select 1` through the same handle: the cost of any statement at all. */
  roundTrip: Summary;
  /** associateDefault(): the path the one-click route takes for a contact and a deal (one call of crm_associate_default, autocommit). */
  oneCall: Summary;
  explain: Array<{ pair: string; step: string; planningMs: number; executionMs: number; plan: string }>;
  /** The read statements of a typical association, sent as the engine sends them and as prepared statements. */
  prepared: Array<{ step: string; asSent: Summary; prepared: Summary }>;
}

/** The statements associate() sends, by what they do (the PL/pgSQL calls of migration 0005, or the plain SQL before it). */
const STEP_NAMES: Array<[RegExp, string]> = [
  [/crm_lock_pair_state/, 'lock + pair state: select crm_lock_pair_state(…)'],
  [/for update/i, 'lock records (select … for update)'],
  [/json_agg\(type_id\)/i, 'read pair state (existing, counts, holders, limits)'],
  [/crm_write_edges/, 'write edges + history: select crm_write_edges(…)'],
  [/insert into associations/i, 'write edges + history (one CTE)'],
];

function stepOf(text: string): string {
  for (const [re, name] of STEP_NAMES) if (re.test(text)) return name;
  return `other: ${text.replace(/\s+/g, ' ').trim().slice(0, 60)}`;
}

interface Traced {
  text: string;
  query: SQL;
  ms: number;
}

/** The transaction, with every `execute` timed; `explain` runs EXPLAIN ANALYZE of each first, in a savepoint. */
function traced(tx: Tx, out: Traced[], explain?: (q: SQL, text: string) => Promise<void>): Tx {
  const dialect = (tx as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string } } }).dialect;
  return new Proxy(tx, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'execute') {
        return async (q: SQL) => {
          const text = dialect.sqlToQuery(q).sql;
          if (explain) await explain(q, text);
          const started = performance.now();
          try {
            return await (value as (q: SQL) => Promise<unknown>).call(target, q);
          } finally {
            out.push({ text, query: q, ms: performance.now() - started });
          }
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

class Rollback extends Error {}

export async function probeAssociate(database: Database, ctx: WriteContext, pairs: Array<[number, number]>, explainPairs: ExplainPair[]): Promise<ProbeReport> {
  const { db } = database;
  const per = new Map<string, number[]>();
  const add = (step: string, ms: number) => (per.get(step) ?? per.set(step, []).get(step)!).push(ms);
  // a third each: associate() (the full path), the floor, associateDefault() (the route's one call)
  const third = Math.floor(pairs.length / 3);

  let lastTypical: Traced[] = [];
  // count round trips on the PostgreSQL driver
  let queries = 0;
  const original = pg.Client.prototype.query;
  if (database.kind === 'postgres') {
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      queries++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
  }
  const walAt = async () => String(rowsOf<{ lsn: string }>(await db.execute(sql`select pg_current_wal_lsn()::text as lsn`))[0]!.lsn);
  const walBefore = await walAt();
  const machineBefore = machineCpu();
  const cpuBefore = process.cpuUsage();
  const loopStarted = performance.now();
  try {
    for (const [contactId, dealId] of pairs.slice(0, third)) {
      const statements: Traced[] = [];
      let began = 0;
      let ended = 0;
      const started = performance.now();
      await db.transaction(async (tx) => {
        began = performance.now();
        await associate(traced(tx as Tx, statements), ctx, { fromType: CONTACT, fromId: contactId, toType: DEAL, toId: dealId, typeIds: [] });
        ended = performance.now();
      });
      const done = performance.now();
      add('BEGIN (and taking a connection)', began - started);
      for (const s of statements) add(stepOf(s.text), s.ms);
      add('JavaScript in associate() between statements', ended - began - statements.reduce((sum, s) => sum + s.ms, 0));
      lastTypical = statements;
      add('COMMIT', done - ended);
      add('total: associate() in its transaction', done - started);
    }
  } finally {
    pg.Client.prototype.query = original;
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;
  const cpuUsed = process.cpuUsage(cpuBefore);
  // the database server's own CPU counts as "other" on PostgreSQL: this is a noise gauge, not a budget
  const otherCpuPercent = Math.max(0, ((machineCpu().busy - machineBefore.busy - (cpuUsed.user + cpuUsed.system) / 1e6) / loopSeconds) * 100);
  const walAfter = await walAt();
  const [wal] = rowsOf<{ bytes: string }>(await db.execute(sql`select pg_wal_lsn_diff(${walAfter}::pg_lsn, ${walBefore}::pg_lsn)::text as bytes`));

  // the floor: the same rows written by one autocommit statement
  const floor: number[] = [];
  const [user] = ctx.actor.source === 'USER' ? [ctx.actor] : [];
  for (const [contactId, dealId] of pairs.slice(third, 2 * third)) {
    const ws = ctx.workspaceId;
    const started = performance.now();
    await db.execute(sql`with i as (
        insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type)
        values (${ws}, ${contactId}, ${DEAL}, ${dealId}, 4, ${CONTACT}), (${ws}, ${dealId}, ${CONTACT}, ${contactId}, 3, ${DEAL})
        on conflict do nothing returning 1),
      h as (
        insert into association_history (workspace_id, action, source, source_user_id, source_user_name, source_id, from_type, from_id, to_type, to_id, to_name, type_id, label, detail)
        values (${ws}, 'CREATED', 'USER', ${user?.userId ?? null}, ${user?.userName ?? null}, null, ${CONTACT}, ${contactId}, ${DEAL}, ${dealId}, 'Deal', 4, null, null),
               (${ws}, 'CREATED', 'USER', ${user?.userId ?? null}, ${user?.userName ?? null}, null, ${DEAL}, ${dealId}, ${CONTACT}, ${contactId}, 'Contact', 3, null, null)
        returning 1)
      select 1`);
    floor.push(performance.now() - started);
  }

  const oneCall = await measureOneCall(database, ctx, pairs.slice(2 * third));

  const roundTrip: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await db.execute(sql`select 1`);
    roundTrip.push(performance.now() - started);
  }

  // EXPLAIN ANALYZE each statement of one association, on the loaded graph; nothing is kept
  const explain: ProbeReport['explain'] = [];
  for (const { name, from, to } of explainPairs) {
    try {
      await db.transaction(async (tx) => {
        const statements: Traced[] = [];
        const run = async (q: SQL, text: string) => {
          await tx.execute(sql.raw('savepoint probe'));
          const plan = rowsOf<{ 'QUERY PLAN': string }>(await tx.execute(sql`explain (analyze, buffers) ${q}`)).map((r) => r['QUERY PLAN']);
          await tx.execute(sql.raw('rollback to savepoint probe'));
          const num = (re: RegExp) => Number(plan.map((l) => re.exec(l)?.[1]).find(Boolean) ?? Number.NaN);
          explain.push({ pair: name, step: stepOf(text), planningMs: num(/Planning Time: ([\d.]+)/), executionMs: num(/Execution Time: ([\d.]+)/), plan: plan.join('\n') });
        };
        await associate(traced(tx as Tx, statements, run), ctx, { fromType: from.type, fromId: from.id, toType: to.type, toId: to.id, typeIds: [] });
        throw new Rollback();
      });
    } catch (err) {
      if (!(err instanceof Rollback)) throw err;
    }
  }

  const prepared = await preparedVsPlain(database, lastTypical);

  const calls = third;
  const order = ['BEGIN (and taking a connection)', ...STEP_NAMES.map(([, n]) => n), 'JavaScript in associate() between statements', 'COMMIT', 'total: associate() in its transaction'];
  const steps = [...per.entries()]
    .sort(([a], [b]) => (order.indexOf(a) === -1 ? 50 : order.indexOf(a)) - (order.indexOf(b) === -1 ? 50 : order.indexOf(b)))
    .map(([step, values]) => ({ step, perCall: values.length / calls, latency: summarize(values) }));
  return { calls, ...(database.kind === 'postgres' ? { roundTrips: queries / calls } : {}), walBytesPerCall: Number(wal!.bytes) / calls, otherCpuPercent, steps, floor: summarize(floor), roundTrip: summarize(roundTrip), oneCall, explain, prepared };
}

/** associateDefault() on fresh pairs, as the one-click route calls it; every call must write both directions. */
async function measureOneCall(database: Database, ctx: WriteContext, pairs: Array<[number, number]>): Promise<Summary> {
  const times: number[] = [];
  for (const [contactId, dealId] of pairs) {
    const started = performance.now();
    const r = await associateDefault(database.db, ctx, { fromType: CONTACT, fromId: contactId, toType: DEAL, toId: dealId });
    times.push(performance.now() - started);
    if (!r.typeIds.includes(4)) throw new Error(`associateDefault did not associate ${contactId}–${dealId}: ${JSON.stringify(r)}`);
  }
  return summarize(times);
}

/** Busy CPU seconds of the whole machine, from /proc/stat (100 ticks a second). */
function machineCpu(): { busy: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (fields.reduce((a, b) => a + b, 0) - fields[3]! - fields[4]!) / 100 };
}

/** One connection of the database, outside drizzle: PREPARE and EXECUTE need the same one. */
async function rawConnection(database: Database): Promise<{ run(text: string, params?: unknown[]): Promise<unknown[]>; release(): Promise<void> }> {
  if (database.kind === 'postgres') {
    const client = await (database.db as unknown as { $client: pg.Pool }).$client.connect();
    return { run: async (text, params) => (await client.query(text, params as unknown[])).rows, release: async () => client.release() };
  }
  const client = (database.db as unknown as { $client: { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> } }).$client;
  return { run: async (text, params) => (await client.query(text, params)).rows, release: async () => {} };
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

/**
 * The lock and read-state statements of one real association, run 200 times each as sent (an
 * unnamed statement, planned every time) and as a prepared statement (PREPARE once, EXECUTE),
 * on one connection in one transaction. The difference is what planning costs per call.
 */
async function preparedVsPlain(database: Database, statements: Traced[]): Promise<ProbeReport['prepared']> {
  const { run, release } = await rawConnection(database);
  const dialect = (database.db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect;
  const out: ProbeReport['prepared'] = [];
  // in one transaction, rolled back: a lock outside one would commit (and flush) every time
  await run('begin');
  try {
    for (const s of statements) {
      const step = stepOf(s.text);
      // the reads (the write cannot run twice)
      if (!step.startsWith('lock') && !step.startsWith('read')) continue;
      const q = dialect.sqlToQuery(s.query);
      const name = `probe_${out.length}`;
      await run(`prepare ${name} as ${q.sql}`);
      const execute = `execute ${name}(${q.params.map(literal).join(', ')})`;
      const asSent: number[] = [];
      const prepared: number[] = [];
      for (let i = 0; i < 200; i++) {
        let started = performance.now();
        await run(q.sql, q.params);
        asSent.push(performance.now() - started);
        started = performance.now();
        await run(execute);
        prepared.push(performance.now() - started);
      }
      await run(`deallocate ${name}`);
      out.push({ step, asSent: summarize(asSent), prepared: summarize(prepared) });
    }
  } finally {
    await run('rollback');
    await release();
  }
  return out;
}
