ALTER TABLE "import_records" ADD COLUMN "before" jsonb;--> statement-breakpoint
ALTER TABLE "import_records" ADD COLUMN "after" jsonb;