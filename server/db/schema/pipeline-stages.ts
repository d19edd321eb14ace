import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The stages of the pipelines in pipelines.ts. A stage id is unique within its object type, not
 * only within its pipeline: a deal's `dealstage` (a ticket's `hs_pipeline_stage`) holds the stage
 * id alone, as in HubSpot, so the id must say which stage it is. `closed` is the one flag that
 * makes a deal or ticket in this stage closed (HubSpot's `isClosed` / `ticketState: CLOSED`);
 * `probability` is the deal stage's win probability as HubSpot writes it (`0.2`, `1.0`), null for
 * tickets.
 */
export const pipelineStages = pgTable(
  'pipeline_stages',
  {
    workspaceId: uuid('workspace_id').notNull(),
    objectType: text('object_type').notNull(),
    stageId: text('stage_id').notNull(),
    pipelineId: text('pipeline_id').notNull(),
    label: text('label').notNull(),
    displayOrder: integer('display_order').notNull(),
    probability: text('probability'),
    closed: boolean('closed').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.objectType, t.stageId] }),
    // Labels are unique among a pipeline's live stages (HubSpot's rule), checked under the
    // pipeline's row lock rather than by a unique index: replacing a pipeline may swap two
    // stages' labels, which a unique index refuses row by row.
    index('pipeline_stages_pipeline').on(t.workspaceId, t.objectType, t.pipelineId),
  ],
);
