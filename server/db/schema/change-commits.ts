import { sql } from 'drizzle-orm';
import { bigint, pgTable, primaryKey, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * The key of the writing transaction, as a column default: drawn from `change_tx_keys` by the
 * first row a transaction writes to an event table, then kept in a transaction-local setting so
 * every later row of the same transaction gets the same key. A sequence, not the xid: xids
 * start again after a dump and restore, sequence values do not.
 */
export const currentTxKey = sql`coalesce(nullif(current_setting('crm.change_tx', true), '')::bigint, set_config('crm.change_tx', nextval('change_tx_keys')::text, true)::bigint)`;

/**
 * The change feed's order (B2): one row per transaction that wrote events (association history,
 * record changes), with its position `seq` among the workspace's commits.
 *
 * Ids drawn from a sequence while a transaction runs are not commit order: a later id can commit
 * first, and a reader that moved past it would skip the earlier one. So the order is fixed at
 * commit, by triggers (migration 0003_change_feed_triggers):
 *  - after each insert into association_history or record_changes, the transaction's row here is
 *    created (seq still null);
 *  - a deferred constraint trigger, which runs when the transaction commits, takes the
 *    workspace's change lock in shared mode (writers never wait for each other) and draws `seq`
 *    from `change_seqs`, so two transactions that touch the same records get seqs in the order
 *    they commit (the second waits for the first's row locks, which are held until its commit);
 *  - a reader (change_feed_watermark) takes that lock exclusively for an instant: every seq drawn
 *    until then belongs to a finished transaction, so the last value of `change_seqs` at that
 *    moment is a watermark below which nothing can still appear.
 * All of it is in the database, so every writer (associations, labels, archive, restore, merge)
 * is in the feed without calling anything.
 */
export const changeCommits = pgTable(
  'change_commits',
  {
    workspaceId: uuid('workspace_id').notNull(),
    txKey: bigint('tx_key', { mode: 'number' }).notNull(),
    /** Set when the transaction commits. */
    seq: bigint('seq', { mode: 'number' }),
    /** When it committed (null for rows written before the change feed existed). */
    committedAt: timestamp('committed_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.txKey] }), uniqueIndex('change_commits_seq').on(t.workspaceId, t.seq)],
);
