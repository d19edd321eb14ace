/**
 * Benchmark of the CSV import (R16, R17): a file of contacts with their companies (about one
 * company per 5 contacts; each contact associated with its company, both directions, plus the
 * primary), imported by the same job runner the server uses, on PGlite (on disk, durable commits)
 * and on PostgreSQL. Beside it, in the same run, the same rows loaded by PostgreSQL's COPY into
 * bare tables (no keys, no rules): the ceiling. Resident memory is sampled during every import; a
 * smaller file is imported too, to show memory does not grow with the file (it is streamed).
 *
 * Then the HTTP upload alone: a real server process (PGlite) receives POST /api/imports with a
 * 50 MB file (and a 5 MB one, the baseline), streamed by the client, and the server's resident
 * memory is sampled from /proc while it stores the file: its growth should not follow the file.
 *
 *   npm run bench:import -- [--rows 100000] [--db pglite|postgres|both] [--batch N] [--upload-mb 50] [--upload-only]
 *
 * PostgreSQL runs on DATABASE_URL (or the local server) in a database of its own, dropped at the end.
 * A benchmark reports; it never fails a test run.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type Database, openDatabase } from '../server/db/client.ts';
import { createImport } from '../server/domain/imports/jobs.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { readFile } from 'node:fs/promises';
import { freshPostgres, startServerProcess, tempDir } from '../test/helpers/server-process.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    db: { type: 'string' },
    batch: { type: 'string' },
    'upload-mb': { type: 'string', default: '50' },
    'upload-only': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
/** Rows per batch: the runner's own default (500 on PGlite, 2,000 on PostgreSQL) unless given. */
const BATCH = args.batch === undefined ? undefined : Number(args.batch);
const kinds = (args.db ?? (process.env.DATABASE_URL ? 'both' : 'pglite')) === 'both' ? ['pglite', 'postgres'] : [args.db ?? 'pglite'];
// the PostgreSQL runs below make their databases next to DATABASE_URL's (freshPostgres)
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const company = (i: number) => Math.floor(i / 5);
function line(i: number): string {
  const c = company(i);
  return `person${i}@bench-${c}.example,First${i},Last${i},Bench Company ${c},bench-${c}.example\n`;
}

async function writeFile(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('Email,First Name,Last Name,Company Name,Company Domain Name\n');
  for (let i = 0; i < rows; i++) if (!out.write(line(i))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return rows;
}

/** Peak resident memory while `run` runs, sampled every 50 ms. */
async function withPeakRss<T>(run: () => Promise<T>): Promise<{ value: T; baseMb: number; peakMb: number }> {
  const baseMb = process.memoryUsage().rss / 1024 / 1024;
  let peakMb = baseMb;
  const timer = setInterval(() => (peakMb = Math.max(peakMb, process.memoryUsage().rss / 1024 / 1024)), 50);
  try {
    const value = await run();
    peakMb = Math.max(peakMb, process.memoryUsage().rss / 1024 / 1024);
    return { value, baseMb, peakMb };
  } finally {
    clearInterval(timer);
  }
}

interface ImportRun {
  db: string;
  rows: number;
  uploadS: number;
  runS: number;
  rowsPerS: number;
  created: Record<string, number>;
  associations: number;
  errors: number;
  baseMb: number;
  peakMb: number;
  /** Live heap after a forced collection, at its highest (sampled every 10,000 rows; with --expose-gc). */
  liveMb: number | null;
  liveBeforeMb: number | null;
}

/** The live heap in MB after a full collection, when the process runs with --expose-gc. */
function liveHeapMb(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function importOnce(kind: string, file: string, rows: number): Promise<ImportRun> {
  let database: Database;
  let cleanup: () => Promise<void>;
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'crm-bench-import-'));
    database = await openDatabase({ dataDir: dir });
    cleanup = async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    };
  } else {
    const pgDb = await freshPostgres();
    database = await openDatabase({ databaseUrl: pgDb.url });
    cleanup = async () => {
      await database.close();
      await pgDb.drop();
    };
  }
  try {
    const boot = (await bootstrapInstance(database.db, { plan: 'professional' }))!;
    const liveBeforeMb = liveHeapMb();
    let liveMb = liveBeforeMb;
    const measured = await withPeakRss(async () => {
      const t0 = performance.now();
      const { id } = await createImport(
        database.db,
        { workspaceId: boot.workspaceId, actor: { source: 'API', sourceId: 'bench' }, fileName: 'bench.csv', options: { objectType: 'contacts', mode: 'create' } },
        createReadStream(file, { highWaterMark: 256 * 1024 }),
      );
      const t1 = performance.now();
      const job = await runJob(database.db, (await claimJob(database.db, boot.workspaceId, id))!, {
        ...(BATCH ? { batchSize: BATCH } : {}),
        onProgress: (j) => {
          if (j.rowsDone % 10_000 === 0 && liveMb !== null) liveMb = Math.max(liveMb, liveHeapMb()!);
          if (j.rowsDone % 20_000 === 0) process.stderr.write(`  ${kind}: ${j.rowsDone}/${j.rowsTotal} rows, ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
        },
      });
      return { job, uploadS: (t1 - t0) / 1000, runS: (performance.now() - t1) / 1000 };
    });
    const { job, uploadS, runS } = measured.value;
    return { db: kind, rows, uploadS, runS, rowsPerS: rows / (uploadS + runS), created: job.created, associations: job.associations, errors: job.errorCount, baseMb: measured.baseMb, peakMb: measured.peakMb, liveMb, liveBeforeMb };
  } finally {
    await cleanup();
  }
}

/** The ceiling: the same contacts, companies and association rows by COPY into bare tables. */
async function copyCeiling(rows: number): Promise<{ seconds: number; rowsPerS: number }> {
  const pgDb = await freshPostgres();
  const client = new pg.Client({ connectionString: pgDb.url });
  await client.connect();
  try {
    await client.query('create table contacts (id bigint, email text, firstname text, lastname text)');
    await client.query('create table companies (id bigint, name text, domain text)');
    await client.query('create table associations (from_id bigint, to_id bigint, type_id int)');
    const companies = Math.ceil(rows / 5);
    function* contactRows() {
      for (let i = 0; i < rows; i += 10_000) {
        let chunk = '';
        for (let j = i; j < Math.min(rows, i + 10_000); j++) chunk += `${j}\tperson${j}@bench-${company(j)}.example\tFirst${j}\tLast${j}\n`;
        yield chunk;
      }
    }
    function* companyRows() {
      let chunk = '';
      for (let c = 0; c < companies; c++) chunk += `${rows + c}\tBench Company ${c}\tbench-${c}.example\n`;
      yield chunk;
    }
    function* associationRows() {
      for (let i = 0; i < rows; i += 10_000) {
        let chunk = '';
        for (let j = i; j < Math.min(rows, i + 10_000); j++) {
          const c = rows + company(j);
          chunk += `${j}\t${c}\t279\n${c}\t${j}\t280\n${j}\t${c}\t1\n${c}\t${j}\t2\n`;
        }
        yield chunk;
      }
    }
    const t0 = performance.now();
    await pipeline(Readable.from(contactRows()), client.query(copyFrom('copy contacts from stdin')));
    await pipeline(Readable.from(companyRows()), client.query(copyFrom('copy companies from stdin')));
    await pipeline(Readable.from(associationRows()), client.query(copyFrom('copy associations from stdin')));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, rowsPerS: rows / seconds };
  } finally {
    await client.end();
    await pgDb.drop();
  }
}

/**
 * The floor of any import on this schema: the rows the import must write for this file (records
 * with their indexes, change-feed rows, import rows, both directions of every association plus the
 * primary, and a history row for each), generated inside PostgreSQL by INSERT … SELECT in
 * transactions of 2,000 contacts, with no file, no parsing and no rule checks. What the import
 * spends beyond it is its own; what the floor spends beyond COPY is the schema's.
 */
async function writeFloor(rows: number): Promise<{ seconds: number; rowsPerS: number; parts: Record<string, number> }> {
  const pgDb = await freshPostgres();
  const database = await openDatabase({ databaseUrl: pgDb.url });
  const { workspaceId } = (await bootstrapInstance(database.db, { plan: 'professional' }))!;
  await database.close();
  const client = new pg.Client({ connectionString: pgDb.url });
  await client.connect();
  // ids far above the sequence's: contact i is C + i, its company (i / 5) is K + i / 5
  const C = 1_000_000_000;
  const K = 2_000_000_000;
  const pairs = `(values (${C} + i, '0-1', '0-2', ${K} + i / 5, 279, 'CREATED', null), (${K} + i / 5, '0-2', '0-1', ${C} + i, 280, 'CREATED', null),
    (${C} + i, '0-1', '0-2', ${K} + i / 5, 1, 'PRIMARY_SET', 'Primary'), (${K} + i / 5, '0-2', '0-1', ${C} + i, 2, 'PRIMARY_SET', 'Primary')) v(f, ft, tt, t, ty, a, l)`;
  const made = `workspace_id = $1 and (id between ${C} + $2 and ${C} + $3 - 1 or id between ${K} + ($2 + 4) / 5 and ${K} + ($3 - 1) / 5)`;
  // seconds spent per table, commits apart
  const parts: Record<string, number> = {};
  const timed = async (part: string, text: string, params: unknown[]) => {
    const t = performance.now();
    await client.query(text, params);
    parts[part] = (parts[part] ?? 0) + (performance.now() - t) / 1000;
  };
  try {
    const t0 = performance.now();
    for (let from = 0; from < rows; from += 2000) {
      const to = Math.min(rows, from + 2000);
      const params = [workspaceId, from, to];
      await client.query('begin');
      await timed(
        'records',
        `insert into records (workspace_id, id, type_id, properties)
        select $1::uuid, ${C} + i, '0-1', jsonb_build_object('email', 'person' || i || '@bench-' || i / 5 || '.example', 'firstname', 'First' || i, 'lastname', 'Last' || i) from generate_series($2::int, $3::int - 1) i
        union all
        select $1::uuid, ${K} + c, '0-2', jsonb_build_object('name', 'Bench Company ' || c, 'domain', 'bench-' || c || '.example') from generate_series(($2::int + 4) / 5, ($3::int - 1) / 5) c`,
        params,
      );
      await timed('record_changes', `insert into record_changes (workspace_id, action, object_type, object_id, properties, source) select workspace_id, 'CREATED', type_id, id, properties, 'IMPORT' from records where ${made}`, params);
      await timed('import_records', `insert into import_records (workspace_id, import_id, record_id, action, row, row_hash) select workspace_id, '00000000-0000-4000-8000-000000000000', id, 'CREATED', 0, '' from records where ${made}`, params);
      await timed('associations', `insert into associations (workspace_id, from_id, from_type, to_type, to_id, type_id) select $1::uuid, f, ft, tt, t, ty from generate_series($2::int, $3::int - 1) i, lateral ${pairs}`, params);
      await timed(
        'association_history',
        `insert into association_history (workspace_id, action, source, source_id, from_type, from_id, to_type, to_id, to_name, type_id, label)
        select $1::uuid, a, 'IMPORT', 'floor', ft, f, tt, t, 'Name ' || t, ty, l from generate_series($2::int, $3::int - 1) i, lateral ${pairs}`,
        params,
      );
      await timed('commit', 'commit', []);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, rowsPerS: rows / seconds, parts };
  } finally {
    await client.end();
    await pgDb.drop();
  }
}

/** A contacts file of about `mb` megabytes (a row of a big file is about 97 bytes). */
async function writeFileOfSize(path: string, mb: number): Promise<number> {
  return writeFile(path, Math.ceil((mb * 1e6) / 97));
}

/** A process's resident memory in MB, from /proc (Linux). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

/** POSTs a file to a fresh server process as a streamed multipart body; answers the server's RSS growth. */
async function uploadOnce(kind: string, file: string): Promise<{ mb: number; seconds: number; status: number; baseMb: number; peakMb: number }> {
  const token = 'crm_bench_upload_token_0123456789abcdef';
  const data = kind === 'pglite' ? await tempDir('bench-upload') : undefined;
  const pgDb = kind === 'postgres' ? await freshPostgres() : undefined;
  const server = await startServerProcess({ ...(data ? { DATA_DIR: data.path } : { DATABASE_URL: pgDb!.url }), CRM_ADMIN_TOKEN: token });
  const pid = server.child.pid!;
  try {
    const boundary = '----crm-bench-upload';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n${JSON.stringify({ objectType: 'contacts', mode: 'create' })}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    async function* body() {
      yield new TextEncoder().encode(head);
      for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) yield chunk as Uint8Array;
      yield new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
    }
    // let the fresh server settle before the baseline is taken
    await new Promise((r) => setTimeout(r, 1000));
    const baseMb = await rssOf(pid);
    let peakMb = baseMb;
    const timer = setInterval(() => void rssOf(pid).then((mb) => (peakMb = Math.max(peakMb, mb)), () => {}), 20);
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: Readable.toWeb(Readable.from(body())) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    await res.text();
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    peakMb = Math.max(peakMb, await rssOf(pid));
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(file));
    return { mb: size / 1e6, seconds, status: res.status, baseMb, peakMb };
  } finally {
    // the queued job is not wanted: the server goes before its runner gets far
    await server.stop('SIGKILL');
    await data?.remove();
    await pgDb?.drop();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'crm-bench-import-file-'));
try {
  const uploadMb = Number(args['upload-mb']);
  if (uploadMb > 0) {
    const bigUpload = join(dir, 'upload-big.csv');
    const smallUpload = join(dir, 'upload-small.csv');
    await writeFileOfSize(bigUpload, uploadMb);
    await writeFileOfSize(smallUpload, uploadMb / 10);
    console.log('HTTP upload (POST /api/imports, streamed multipart) to a server process:');
    console.log('| database | file MB | seconds | status | server RSS before → peak (MB) | growth MB |');
    console.log('|---|---|---|---|---|---|');
    for (const kind of kinds) {
      for (const f of [smallUpload, bigUpload]) {
        const u = await uploadOnce(kind, f);
        console.log(`| ${kind} | ${u.mb.toFixed(1)} | ${u.seconds.toFixed(1)} | ${u.status} | ${Math.round(u.baseMb)} → ${Math.round(u.peakMb)} | ${Math.round(u.peakMb - u.baseMb)} |`);
      }
    }
    console.log('');
  }
  if (args['upload-only']) process.exit(0);
  const big = join(dir, 'big.csv');
  const small = join(dir, 'small.csv');
  await writeFile(big, ROWS);
  await writeFile(small, Math.max(1000, Math.floor(ROWS / 5)));
  console.log(`Import of ${ROWS.toLocaleString('en')} contacts with ${Math.ceil(ROWS / 5).toLocaleString('en')} companies (batches of ${BATCH ?? 'the runner\'s default'}); machine load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const runs: ImportRun[] = [];
  for (const kind of kinds) {
    runs.push(await importOnce(kind, small, Math.max(1000, Math.floor(ROWS / 5))));
    runs.push(await importOnce(kind, big, ROWS));
  }
  console.log('\n| database | rows | upload s | import s | rows/s | created | associations | refused | RSS before → peak (MB) | live heap before → peak (MB) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    console.log(`| ${r.db} | ${r.rows.toLocaleString('en')} | ${r.uploadS.toFixed(1)} | ${r.runS.toFixed(1)} | ${Math.round(r.rowsPerS).toLocaleString('en')} | ${Object.entries(r.created).map(([k, v]) => `${v} ${k}`).join(', ')} | ${r.associations.toLocaleString('en')} | ${r.errors} | ${Math.round(r.baseMb)} → ${Math.round(r.peakMb)} | ${r.liveMb === null ? 'run with --expose-gc' : `${Math.round(r.liveBeforeMb!)} → ${Math.round(r.liveMb)}`} |`);
  }
  const pgBig = runs.find((r) => r.db === 'postgres' && r.rows === ROWS);
  if (pgBig) {
    const copy = await copyCeiling(ROWS);
    const ratio = pgBig.rowsPerS / copy.rowsPerS;
    console.log(`\nPostgreSQL COPY of the same rows into bare tables: ${copy.seconds.toFixed(2)} s, ${Math.round(copy.rowsPerS).toLocaleString('en')} contacts/s`);
    console.log(`Import / COPY: ${ratio.toFixed(3)} (target at least 0.333: ${ratio >= 1 / 3 ? 'met' : 'not met'})`);
    const floor = await writeFloor(ROWS);
    console.log(`The same rows written set-based into the real schema, no file and no checks (the floor): ${floor.seconds.toFixed(2)} s, ${Math.round(floor.rowsPerS).toLocaleString('en')} contacts/s`);
    console.log(`Floor / COPY: ${(floor.rowsPerS / copy.rowsPerS).toFixed(3)}; import / floor: ${(pgBig.rowsPerS / floor.rowsPerS).toFixed(3)}`);
    console.log(`The floor by table (s): ${Object.entries(floor.parts).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; a third of COPY's rate allows ${(copy.seconds * 3).toFixed(2)} s in all`);
  }
  const pgliteBig = runs.find((r) => r.db === 'pglite' && r.rows === ROWS);
  if (pgliteBig) console.log(`PGlite: ${ROWS.toLocaleString('en')} rows in ${(pgliteBig.uploadS + pgliteBig.runS).toFixed(1)} s (target under 60 s: ${pgliteBig.uploadS + pgliteBig.runS < 60 ? 'met' : 'not met'})`);
  for (const kind of kinds) {
    const [s, b] = [runs.find((r) => r.db === kind && r.rows !== ROWS), runs.find((r) => r.db === kind && r.rows === ROWS)];
    if (s && b) console.log(`${kind}: peak RSS growth ${Math.round(s.peakMb - s.baseMb)} MB for ${s.rows.toLocaleString('en')} rows, ${Math.round(b.peakMb - b.baseMb)} MB for ${b.rows.toLocaleString('en')} rows`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
