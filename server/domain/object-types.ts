import { and, eq, isNull } from 'drizzle-orm';
import { customTypeIdPattern, standardObject, standardObjectById } from '../../shared/objects.ts';
import type { DbOrTx } from '../db/client.ts';
import { type ObjectSchemaDefinition, objectSchemas } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';

/** An object type as the API resolved it from a name or type id. */
export interface ObjectType {
  typeId: string;
  /** Plural API name: `contacts`, or a custom object's name. */
  name: string;
  singular: string;
  custom: boolean;
  activity: boolean;
  definition?: ObjectSchemaDefinition;
}

const cache = new Map<string, { until: number; types: ObjectType[] }>();
const CACHE_MS = 5_000;

/** Forget a workspace's custom types (after a schema changes). */
export function dropObjectTypeCache(workspaceId: string): void {
  cache.delete(workspaceId);
}

async function customTypes(db: DbOrTx, workspaceId: string): Promise<ObjectType[]> {
  const hit = cache.get(workspaceId);
  if (hit && hit.until > Date.now()) return hit.types;
  const rows = await db
    .select()
    .from(objectSchemas)
    .where(and(eq(objectSchemas.workspaceId, workspaceId), isNull(objectSchemas.archivedAt)));
  const types = rows.map((r) => ({
    typeId: r.typeId,
    name: r.name,
    singular: r.definition.labels.singular,
    custom: true,
    activity: false,
    definition: r.definition,
  }));
  cache.set(workspaceId, { until: Date.now() + CACHE_MS, types });
  return types;
}

function fromStandard(ref: string): ObjectType | undefined {
  const std = standardObject(ref);
  return std && { typeId: std.typeId, name: std.name, singular: std.singular, custom: false, activity: std.activity };
}

/**
 * Resolves `contacts`, `contact`, `0-1`, a custom object's name or `2-123` (also `p123_name`-style
 * fully qualified names end in the name). Unknown types answer OBJECT_TYPE_NOT_FOUND.
 */
export async function resolveObjectType(db: DbOrTx, workspaceId: string, ref: string): Promise<ObjectType> {
  const std = fromStandard(ref);
  if (std) return std;
  const types = await customTypes(db, workspaceId);
  const lower = ref.toLowerCase();
  const found = customTypeIdPattern.test(ref)
    ? types.find((t) => t.typeId === ref)
    : types.find((t) => t.name.toLowerCase() === lower || t.singular.toLowerCase() === lower || lower.endsWith(`_${t.name.toLowerCase()}`));
  if (!found) throw new ApiError('OBJECT_TYPE_NOT_FOUND', `Unknown object type: ${ref}`, { errors: [{ message: `unknown object type ${ref}`, in: 'path:objectType' }] });
  return found;
}

/** The type for a stored type id (records always carry one). */
export async function objectTypeById(db: DbOrTx, workspaceId: string, typeId: string): Promise<ObjectType> {
  const std = standardObjectById(typeId);
  if (std) return fromStandard(typeId)!;
  return resolveObjectType(db, workspaceId, typeId);
}
