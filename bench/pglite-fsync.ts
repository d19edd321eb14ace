import { fdatasyncSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { type Database, type Db, migrationsFolder } from '../server/db/client.ts';
import * as schema from '../server/db/schema/index.ts';

/**
 * PGlite with commits that really reach the disk: a prototype of a fix for openDatabase.
 *
 * PGlite 0.5.16 on Node keeps its files through Emscripten's NODEFS, whose stream operations have
 * no `fsync`, and whose `fdatasync` system call returns without doing anything. So with fsync on
 * (`SHOW fsync` says on) PostgreSQL asks for flushes that never happen: no fsync or fdatasync
 * system call is ever made (strace shows none), and a commit lives only in the OS page cache.
 *
 * The fix: give NODEFS an `fsync` that calls fdatasync(2) on the real file, and make PostgreSQL
 * flush the WAL with fsync() (`wal_sync_method=fsync`), which reaches that operation, instead of
 * fdatasync(), which does not.
 */
class FlushingNodeFS extends NodeFS {
  /** fdatasync calls made, for the report. */
  flushes = 0;
  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const result = await super.init(pg, opts);
    const preRun = result.emscriptenOpts.preRun ?? [];
    preRun.push((mod: { NODEFS: { stream_ops: Record<string, unknown> } }) => {
      mod.NODEFS.stream_ops.fsync = (stream: { nfd: number }) => {
        this.flushes++;
        fdatasyncSync(stream.nfd);
        return 0;
      };
    });
    result.emscriptenOpts.preRun = preRun;
    return result;
  }
}

export async function openFlushingPglite(dataDir: string): Promise<Database & { flushes(): number }> {
  const fs = new FlushingNodeFS(dataDir);
  const startParams = [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'wal_sync_method=fsync'];
  const client = await PGlite.create({ fs, startParams });
  const db = drizzle(client, { schema }) as unknown as Db;
  await migrate(db as never, { migrationsFolder });
  return { db, kind: 'pglite', close: () => client.close(), flushes: () => fs.flushes };
}
