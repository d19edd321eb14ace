CREATE SEQUENCE "public"."association_type_ids" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 100001 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."history_ids" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."object_type_numbers" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1001 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."principal_ids" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."record_ids" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1001 CACHE 1;--> statement-breakpoint
CREATE TABLE "workspaces" (
	"workspace_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"plan" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"workspace_id" uuid NOT NULL,
	"id" bigint DEFAULT nextval('principal_ids') NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"instance_owner" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"workspace_id" uuid NOT NULL,
	"id" bigint DEFAULT nextval('principal_ids') NOT NULL,
	"kind" text NOT NULL,
	"user_id" bigint,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "object_schemas" (
	"workspace_id" uuid NOT NULL,
	"type_id" text NOT NULL,
	"name" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "object_schemas_workspace_id_type_id_pk" PRIMARY KEY("workspace_id","type_id")
);
--> statement-breakpoint
CREATE TABLE "records" (
	"workspace_id" uuid NOT NULL,
	"id" bigint DEFAULT nextval('record_ids') NOT NULL,
	"type_id" text NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	"merged_into" bigint,
	CONSTRAINT "records_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "association_limits" (
	"workspace_id" uuid NOT NULL,
	"from_type" text NOT NULL,
	"to_type" text NOT NULL,
	"type_id" integer NOT NULL,
	"max_to_object_ids" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "association_limits_workspace_id_from_type_to_type_type_id_pk" PRIMARY KEY("workspace_id","from_type","to_type","type_id")
);
--> statement-breakpoint
CREATE TABLE "association_types" (
	"workspace_id" uuid NOT NULL,
	"type_id" integer NOT NULL,
	"from_type" text NOT NULL,
	"to_type" text NOT NULL,
	"category" text NOT NULL,
	"label" text,
	"name" text,
	"inverse_type_id" integer NOT NULL,
	"primary_style" boolean DEFAULT false NOT NULL,
	"created_by" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "association_types_workspace_id_type_id_pk" PRIMARY KEY("workspace_id","type_id")
);
--> statement-breakpoint
CREATE TABLE "associations" (
	"workspace_id" uuid NOT NULL,
	"from_id" bigint NOT NULL,
	"to_type" text NOT NULL,
	"to_id" bigint NOT NULL,
	"type_id" integer NOT NULL,
	"from_type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "associations_workspace_id_from_id_to_type_to_id_type_id_pk" PRIMARY KEY("workspace_id","from_id","to_type","to_id","type_id")
);
--> statement-breakpoint
CREATE TABLE "association_history" (
	"workspace_id" uuid NOT NULL,
	"id" bigint DEFAULT nextval('history_ids') NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"action" text NOT NULL,
	"source" text NOT NULL,
	"source_user_id" bigint,
	"source_user_name" text,
	"source_id" text,
	"from_type" text NOT NULL,
	"from_id" bigint NOT NULL,
	"to_type" text NOT NULL,
	"to_id" bigint NOT NULL,
	"to_name" text,
	"type_id" integer NOT NULL,
	"label" text,
	"detail" text,
	CONSTRAINT "association_history_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "users_email" ON "users" USING btree ("workspace_id",lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "object_schemas_name" ON "object_schemas" USING btree ("workspace_id","name");--> statement-breakpoint
CREATE INDEX "records_type" ON "records" USING btree ("workspace_id","type_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "records_contact_email" ON "records" USING btree ("workspace_id",lower("properties"->>'email')) WHERE "records"."type_id" = '0-1' and "records"."archived_at" is null and "records"."merged_into" is null and "records"."properties"->>'email' is not null;--> statement-breakpoint
CREATE INDEX "records_company_domain" ON "records" USING btree ("workspace_id",lower("properties"->>'domain')) WHERE "records"."type_id" = '0-2';--> statement-breakpoint
CREATE INDEX "association_types_pair" ON "association_types" USING btree ("workspace_id","from_type","to_type");--> statement-breakpoint
CREATE UNIQUE INDEX "association_types_label" ON "association_types" USING btree ("workspace_id","from_type","to_type",lower(coalesce("label", '')));--> statement-breakpoint
CREATE INDEX "association_history_record" ON "association_history" USING btree ("workspace_id","from_id","id");