import { bigint, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

/**
 * The records an import created or updated, with the content hash of the last row that wrote each:
 * undo archives the created ones, and a later row with the same content is DUPLICATE_ROW_CONTENT.
 * For a record that existed before, `before` holds its properties as the import found them and
 * `after` as the import's last row left them: undo puts back what nobody has changed since.
 */
export const importRecords = pgTable(
  'import_records',
  {
    workspaceId: uuid('workspace_id').notNull(),
    importId: uuid('import_id').notNull(),
    recordId: bigint('record_id', { mode: 'number' }).notNull(),
    action: text('action', { enum: ['CREATED', 'UPDATED'] }).notNull(),
    row: integer('row').notNull(),
    rowHash: text('row_hash').notNull(),
    before: jsonb('before').$type<Record<string, string | null>>(),
    after: jsonb('after').$type<Record<string, string | null>>(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.importId, t.recordId] })],
);
