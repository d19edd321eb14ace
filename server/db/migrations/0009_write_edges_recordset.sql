-- crm_write_edges reads its history rows with json_to_recordset: each element is parsed once
-- instead of once per field (`->>` on json parses the element again every time). Same arguments,
-- same rows, same order (the array's).
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
    SELECT p_ws, x.action, p_source, p_user_id, p_user_name, p_source_id, x.from_type, x.from_id, x.to_type, x.to_id, x.to_name, x.type_id, x.label, x.detail
    FROM ROWS FROM (json_to_recordset(p_history) AS (action text, from_type text, from_id bigint, to_type text, to_id bigint, to_name text, type_id int, label text, detail text))
      WITH ORDINALITY AS x(action, from_type, from_id, to_type, to_id, to_name, type_id, label, detail, ord)
    ORDER BY x.ord;
  END IF;
END
$$;
