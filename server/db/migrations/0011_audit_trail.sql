CREATE TABLE "audit_log" (
	"workspace_id" uuid NOT NULL,
	"id" bigint DEFAULT nextval('history_ids') NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"action" text NOT NULL,
	"actor_kind" text,
	"actor_id" bigint,
	"actor_name" text,
	"target_type" text NOT NULL,
	"target_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "audit_log_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "record_changes" ADD COLUMN "actor_kind" text;--> statement-breakpoint
ALTER TABLE "record_changes" ADD COLUMN "actor_id" bigint;--> statement-breakpoint
ALTER TABLE "record_changes" ADD COLUMN "actor_name" text;--> statement-breakpoint
CREATE INDEX "audit_log_actor" ON "audit_log" USING btree ("workspace_id","actor_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_target" ON "audit_log" USING btree ("workspace_id","target_type","target_id","id");