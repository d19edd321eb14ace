/**
 * Recommendation latency (issue 5): p50/p90/p99 of record and thread recommendations on a
 * 200k-record / 1M-association-pair workspace, through the real app (`app.request`, bearer token,
 * validation, JSON), on PGlite (on disk, as `npm start` runs it) and on PostgreSQL when
 * DATABASE_URL is set. Target: p99 under 25 ms on PGlite.
 *
 *   node bench/recommend-latency.ts [--db pglite|postgres|both] [--requests 500] [--companies 24000] [--pairs 1000000] [--wait-idle 0]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { COMPANY, CONTACT, DEAL } from '../shared/objects.ts';
import { createApp } from '../server/app.ts';
import { type Database, openDatabase } from '../server/db/client.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { generateWorkspace, loadWorkspace, pairCount, pgliteTarget, postgresTarget, prng, type Workspace } from './recommend-data.ts';

const SEED = 20_261_127;
const TARGET_P99_MS = 25;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { n: s.length, p50: at(50), p90: at(90), p99: at(99), max: s[s.length - 1]! };
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

interface Request {
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** A fixed mix of requests: record recommendations of several pairs, search, and threads. */
function requests(ws: Workspace, count: number): { record: Request[]; thread: Request[]; hubs: Request[] } {
  const rand = prng(99);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const ofType = (type: string) => ws.records.filter((r) => r.type === type);
  const contacts = ofType(CONTACT);
  const deals = ofType(DEAL);
  const companies = ofType(COMPANY);
  const record: Request[] = [];
  const kinds: Array<[string, () => Request]> = [
    ['contact → deals', () => ({ kind: 'contact → deals', method: 'GET', path: `/api/objects/contacts/${pick(contacts).id}/recommendations?toObjectType=deals` })],
    ['contact → companies', () => ({ kind: 'contact → companies', method: 'GET', path: `/api/objects/contacts/${pick(contacts).id}/recommendations?toObjectType=companies` })],
    ['deal → contacts', () => ({ kind: 'deal → contacts', method: 'GET', path: `/api/objects/deals/${pick(deals).id}/recommendations?toObjectType=contacts` })],
    ['company → contacts', () => ({ kind: 'company → contacts', method: 'GET', path: `/api/objects/companies/${pick(companies).id}/recommendations?toObjectType=contacts` })],
    ['company → deals', () => ({ kind: 'company → deals', method: 'GET', path: `/api/objects/companies/${pick(companies).id}/recommendations?toObjectType=deals` })],
    ['contact → deals, q=2 letters', () => {
      const d = pick(deals);
      return { kind: 'contact → deals, q=2 letters', method: 'GET', path: `/api/objects/contacts/${pick(contacts).id}/recommendations?toObjectType=deals&q=${encodeURIComponent(d.props.dealname!.slice(0, 2))}` };
    }],
  ];
  for (let i = 0; i < count; i++) record.push(kinds[i % kinds.length]![1]());
  const thread: Request[] = [];
  const personal = ['gmail.com', 'outlook.com', 'hotmail.com'];
  for (let i = 0; i < count; i++) {
    const company = pick(ws.companies);
    const people = company.contacts.slice(0, 1 + Math.floor(rand() * Math.min(3, company.contacts.length)));
    const participants = [
      ...people.map((id) => ({ email: ws.byId.get(id)!.props.email!, name: `${ws.byId.get(id)!.props.firstname}` })),
      { email: `new.person${i}@${company.domain}`, name: 'New Person' },
      { email: `someone${i}@${pick(personal)}` },
      { email: 'rep@our-company.example' },
    ];
    const deal = company.deals.length > 0 && rand() < 0.5 ? ws.byId.get(pick(company.deals))!.props.dealname : 'Quick question';
    thread.push({ kind: 'thread', method: 'POST', path: '/api/recommendations/thread', body: { participants, subject: `Re: ${deal}`, ownAddresses: ['rep@our-company.example'] } });
  }
  // worst cases, measured apart: the 20 accounts with the most contacts, their contacts and deals
  const largest = [...ws.companies].sort((a, b) => b.contacts.length - a.contacts.length).slice(0, 20);
  const hubs: Request[] = [];
  for (let i = 0; i < 5; i++) {
    for (const c of largest) {
      hubs.push({ kind: 'largest accounts: company → contacts', method: 'GET', path: `/api/objects/companies/${c.id}/recommendations?toObjectType=contacts` });
      hubs.push({ kind: 'largest accounts: company → deals', method: 'GET', path: `/api/objects/companies/${c.id}/recommendations?toObjectType=deals` });
    }
  }
  return { record, thread, hubs };
}

/** On a shared machine: wait (at most `seconds`) until the 1-minute load is below the core count. */
async function waitIdle(seconds: number, log: (s: string) => void): Promise<void> {
  if (seconds <= 0) return;
  const until = Date.now() + seconds * 1000;
  while (loadavg()[0]! >= cpus().length && Date.now() < until) await new Promise((r) => setTimeout(r, 2000));
  log(`load average before measuring: ${loadavg()[0]!.toFixed(1)}`);
}

async function run(kind: 'pglite' | 'postgres', ws: Workspace, count: number): Promise<Array<[string, Summary]>> {
  let database: Database;
  let cleanup: () => Promise<void>;
  const now = new Date();
  const log = (s: string) => console.log(`  ${kind}: ${s}`);
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'crm-bench-recommend-'));
    database = await openDatabase({ dataDir: dir });
    cleanup = async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    };
  } else {
    const url = process.env.DATABASE_URL!;
    const name = `crm_bench_recommend_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    database = await openDatabase({ databaseUrl: target.toString() });
    cleanup = async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    };
  }
  try {
    const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
    if (!boot) throw new Error('expected an empty database');
    const client = (database.db as unknown as { $client: PGlite | pg.Pool }).$client;
    const target = kind === 'pglite' ? pgliteTarget(client as PGlite) : postgresTarget(client as pg.Pool);
    await loadWorkspace(target, boot.workspaceId, ws, now, log);
    if (kind === 'pglite') await target.exec('checkpoint');
    const app = createApp({ db: database.db });
    const headers = { authorization: `Bearer ${boot.token}`, 'content-type': 'application/json' };
    const send = async (r: Request) => {
      const started = performance.now();
      const res = await app.request(r.path, { method: r.method, headers, ...(r.body ? { body: JSON.stringify(r.body) } : {}) });
      const body = await res.json();
      const elapsed = performance.now() - started;
      if (res.status !== 200) throw new Error(`${r.method} ${r.path}: ${res.status} ${JSON.stringify(body)}`);
      return elapsed;
    };
    const { record, thread, hubs } = requests(ws, count);
    await waitIdle(Number(arg('wait-idle', '0')), log);
    for (const r of [...record.slice(0, 60), ...thread.slice(0, 30)]) await send(r); // warm-up
    const byKind = new Map<string, number[]>();
    const all = { record: [] as number[], thread: [] as number[] };
    // interleave record and thread requests, one at a time (PGlite runs one query at a time)
    for (let i = 0; i < count; i++) {
      for (const r of [record[i]!, thread[i]!]) {
        const t = await send(r);
        byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), t]);
        (r.kind === 'thread' ? all.thread : all.record).push(t);
      }
    }
    const hubTimes = new Map<string, number[]>();
    for (const r of hubs) hubTimes.set(r.kind, [...(hubTimes.get(r.kind) ?? []), await send(r)]);
    return [
      ['record recommendations (all kinds)', summarize(all.record)],
      ...[...byKind].filter(([k]) => k !== 'thread').map(([k, v]) => [`  ${k}`, summarize(v)] as [string, Summary]),
      ['thread recommendations', summarize(all.thread)],
      ...[...hubTimes].map(([k, v]) => [`  ${k} (worst case, apart)`, summarize(v)] as [string, Summary]),
    ];
  } finally {
    await cleanup();
  }
}

async function main() {
  const which = arg('db', process.env.DATABASE_URL ? 'both' : 'pglite');
  const count = Number(arg('requests', '500'));
  const companies = Number(arg('companies', '24000'));
  const pairs = Number(arg('pairs', '1000000'));
  const startLoad = loadavg().map((x) => x.toFixed(1)).join(' / ');
  const t = performance.now();
  const ws = generateWorkspace({ companies, seed: SEED, pairsTarget: pairs });
  console.log(`# Recommendation latency\n\nworkspace: seed ${SEED}, ${ws.records.length.toLocaleString('en-US')} records, ${pairCount(ws).toLocaleString('en-US')} association pairs (${(2 * pairCount(ws)).toLocaleString('en-US')} rows), generated in ${((performance.now() - t) / 1000).toFixed(1)} s; ${count} record and ${count} thread requests after warm-up, one at a time, through app.request\n`);
  const kinds = (which === 'both' ? ['pglite', 'postgres'] : [which]) as Array<'pglite' | 'postgres'>;
  const results: Array<[string, string, Summary]> = [];
  for (const kind of kinds) for (const [name, s] of await run(kind, ws, count)) results.push([kind, name, s]);
  // the machine may be shared: say how busy it was, since latency follows it
  console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) on ${cpus().length} cores; at the start: ${startLoad}`);
  console.log('\n| database | requests | n | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [db, name, s] of results) console.log(`| ${db} | ${name} | ${s.n} | ${ms(s.p50)} | ${ms(s.p90)} | ${ms(s.p99)} | ${ms(s.max)} |`);
  console.log('');
  for (const [db, name, s] of results) {
    if (db === 'pglite' && !name.startsWith('  ')) console.log(`target p99 < ${TARGET_P99_MS} ms on PGlite, ${name}: ${ms(s.p99)} ms ${s.p99 < TARGET_P99_MS ? 'MET' : 'NOT MET'}`);
  }
}

await main();
