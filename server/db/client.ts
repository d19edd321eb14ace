import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema/index.ts';
import { flushDirectory, isNewDataDir, readTemplate, saveTemplate, templateCacheDir, templateKey, templateOfDirectory, unpackTemplate } from './template.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What every data-access function takes: the database or an open transaction. */
export type DbOrTx = Db | Tx;

// bigint ids and counts as numbers, as PGlite returns them (ids stay far below 2^53). Drizzle's
// per-query parsers fall back to this global registry.
pg.types.setTypeParser(20, Number);

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * PGlite only: how its data directory came to be at this open: `existing` (a restart), `template`
   * (new, unpacked from a stored template: server/db/template.ts), `initdb` (new, made by PGlite's
   * initdb), `loaded` (from `loadDataDir`), `memory` (memory://, new each time).
   */
  origin?: 'existing' | 'template' | 'initdb' | 'loaded' | 'memory';
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL connection string; when absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory, or `memory://` for a throwaway database. */
  dataDir?: string;
  /** PGlite only: commit with fsync (default). Turning it off trades crash safety for speed. */
  durable?: boolean;
  /** PGlite only: start from a data directory tarball (tests use a migrated template). */
  loadDataDir?: Blob;
  /**
   * PGlite only: the folder of data directory templates (server/db/template.ts) a new directory is
   * unpacked from, and where the first initdb keeps one; `false` runs initdb. Default: CRM_CACHE_DIR
   * or the user's cache folder.
   */
  templateDir?: string | false;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /** Apply migrations at open (default true). */
  migrate?: boolean;
  /** Called with every statement the server sends through `db` (test/workspace-filter.test.ts checks them). */
  onQuery?: (query: string, params: unknown[]) => void;
}

export class InstanceLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`The data directory ${dir} is in use by another server process (pid ${pid}). Stop it first, or point DATA_DIR elsewhere.`);
    this.name = 'InstanceLockedError';
  }
}

/**
 * One server process per PGlite directory: PGlite has no shared-memory locking of its own, so two
 * processes on one directory would corrupt it. A lock file with the owner's pid guards it; a lock
 * left by a process that is gone is taken over.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, '.crm-server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new InstanceLockedError(dir, pid);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock the data directory ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite's Node file system (Emscripten's NODEFS) implements neither fsync nor fdatasync: the
 * flushes PostgreSQL makes report success without a system call. This one gives NODEFS a real
 * fsync; the WAL is then told to flush with fsync (fdatasync stays a stub inside the runtime).
 */
class SyncingNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const result = await super.init(pg, opts);
    type Stream = { nfd?: number };
    type Mod = { NODEFS: { stream_ops: { fsync?: (s: Stream) => number }; tryFSOperation<T>(f: () => T): T } };
    const giveFsync = (mod: unknown) => {
      const { NODEFS } = mod as Mod;
      NODEFS.stream_ops.fsync = (stream) => {
        if (stream.nfd !== undefined) NODEFS.tryFSOperation(() => fsyncSync(stream.nfd!));
        return 0;
      };
    };
    const preRun = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [giveFsync, ...(Array.isArray(preRun) ? preRun : [preRun])] as typeof preRun;
    return result;
  }
}

/**
 * PostgreSQL's memory inside PGlite's WASM heap. PostgreSQL sizes its defaults for a shared server
 * (shared_buffers 128MB); in PGlite the buffers live in the same process as the server, the WASM
 * heap (128 MB at start, never smaller) grows to hold them and never shrinks, and the pages below
 * are read through the OS page cache anyway. 16MB of buffers keeps the heap at its initial size:
 * resident memory after a restart went from about 310 MB to 185 MB and PGlite's open from 1.4 to
 * 0.8 CPU seconds (docs/performance-startup.md). wal_buffers follows shared_buffers (1/32).
 */
const PGLITE_MEMORY_SETTINGS = ['-c', 'shared_buffers=16MB'];

/** Databases that run one statement at a time on one connection (PGlite): writers never overlap. */
const serialDatabases = new WeakSet<object>();

/** True for a PGlite database (not a transaction on it): its writers need no row locks against each other. */
export function writesAreSerial(db: DbOrTx): boolean {
  return serialDatabases.has(db);
}

function loggerOf(options: OpenOptions) {
  const onQuery = options.onQuery;
  return onQuery ? { logger: { logQuery: (query: string, params: unknown[]) => onQuery(query, params) } } : {};
}

/**
 * A new PGlite data directory is unpacked from the template for this PGlite and these migrations
 * when one is stored (server/db/template.ts); without one, PGlite's initdb makes the directory and
 * the result, once migrated, is kept as the template (`keepAs`). A directory that exists is left
 * alone. Whatever goes wrong with templates, the open goes on with initdb.
 */
async function newDirectoryFromTemplate(
  dataDir: string,
  durable: boolean,
  templateDir: string | false | undefined,
): Promise<{ origin: 'existing' | 'template' | 'initdb'; keepAs?: { dir: string; key: string } }> {
  if (!isNewDataDir(dataDir)) return { origin: 'existing' };
  if (templateDir === false) return { origin: 'initdb' };
  const dir = templateDir ?? templateCacheDir();
  try {
    const key = templateKey(migrationsFolder);
    const template = readTemplate(dir, key);
    if (!template) return { origin: 'initdb', keepAs: { dir, key } };
    await unpackTemplate(template, dataDir, durable);
    return { origin: 'template' };
  } catch (err) {
    process.emitWarning(`The data directory template could not be used (${err instanceof Error ? err.message : String(err)}); running initdb.`);
    return { origin: 'initdb' };
  }
}

/** Keeps the just-made, migrated and closed directory as the template for later new ones; a cache that cannot be written is only a warning. */
function keepTemplate(dataDir: string, at: { dir: string; key: string }): void {
  try {
    saveTemplate(at.dir, at.key, templateOfDirectory(dataDir));
  } catch (err) {
    process.emitWarning(`The data directory template could not be kept in ${at.dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * A migrated, otherwise empty PGlite data directory as a template (server/db/template.ts), and its
 * key: what the test suite's global setup starts every test database from. Made by initdb in a
 * throwaway folder (fsync off: only the closed result counts), then archived.
 */
export async function makeTemplate(): Promise<{ key: string; template: Buffer }> {
  const scratch = mkdtempSync(join(tmpdir(), 'crm-template-'));
  try {
    const dataDir = join(scratch, 'data');
    const database = await openDatabase({ dataDir, durable: false, templateDir: false });
    await database.close();
    return { key: templateKey(migrationsFolder), template: templateOfDirectory(dataDir) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const runMigrations = options.migrate ?? true;
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
    });
    // An idle connection that the server drops (restart, admin termination) must not crash the
    // process: the pool discards it and opens a new one on the next query.
    pool.on('error', (err) => {
      if ((err as { code?: string }).code !== '57P01') console.error(`PostgreSQL connection error: ${err.message}`);
    });
    const db = drizzlePg(pool, { schema, ...loggerOf(options) }) as unknown as Db;
    if (runMigrations) await migratePg(db as never, { migrationsFolder });
    return { db, kind: 'postgres', close: () => pool.end() };
  }
  const dataDir = options.dataDir ?? './data';
  const inMemory = dataDir.startsWith('memory://');
  const unlock = inMemory ? () => {} : lockDataDir(dataDir);
  try {
    const durable = options.durable ?? true;
    // PGlite's default start parameters include -F (fsync off): drop it for durable commits.
    const base = durable ? [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'wal_sync_method=fsync'] : PGlite.defaultStartParams;
    const isNew = !inMemory && !options.loadDataDir && isNewDataDir(dataDir);
    const templates = isNew && runMigrations ? await newDirectoryFromTemplate(dataDir, durable, options.templateDir) : undefined;
    const create = () =>
      PGlite.create({
        ...(inMemory ? { dataDir } : { fs: durable ? new SyncingNodeFS(dataDir) : new NodeFS(dataDir) }),
        startParams: [...base, ...PGLITE_MEMORY_SETTINGS],
        ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
        relaxedDurability: !durable,
      });
    let client = await create();
    let db = drizzlePglite(client, { schema, ...loggerOf(options) }) as unknown as Db;
    if (runMigrations) await migratePglite(db as never, { migrationsFolder });
    if (templates?.keepAs) {
      // a template is made of a directory shut down cleanly: closed, archived, then opened again
      await client.close();
      keepTemplate(dataDir, templates.keepAs);
      if (durable) await flushDirectory(dataDir);
      client = await create();
      db = drizzlePglite(client, { schema, ...loggerOf(options) }) as unknown as Db;
    }
    serialDatabases.add(db);
    return {
      db,
      kind: 'pglite',
      origin: inMemory ? 'memory' : options.loadDataDir ? 'loaded' : (templates?.origin ?? (isNew ? 'initdb' : 'existing')),
      close: async () => {
        await client.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
