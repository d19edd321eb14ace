import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Association types a workspace defined: labels (single or paired) and the unlabeled type of
 * pairs that involve a custom object. HubSpot's own types live in shared/association-types.ts.
 */
export const associationTypes = pgTable(
  'association_types',
  {
    workspaceId: uuid('workspace_id').notNull(),
    typeId: integer('type_id').notNull(),
    fromType: text('from_type').notNull(),
    toType: text('to_type').notNull(),
    category: text('category', { enum: ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'] }).notNull(),
    label: text('label'),
    name: text('name'),
    inverseTypeId: integer('inverse_type_id').notNull(),
    primaryStyle: boolean('primary_style').notNull().default(false),
    createdBy: bigint('created_by', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.typeId] }),
    index('association_types_pair').on(t.workspaceId, t.fromType, t.toType),
    // one unlabeled type per direction, and label names unique per direction (case-insensitive)
    uniqueIndex('association_types_label').on(t.workspaceId, t.fromType, t.toType, sql`lower(coalesce(${t.label}, ''))`),
  ],
);

/** Per-record association limits an admin set, per direction and type (pair limit = unlabeled type). */
export const associationLimits = pgTable(
  'association_limits',
  {
    workspaceId: uuid('workspace_id').notNull(),
    fromType: text('from_type').notNull(),
    toType: text('to_type').notNull(),
    typeId: integer('type_id').notNull(),
    maxToObjectIds: integer('max_to_object_ids').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.fromType, t.toType, t.typeId] })],
);
