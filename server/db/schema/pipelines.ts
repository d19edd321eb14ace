import { sql } from 'drizzle-orm';
import { integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Deal and ticket pipelines of a workspace (HubSpot's CRM v3 pipelines). Every workspace starts
 * with HubSpot's default pipeline of each type (server/domain/pipelines.ts `DEFAULT_PIPELINES`),
 * stamped with time 0 as HubSpot stamps its defaults. Archived pipelines stay as rows: a PATCH
 * with `archived: false` brings one back, and their ids are never given out again.
 */
export const pipelines = pgTable(
  'pipelines',
  {
    workspaceId: uuid('workspace_id').notNull(),
    /** `0-3` (deals) or `0-5` (tickets). */
    objectType: text('object_type').notNull(),
    pipelineId: text('pipeline_id').notNull(),
    label: text('label').notNull(),
    displayOrder: integer('display_order').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.objectType, t.pipelineId] }),
    // HubSpot: a pipeline's label is unique among the live pipelines of its object type
    uniqueIndex('pipelines_label').on(t.workspaceId, t.objectType, sql`lower(${t.label})`).where(sql`${t.archivedAt} is null`),
  ],
);
