import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STANDARD_OBJECTS } from '../shared/objects.ts';
import { type Database, migrationsFolder, openDatabase } from '../server/db/client.ts';
import { col, parseRows } from '../server/db/rows.ts';
import { getObjectSchema } from '../server/domain/custom-schemas.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import { listGroups, listProperties } from '../server/domain/properties/definitions.ts';
import { groupView, propertyView } from '../server/domain/properties/view.ts';
import { createWorkspace } from '../server/domain/workspaces.ts';
import { freshPostgres } from './helpers/server-process.ts';

/**
 * The migration that made property_definitions gives every workspace that existed before it
 * HubSpot's standard properties and groups, the same ones createWorkspace gives a new workspace,
 * and moves the properties of existing custom object types out of their schema into the table.
 * Run for real: a database migrated up to just before it, data made then, then the rest.
 */
const onPostgres = process.env.TEST_DB === 'postgres';

async function migrationsBeforeProperties(): Promise<string> {
  const journal = JSON.parse(await readFile(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const sqlOf = (tag: string) => readFile(join(migrationsFolder, `${tag}.sql`), 'utf8');
  let cut = -1;
  for (const [i, e] of journal.entries.entries()) if ((await sqlOf(e.tag)).includes('CREATE TABLE "property_definitions"')) cut = i;
  expect(cut).toBeGreaterThan(0);
  const dir = await mkdtemp(join(tmpdir(), 'crm-migrations-'));
  await mkdir(join(dir, 'meta'));
  await writeFile(join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  for (const file of await readdir(migrationsFolder)) if (file.endsWith('.sql')) await copyFile(join(migrationsFolder, file), join(dir, file));
  return dir;
}

describe('the properties migration seeds the workspaces that existed before it', () => {
  let database: Database;
  let folder: string;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    folder = await migrationsBeforeProperties();
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

  it('old workspaces get exactly the standard properties a new one gets; old custom types keep their properties, now in the table', { timeout: 120_000 }, async () => {
    const db = database.db;
    await migrate(folder);
    const [old] = parseRows('old workspace', z.object({ id: col.text }), await db.execute(sql`insert into workspaces (name, plan) values ('Old', 'enterprise') returning workspace_id::text as id`));
    const definition = {
      labels: { singular: 'Car', plural: 'Cars' },
      properties: [
        { name: 'vin', label: 'VIN', type: 'string', fieldType: 'text', hasUniqueValue: true },
        { name: 'colour', label: 'Colour', type: 'enumeration', fieldType: 'select', options: [{ label: 'Red', value: 'red' }, { label: 'Blue', value: 'blue' }] },
        { name: 'seats', label: 'Seats', type: 'number' },
      ],
      requiredProperties: ['vin'],
      searchableProperties: ['vin'],
      primaryDisplayProperty: 'vin',
      secondaryDisplayProperties: [],
    };
    await db.execute(sql`insert into object_schemas (workspace_id, type_id, name, definition) values (${old!.id}, '2-77', 'cars', ${JSON.stringify(definition)}::jsonb)`);
    await migrate(migrationsFolder);

    const fresh = await createWorkspace(db, { name: 'New', plan: 'starter' });
    for (const std of STANDARD_OBJECTS) {
      const fresher = await resolveObjectType(db, fresh.id, std.typeId);
      const older = await resolveObjectType(db, old!.id, std.typeId);
      const expected = (await listProperties(db, fresh.id, fresher)).map(propertyView);
      expect(expected.length, std.name).toBeGreaterThan(5);
      expect((await listProperties(db, old!.id, older)).map(propertyView), std.name).toEqual(expected);
      expect((await listGroups(db, old!.id, older)).map(groupView), std.name).toEqual((await listGroups(db, fresh.id, fresher)).map(groupView));
    }

    const cars = await getObjectSchema(db, old!.id, 'cars');
    expect(cars.properties.map((p) => [p.name, p.type, p.fieldType, p.hasUniqueValue, p.groupName, p.displayOrder])).toEqual([
      ['vin', 'string', 'text', true, 'cars_information', 0],
      ['colour', 'enumeration', 'select', false, 'cars_information', 1],
      ['seats', 'number', 'number', false, 'cars_information', 2],
    ]);
    expect(cars.properties[1]!.options).toEqual([{ label: 'Red', value: 'red', hidden: false, displayOrder: 0 }, { label: 'Blue', value: 'blue', hidden: false, displayOrder: 1 }]);
    // one home: the schema row no longer carries them
    const [stored] = parseRows('schema', z.object({ has: z.boolean() }), await db.execute(sql`select definition ? 'properties' as has from object_schemas where type_id = '2-77'`));
    expect(stored!.has).toBe(false);
    const type = await resolveObjectType(db, old!.id, 'cars');
    expect([...type.properties.keys()]).toEqual(['vin', 'colour', 'seats']);
    expect(type.definition?.properties.find((p) => p.name === 'vin')?.hasUniqueValue).toBe(true);
  });
});
