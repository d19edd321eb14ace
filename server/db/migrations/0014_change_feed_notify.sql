-- Live change streams across server processes: when a transaction that wrote change-feed events
-- commits, PostgreSQL tells every listener on the channel `crm_changes` which workspace changed
-- (server/domain/history/live.ts LISTENs). A NOTIFY is transactional: it is delivered only if the
-- transaction commits, after the commit, and one per workspace and transaction (same payloads
-- are folded). The rest of the function is 0003's, unchanged.
CREATE OR REPLACE FUNCTION change_commit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.seq IS NOT NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(4411981, hashtext(NEW.workspace_id::text));
  UPDATE change_commits SET seq = nextval('change_seqs'), committed_at = clock_timestamp()
    WHERE workspace_id = NEW.workspace_id AND tx_key = NEW.tx_key;
  PERFORM pg_notify('crm_changes', NEW.workspace_id::text);
  RETURN NULL;
END $$;
