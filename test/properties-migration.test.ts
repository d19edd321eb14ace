import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STANDARD_OBJECTS } from '../shared/objects.ts';
import type { Database } from '../server/db/client.ts';
import { col, parseRows } from '../server/db/rows.ts';
import { getObjectSchema } from '../server/domain/custom-schemas.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import { listGroups, listProperties } from '../server/domain/properties/definitions.ts';
import { groupView, propertyView } from '../server/domain/properties/view.ts';
import { createWorkspace } from '../server/domain/workspaces.ts';
import { databaseBefore, type MigratingDatabase } from './helpers/migrations.ts';

/**
 * The migration that made property_definitions gives every workspace that existed before it
 * HubSpot's standard properties and groups, the same ones createWorkspace gives a new workspace,
 * and moves the properties of existing custom object types out of their schema into the table.
 * Run for real: a database migrated up to just before it, data made then, then the rest.
 */
describe('the properties migration seeds the workspaces that existed before it', () => {
  let migrating: MigratingDatabase;
  let database: Database;

  beforeAll(async () => {
    migrating = await databaseBefore('CREATE TABLE "property_definitions"');
    database = migrating.database;
  });
  afterAll(async () => {
    await migrating?.close();
  });

  it('old workspaces get exactly the standard properties a new one gets; old custom types keep their properties, now in the table', { timeout: 120_000 }, async () => {
    const db = database.db;
    await migrating.migrateBefore();
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
    await migrating.migrateAll();

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
