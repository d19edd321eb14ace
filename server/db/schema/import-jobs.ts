import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** What an import job was told to do, fixed when it is created. */
export interface ImportJobOptions {
  /** Type id of the file's main object (`0-1`). */
  objectType: string;
  mode: 'create' | 'update' | 'create_and_update';
  /** Column number (0-based) → target (`0-1.email`, `assoc.0-2.domain`, `label`), as resolved at upload. */
  columns: Array<string | null>;
  /** The header as it was in the file, for error reports. */
  header: string[];
  delimiter: ',' | ';';
  /** How the file writes dates (HubSpot's `dateFormat`): values of date properties become ISO 8601. Absent: kept as written. */
  dateFormat?: 'MONTH_DAY_YEAR' | 'DAY_MONTH_YEAR' | 'YEAR_MONTH_DAY';
}

/**
 * Background jobs of a workspace: CSV imports (R16, R17) and the pass of automatic association by
 * domain over existing contacts (R18). A job's progress (`rows_done`, `cursor`) is written in the
 * same transaction as the work it counts, so a job resumed after a restart neither repeats nor
 * skips anything. A runner holds a job while `lease_until` is in the future.
 */
export const importJobs = pgTable(
  'import_jobs',
  {
    workspaceId: uuid('workspace_id').notNull(),
    id: uuid('id').notNull().defaultRandom(),
    /** The import's number: its id in HubSpot's imports API (`/crm/v3/imports/{importId}` is an integer). */
    number: bigint('number', { mode: 'number' }).notNull().default(sql`nextval('import_numbers')`),
    /** The name given by HubSpot's imports API (`importRequest.name`), or null. */
    name: text('name'),
    /** The `importRequest` JSON of an import started through HubSpot's imports API, as sent; null for others. */
    request: jsonb('request').$type<Record<string, unknown>>(),
    kind: text('kind', { enum: ['import', 'auto_domain'] }).notNull(),
    state: text('state', { enum: ['queued', 'running', 'done', 'failed', 'undone'] }).notNull().default('queued'),
    options: jsonb('options').$type<ImportJobOptions | Record<string, never>>().notNull().default({}),
    fileName: text('file_name'),
    fileBytes: bigint('file_bytes', { mode: 'number' }).notNull().default(0),
    rowsTotal: integer('rows_total').notNull().default(0),
    rowsDone: integer('rows_done').notNull().default(0),
    /** Auto-domain jobs: the last contact id done. */
    cursor: bigint('cursor', { mode: 'number' }).notNull().default(0),
    created: jsonb('created').$type<Record<string, number>>().notNull().default({}),
    updated: jsonb('updated').$type<Record<string, number>>().notNull().default({}),
    associations: integer('associations').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    /** Who started it: `{source, userId?, userName?}` (history of an import is recorded with source IMPORT). */
    startedBy: jsonb('started_by').$type<Record<string, unknown>>().notNull().default({}),
    failure: text('failure'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
    /** The last change of the job's row (state, progress). */
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('import_jobs_state').on(t.state, t.createdAt), uniqueIndex('import_jobs_number').on(t.workspaceId, t.number)],
);
