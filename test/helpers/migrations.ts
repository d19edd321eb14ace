import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { expect } from 'vitest';
import { type Database, migrationsFolder, openDatabase } from '../../server/db/client.ts';
import { freshPostgres } from './server-process.ts';

/**
 * For tests of a data migration, run for real: a database of this run's kind (TEST_DB) migrated up
 * to just before the migration whose SQL contains `marker` (found by its SQL, not its number), so
 * the test makes data as it was then and then applies the rest.
 */
export interface MigratingDatabase {
  database: Database;
  /** Applies the migrations before the marked one. */
  migrateBefore(): Promise<void>;
  /** Applies every migration. */
  migrateAll(): Promise<void>;
  close(): Promise<void>;
}

export async function databaseBefore(marker: string): Promise<MigratingDatabase> {
  const journal = JSON.parse(await readFile(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const sqlOf = (tag: string) => readFile(join(migrationsFolder, `${tag}.sql`), 'utf8');
  let cut = -1;
  for (const [i, e] of journal.entries.entries()) if ((await sqlOf(e.tag)).includes(marker)) cut = i;
  expect(cut, `no migration contains ${marker}`).toBeGreaterThan(0);
  const before = await mkdtemp(join(tmpdir(), 'crm-migrations-'));
  await mkdir(join(before, 'meta'));
  await writeFile(join(before, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  for (const file of await readdir(migrationsFolder)) if (file.endsWith('.sql')) await copyFile(join(migrationsFolder, file), join(before, file));

  const onPostgres = process.env.TEST_DB === 'postgres';
  let drop = async () => {};
  let database: Database;
  if (onPostgres) {
    const target = await freshPostgres();
    drop = target.drop;
    database = await openDatabase({ databaseUrl: target.url, migrate: false });
  } else {
    database = await openDatabase({ dataDir: 'memory://', migrate: false });
  }
  const migrate = (folder: string) => (onPostgres ? migratePg(database.db as never, { migrationsFolder: folder }) : migratePglite(database.db as never, { migrationsFolder: folder }));
  return {
    database,
    migrateBefore: () => migrate(before),
    migrateAll: () => migrate(migrationsFolder),
    async close() {
      await database.close();
      await drop();
      await rm(before, { recursive: true, force: true });
    },
  };
}
