CREATE SEQUENCE "public"."pipeline_ids" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1001 CACHE 1;--> statement-breakpoint
CREATE TABLE "pipelines" (
	"workspace_id" uuid NOT NULL,
	"object_type" text NOT NULL,
	"pipeline_id" text NOT NULL,
	"label" text NOT NULL,
	"display_order" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "pipelines_workspace_id_object_type_pipeline_id_pk" PRIMARY KEY("workspace_id","object_type","pipeline_id")
);
--> statement-breakpoint
CREATE TABLE "pipeline_stages" (
	"workspace_id" uuid NOT NULL,
	"object_type" text NOT NULL,
	"stage_id" text NOT NULL,
	"pipeline_id" text NOT NULL,
	"label" text NOT NULL,
	"display_order" integer NOT NULL,
	"probability" text,
	"closed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "pipeline_stages_workspace_id_object_type_stage_id_pk" PRIMARY KEY("workspace_id","object_type","stage_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "pipelines_label" ON "pipelines" USING btree ("workspace_id","object_type",lower("label")) WHERE "pipelines"."archived_at" is null;--> statement-breakpoint
CREATE INDEX "pipeline_stages_pipeline" ON "pipeline_stages" USING btree ("workspace_id","object_type","pipeline_id");--> statement-breakpoint
-- Every workspace has HubSpot's default deal and ticket pipelines: new workspaces get them from
-- server/domain/pipelines.ts (DEFAULT_PIPELINES), the existing ones here, with the values that
-- list had when this migration was written. Time 0 is what HubSpot stamps its defaults with.
INSERT INTO "pipelines" ("workspace_id", "object_type", "pipeline_id", "label", "display_order", "created_at", "updated_at")
SELECT w.workspace_id, p.object_type, p.pipeline_id, p.label, 0, to_timestamp(0), to_timestamp(0)
FROM "workspaces" w
CROSS JOIN (VALUES ('0-3', 'default', 'Sales Pipeline'), ('0-5', '0', 'Support Pipeline')) AS p (object_type, pipeline_id, label);
--> statement-breakpoint
INSERT INTO "pipeline_stages" ("workspace_id", "object_type", "stage_id", "pipeline_id", "label", "display_order", "probability", "closed", "created_at", "updated_at")
SELECT w.workspace_id, s.object_type, s.stage_id, s.pipeline_id, s.label, s.display_order, s.probability, s.closed, to_timestamp(0), to_timestamp(0)
FROM "workspaces" w
CROSS JOIN (VALUES
  ('0-3', 'appointmentscheduled', 'default', 'Appointment Scheduled', 0, '0.2', false),
  ('0-3', 'qualifiedtobuy', 'default', 'Qualified To Buy', 1, '0.4', false),
  ('0-3', 'presentationscheduled', 'default', 'Presentation Scheduled', 2, '0.6', false),
  ('0-3', 'decisionmakerboughtin', 'default', 'Decision Maker Bought-In', 3, '0.8', false),
  ('0-3', 'contractsent', 'default', 'Contract Sent', 4, '0.9', false),
  ('0-3', 'closedwon', 'default', 'Closed Won', 5, '1.0', true),
  ('0-3', 'closedlost', 'default', 'Closed Lost', 6, '0.0', true),
  ('0-5', '1', '0', 'New', 0, NULL, false),
  ('0-5', '2', '0', 'Waiting on contact', 1, NULL, false),
  ('0-5', '3', '0', 'Waiting on us', 2, NULL, false),
  ('0-5', '4', '0', 'Closed', 3, NULL, true)
) AS s (object_type, stage_id, pipeline_id, label, display_order, probability, closed);
