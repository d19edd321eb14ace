import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { currentTxKey } from './change-commits.ts';

/**
 * Every change to an association, one row per direction, written in the same transaction as the
 * change itself (R20, R21). Append-only.
 */
export const associationHistory = pgTable(
  'association_history',
  {
    workspaceId: uuid('workspace_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().default(sql`nextval('history_ids')`),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    action: text('action', {
      enum: ['CREATED', 'DELETED', 'LABEL_ADDED', 'LABEL_REMOVED', 'PRIMARY_SET', 'PRIMARY_UNSET'],
    }).notNull(),
    source: text('source', {
      enum: ['USER', 'OBJECT_DELETION', 'OBJECT_MERGE', 'OBJECT_RESTORE', 'IMPORT', 'AUTO_DOMAIN', 'API', 'JOB', 'MIGRATION', 'UNKNOWN'],
    }).notNull(),
    sourceUserId: bigint('source_user_id', { mode: 'number' }),
    sourceUserName: text('source_user_name'),
    sourceId: text('source_id'),
    fromType: text('from_type').notNull(),
    fromId: bigint('from_id', { mode: 'number' }).notNull(),
    toType: text('to_type').notNull(),
    toId: bigint('to_id', { mode: 'number' }).notNull(),
    toName: text('to_name'),
    /** The association type this change is about, seen from `from`. */
    typeId: integer('type_id').notNull(),
    label: text('label'),
    detail: text('detail'),
    /** The writing transaction: its commit position is in change_commits (B2, B3). */
    txKey: bigint('tx_key', { mode: 'number' }).notNull().default(currentTxKey),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index('association_history_record').on(t.workspaceId, t.fromId, t.id),
    index('association_history_tx').on(t.workspaceId, t.txKey, t.id),
  ],
);
