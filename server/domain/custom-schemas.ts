import { and, count, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { standardObject } from '../../shared/objects.ts';
import { LIMITS, type Plan, planAllows } from '../../shared/plans.ts';
import type { ObjectSchemaEgg, ObjectSchemaPatch, ObjectSchemaView } from '../../shared/records.ts';
import type { DbOrTx } from '../db/client.ts';
import { type ObjectSchemaDefinition, objectSchemas, type PropertyDefinition, records, workspaces } from '../db/schema/index.ts';
import { type ErrorDetail, ApiError } from '../errors.ts';
import { dropObjectTypeCache, resolveObjectType } from './object-types.ts';
import { SYSTEM_PROPERTIES } from './record-properties.ts';

type SchemaRow = typeof objectSchemas.$inferSelect;

/** Who changes a schema: the workspace and its plan (R1: custom objects need Enterprise). */
export interface SchemaContext {
  workspaceId: string;
  plan: Plan;
}

/** R1: custom object types are an Enterprise feature; other plans are refused before anything is written. */
export function requireCustomObjectsPlan(plan: Plan): void {
  if (!planAllows(plan, 'customObjects')) {
    throw new ApiError('PLAN_REQUIRED', `Custom objects need the Enterprise plan; this workspace is on ${plan}`, {
      errors: [{ message: 'custom objects need the Enterprise plan', in: 'plan' }],
    });
  }
}

/** HubSpot's name for a custom type that does not depend on the portal: `p_<name>`. */
function fullyQualifiedName(name: string): string {
  return `p_${name}`;
}

/** A custom object type as HubSpot's ObjectSchema shows it. */
export function schemaView(row: SchemaRow): ObjectSchemaView {
  const d = row.definition;
  const createdAt = row.createdAt.toISOString();
  const updatedAt = row.updatedAt.toISOString();
  return {
    id: row.typeId.slice(2),
    objectTypeId: row.typeId,
    fullyQualifiedName: fullyQualifiedName(row.name),
    name: row.name,
    labels: d.labels,
    ...(d.description ? { description: d.description } : {}),
    properties: d.properties.map((p, i) => ({
      name: p.name,
      label: p.label,
      type: p.type,
      fieldType: p.fieldType ?? defaultFieldType(p.type),
      description: '',
      groupName: `${row.name}_information`,
      options: (p.options ?? []).map((o, n) => ({ label: o.label, value: o.value, hidden: false, displayOrder: n })),
      displayOrder: i,
      hidden: false,
      hasUniqueValue: p.hasUniqueValue === true,
      formField: true,
      calculated: false,
      externalOptions: false,
      hubspotDefined: false,
      archived: false,
      createdAt,
      updatedAt,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    })),
    requiredProperties: d.requiredProperties,
    searchableProperties: d.searchableProperties,
    primaryDisplayProperty: d.primaryDisplayProperty,
    secondaryDisplayProperties: d.secondaryDisplayProperties,
    associations: [],
    createdAt,
    updatedAt,
    archived: row.archivedAt !== null,
  };
}

function defaultFieldType(type: PropertyDefinition['type']): string {
  return { string: 'text', number: 'number', date: 'date', datetime: 'date', enumeration: 'select', bool: 'booleancheckbox' }[type];
}

function invalid(problems: ErrorDetail[]): never {
  const first = problems[0]!;
  throw new ApiError('SCHEMA_INVALID', `Invalid object schema: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`, { errors: problems });
}

/** Required, searchable and display properties must name defined properties. */
function checkReferences(d: ObjectSchemaDefinition, problems: ErrorDetail[]): void {
  const names = new Set(d.properties.map((p) => p.name));
  const check = (list: string[], field: string) =>
    list.forEach((name, i) => {
      if (!names.has(name)) problems.push({ message: `${field} names ${name}, which is not one of the properties`, in: `body:${field}[${i}]` });
    });
  check(d.requiredProperties, 'requiredProperties');
  check(d.searchableProperties, 'searchableProperties');
  check(d.secondaryDisplayProperties, 'secondaryDisplayProperties');
  if (!names.has(d.primaryDisplayProperty)) {
    problems.push({ message: `primaryDisplayProperty ${d.primaryDisplayProperty} is not one of the properties`, in: 'body:primaryDisplayProperty' });
  }
}

/** The stored definition of a new type, or SCHEMA_INVALID naming every problem. */
function definitionOf(egg: ObjectSchemaEgg): ObjectSchemaDefinition {
  const problems: ErrorDetail[] = [];
  if (standardObject(egg.name)) problems.push({ message: `${egg.name} is the name of a standard object`, in: 'body:name' });
  const seen = new Set<string>();
  const properties = egg.properties.map((p, i): PropertyDefinition => {
    const at = `body:properties[${i}]`;
    if (seen.has(p.name)) problems.push({ message: `property ${p.name} is defined twice`, in: `${at}.name` });
    seen.add(p.name);
    if ((SYSTEM_PROPERTIES as readonly string[]).includes(p.name)) problems.push({ message: `${p.name} is a system property`, in: `${at}.name` });
    const options = p.options?.map((o) => ({ label: o.label, value: o.value }));
    if (p.type === 'enumeration' && (!options || options.length === 0)) problems.push({ message: `enumeration property ${p.name} needs options`, in: `${at}.options` });
    if (options && new Set(options.map((o) => o.value)).size !== options.length) problems.push({ message: `property ${p.name} repeats an option value`, in: `${at}.options` });
    return { name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, ...(options && options.length > 0 ? { options } : {}), ...(p.hasUniqueValue ? { hasUniqueValue: true } : {}) };
  });
  const primary = egg.primaryDisplayProperty ?? egg.requiredProperties[0] ?? properties[0]!.name;
  const definition: ObjectSchemaDefinition = {
    labels: egg.labels,
    properties,
    requiredProperties: egg.requiredProperties,
    searchableProperties: egg.searchableProperties ?? [primary],
    primaryDisplayProperty: primary,
    secondaryDisplayProperties: egg.secondaryDisplayProperties ?? [],
    ...(egg.description ? { description: egg.description } : {}),
  };
  checkReferences(definition, problems);
  if (problems.length > 0) invalid(problems);
  return definition;
}

/**
 * Defines a custom object type (Enterprise only, at most 100 live per workspace): a row in
 * object_schemas with type id `2-<n>`, never a table. `associatedObjects` must name known types;
 * every pair may associate, so they are checked and not stored.
 */
export async function createObjectSchema(db: DbOrTx, ctx: SchemaContext, egg: ObjectSchemaEgg): Promise<ObjectSchemaView> {
  requireCustomObjectsPlan(ctx.plan);
  const definition = definitionOf(egg);
  for (const [i, ref] of egg.associatedObjects.entries()) {
    await resolveObjectType(db, ctx.workspaceId, ref).catch(() => {
      invalid([{ message: `associatedObjects names ${ref}, which is not an object type`, in: `body:associatedObjects[${i}]` }]);
    });
  }
  const row = await db.transaction(async (tx) => {
    // one schema change at a time per workspace, so the count and name checks hold
    await tx.select({ id: workspaces.workspaceId }).from(workspaces).where(eq(workspaces.workspaceId, ctx.workspaceId)).for('update');
    const existing = await tx
      .select({ name: objectSchemas.name, archivedAt: objectSchemas.archivedAt })
      .from(objectSchemas)
      .where(eq(objectSchemas.workspaceId, ctx.workspaceId));
    const clash = existing.find((s) => s.name.toLowerCase() === egg.name.toLowerCase());
    if (clash) {
      const why = clash.archivedAt ? 'an archived object type still holds the name (purge it with DELETE ?archived=true)' : 'an object type with this name exists';
      throw new ApiError('CONFLICT', `Object type ${egg.name} already exists: ${why}`, { errors: [{ message: why, in: 'body:name' }] });
    }
    const live = existing.filter((s) => s.archivedAt === null).length;
    if (live >= LIMITS.customObjectTypes) {
      throw new ApiError('SCHEMA_INVALID', `A workspace holds at most ${LIMITS.customObjectTypes} custom object types`, {
        errors: [{ message: `limit of ${LIMITS.customObjectTypes} custom object types reached`, in: 'body' }],
      });
    }
    const [inserted] = await tx
      .insert(objectSchemas)
      .values({ workspaceId: ctx.workspaceId, typeId: sql`'2-' || nextval('object_type_numbers')`, name: egg.name, definition })
      .returning();
    return inserted!;
  });
  dropObjectTypeCache(ctx.workspaceId);
  return schemaView(row);
}

/** A workspace's custom object types: live ones, or with `archived` the archived ones. */
export async function listObjectSchemas(db: DbOrTx, workspaceId: string, options: { archived?: boolean } = {}): Promise<ObjectSchemaView[]> {
  const rows = await db
    .select()
    .from(objectSchemas)
    .where(and(eq(objectSchemas.workspaceId, workspaceId), options.archived ? isNotNull(objectSchemas.archivedAt) : isNull(objectSchemas.archivedAt)))
    .orderBy(objectSchemas.createdAt);
  return rows.map(schemaView);
}

/** A custom type by type id (`2-1001`), name or fully qualified name (`p_cars`), or NOT_FOUND. */
async function findSchema(db: DbOrTx, workspaceId: string, ref: string, archived = false): Promise<SchemaRow> {
  const rows = await db
    .select()
    .from(objectSchemas)
    .where(and(eq(objectSchemas.workspaceId, workspaceId), archived ? isNotNull(objectSchemas.archivedAt) : isNull(objectSchemas.archivedAt)));
  const lower = ref.toLowerCase();
  const row = rows.find((r) => r.typeId === ref || r.name.toLowerCase() === lower || fullyQualifiedName(r.name).toLowerCase() === lower);
  if (!row) throw new ApiError('OBJECT_TYPE_NOT_FOUND', `No custom object type ${ref}`, { errors: [{ message: 'unknown object type', in: 'path:objectType' }] });
  return row;
}

export async function getObjectSchema(db: DbOrTx, workspaceId: string, ref: string): Promise<ObjectSchemaView> {
  return schemaView(await findSchema(db, workspaceId, ref));
}

/** Changes labels, description, required, searchable and display properties (each must be a property). */
export async function updateObjectSchema(db: DbOrTx, ctx: SchemaContext, ref: string, patch: ObjectSchemaPatch): Promise<ObjectSchemaView> {
  requireCustomObjectsPlan(ctx.plan);
  const row = await findSchema(db, ctx.workspaceId, ref);
  const { description: _old, ...current } = row.definition;
  const description = patch.clearDescription ? undefined : (patch.description ?? row.definition.description);
  const definition: ObjectSchemaDefinition = {
    ...current,
    labels: { ...current.labels, ...patch.labels },
    requiredProperties: patch.requiredProperties ?? current.requiredProperties,
    searchableProperties: patch.searchableProperties ?? current.searchableProperties,
    primaryDisplayProperty: patch.primaryDisplayProperty ?? current.primaryDisplayProperty,
    secondaryDisplayProperties: patch.secondaryDisplayProperties ?? current.secondaryDisplayProperties,
    ...(description ? { description } : {}),
  };
  const problems: ErrorDetail[] = [];
  checkReferences(definition, problems);
  if (problems.length > 0) invalid(problems);
  const [updated] = await db
    .update(objectSchemas)
    .set({ definition, updatedAt: sql`now()` })
    .where(and(eq(objectSchemas.workspaceId, ctx.workspaceId), eq(objectSchemas.typeId, row.typeId)))
    .returning();
  dropObjectTypeCache(ctx.workspaceId);
  return schemaView(updated!);
}

/**
 * Archives a custom type that has no live records left (HubSpot's rule); with `purge`, removes an
 * archived type whose records are all gone, which frees its name.
 */
export async function archiveObjectSchema(db: DbOrTx, ctx: SchemaContext, ref: string, options: { purge?: boolean } = {}): Promise<{ typeId: string; name: string }> {
  requireCustomObjectsPlan(ctx.plan);
  const row = await findSchema(db, ctx.workspaceId, ref, options.purge);
  const scope = and(eq(records.workspaceId, ctx.workspaceId), eq(records.typeId, row.typeId));
  const [left] = await db
    .select({ n: count() })
    .from(records)
    .where(options.purge ? scope : and(scope, isNull(records.archivedAt)));
  if ((left?.n ?? 0) > 0) {
    const what = options.purge ? 'records' : 'live records';
    throw new ApiError('CONFLICT', `Object type ${row.name} still has ${left!.n} ${what}; remove them first`, { errors: [{ message: `${what} remain`, in: 'path:objectType' }] });
  }
  const key = and(eq(objectSchemas.workspaceId, ctx.workspaceId), eq(objectSchemas.typeId, row.typeId));
  if (options.purge) await db.delete(objectSchemas).where(key);
  else await db.update(objectSchemas).set({ archivedAt: sql`now()`, updatedAt: sql`now()` }).where(key);
  dropObjectTypeCache(ctx.workspaceId);
  return { typeId: row.typeId, name: row.name };
}
