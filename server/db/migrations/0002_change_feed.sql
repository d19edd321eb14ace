CREATE SEQUENCE "public"."change_seqs" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."change_tx_keys" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "change_commits" (
	"workspace_id" uuid NOT NULL,
	"tx_key" bigint NOT NULL,
	"seq" bigint,
	"committed_at" timestamp with time zone,
	CONSTRAINT "change_commits_workspace_id_tx_key_pk" PRIMARY KEY("workspace_id","tx_key")
);
--> statement-breakpoint
CREATE TABLE "record_changes" (
	"workspace_id" uuid NOT NULL,
	"id" bigint DEFAULT nextval('history_ids') NOT NULL,
	"tx_key" bigint DEFAULT coalesce(nullif(current_setting('crm.change_tx', true), '')::bigint, set_config('crm.change_tx', nextval('change_tx_keys')::text, true)::bigint) NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"action" text NOT NULL,
	"object_type" text NOT NULL,
	"object_id" bigint NOT NULL,
	"properties" jsonb,
	"merged_into" bigint,
	CONSTRAINT "record_changes_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "association_history" ADD COLUMN "tx_key" bigint DEFAULT coalesce(nullif(current_setting('crm.change_tx', true), '')::bigint, set_config('crm.change_tx', nextval('change_tx_keys')::text, true)::bigint) NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "change_commits_seq" ON "change_commits" USING btree ("workspace_id","seq");--> statement-breakpoint
CREATE INDEX "record_changes_tx" ON "record_changes" USING btree ("workspace_id","tx_key","id");--> statement-breakpoint
CREATE INDEX "association_history_tx" ON "association_history" USING btree ("workspace_id","tx_key","id");