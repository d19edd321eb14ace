import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** One option of an enumeration property (HubSpot's Option). */
export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

/**
 * The properties of every object type of a workspace (HubSpot's CRM v3 properties): HubSpot's
 * standard ones (server/domain/properties/standard.ts, `hubspot_defined`) seeded into every
 * workspace, and the ones a workspace defines, including all the properties of its custom object
 * types. Archived properties stay as rows (`archived_at`); their names are not given out again.
 */
export const propertyDefinitions = pgTable(
  'property_definitions',
  {
    workspaceId: uuid('workspace_id').notNull(),
    /** `0-1`, `0-2`, ... or a custom type's `2-<n>`. */
    typeId: text('type_id').notNull(),
    name: text('name').notNull(),
    label: text('label').notNull(),
    /** string, number, date, datetime, enumeration, bool, phone_number */
    type: text('type').notNull(),
    fieldType: text('field_type').notNull(),
    groupName: text('group_name').notNull(),
    description: text('description').notNull().default(''),
    options: jsonb('options').$type<PropertyOption[]>().notNull().default([]),
    displayOrder: integer('display_order').notNull().default(-1),
    hasUniqueValue: boolean('has_unique_value').notNull().default(false),
    hidden: boolean('hidden').notNull().default(false),
    formField: boolean('form_field').notNull().default(false),
    /** Set by the server, never by a write (HubSpot's calculated / readOnlyValue). */
    calculated: boolean('calculated').notNull().default(false),
    /** Options come from elsewhere (owners, pipelines): not checked against `options`. */
    externalOptions: boolean('external_options').notNull().default(false),
    referencedObjectType: text('referenced_object_type'),
    /** HubSpot's standard property: its definition is read-only and it cannot be archived. */
    hubspotDefined: boolean('hubspot_defined').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.typeId, t.name] })],
);

export type PropertyDefinitionRow = typeof propertyDefinitions.$inferSelect;
