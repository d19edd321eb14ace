import { customType, integer, pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/**
 * The uploaded file of an import, in pieces of at most 1 MiB: it is kept in the database (not on a
 * local disk) so any server process can resume the job, and read back piece by piece (streamed).
 */
export const importChunks = pgTable(
  'import_chunks',
  {
    workspaceId: uuid('workspace_id').notNull(),
    importId: uuid('import_id').notNull(),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
    /** When the piece was written: an upload whose newest piece is old and has no job was cut off (server/domain/imports/retention.ts). */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.importId, t.seq] })],
);
