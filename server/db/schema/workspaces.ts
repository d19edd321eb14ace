import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A tenant. Every other table's key starts with its id. */
export const workspaces = pgTable('workspaces', {
  workspaceId: uuid('workspace_id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  plan: text('plan', { enum: ['starter', 'professional', 'enterprise'] }).notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
