CREATE SEQUENCE "public"."import_numbers" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "number" bigint DEFAULT nextval('import_numbers') NOT NULL;--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "request" jsonb;--> statement-breakpoint
ALTER TABLE "import_jobs" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "import_errors" ADD COLUMN "created_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "import_jobs_number" ON "import_jobs" USING btree ("workspace_id","number");--> statement-breakpoint
UPDATE "import_jobs" SET "updated_at" = coalesce("undone_at", "finished_at", "created_at");
