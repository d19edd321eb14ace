-- A record's name, the one rule of shared/record-name.ts (which says it in words), for every
-- statement that writes or shows a name: history written in bulk (an archive, a deleted label, a
-- repaired primary company, a one-click association, the backfill) and the index page. Until now
-- four copies disagreed, so one record could be "acme.com" in one history entry and "" in the next.
-- p_display is a custom object's primary display property (NULL for standard types). A value that
-- is empty or only white space counts as missing; values are trimmed of the characters that
-- JavaScript's trim() removes, listed in crm_name_value, so both sides give the same names.
-- Both functions are IMMUTABLE single expressions of immutable operators (so no concat_ws, which
-- is only STABLE): the planner inlines them into the statement instead of calling them per row.
CREATE OR REPLACE FUNCTION crm_name_value(p_value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT nullif(btrim(p_value, U&'\0009\000A\000B\000C\000D\0020\00A0\1680\2000\2001\2002\2003\2004\2005\2006\2007\2008\2009\200A\2028\2029\202F\205F\3000\FEFF'), '')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION crm_record_name(p_type text, p_props jsonb, p_display text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_type
    WHEN '0-1' THEN coalesce(crm_name_value(p_props->>'firstname') || ' ' || crm_name_value(p_props->>'lastname'),
      crm_name_value(p_props->>'firstname'), crm_name_value(p_props->>'lastname'), crm_name_value(p_props->>'email'))
    WHEN '0-2' THEN coalesce(crm_name_value(p_props->>'name'), crm_name_value(p_props->>'domain'))
    WHEN '0-3' THEN crm_name_value(p_props->>'dealname')
    WHEN '0-5' THEN coalesce(crm_name_value(p_props->>'subject'), crm_name_value(p_props->>'content'))
    WHEN '0-49' THEN crm_name_value(p_props->>'hs_email_subject')
    WHEN '0-48' THEN crm_name_value(p_props->>'hs_call_title')
    WHEN '0-47' THEN crm_name_value(p_props->>'hs_meeting_title')
    WHEN '0-46' THEN crm_name_value(p_props->>'hs_note_body')
    WHEN '0-27' THEN crm_name_value(p_props->>'hs_task_subject')
    ELSE crm_name_value(p_props->>p_display)
  END
$$;
--> statement-breakpoint
-- 0006's one-click association, unchanged but for the names it writes into history: crm_record_name's.
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
    nm := crm_record_name(r.type_id, r.p, NULL);
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
