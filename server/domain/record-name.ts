import { type SQL, sql } from 'drizzle-orm';
import { customTypeIdPattern } from '../../shared/objects.ts';
import { recordName } from '../../shared/record-name.ts';
import type { DbOrTx } from '../db/client.ts';
import type { ObjectSchemaDefinition } from '../db/schema/index.ts';
import { objectTypeById } from './object-types.ts';

// A record's name on the server: the rule is shared/record-name.ts (and crm_record_name, its SQL
// spelling from migration 0015); what is here only finds a custom object's display property.

/** The name of a record whose type is resolved already (a custom type with its definition). */
export function displayName(typeId: string, properties: Record<string, string | null | undefined>, definition?: ObjectSchemaDefinition): string | null {
  return recordName(typeId, properties, definition?.primaryDisplayProperty);
}

/** The name of a stored record, its custom type's definition looked up (cached) when it has one. */
export async function nameOf(db: DbOrTx, workspaceId: string, record: { type_id: string; properties: Record<string, string | null> }): Promise<string | null> {
  const type = customTypeIdPattern.test(record.type_id) ? await objectTypeById(db, workspaceId, record.type_id) : undefined;
  return displayName(record.type_id, record.properties, type?.definition);
}

/**
 * The same name in SQL, for the `records` row under `alias` of a statement that writes names in
 * bulk. A custom record's display property is read from its type's definition (only for those).
 */
export function recordNameSql(workspaceId: string, alias: string): SQL {
  const r = sql.raw(alias);
  return sql`crm_record_name(${r}.type_id, ${r}.properties, case when ${r}.type_id like '2-%' then (
    select s.definition->>'primaryDisplayProperty' from object_schemas s where s.workspace_id = ${workspaceId} and s.type_id = ${r}.type_id) end)`;
}

/** The name in SQL of a record under `alias` whose type is known to the statement (the index page's columns). */
export function typedNameSql(typeId: string, definition: ObjectSchemaDefinition | undefined, alias: string): SQL {
  return sql`crm_record_name(${typeId}::text, ${sql.raw(alias)}.properties, ${definition?.primaryDisplayProperty ?? null}::text)`;
}
