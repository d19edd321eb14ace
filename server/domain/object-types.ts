import { and, eq, isNull } from 'drizzle-orm';
import { customTypeIdPattern, STANDARD_OBJECTS, standardObject } from '../../shared/objects.ts';
import type { DbOrTx } from '../db/client.ts';
import { type ObjectSchemaDefinition, objectSchemas, type PropertyDefinitionRow, propertyDefinitions } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { PROPERTY_ORDER } from './properties/view.ts';

/** An object type as the API resolved it from a name or type id. */
export interface ObjectType {
  typeId: string;
  /** Plural API name: `contacts`, or a custom object's name. */
  name: string;
  singular: string;
  custom: boolean;
  activity: boolean;
  /** A custom type's schema, its properties those of `properties`. */
  definition?: ObjectSchemaDefinition;
  /** The live property definitions of the type (property_definitions), by name. */
  properties: ReadonlyMap<string, PropertyDefinitionRow>;
}

interface Catalog {
  until: number;
  custom: ObjectType[];
  standard: Map<string, ObjectType>;
}

const cache = new Map<string, Catalog>();
const CACHE_MS = 5_000;

/** Forget a workspace's types and property definitions (after a schema or a property changes). */
export function dropObjectTypeCache(workspaceId: string): void {
  cache.delete(workspaceId);
}

/** A custom property as the schema API shows it inside its type. */
function schemaProperty(p: PropertyDefinitionRow): ObjectSchemaDefinition['properties'][number] {
  return {
    name: p.name,
    label: p.label,
    type: p.type as ObjectSchemaDefinition['properties'][number]['type'],
    fieldType: p.fieldType,
    ...(p.options.length > 0 ? { options: p.options.map((o) => ({ label: o.label, value: o.value })) } : {}),
    ...(p.hasUniqueValue ? { hasUniqueValue: true } : {}),
  };
}

/**
 * A workspace's custom types and the property definitions of every type, read together (two
 * queries) and kept for a few seconds; every change of a schema or property drops it.
 */
async function catalog(db: DbOrTx, workspaceId: string): Promise<Catalog> {
  const hit = cache.get(workspaceId);
  if (hit && hit.until > Date.now()) return hit;
  const [schemas, props] = await Promise.all([
    db
      .select()
      .from(objectSchemas)
      .where(and(eq(objectSchemas.workspaceId, workspaceId), isNull(objectSchemas.archivedAt))),
    db
      .select()
      .from(propertyDefinitions)
      .where(and(eq(propertyDefinitions.workspaceId, workspaceId), isNull(propertyDefinitions.archivedAt)))
      .orderBy(propertyDefinitions.typeId, ...PROPERTY_ORDER),
  ]);
  const byType = new Map<string, Map<string, PropertyDefinitionRow>>();
  for (const p of props) {
    const forType = byType.get(p.typeId) ?? new Map<string, PropertyDefinitionRow>();
    forType.set(p.name, p);
    byType.set(p.typeId, forType);
  }
  const custom = schemas.map((r): ObjectType => {
    const properties = byType.get(r.typeId) ?? new Map<string, PropertyDefinitionRow>();
    return {
      typeId: r.typeId,
      name: r.name,
      singular: r.definition.labels.singular,
      custom: true,
      activity: false,
      definition: { ...r.definition, properties: [...properties.values()].map(schemaProperty) },
      properties,
    };
  });
  const standard = new Map(
    STANDARD_OBJECTS.map((std): [string, ObjectType] => [
      std.typeId,
      { typeId: std.typeId, name: std.name, singular: std.singular, custom: false, activity: std.activity, properties: byType.get(std.typeId) ?? new Map() },
    ]),
  );
  const entry = { until: Date.now() + CACHE_MS, custom, standard };
  cache.set(workspaceId, entry);
  return entry;
}

/**
 * Resolves `contacts`, `contact`, `0-1`, a custom object's name or `2-123` (also `p123_name`-style
 * fully qualified names end in the name). Unknown types answer OBJECT_TYPE_NOT_FOUND.
 */
export async function resolveObjectType(db: DbOrTx, workspaceId: string, ref: string): Promise<ObjectType> {
  const known = await catalog(db, workspaceId);
  const std = standardObject(ref);
  if (std) return known.standard.get(std.typeId)!;
  const types = known.custom;
  const lower = ref.toLowerCase();
  const found = customTypeIdPattern.test(ref)
    ? types.find((t) => t.typeId === ref)
    : types.find((t) => t.name.toLowerCase() === lower || t.singular.toLowerCase() === lower || lower.endsWith(`_${t.name.toLowerCase()}`));
  if (!found) throw new ApiError('OBJECT_TYPE_NOT_FOUND', `Unknown object type: ${ref}`, { errors: [{ message: `unknown object type ${ref}`, in: 'path:objectType' }] });
  return found;
}

/** The type for a stored type id (records always carry one). */
export async function objectTypeById(db: DbOrTx, workspaceId: string, typeId: string): Promise<ObjectType> {
  return resolveObjectType(db, workspaceId, typeId);
}
