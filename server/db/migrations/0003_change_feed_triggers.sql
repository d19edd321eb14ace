-- The change feed's commit order (B2); see server/db/schema/change-commits.ts for the design.
-- 4411981 is the lock class of the change feed ('CRM'); the workspace is the second key.

-- Every insert into an event table registers its transaction (seq still null).
CREATE FUNCTION change_commit_register() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_commits (workspace_id, tx_key)
    SELECT DISTINCT workspace_id, tx_key FROM new_rows
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER association_history_change_commit AFTER INSERT ON association_history
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION change_commit_register();
--> statement-breakpoint
CREATE TRIGGER record_changes_change_commit AFTER INSERT ON record_changes
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION change_commit_register();
--> statement-breakpoint
-- At commit: the commit's position. Writers hold the workspace's change lock in shared mode from
-- here to the end of their transaction; a row that already has its seq (bulk loads) is kept.
CREATE FUNCTION change_commit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq IS NOT NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(4411981, hashtext(NEW.workspace_id::text));
  UPDATE change_commits SET seq = nextval('change_seqs'), committed_at = clock_timestamp()
    WHERE workspace_id = NEW.workspace_id AND tx_key = NEW.tx_key;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER change_commits_stamp AFTER INSERT ON change_commits
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION change_commit_stamp();
--> statement-breakpoint
-- For readers: waits until no transaction of the workspace is between drawing its seq and
-- finishing, then answers the last seq drawn. Every commit of the workspace up to that value is
-- then visible to any later statement, or never will be. Call it as a statement of its own,
-- outside a transaction: the lock is held until the end of the caller's transaction.
CREATE FUNCTION change_feed_watermark(ws uuid) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(4411981, hashtext(ws::text));
  RETURN coalesce(pg_sequence_last_value('change_seqs'), 0);
END $$;
--> statement-breakpoint
-- Data written before the feed existed: per workspace, one commit with every record as created
-- (archived and merged ones then as such), and one commit with the association history so far.
WITH ws AS (SELECT DISTINCT workspace_id FROM records)
INSERT INTO change_commits (workspace_id, tx_key, seq)
  SELECT workspace_id, nextval('change_tx_keys'), nextval('change_seqs') FROM ws;
--> statement-breakpoint
INSERT INTO record_changes (workspace_id, id, tx_key, occurred_at, action, object_type, object_id, properties, merged_into)
  SELECT r.workspace_id, -2 * r.id, c.tx_key, r.created_at, 'CREATED', r.type_id, r.id, r.properties, NULL
  FROM records r JOIN change_commits c ON c.workspace_id = r.workspace_id
  UNION ALL
  SELECT r.workspace_id, -2 * r.id + 1, c.tx_key, coalesce(r.archived_at, r.updated_at),
    CASE WHEN r.merged_into IS NOT NULL THEN 'MERGED' ELSE 'ARCHIVED' END, r.type_id, r.id, NULL, r.merged_into
  FROM records r JOIN change_commits c ON c.workspace_id = r.workspace_id
  WHERE r.archived_at IS NOT NULL OR r.merged_into IS NOT NULL;
--> statement-breakpoint
INSERT INTO change_commits (workspace_id, tx_key, seq)
  SELECT workspace_id, tx_key, nextval('change_seqs') FROM (SELECT DISTINCT workspace_id, tx_key FROM association_history) h
  ON CONFLICT DO NOTHING;
