import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../server/db/client.ts';

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
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('TEST_DB=postgres needs DATABASE_URL');
    const name = `crm_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const template = inject('postgresTemplate');
    await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    // from the migrated template: the migrations only check that nothing is left to apply
    const db = await openDatabase({ databaseUrl: target.toString() });
    return {
      ...db,
      destroy: async () => {
        await db.close();
        const dropper = new pg.Client({ connectionString: url });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
  }
  const template = await readFile(inject('pgliteTemplate'));
  const db = await openDatabase({ dataDir: 'memory://', loadDataDir: new Blob([template]), migrate: false });
  return { ...db, destroy: () => db.close() };
}
