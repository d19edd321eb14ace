import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, primaryKey, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Bearer tokens, stored as keyed hashes (server/domain/tokens.ts: HMAC with the server secret). A
 * user token acts as that user; an app token as source API, within its `scopes`.
 */
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
    /** App tokens: the HubSpot-style scopes granted at creation (server/permissions.ts). */
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    /** Updated at most once a minute per token per process, so that using a token stays a read. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex('api_tokens_hash').on(t.tokenHash), index('api_tokens_revoked').on(t.revokedAt)],
);
