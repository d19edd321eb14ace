import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Admin actions of a workspace (users, tokens, plan, settings, schemas, labels, limits), one row
 * each, written in the same transaction as the action (server/domain/audit.ts `recordAudit`).
 * Append-only. The actor's name is stored with the entry, so it stays readable after the user or
 * token is gone. Ids come from `history_ids`, like record_changes, so the audit read can merge
 * both tables in one id order (GET /api/audit).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    workspaceId: uuid('workspace_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().default(sql`nextval('history_ids')`),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    action: text('action').notNull(),
    actorKind: text('actor_kind', { enum: ['user', 'app'] }),
    actorId: bigint('actor_id', { mode: 'number' }),
    actorName: text('actor_name'),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index('audit_log_actor').on(t.workspaceId, t.actorId, t.id),
    index('audit_log_target').on(t.workspaceId, t.targetType, t.targetId, t.id),
  ],
);
