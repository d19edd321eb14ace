import { jsonb, pgTable, primaryKey, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';

/** A property of a custom type as its schema shows it; stored in property_definitions (property-definitions.ts). */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool' | 'phone_number';
  fieldType?: string;
  options?: Array<{ label: string; value: string }>;
  /** HubSpot's hasUniqueValue: the property can identify a record (idProperty of reads and upserts). */
  hasUniqueValue?: boolean;
}

export interface ObjectSchemaDefinition {
  labels: { singular: string; plural: string };
  properties: PropertyDefinition[];
  requiredProperties: string[];
  searchableProperties: string[];
  primaryDisplayProperty: string;
  secondaryDisplayProperties: string[];
  description?: string;
}

/** What object_schemas stores: the definition without its properties, which live in property_definitions. */
export type StoredSchemaDefinition = Omit<ObjectSchemaDefinition, 'properties'>;

/** Custom object types: a definition row per type, never a table per tenant. */
export const objectSchemas = pgTable(
  'object_schemas',
  {
    workspaceId: uuid('workspace_id').notNull(),
    typeId: text('type_id').notNull(),
    name: text('name').notNull(),
    definition: jsonb('definition').$type<StoredSchemaDefinition>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.typeId] }), uniqueIndex('object_schemas_name').on(t.workspaceId, t.name)],
);
