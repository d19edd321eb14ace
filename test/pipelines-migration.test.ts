import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Database } from '../server/db/client.ts';
import { col, parseRows } from '../server/db/rows.ts';
import { listPipelines } from '../server/domain/pipelines.ts';
import { createWorkspace } from '../server/domain/workspaces.ts';
import { databaseBefore, type MigratingDatabase } from './helpers/migrations.ts';

/**
 * The migration that made the pipeline tables gives every workspace that existed before it
 * HubSpot's default pipelines, the same ones createWorkspace gives a new workspace. Run for real:
 * a database migrated up to just before it, workspaces made then, then the rest of the migrations.
 */
describe('the pipelines migration seeds the workspaces that existed before it', () => {
  let migrating: MigratingDatabase;
  let database: Database;

  beforeAll(async () => {
    migrating = await databaseBefore('CREATE TABLE "pipelines"');
    database = migrating.database;
  });
  afterAll(async () => {
    await migrating?.close();
  });

  it('old workspaces get exactly what a new one gets', { timeout: 120_000 }, async () => {
    const db = database.db;
    await migrating.migrateBefore();
    const made = parseRows('old workspaces', z.object({ id: col.text }), await db.execute(sql`insert into workspaces (name, plan) values ('Old one', 'starter'), ('Old two', 'enterprise') returning workspace_id::text as id`));
    await migrating.migrateAll();

    const fresh = await createWorkspace(db, { name: 'New', plan: 'starter' });
    const expected = { deals: await listPipelines(db, fresh.id, '0-3'), tickets: await listPipelines(db, fresh.id, '0-5') };
    expect(expected.deals[0]!.stages).toHaveLength(7);
    expect(expected.tickets[0]!.stages).toHaveLength(4);
    for (const { id } of made) {
      expect({ deals: await listPipelines(db, id, '0-3'), tickets: await listPipelines(db, id, '0-5') }).toEqual(expected);
    }
  });
});
