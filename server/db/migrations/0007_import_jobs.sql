CREATE TABLE "import_jobs" (
	"workspace_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"file_name" text,
	"file_bytes" bigint DEFAULT 0 NOT NULL,
	"rows_total" integer DEFAULT 0 NOT NULL,
	"rows_done" integer DEFAULT 0 NOT NULL,
	"cursor" bigint DEFAULT 0 NOT NULL,
	"created" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"associations" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"started_by" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"failure" text,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"undone_at" timestamp with time zone,
	CONSTRAINT "import_jobs_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "import_chunks" (
	"workspace_id" uuid NOT NULL,
	"import_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "import_chunks_workspace_id_import_id_seq_pk" PRIMARY KEY("workspace_id","import_id","seq")
);
--> statement-breakpoint
CREATE TABLE "import_records" (
	"workspace_id" uuid NOT NULL,
	"import_id" uuid NOT NULL,
	"record_id" bigint NOT NULL,
	"action" text NOT NULL,
	"row" integer NOT NULL,
	"row_hash" text NOT NULL,
	CONSTRAINT "import_records_workspace_id_import_id_record_id_pk" PRIMARY KEY("workspace_id","import_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "import_errors" (
	"workspace_id" uuid NOT NULL,
	"import_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"row" integer NOT NULL,
	"column" text,
	"code" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "import_errors_workspace_id_import_id_seq_pk" PRIMARY KEY("workspace_id","import_id","seq")
);
--> statement-breakpoint
CREATE INDEX "import_jobs_state" ON "import_jobs" USING btree ("state","created_at");