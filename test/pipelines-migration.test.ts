import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Database, migrationsFolder, openDatabase } from '../server/db/client.ts';
import { col, parseRows } from '../server/db/rows.ts';
import { listPipelines } from '../server/domain/pipelines.ts';
import { createWorkspace } from '../server/domain/workspaces.ts';
import { freshPostgres } from './helpers/server-process.ts';

/**
 * The migration that made the pipeline tables gives every workspace that existed before it
 * HubSpot's default pipelines, the same ones createWorkspace gives a new workspace. Run for real:
 * a database migrated up to just before it, workspaces made then, then the rest of the migrations.
 */
const onPostgres = process.env.TEST_DB === 'postgres';

/** A copy of the migrations folder that ends just before the migration creating `pipelines` (found by its SQL, not its number). */
async function migrationsBeforePipelines(): Promise<string> {
  const journal = JSON.parse(await readFile(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const sqlOf = (tag: string) => readFile(join(migrationsFolder, `${tag}.sql`), 'utf8');
  let cut = -1;
  for (const [i, e] of journal.entries.entries()) if ((await sqlOf(e.tag)).includes('CREATE TABLE "pipelines"')) cut = i;
  expect(cut).toBeGreaterThan(0);
  const dir = await mkdtemp(join(tmpdir(), 'crm-migrations-'));
  await mkdir(join(dir, 'meta'));
  await writeFile(join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  for (const file of await readdir(migrationsFolder)) if (file.endsWith('.sql')) await copyFile(join(migrationsFolder, file), join(dir, file));
  return dir;
}

describe('the pipelines migration seeds the workspaces that existed before it', () => {
  let database: Database;
  let folder: string;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    folder = await migrationsBeforePipelines();
    if (onPostgres) {
      const target = await freshPostgres();
      drop = target.drop;
      database = await openDatabase({ databaseUrl: target.url, migrate: false });
    } else {
      database = await openDatabase({ dataDir: 'memory://', migrate: false });
    }
  });
  afterAll(async () => {
    await database?.close();
    await drop();
    await rm(folder, { recursive: true, force: true });
  });

  const migrate = (migrationsFolder: string) => (onPostgres ? migratePg(database.db as never, { migrationsFolder }) : migratePglite(database.db as never, { migrationsFolder }));

  it('old workspaces get exactly what a new one gets', { timeout: 120_000 }, async () => {
    const db = database.db;
    await migrate(folder);
    const made = parseRows('old workspaces', z.object({ id: col.text }), await db.execute(sql`insert into workspaces (name, plan) values ('Old one', 'starter'), ('Old two', 'enterprise') returning workspace_id::text as id`));
    await migrate(migrationsFolder);

    const fresh = await createWorkspace(db, { name: 'New', plan: 'starter' });
    const expected = { deals: await listPipelines(db, fresh.id, '0-3'), tickets: await listPipelines(db, fresh.id, '0-5') };
    expect(expected.deals[0]!.stages).toHaveLength(7);
    expect(expected.tickets[0]!.stages).toHaveLength(4);
    for (const { id } of made) {
      expect({ deals: await listPipelines(db, id, '0-3'), tickets: await listPipelines(db, id, '0-5') }).toEqual(expected);
    }
  });
});
