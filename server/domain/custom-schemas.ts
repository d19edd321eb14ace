import { and, count, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { standardObject } from '../../shared/objects.ts';
import { LIMITS, type Plan, planAllows } from '../../shared/plans.ts';
import type { ObjectSchemaEgg, ObjectSchemaPatch, ObjectSchemaView } from '../../shared/records.ts';
import type { DbOrTx } from '../db/client.ts';
import { objectSchemas, type PropertyDefinition, type PropertyDefinitionRow, propertyDefinitions, propertyGroups, records, type StoredSchemaDefinition, workspaces } from '../db/schema/index.ts';
import { PROPERTY_ORDER, propertyView } from './properties/view.ts';
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

/** A custom object type as HubSpot's ObjectSchema shows it, with its live properties (property_definitions). */
export function schemaView(row: SchemaRow, properties: PropertyDefinitionRow[]): ObjectSchemaView {
  const d = row.definition;
  return {
    id: row.typeId.slice(2),
    objectTypeId: row.typeId,
    fullyQualifiedName: fullyQualifiedName(row.name),
    name: row.name,
    labels: d.labels,
    ...(d.description ? { description: d.description } : {}),
    properties: properties.map((p) => {
      const { dataSensitivity: _s, referencedObjectType: _r, archivedAt: _a, ...view } = propertyView(p);
      const { readOnlyOptions: _o, ...modificationMetadata } = view.modificationMetadata;
      return { ...view, options: view.options.map(({ description: _d, ...o }) => o), modificationMetadata };
    }),
    requiredProperties: d.requiredProperties,
    searchableProperties: d.searchableProperties,
    primaryDisplayProperty: d.primaryDisplayProperty,
    secondaryDisplayProperties: d.secondaryDisplayProperties,
    associations: [],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archived: row.archivedAt !== null,
  };
}

function defaultFieldType(type: PropertyDefinition['type']): string {
  return { string: 'text', number: 'number', date: 'date', datetime: 'date', enumeration: 'select', bool: 'booleancheckbox', phone_number: 'phonenumber' }[type];
}

/** The group a custom type's properties are in, made with the type. */
function groupOf(name: string): string {
  return `${name}_information`;
}

/** The live properties of custom types, by type id, in display order. */
async function propertiesOf(db: DbOrTx, workspaceId: string, typeIds: string[]): Promise<Map<string, PropertyDefinitionRow[]>> {
  const out = new Map<string, PropertyDefinitionRow[]>(typeIds.map((t) => [t, []]));
  if (typeIds.length === 0) return out;
  const rows = await db
    .select()
    .from(propertyDefinitions)
    .where(and(eq(propertyDefinitions.workspaceId, workspaceId), inArray(propertyDefinitions.typeId, typeIds), isNull(propertyDefinitions.archivedAt)))
    .orderBy(...PROPERTY_ORDER);
  for (const r of rows) out.get(r.typeId)?.push(r);
  return out;
}

async function viewsOf(db: DbOrTx, workspaceId: string, rows: SchemaRow[]): Promise<ObjectSchemaView[]> {
  const props = await propertiesOf(db, workspaceId, rows.map((r) => r.typeId));
  return rows.map((r) => schemaView(r, props.get(r.typeId) ?? []));
}

function invalid(problems: ErrorDetail[]): never {
  const first = problems[0]!;
  throw new ApiError('SCHEMA_INVALID', `Invalid object schema: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`, { errors: problems });
}

/** Required, searchable and display properties must name defined properties. */
function checkReferences(d: StoredSchemaDefinition, propertyNames: string[], problems: ErrorDetail[]): void {
  const names = new Set(propertyNames);
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
function definitionOf(egg: ObjectSchemaEgg): { definition: StoredSchemaDefinition; properties: PropertyDefinition[] } {
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
    return { name: p.name, label: p.label, type: p.type, fieldType: p.fieldType || defaultFieldType(p.type), ...(options && options.length > 0 ? { options } : {}), ...(p.hasUniqueValue ? { hasUniqueValue: true } : {}) };
  });
  const primary = egg.primaryDisplayProperty ?? egg.requiredProperties[0] ?? properties[0]!.name;
  const definition: StoredSchemaDefinition = {
    labels: egg.labels,
    requiredProperties: egg.requiredProperties,
    searchableProperties: egg.searchableProperties ?? [primary],
    primaryDisplayProperty: primary,
    secondaryDisplayProperties: egg.secondaryDisplayProperties ?? [],
    ...(egg.description ? { description: egg.description } : {}),
  };
  checkReferences(definition, properties.map((p) => p.name), problems);
  if (problems.length > 0) invalid(problems);
  return { definition, properties };
}

/**
 * Defines a custom object type (Enterprise only, at most 100 live per workspace): a row in
 * object_schemas with type id `2-<n>`, never a table. `associatedObjects` must name known types;
 * every pair may associate, so they are checked and not stored.
 */
export async function createObjectSchema(db: DbOrTx, ctx: SchemaContext, egg: ObjectSchemaEgg): Promise<ObjectSchemaView> {
  requireCustomObjectsPlan(ctx.plan);
  const { definition, properties } = definitionOf(egg);
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
    // the type's properties live with every other property (property_definitions), in its own group
    const typeId = inserted!.typeId;
    await tx.insert(propertyGroups).values({ workspaceId: ctx.workspaceId, typeId, name: groupOf(egg.name), label: `${egg.labels.singular} information`, displayOrder: 0 });
    const props = await tx
      .insert(propertyDefinitions)
      .values(
        properties.map((p, i) => {
          const given = egg.properties[i]!;
          return {
            workspaceId: ctx.workspaceId,
            typeId,
            name: p.name,
            label: p.label,
            type: p.type,
            fieldType: p.fieldType ?? defaultFieldType(p.type),
            groupName: groupOf(egg.name),
            description: given.description ?? '',
            options: (p.options ?? []).map((o, n) => ({ label: o.label, value: o.value, hidden: false, displayOrder: n })),
            displayOrder: i,
            hasUniqueValue: p.hasUniqueValue === true,
            hidden: given.hidden ?? false,
            formField: given.formField ?? true,
          };
        }),
      )
      .returning();
    return { inserted: inserted!, props };
  });
  dropObjectTypeCache(ctx.workspaceId);
  return schemaView(row.inserted, row.props);
}

/** A workspace's custom object types: live ones, or with `archived` the archived ones. */
export async function listObjectSchemas(db: DbOrTx, workspaceId: string, options: { archived?: boolean } = {}): Promise<ObjectSchemaView[]> {
  const rows = await db
    .select()
    .from(objectSchemas)
    .where(and(eq(objectSchemas.workspaceId, workspaceId), options.archived ? isNotNull(objectSchemas.archivedAt) : isNull(objectSchemas.archivedAt)))
    .orderBy(objectSchemas.createdAt);
  return viewsOf(db, workspaceId, rows);
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
  return (await viewsOf(db, workspaceId, [await findSchema(db, workspaceId, ref)]))[0]!;
}

/** Changes labels, description, required, searchable and display properties (each must be a property). */
export async function updateObjectSchema(db: DbOrTx, ctx: SchemaContext, ref: string, patch: ObjectSchemaPatch): Promise<ObjectSchemaView> {
  requireCustomObjectsPlan(ctx.plan);
  const row = await findSchema(db, ctx.workspaceId, ref);
  const { description: _old, ...current } = row.definition;
  const description = patch.clearDescription ? undefined : (patch.description ?? row.definition.description);
  const definition: StoredSchemaDefinition = {
    ...current,
    labels: { ...current.labels, ...patch.labels },
    requiredProperties: patch.requiredProperties ?? current.requiredProperties,
    searchableProperties: patch.searchableProperties ?? current.searchableProperties,
    primaryDisplayProperty: patch.primaryDisplayProperty ?? current.primaryDisplayProperty,
    secondaryDisplayProperties: patch.secondaryDisplayProperties ?? current.secondaryDisplayProperties,
    ...(description ? { description } : {}),
  };
  const problems: ErrorDetail[] = [];
  const props = (await propertiesOf(db, ctx.workspaceId, [row.typeId])).get(row.typeId) ?? [];
  checkReferences(definition, props.map((p) => p.name), problems);
  if (problems.length > 0) invalid(problems);
  const [updated] = await db
    .update(objectSchemas)
    .set({ definition, updatedAt: sql`now()` })
    .where(and(eq(objectSchemas.workspaceId, ctx.workspaceId), eq(objectSchemas.typeId, row.typeId)))
    .returning();
  dropObjectTypeCache(ctx.workspaceId);
  return schemaView(updated!, props);
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
  if (options.purge) {
    await db.delete(objectSchemas).where(key);
    await db.delete(propertyDefinitions).where(and(eq(propertyDefinitions.workspaceId, ctx.workspaceId), eq(propertyDefinitions.typeId, row.typeId)));
    await db.delete(propertyGroups).where(and(eq(propertyGroups.workspaceId, ctx.workspaceId), eq(propertyGroups.typeId, row.typeId)));
  }
  else await db.update(objectSchemas).set({ archivedAt: sql`now()`, updatedAt: sql`now()` }).where(key);
  dropObjectTypeCache(ctx.workspaceId);
  return { typeId: row.typeId, name: row.name };
}
