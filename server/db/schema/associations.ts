import { bigint, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The association graph. Every association is stored once per direction and per type
 * (unlabeled, primary, each label), and both directions are always written together (R2).
 */
export const associations = pgTable(
  'associations',
  {
    workspaceId: uuid('workspace_id').notNull(),
    fromId: bigint('from_id', { mode: 'number' }).notNull(),
    toType: text('to_type').notNull(),
    toId: bigint('to_id', { mode: 'number' }).notNull(),
    typeId: integer('type_id').notNull(),
    fromType: text('from_type').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.fromId, t.toType, t.toId, t.typeId] })],
);
