/**
 * Benchmark of `crm copy-database` (issue 17): rows per second copying a PGlite data directory
 * holding the benchmark graph (bench/graph.ts: by default 200,000 records and 1,000,000
 * association pairs, about 2.3M association rows) into an empty PostgreSQL database. Also prints,
 * as the baseline of the same run, how fast the graph was bulk-loaded into PGlite (COPY with keys
 * and indexes dropped, the fastest load there is). A benchmark reports; it never fails a run.
 *
 *   npm run bench:copy-database -- [--records N] [--pairs N] [--keep]
 *
 * PostgreSQL: DATABASE_URL's server (or the local one), in a database of its own
 * (a fresh one next to DATABASE_URL's), dropped at the end unless --keep (then its address is printed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { freshPostgres } from '../test/helpers/server-process.ts';
import { openDatabase } from '../server/db/client.ts';
import { copyDatabase } from '../server/domain/copy-database.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { buildGraph, loadGraph, pgliteLoader } from './graph.ts';
import { int, markdownTable } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    pairs: { type: 'string', default: '1000000' },
    keep: { type: 'boolean', default: false },
  },
});
// the target database is made next to DATABASE_URL's, or the local server's
const PG_ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';


const log = (line: string) => process.stderr.write(`${line}\n`);
const dir = await mkdtemp(join(tmpdir(), 'crm-bench-copy-'));
log(`PGlite in ${dir}; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

const source = await openDatabase({ dataDir: dir, durable: false });
const boot = await bootstrapInstance(source.db, { plan: 'enterprise' });
const client = (source.db as unknown as { $client: PGlite }).$client;
const [first] = (await client.query<{ id: number }>(`select nextval('record_ids')::int as id`)).rows;
const graph = buildGraph({ workspaceId: boot!.workspaceId, firstId: first!.id, records: Number(args.records), pairs: Number(args.pairs) });
const load = await loadGraph(pgliteLoader(client), graph, log);

const pgDb = await freshPostgres(PG_ADMIN_URL);
const url = new URL(pgDb.url);
await (await openDatabase({ databaseUrl: url.toString(), poolSize: 1 })).close();
const target = new pg.Client({ connectionString: url.toString() });
await target.connect();
let lastTable = '';
const report = await copyDatabase(client, target, {
  onProgress: (p) => {
    if (p.done === p.total && p.table !== lastTable) {
      lastTable = p.table;
      if (p.total > 0) log(`  ${p.table}: ${p.total} rows`);
    }
  },
});
await target.end();
await source.close();

const big = report.tables.filter((t) => t.rows > 0).sort((a, b) => b.rows - a.rows);
console.log(`\n## copy-database: PGlite → PostgreSQL, ${int(graph.recordCount)} records, ${int(graph.associationRows)} association rows\n`);
console.log(
  markdownTable(
    ['what', 'rows', 'seconds', 'rows/s'],
    [
      ['baseline: bulk load of the graph into PGlite (keys dropped, COPY, keys rebuilt)', int(load.records + load.associationRows), load.totalSeconds.toFixed(1), int((load.records + load.associationRows) / load.totalSeconds)],
      ['copy-database, every table, one transaction (secondary indexes of big tables built after their rows)', int(report.rows), report.seconds.toFixed(1), int(report.rows / report.seconds)],
    ],
  ),
);
console.log(`\nTables: ${big.map((t) => `${t.table} ${int(t.rows)}`).join(', ')}; ${report.sequences.length} sequences set.`);
console.log(`Machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end.`);

if (args.keep) log(`kept: ${pgDb.url} and ${dir}`);
else {
  await pgDb.drop();
  await rm(dir, { recursive: true, force: true });
}
