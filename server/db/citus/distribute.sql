-- Tenant sharding on Citus (issue 17; docs/sharding.md). NOT one of the ordinary migrations: it
-- runs only through `crm distribute`, once, on a Citus coordinator where the ordinary migrations
-- have been applied (the server, or `crm migrate`, applies them). It refuses to run where the
-- Citus extension is missing. Untested here: Citus cannot be installed on the machines this
-- project is built on (docs/sharding.md says what is and is not proven).
--
-- Every table named below is checked against the schema by test/citus-distribute.test.ts: a new
-- table that is neither distributed nor a reference table fails that test.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RAISE EXCEPTION 'the Citus extension is not installed in this database: CREATE EXTENSION citus first (this migration path is for Citus only)';
  END IF;
END $$;
--> statement-breakpoint
-- The change-feed triggers insert into change_commits from a shard of association_history or
-- record_changes; the rows they write have the same workspace_id, so they land on the co-located
-- shard of the same node. Citus runs triggers on distributed tables only when told that is safe.
SET citus.enable_unsafe_triggers TO on;
--> statement-breakpoint
-- Reference data: a copy on every node. A request's token is looked up by its hash before its
-- workspace is known, joined with its user and workspace.
SELECT create_reference_table('workspaces');
--> statement-breakpoint
SELECT create_reference_table('users');
--> statement-breakpoint
SELECT create_reference_table('api_tokens');
--> statement-breakpoint
-- Workspace data: sharded by workspace_id, every table co-located with records, so all rows of
-- one workspace live on one node and every statement of a request runs there.
SELECT create_distributed_table('records', 'workspace_id');
--> statement-breakpoint
SELECT create_distributed_table('associations', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('association_types', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('association_limits', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('association_history', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('change_commits', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('record_changes', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('object_schemas', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('import_jobs', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('import_chunks', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('import_records', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('import_errors', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_table('idempotency_keys', 'workspace_id', colocate_with => 'records');
--> statement-breakpoint
-- The functions the server calls with a workspace as first argument run on the node that holds
-- that workspace's shards (delegated whole, one round trip), as the statements inside them
-- filter by that argument.
SELECT create_distributed_function('change_feed_watermark(uuid)', 'ws', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_function('crm_lock_pair_state(uuid, bigint, text, bigint, text, int[], int[], int[], int[])', 'p_ws', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_function('crm_write_edges(uuid, json, json, json, text, bigint, text, text)', 'p_ws', colocate_with => 'records');
--> statement-breakpoint
SELECT create_distributed_function('crm_associate_default(uuid, bigint, text, bigint, text, int, int, int, boolean, text, bigint, text, text)', 'p_ws', colocate_with => 'records');
