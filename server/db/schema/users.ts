import { sql } from 'drizzle-orm';
import { bigint, boolean, pgTable, primaryKey, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    workspaceId: uuid('workspace_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().default(sql`nextval('principal_ids')`),
    name: text('name').notNull(),
    email: text('email').notNull(),
    role: text('role', { enum: ['admin', 'rep'] }).notNull(),
    /** The instance owner may create workspaces. */
    instanceOwner: boolean('instance_owner').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** A deactivated user's tokens are refused until an admin activates the user again. */
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    /**
     * A removed user is kept as a row (history entries name them by id and keep their name) but
     * their tokens are revoked and they are no longer listed or counted.
     */
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex('users_email').on(t.workspaceId, sql`lower(${t.email})`),
  ],
);
