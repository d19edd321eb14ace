import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../server/db/client.ts';
import { freshPostgres } from './server-process.ts';

export interface TestDatabase extends Database {
  /** Close and throw away the database. */
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: PGlite from the migrated template, or, in the
 * postgres project, a new database on DATABASE_URL that is dropped afterwards.
 */
export async function testDatabase(): Promise<TestDatabase> {
  if (process.env.TEST_DB === 'postgres') {
    const fresh = await freshPostgres(process.env.DATABASE_URL, { template: inject('postgresTemplate') });
    // from the migrated template: the migrations only check that nothing is left to apply
    const db = await openDatabase({ databaseUrl: fresh.url });
    return {
      ...db,
      destroy: async () => {
        await db.close();
        await fresh.drop();
      },
    };
  }
  const template = await readFile(inject('pgliteTemplate'));
  const db = await openDatabase({ dataDir: 'memory://', loadDataDir: new Blob([template]), migrate: false });
  return { ...db, destroy: () => db.close() };
}
