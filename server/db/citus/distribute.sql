-- Tenant sharding on Citus (issue 17; docs/sharding.md). NOT one of the ordinary migrations: it
-- runs only through `crm distribute`, once, on a Citus coordinator where the ordinary migrations
-- have been applied (the server, or `crm migrate`, applies them). It refuses to run where the
-- Citus extension is missing. Untested here: Citus cannot be installed on the machines this
-- project is built on (docs/sharding.md says what is and is not proven).
--
-- test/citus-distribute.test.ts checks it against the schema (reference tables, unique indexes,
-- function signatures).

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
-- one workspace live on one node and every statement of a request runs there. Every table that
-- is not a reference table above is workspace data (its primary key starts with workspace_id,
-- which test/workspace-filter.test.ts checks), so the list is read from the catalog: a table a
-- later migration adds is distributed too.
SELECT create_distributed_table('records', 'workspace_id');
--> statement-breakpoint
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      AND c.relname NOT IN ('records', 'workspaces', 'users', 'api_tokens')
    ORDER BY c.relname
  LOOP
    PERFORM create_distributed_table(t, 'workspace_id', colocate_with => 'records');
  END LOOP;
END $$;
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
