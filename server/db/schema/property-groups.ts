import { boolean, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Property groups per object type (HubSpot's PropertyGroup): HubSpot's own (`hubspot_defined`,
 * seeded with the standard properties), a custom type's `<name>_information`, and the ones a
 * workspace makes. Archived groups stay as rows; their names are not given out again.
 */
export const propertyGroups = pgTable(
  'property_groups',
  {
    workspaceId: uuid('workspace_id').notNull(),
    typeId: text('type_id').notNull(),
    name: text('name').notNull(),
    label: text('label').notNull(),
    displayOrder: integer('display_order').notNull().default(-1),
    hubspotDefined: boolean('hubspot_defined').notNull().default(false),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.typeId, t.name] })],
);

export type PropertyGroupRow = typeof propertyGroups.$inferSelect;
