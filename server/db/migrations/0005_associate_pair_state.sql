-- One round trip for the hot path of an association: lock both records (in id order), then read
-- what the rules need about the pair. A PL/pgSQL function keeps its statements' plans for the
-- session, and each statement takes a fresh snapshot, so the counts read after the lock see every
-- association committed by a writer that held the lock before (limits hold under concurrency).
CREATE OR REPLACE FUNCTION crm_lock_pair_state(
  p_ws uuid, p_a bigint, p_a_type text, p_b bigint, p_b_type text,
  p_count_a int[], p_count_b int[], p_excl_a int[], p_excl_b int[]
) RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  recs json;
BEGIN
  SELECT json_agg(json_build_object('id', r.id, 'type_id', r.type_id, 'properties', r.properties) ORDER BY r.id) INTO recs
  FROM (
    SELECT id, type_id, properties FROM records
    WHERE workspace_id = p_ws AND id IN (p_a, p_b) AND archived_at IS NULL AND merged_into IS NULL
    ORDER BY id FOR UPDATE
  ) r;
  RETURN json_build_object(
    'records', recs,
    'existing', (SELECT json_agg(type_id) FROM associations
      WHERE workspace_id = p_ws AND from_id = p_a AND to_type = p_b_type AND to_id = p_b),
    'counts_a', (SELECT json_object_agg(type_id, n) FROM (SELECT type_id, count(*)::int AS n FROM associations
      WHERE workspace_id = p_ws AND from_id = p_a AND to_type = p_b_type AND type_id = ANY (p_count_a) GROUP BY type_id) c),
    'counts_b', (SELECT json_object_agg(type_id, n) FROM (SELECT type_id, count(*)::int AS n FROM associations
      WHERE workspace_id = p_ws AND from_id = p_b AND to_type = p_a_type AND type_id = ANY (p_count_b) GROUP BY type_id) c),
    'holders', (SELECT json_agg(json_build_object('from_id', x.from_id, 'type_id', x.type_id, 'to_id', x.to_id, 'to_type', x.to_type, 'properties', r.properties))
      FROM associations x JOIN records r ON r.workspace_id = x.workspace_id AND r.id = x.to_id
      WHERE x.workspace_id = p_ws AND (
        (x.from_id = p_a AND x.to_type = p_b_type AND x.type_id = ANY (p_excl_a) AND x.to_id <> p_b)
        OR (x.from_id = p_b AND x.to_type = p_a_type AND x.type_id = ANY (p_excl_b) AND x.to_id <> p_a))),
    'limits', (SELECT json_agg(json_build_object('from_type', from_type, 'to_type', to_type, 'type_id', type_id, 'max', max_to_object_ids))
      FROM association_limits WHERE workspace_id = p_ws
        AND ((from_type = p_a_type AND to_type = p_b_type) OR (from_type = p_b_type AND to_type = p_a_type))));
END
$$;
--> statement-breakpoint
-- Removes and adds edges (both directions come from the caller) and appends their history, in one
-- call with plans kept for the session. Rows arrive as JSON arrays.
CREATE OR REPLACE FUNCTION crm_write_edges(
  p_ws uuid, p_removes json, p_adds json, p_history json,
  p_source text, p_user_id bigint, p_user_name text, p_source_id text
) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF json_array_length(p_removes) > 0 THEN
    DELETE FROM associations a USING json_to_recordset(p_removes) AS e(from_id bigint, to_type text, to_id bigint, type_id int)
    WHERE a.workspace_id = p_ws AND a.from_id = e.from_id AND a.to_type = e.to_type AND a.to_id = e.to_id AND a.type_id = e.type_id;
  END IF;
  IF json_array_length(p_adds) > 0 THEN
    INSERT INTO associations (workspace_id, from_id, to_type, to_id, type_id, from_type)
    SELECT p_ws, e.from_id, e.to_type, e.to_id, e.type_id, e.from_type
    FROM json_to_recordset(p_adds) AS e(from_id bigint, to_type text, to_id bigint, type_id int, from_type text)
    ON CONFLICT DO NOTHING;
  END IF;
  IF json_array_length(p_history) > 0 THEN
    INSERT INTO association_history (workspace_id, action, source, source_user_id, source_user_name, source_id, from_type, from_id, to_type, to_id, to_name, type_id, label, detail)
    SELECT p_ws, x.h->>'action', p_source, p_user_id, p_user_name, p_source_id, x.h->>'from_type', (x.h->>'from_id')::bigint,
      x.h->>'to_type', (x.h->>'to_id')::bigint, x.h->>'to_name', (x.h->>'type_id')::int, x.h->>'label', x.h->>'detail'
    FROM json_array_elements(p_history) WITH ORDINALITY AS x(h, ord)
    ORDER BY x.ord;
  END IF;
END
$$;
