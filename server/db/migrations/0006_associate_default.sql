-- The one-click association (default type, no labels) of two records that are neither companies
-- nor custom objects: no primary rule applies, so the whole request is one call, one statement
-- from the client's side and, outside a transaction, one commit. It checks the records, the pair
-- and both per-record limits, then writes both directions and their history, or writes nothing
-- and says why. With p_lock, the records are locked first (in id order) and every later statement
-- takes a fresh snapshot, so two writers cannot pass a limit together (PostgreSQL); PGlite runs
-- one statement at a time and needs no lock.
CREATE OR REPLACE FUNCTION crm_associate_default(
  p_ws uuid, p_a bigint, p_a_type text, p_b bigint, p_b_type text, p_ab int, p_ba int,
  p_default_limit int, p_lock boolean,
  p_source text, p_user_id bigint, p_user_name text, p_source_id text
) RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  r record;
  found_a boolean := false;
  found_b boolean := false;
  name_a text;
  name_b text;
  nm text;
  n int;
  mx int;
BEGIN
  IF p_lock THEN
    PERFORM 1 FROM records WHERE workspace_id = p_ws AND id IN (p_a, p_b) ORDER BY id FOR UPDATE;
  END IF;
  FOR r IN SELECT id, type_id, properties AS p FROM records
    WHERE workspace_id = p_ws AND id IN (p_a, p_b) AND archived_at IS NULL AND merged_into IS NULL
  LOOP
    -- the display names of displayName() for contacts, deals and tickets
    nm := CASE r.type_id
      WHEN '0-1' THEN coalesce(nullif(concat_ws(' ', nullif(r.p->>'firstname', ''), nullif(r.p->>'lastname', '')), ''), nullif(r.p->>'email', ''))
      WHEN '0-3' THEN nullif(r.p->>'dealname', '')
      WHEN '0-5' THEN coalesce(nullif(r.p->>'subject', ''), nullif(r.p->>'content', ''))
    END;
    IF r.id = p_a AND r.type_id = p_a_type THEN found_a := true; name_a := nm; END IF;
    IF r.id = p_b AND r.type_id = p_b_type THEN found_b := true; name_b := nm; END IF;
  END LOOP;
  IF NOT found_a THEN RETURN json_build_object('outcome', 'not_found', 'side', 'from'); END IF;
  IF NOT found_b THEN RETURN json_build_object('outcome', 'not_found', 'side', 'to'); END IF;

  IF EXISTS (SELECT 1 FROM associations WHERE workspace_id = p_ws AND from_id = p_a AND to_type = p_b_type AND to_id = p_b AND type_id = p_ab) THEN
    RETURN json_build_object('outcome', 'exists', 'type_ids', (SELECT json_agg(type_id ORDER BY type_id) FROM associations
      WHERE workspace_id = p_ws AND from_id = p_a AND to_type = p_b_type AND to_id = p_b));
  END IF;

  SELECT count(*) INTO n FROM associations WHERE workspace_id = p_ws AND from_id = p_a AND to_type = p_b_type AND type_id = p_ab;
  mx := coalesce((SELECT max_to_object_ids FROM association_limits
    WHERE workspace_id = p_ws AND from_type = p_a_type AND to_type = p_b_type AND type_id = p_ab), p_default_limit);
  IF n + 1 > mx THEN RETURN json_build_object('outcome', 'limit', 'side', 'from', 'count', n, 'max', mx); END IF;
  SELECT count(*) INTO n FROM associations WHERE workspace_id = p_ws AND from_id = p_b AND to_type = p_a_type AND type_id = p_ba;
  mx := coalesce((SELECT max_to_object_ids FROM association_limits
    WHERE workspace_id = p_ws AND from_type = p_b_type AND to_type = p_a_type AND type_id = p_ba), p_default_limit);
  IF n + 1 > mx THEN RETURN json_build_object('outcome', 'limit', 'side', 'to', 'count', n, 'max', mx); END IF;

  INSERT INTO associations (workspace_id, from_id, to_type, to_id, type_id, from_type)
  VALUES (p_ws, p_a, p_b_type, p_b, p_ab, p_a_type), (p_ws, p_b, p_a_type, p_a, p_ba, p_b_type);
  INSERT INTO association_history (workspace_id, action, source, source_user_id, source_user_name, source_id, from_type, from_id, to_type, to_id, to_name, type_id, label)
  VALUES
    (p_ws, 'CREATED', p_source, p_user_id, p_user_name, p_source_id, p_a_type, p_a, p_b_type, p_b, name_b, p_ab, NULL),
    (p_ws, 'CREATED', p_source, p_user_id, p_user_name, p_source_id, p_b_type, p_b, p_a_type, p_a, name_a, p_ba, NULL);
  RETURN json_build_object('outcome', 'created', 'type_ids', json_build_array(p_ab));
END
$$;
