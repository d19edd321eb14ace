import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';

/** Records of every object type, standard and custom. Properties are HubSpot-style string values. */
export const records = pgTable(
  'records',
  {
    workspaceId: uuid('workspace_id').notNull(),
    id: bigint('id', { mode: 'number' }).notNull().default(sql`nextval('record_ids')`),
    typeId: text('type_id').notNull(),
    properties: jsonb('properties').$type<Record<string, string | null>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    /** Set when this record was merged into another one: its id resolves to the survivor. */
    mergedInto: bigint('merged_into', { mode: 'number' }),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index('records_type').on(t.workspaceId, t.typeId, t.id),
    uniqueIndex('records_contact_email')
      .on(t.workspaceId, sql`lower(${t.properties}->>'email')`)
      .where(sql`${t.typeId} = '0-1' and ${t.archivedAt} is null and ${t.mergedInto} is null and ${t.properties}->>'email' is not null`),
    index('records_company_domain')
      .on(t.workspaceId, sql`lower(${t.properties}->>'domain')`)
      .where(sql`${t.typeId} = '0-2'`),
  ],
);
