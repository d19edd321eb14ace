-- HubSpot's email message id (hs_email_message_id) becomes a standard property of emails, unique
-- per workspace: a message is logged once. Workspaces made before it get its definition here;
-- new ones have it from the standard properties (server/domain/properties/standard.ts).
INSERT INTO "property_definitions" ("workspace_id", "type_id", "name", "label", "type", "field_type", "group_name", "description", "options", "display_order", "has_unique_value", "hidden", "form_field", "calculated", "external_options", "referenced_object_type", "hubspot_defined", "created_at", "updated_at")
SELECT w.workspace_id, '0-49', 'hs_email_message_id', 'Email message ID', 'string', 'text', 'emailinformation',
  'The message''s own id (its Message-ID header, or the webmail''s id of it): one logged email per message in a workspace',
  '[]'::jsonb, 20, true, false, false, false, false, NULL, true, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'
FROM "workspaces" w
ON CONFLICT DO NOTHING;
