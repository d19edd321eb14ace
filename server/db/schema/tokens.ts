import { sql } from 'drizzle-orm';
import { bigint, pgTable, primaryKey, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';

/** Bearer tokens, stored as SHA-256 hashes. A user token acts as that user; an app token as source API. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    workspaceId: uuid('workspace_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().default(sql`nextval('principal_ids')`),
    kind: text('kind', { enum: ['user', 'app'] }).notNull(),
    userId: bigint('user_id', { mode: 'number' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex('api_tokens_hash').on(t.tokenHash)],
);
