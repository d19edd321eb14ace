import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { currentTxKey } from './change-commits.ts';

/**
 * What happened to records, for the change feed (B2): one row per record per change, with its
 * properties as they were after the change (created, updated, restored). Written in the same
 * transaction as the change (server/domain/history/changes.ts `recordChanged`). Append-only.
 * Ids come from `history_ids`, so within one transaction record and association events keep the
 * order they were written in.
 */
export const recordChanges = pgTable(
  'record_changes',
  {
    workspaceId: uuid('workspace_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().default(sql`nextval('history_ids')`),
    txKey: bigint('tx_key', { mode: 'number' }).notNull().default(currentTxKey),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    action: text('action', { enum: ['CREATED', 'UPDATED', 'ARCHIVED', 'RESTORED', 'MERGED'] }).notNull(),
    objectType: text('object_type').notNull(),
    objectId: bigint('object_id', { mode: 'number' }).notNull(),
    properties: jsonb('properties').$type<Record<string, string | null>>(),
    mergedInto: bigint('merged_into', { mode: 'number' }),
    /** Who changed it when it was not the caller's own write: JOB for rule-based updates (R11). */
    source: text('source', { enum: ['JOB', 'OBJECT_MERGE', 'OBJECT_RESTORE', 'IMPORT', 'MIGRATION'] }),
    /**
     * Who asked for it (user or app token), with the name they had then, so the entry keeps it
     * after the user or token is removed. Null for changes written before actors were recorded,
     * and for writes with no caller (command-line tools).
     */
    actorKind: text('actor_kind', { enum: ['user', 'app'] }),
    actorId: bigint('actor_id', { mode: 'number' }),
    actorName: text('actor_name'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index('record_changes_tx').on(t.workspaceId, t.txKey, t.id),
    // one record's changes in order: property history reads (propertiesWithHistory) and erasure
    index('record_changes_object').on(t.workspaceId, t.objectId, t.id),
  ],
);
