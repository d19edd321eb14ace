import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Moving from the embedded database to PostgreSQL (issue 17): every table of a PGlite database
 * (workspaces, users, tokens, records, associations, labels, limits, history, change feed,
 * imports, idempotency keys, ...) into a PostgreSQL database migrated to the same version, and
 * every sequence set to where the source left it, so new ids continue after the old ones.
 *
 * The target is written in one transaction: a copy that fails half-way leaves the target as it
 * was (dropped indexes included: DDL is transactional in PostgreSQL). Rows go as COPY text (what PostgreSQL itself dumps), so every value arrives exactly as it
 * was stored: jsonb, timestamps, bytea. The tables are the source's own list from the catalog,
 * so a table a later migration adds is copied without a change here.
 */

export interface TableProgress {
  table: string;
  /** Rows of this table sent so far, and how many it has. */
  done: number;
  total: number;
}

export interface CopyOptions {
  /** Empty the target's tables first (in the same transaction) instead of refusing a target that has data. */
  force?: boolean;
  onProgress?: (p: TableProgress) => void;
  /** Tables with at least this many rows get their secondary indexes built after the copy rather than during it (default 10,000). */
  rebuildIndexesFrom?: number;
}

export interface CopyReport {
  tables: Array<{ table: string; rows: number }>;
  rows: number;
  sequences: Array<{ name: string; value: number | null }>;
  seconds: number;
}

/** The target has data and `force` was not given; `tables` are the ones that have rows. */
export class TargetNotEmptyError extends Error {
  readonly tables: string[];
  constructor(tables: string[]) {
    super(`The target database is not empty: ${tables.join(', ')} ${tables.length === 1 ? 'has' : 'have'} rows. Copy into an empty database, or pass --force to empty these tables first (everything in them is replaced).`);
    this.name = 'TargetNotEmptyError';
    this.tables = tables;
  }
}

/** The source and the target were migrated to different versions (a server of another version ran on one). */
export class SchemaMismatchError extends Error {
  constructor(source: number, target: number) {
    super(`The source has ${source} migrations applied and the target ${target}: run the same version of crm on both (start the server once on the older one).`);
    this.name = 'SchemaMismatchError';
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

const TABLES_SQL = `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'r' order by c.relname`;
const SEQUENCES_SQL = `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'S' order by c.relname`;
const MIGRATIONS_SQL = `select count(*)::int as n from drizzle.__drizzle_migrations`;

function columnsSql(table: string): string {
  return `select a.attname as name from pg_attribute a where a.attrelid = 'public.${quote(table)}'::regclass
    and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' order by a.attnum`;
}

const REBUILD_INDEXES_FROM = 10_000;

/** Drops the indexes of a table that are not its constraints; answers their definitions, to build them again. */
async function dropSecondaryIndexes(target: pg.Client, table: string): Promise<string[]> {
  const { rows } = await target.query<{ name: string; def: string }>(
    `select i.indexname as name, i.indexdef as def from pg_indexes i where i.schemaname = 'public' and i.tablename = $1
      and i.indexname not in (select conname from pg_constraint where conrelid = ('public.' || quote_ident($1))::regclass)`,
    [table],
  );
  for (const r of rows) await target.query(`drop index ${quote(r.name)}`);
  return rows.map((r) => r.def);
}

/** Counts COPY text rows (one per line: newlines inside values are escaped) as they pass. */
function rowCounter(onRows: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let n = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
      onRows(n);
      done(null, chunk);
    },
  });
}

/**
 * Copies everything from `source` (a migrated PGlite, not in use by a server) into `target` (a
 * client on a PostgreSQL database migrated with the same migrations). Refuses a target with data
 * unless `force`.
 */
export async function copyDatabase(source: PGlite, target: pg.Client, options: CopyOptions = {}): Promise<CopyReport> {
  const started = performance.now();
  const [sourceMigrations, targetMigrations] = [
    (await source.query<{ n: number }>(MIGRATIONS_SQL)).rows[0]!.n,
    (await target.query<{ n: number }>(MIGRATIONS_SQL)).rows[0]!.n,
  ];
  if (sourceMigrations !== targetMigrations) throw new SchemaMismatchError(sourceMigrations, targetMigrations);

  const tables = (await source.query<{ name: string }>(TABLES_SQL)).rows.map((r) => r.name);
  const targetTables = new Set((await target.query<{ name: string }>(TABLES_SQL)).rows.map((r) => r.name));
  const missing = tables.filter((t) => !targetTables.has(t));
  if (missing.length > 0) throw new Error(`The target has no table ${missing.join(', ')}: is it migrated by this version of crm?`);

  const report: CopyReport = { tables: [], rows: 0, sequences: [], seconds: 0 };
  await target.query('begin');
  try {
    await target.query(`set local maintenance_work_mem = '256MB'`);
    const filled: string[] = [];
    for (const t of targetTables) {
      if ((await target.query(`select 1 from ${quote(t)} limit 1`)).rowCount) filled.push(t);
    }
    if (filled.length > 0 && !options.force) throw new TargetNotEmptyError(filled);
    if (filled.length > 0) await target.query(`truncate ${filled.map(quote).join(', ')}`);

    for (const table of tables) {
      const columns = (await source.query<{ name: string }>(columnsSql(table))).rows.map((r) => quote(r.name)).join(', ');
      const total = (await source.query<{ n: number }>(`select count(*)::int as n from ${quote(table)}`)).rows[0]!.n;
      options.onProgress?.({ table, done: 0, total });
      if (total > 0) {
        // the change-feed triggers would register the copied events as new commits: the source's
        // change_commits rows (positions included) are copied as they are instead
        await target.query(`alter table ${quote(table)} disable trigger user`);
        // a big table takes its rows faster without its secondary indexes (text search, expressions),
        // which are built once afterwards; its key stays
        const rebuild = total >= (options.rebuildIndexesFrom ?? REBUILD_INDEXES_FROM) ? await dropSecondaryIndexes(target, table) : [];
        const { blob } = await source.query(`copy ${quote(table)} (${columns}) to '/dev/blob'`);
        if (!blob) throw new Error(`PGlite gave no COPY output for ${table}`);
        let done = 0;
        await pipeline(
          Readable.fromWeb(blob.stream() as import('node:stream/web').ReadableStream<Uint8Array>),
          rowCounter((n) => {
            done += n;
            options.onProgress?.({ table, done, total });
          }),
          target.query(copyFrom(`copy ${quote(table)} (${columns}) from stdin`)),
        );
        for (const def of rebuild) await target.query(def);
        await target.query(`alter table ${quote(table)} enable trigger user`);
        if (done !== total) throw new Error(`${table}: ${total} rows in the source, ${done} sent`);
      }
      report.tables.push({ table, rows: total });
      report.rows += total;
    }

    for (const { name } of (await source.query<{ name: string }>(SEQUENCES_SQL)).rows) {
      const [seq] = (await source.query<{ last_value: number | string; is_called: boolean }>(`select last_value, is_called from ${quote(name)}`)).rows;
      await target.query(`select setval($1, $2, $3)`, [quote(name), seq!.last_value, seq!.is_called]);
      report.sequences.push({ name, value: seq!.is_called ? Number(seq!.last_value) : null });
    }
    await target.query('commit');
  } catch (err) {
    await target.query('rollback').catch(() => {});
    throw err;
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
