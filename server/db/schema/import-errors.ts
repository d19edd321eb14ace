import { bigint, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Every row an import refused, with the column and code, written with the batch it belongs to. */
export const importErrors = pgTable(
  'import_errors',
  {
    workspaceId: uuid('workspace_id').notNull(),
    importId: uuid('import_id').notNull(),
    /** Position of the error in the job: row * 1000 + n, so errors read back in file order. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    row: integer('row').notNull(),
    column: text('column'),
    code: text('code').notNull(),
    message: text('message').notNull(),
    /** When the error was recorded (with its batch). */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.importId, t.seq] })],
);
