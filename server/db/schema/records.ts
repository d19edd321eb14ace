import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';

/** Properties of standard objects that index pages commonly sort by: each has an index serving its sort. */
export const SORTED_PROPERTIES = [
  ['0-1', 'lastname'],
  ['0-1', 'firstname'],
  ['0-1', 'email'],
  ['0-2', 'name'],
  ['0-2', 'domain'],
  ['0-3', 'dealname'],
  ['0-5', 'subject'],
] as const;

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
    // a logged email by its message id (one per message in a workspace, B8: the logging's check and the sidebar's "Logged")
    index('records_email_message_id')
      .on(t.workspaceId, sql`(${t.properties}->>'hs_email_message_id')`)
      .where(sql`${t.typeId} = '0-49'`),
    // the records merged into one (property history and erasure follow merges); only merged ones are indexed
    index('records_merged_into').on(t.workspaceId, t.mergedInto).where(sql`${t.mergedInto} is not null`),
    index('records_company_domain')
      .on(t.workspaceId, sql`lower(${t.properties}->>'domain')`)
      .where(sql`${t.typeId} = '0-2'`),
    // recommendations: colleagues by email domain, and name search (server/domain/recommendations/sql.ts
    // writes the same expressions; the planner only uses these indexes when they match exactly)
    index('records_contact_email_domain')
      .on(t.workspaceId, sql`lower(split_part(${t.properties}->>'email', '@', 2))`)
      .where(sql`${t.typeId} = '0-1'`),
    ...(['0-1', '0-2', '0-3', '0-5'] as const).map((type) =>
      index(`records_name_${type.replace('-', '_')}`)
        .using('gin', sql.raw(
          "to_tsvector('simple'::regconfig, coalesce(properties->>'firstname', '') || ' ' || coalesce(properties->>'lastname', '') || ' ' || coalesce(properties->>'name', '') || ' ' || coalesce(properties->>'dealname', '') || ' ' || coalesce(properties->>'subject', '') || ' ' || coalesce(properties->>'email', '') || ' ' || coalesce(properties->>'domain', ''))",
        ))
        .where(sql`${t.typeId} = ${sql.raw(`'${type}'`)}`),
    ),
    // index pages (R19): a sort by one of these properties reads a range of one of these in order,
    // for the first page and the deepest (server/domain/index-page.ts keysetParts writes the same
    // expression, `properties->>'name'`); other properties sort without an index
    ...SORTED_PROPERTIES.map(([type, property]) =>
      index(`records_sort_${type.replace('-', '_')}_${property}`)
        .on(t.workspaceId, sql.raw(`(properties->>'${property}')`), t.id)
        .where(sql`${t.typeId} = ${sql.raw(`'${type}'`)} and ${t.archivedAt} is null and ${t.mergedInto} is null`),
    ),
  ],
);
