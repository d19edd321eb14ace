import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';

// Issue 18: the embedded database's memory. PostgreSQL's default 128MB of shared buffers made
// PGlite's WASM heap grow past its 128 MB start size at every open (heaps never shrink); with 16MB
// the whole open, migrations included, fits in the start size. PGlite only: PostgreSQL keeps its
// own settings (the postgres project skips this file).
describe.skipIf(process.env.TEST_DB === 'postgres')('issue 18: PGlite memory at open', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await testDatabase();
  });
  afterAll(() => db.destroy());

  it('issue 18: PGlite runs with 16MB of shared buffers, and its WASM heap stays at its start size', async () => {
    const [row] = rowsOf<{ shared_buffers: string }>(await db.db.execute(sql`show shared_buffers`));
    expect(row!.shared_buffers).toBe('16MB');
    // a query that reads every table, as a server does soon after its start
    await db.db.execute(sql`select count(*) from pg_class c join pg_attribute a on a.attrelid = c.oid`);
    const client = (db.db as unknown as { $client: { Module: { HEAPU8: Uint8Array } } }).$client;
    expect(client.Module.HEAPU8.length).toBe(128 * 1024 * 1024);
  });
});
