import { and, count, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Plan } from '../../../shared/plans.ts';
import type { PropertyCreate, PropertyGroupCreate, PropertyGroupUpdate, PropertyGroupView, PropertyUpdate, PropertyView } from '../../../shared/properties.ts';
import type { BatchError } from '../../../shared/records.ts';
import type { DbOrTx } from '../../db/client.ts';
import { type PropertyDefinitionRow, propertyDefinitions, type PropertyGroupRow, propertyGroups, type PropertyOption, workspaces } from '../../db/schema/index.ts';
import { batchErrorOf } from '../../envelope.ts';
import { ApiError, type ErrorDetail } from '../../errors.ts';
import { requireCustomObjectsPlan } from '../custom-schemas.ts';
import { dropObjectTypeCache, type ObjectType, resolveObjectType } from '../object-types.ts';
import { SYSTEM_PROPERTIES } from '../record-properties.ts';
import { PROPERTY_ORDER } from './view.ts';
import { STANDARD_PROPERTIES, type StandardGroup, type StandardProperty } from './standard.ts';

/** A field of the body (`body:name`) or of a batch input (`inputs[2].name`), for errors. */
const field = (at: string, name: string) => (at === 'body' ? `body:${name}` : `${at}.${name}`);

/** The most properties a workspace defines per object type (HubSpot: 1,000 custom properties). */
export const PROPERTIES_PER_TYPE = 1_000;
/** Time 0: what HubSpot's own definitions are stamped with (as the default pipelines are). */
const EPOCH = new Date(0);

/** Who changes property definitions: the workspace and its plan (custom types' need Enterprise). */
export interface PropertyContext {
  workspaceId: string;
  plan: Plan;
}

function newRow(workspaceId: string, typeId: string, p: StandardProperty, displayOrder: number): typeof propertyDefinitions.$inferInsert {
  return {
    workspaceId,
    typeId,
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    groupName: p.groupName,
    description: p.description ?? '',
    options: p.options ?? [],
    displayOrder,
    hasUniqueValue: p.hasUniqueValue ?? false,
    hidden: p.hidden ?? false,
    formField: p.formField ?? false,
    calculated: p.calculated ?? false,
    externalOptions: p.externalOptions ?? false,
    referencedObjectType: p.referencedObjectType ?? null,
    hubspotDefined: true,
    createdAt: EPOCH,
    updatedAt: EPOCH,
  };
}

/** Every standard property and group of every standard type, as rows of one workspace. */
export function standardRows(workspaceId: string): { properties: Array<typeof propertyDefinitions.$inferInsert>; groups: Array<typeof propertyGroups.$inferInsert> } {
  const properties: Array<typeof propertyDefinitions.$inferInsert> = [];
  const groups: Array<typeof propertyGroups.$inferInsert> = [];
  for (const [typeId, std] of Object.entries(STANDARD_PROPERTIES)) {
    std.properties.forEach((p, i) => properties.push(newRow(workspaceId, typeId, p, i)));
    std.groups.forEach((g: StandardGroup, i) => groups.push({ workspaceId, typeId, name: g.name, label: g.label, displayOrder: i, hubspotDefined: true }));
  }
  return { properties, groups };
}

/** Gives a new workspace HubSpot's standard properties and groups (createWorkspace). */
export async function seedStandardProperties(tx: DbOrTx, workspaceId: string): Promise<void> {
  const { properties, groups } = standardRows(workspaceId);
  await tx.insert(propertyGroups).values(groups).onConflictDoNothing();
  await tx.insert(propertyDefinitions).values(properties).onConflictDoNothing();
}

const scopeOf = (workspaceId: string, type: ObjectType) => and(eq(propertyDefinitions.workspaceId, workspaceId), eq(propertyDefinitions.typeId, type.typeId));
const groupScope = (workspaceId: string, type: ObjectType) => and(eq(propertyGroups.workspaceId, workspaceId), eq(propertyGroups.typeId, type.typeId));

function notFound(type: ObjectType, name: string, where = 'path:propertyName'): ApiError {
  return new ApiError('NOT_FOUND', `Property ${name} does not exist on ${type.name}`, { errors: [{ message: 'unknown property', in: where }] });
}

function invalid(message: string, where: string): ApiError {
  return new ApiError('VALIDATION_ERROR', message, { errors: [{ message, in: where }] });
}

/** The live (or, with `archived`, the archived) properties of a type, in display order. */
export async function listProperties(db: DbOrTx, workspaceId: string, type: ObjectType, archived = false): Promise<PropertyDefinitionRow[]> {
  return db
    .select()
    .from(propertyDefinitions)
    .where(and(scopeOf(workspaceId, type), archived ? isNotNull(propertyDefinitions.archivedAt) : isNull(propertyDefinitions.archivedAt)))
    .orderBy(...PROPERTY_ORDER);
}

/** One property by name (live, or archived with `archived`), or NOT_FOUND. */
export async function getProperty(db: DbOrTx, workspaceId: string, type: ObjectType, name: string, archived = false): Promise<PropertyDefinitionRow> {
  const [row] = await db
    .select()
    .from(propertyDefinitions)
    .where(and(scopeOf(workspaceId, type), eq(propertyDefinitions.name, name), archived ? isNotNull(propertyDefinitions.archivedAt) : isNull(propertyDefinitions.archivedAt)));
  if (!row) throw notFound(type, name);
  return row;
}

/** Options as stored: each value once, display order given or by position. */
function optionsOf(input: PropertyCreate['options'], where: string, problems: ErrorDetail[]): PropertyOption[] {
  const list = (input ?? []).map((o, i) => ({ label: o.label, value: o.value, hidden: o.hidden ?? false, displayOrder: o.displayOrder ?? i, ...(o.description ? { description: o.description } : {}) }));
  const seen = new Set<string>();
  list.forEach((o, i) => {
    if (seen.has(o.value)) problems.push({ message: `option value "${o.value}" is repeated`, in: `${field(where, 'options')}[${i}].value` });
    seen.add(o.value);
  });
  return list;
}

/** Which field types go with which type (HubSpot refuses the others). */
const FIELD_TYPES: Record<string, readonly string[]> = {
  string: ['text', 'textarea', 'html', 'phonenumber', 'file', 'calculation_equation'],
  phone_number: ['phonenumber', 'text'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  bool: ['booleancheckbox', 'calculation_equation'],
};

function checkShape(type: string, fieldType: string, options: PropertyOption[], where: string, problems: ErrorDetail[]): void {
  if (!FIELD_TYPES[type]?.includes(fieldType)) problems.push({ message: `fieldType ${fieldType} does not go with type ${type}: use ${FIELD_TYPES[type]?.join(', ')}`, in: `${field(where, 'fieldType')}` });
  if (type === 'enumeration' && options.length === 0) problems.push({ message: 'an enumeration property needs options', in: `${field(where, 'options')}` });
  if (type !== 'enumeration' && type !== 'bool' && options.length > 0) problems.push({ message: `a ${type} property has no options`, in: `${field(where, 'options')}` });
}

const BOOL_OPTIONS: PropertyOption[] = [
  { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
  { label: 'No', value: 'false', displayOrder: 1, hidden: false },
];

/**
 * The row of a new property, or VALIDATION_ERROR naming every problem (`where` is `body` or
 * `inputs[i]`). The caller checks the name is free and the group exists.
 */
function newProperty(ctx: PropertyContext, type: ObjectType, input: PropertyCreate, where: string): typeof propertyDefinitions.$inferInsert {
  const problems: ErrorDetail[] = [];
  if ((SYSTEM_PROPERTIES as readonly string[]).includes(input.name) || input.name.startsWith('hs_')) problems.push({ message: `${input.name} is a name HubSpot keeps for its own properties`, in: `${field(where, 'name')}` });
  let options = optionsOf(input.options, where, problems);
  if (input.type === 'bool' && options.length === 0) options = BOOL_OPTIONS;
  checkShape(input.type, input.fieldType, options, where, problems);
  if (input.hasUniqueValue && (input.type === 'enumeration' || input.type === 'bool')) problems.push({ message: `a ${input.type} property cannot have unique values`, in: `${field(where, 'hasUniqueValue')}` });
  if (problems.length > 0) throw new ApiError('VALIDATION_ERROR', `Property ${input.name} is not valid: ${problems[0]!.message}`, { errors: problems });
  return {
    workspaceId: ctx.workspaceId,
    typeId: type.typeId,
    name: input.name,
    label: input.label,
    type: input.type,
    fieldType: input.fieldType,
    groupName: input.groupName,
    description: input.description ?? '',
    options,
    displayOrder: input.displayOrder ?? -1,
    hasUniqueValue: input.hasUniqueValue ?? false,
    hidden: input.hidden ?? false,
    formField: input.formField ?? false,
    externalOptions: input.externalOptions ?? false,
    referencedObjectType: input.referencedObjectType ?? null,
  };
}

/** Changing a custom type's properties is changing its schema: Enterprise only (R1). */
function requireChangeable(ctx: PropertyContext, type: ObjectType): void {
  if (type.custom) requireCustomObjectsPlan(ctx.plan);
}

/** One property change at a time per workspace, so name and count checks hold until the write. */
async function lockWorkspace(tx: DbOrTx, workspaceId: string): Promise<void> {
  await tx.select({ id: workspaces.workspaceId }).from(workspaces).where(eq(workspaces.workspaceId, workspaceId)).for('update');
}

/**
 * Creates properties of a type (one or a batch): each input checked (name free among live and
 * archived properties, group existing, type and field type going together, options), the good
 * ones written, the others answered as errors by index. Runs in the caller's transaction.
 */
export async function createProperties(tx: DbOrTx, ctx: PropertyContext, type: ObjectType, inputs: PropertyCreate[], where: (i: number) => string): Promise<{ rows: PropertyDefinitionRow[]; errors: Array<{ index: number; error: ApiError }> }> {
  requireChangeable(ctx, type);
  await lockWorkspace(tx, ctx.workspaceId);
  const existing = await tx.select({ name: propertyDefinitions.name, archivedAt: propertyDefinitions.archivedAt, hubspotDefined: propertyDefinitions.hubspotDefined }).from(propertyDefinitions).where(scopeOf(ctx.workspaceId, type));
  const groups = new Set((await tx.select({ name: propertyGroups.name }).from(propertyGroups).where(and(groupScope(ctx.workspaceId, type), isNull(propertyGroups.archivedAt)))).map((g) => g.name));
  const taken = new Map(existing.map((e) => [e.name, e]));
  let custom = existing.filter((e) => !e.hubspotDefined && e.archivedAt === null).length;
  const errors: Array<{ index: number; error: ApiError }> = [];
  const values: Array<typeof propertyDefinitions.$inferInsert> = [];
  inputs.forEach((input, index) => {
    const at = where(index);
    try {
      const clash = taken.get(input.name);
      if (clash) {
        const why = clash.archivedAt ? 'an archived property still holds the name' : 'a property with this name exists';
        throw new ApiError('CONFLICT', `Property named ${input.name} already exists on ${type.name}: ${why}`, { errors: [{ message: why, in: `${field(at, 'name')}` }] });
      }
      if (!groups.has(input.groupName)) throw invalid(`Property group ${input.groupName} does not exist on ${type.name}`, `${field(at, 'groupName')}`);
      if (custom >= PROPERTIES_PER_TYPE) throw invalid(`A workspace defines at most ${PROPERTIES_PER_TYPE} properties per object type`, at);
      values.push(newProperty(ctx, type, input, at));
      taken.set(input.name, { name: input.name, archivedAt: null, hubspotDefined: false });
      custom++;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      errors.push({ index, error: err });
    }
  });
  const rows = values.length > 0 ? await tx.insert(propertyDefinitions).values(values).returning() : [];
  dropObjectTypeCache(ctx.workspaceId);
  return { rows, errors };
}

/**
 * Changes a property. HubSpot's own properties keep their type and field type (readOnlyDefinition
 * for the ones the server sets: nothing changes); options of an enumeration are replaced as a whole.
 */
export async function updateProperty(tx: DbOrTx, ctx: PropertyContext, type: ObjectType, name: string, patch: PropertyUpdate): Promise<PropertyDefinitionRow> {
  requireChangeable(ctx, type);
  await lockWorkspace(tx, ctx.workspaceId);
  const row = await getProperty(tx, ctx.workspaceId, type, name);
  const problems: ErrorDetail[] = [];
  if (row.hubspotDefined && row.calculated) problems.push({ message: `${name} is set by the server; its definition is read-only`, in: 'body' });
  if (row.hubspotDefined && patch.type !== undefined && patch.type !== row.type) problems.push({ message: `the type of HubSpot's property ${name} cannot change`, in: 'body:type' });
  if (row.hubspotDefined && patch.fieldType !== undefined && patch.fieldType !== row.fieldType) problems.push({ message: `the field type of HubSpot's property ${name} cannot change`, in: 'body:fieldType' });
  if (row.externalOptions && patch.options !== undefined) problems.push({ message: `the options of ${name} come from elsewhere (owners, pipelines)`, in: 'body:options' });
  const typeAfter = patch.type ?? row.type;
  let options = patch.options !== undefined ? optionsOf(patch.options, 'body', problems) : row.options;
  if (typeAfter === 'bool' && options.length === 0) options = BOOL_OPTIONS;
  if (typeAfter !== 'enumeration' && typeAfter !== 'bool' && patch.options === undefined) options = [];
  if (!row.externalOptions) checkShape(typeAfter, patch.fieldType ?? row.fieldType, options, 'body', problems);
  if (patch.groupName !== undefined) {
    const [group] = await tx.select().from(propertyGroups).where(and(groupScope(ctx.workspaceId, type), eq(propertyGroups.name, patch.groupName), isNull(propertyGroups.archivedAt)));
    if (!group) problems.push({ message: `property group ${patch.groupName} does not exist on ${type.name}`, in: 'body:groupName' });
  }
  if (problems.length > 0) throw new ApiError('VALIDATION_ERROR', `Property ${name} cannot change so: ${problems[0]!.message}`, { errors: problems });
  const [updated] = await tx
    .update(propertyDefinitions)
    .set({
      ...(patch.label !== undefined ? { label: patch.label } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.groupName !== undefined ? { groupName: patch.groupName } : {}),
      ...(patch.displayOrder !== undefined ? { displayOrder: patch.displayOrder } : {}),
      ...(patch.hidden !== undefined ? { hidden: patch.hidden } : {}),
      ...(patch.formField !== undefined ? { formField: patch.formField } : {}),
      type: typeAfter,
      fieldType: patch.fieldType ?? row.fieldType,
      options,
      updatedAt: sql`now()`,
    })
    .where(and(scopeOf(ctx.workspaceId, type), eq(propertyDefinitions.name, name)))
    .returning();
  dropObjectTypeCache(ctx.workspaceId);
  return updated!;
}

/**
 * Archives properties by name: HubSpot's own cannot be archived, nor the properties a custom
 * type's schema names (required, searchable, display). Names that match no live property are
 * left alone (batch archive) or NOT_FOUND (`strict`, a single archive). Records keep their values; writes to the property are
 * refused from then on.
 */
export async function archiveProperties(tx: DbOrTx, ctx: PropertyContext, type: ObjectType, names: string[], options: { strict: boolean; where: (i: number) => string }): Promise<string[]> {
  requireChangeable(ctx, type);
  await lockWorkspace(tx, ctx.workspaceId);
  const rows = names.length === 0 ? [] : await tx.select().from(propertyDefinitions).where(and(scopeOf(ctx.workspaceId, type), inArray(propertyDefinitions.name, names), isNull(propertyDefinitions.archivedAt)));
  const live = new Map(rows.map((r) => [r.name, r]));
  const d = type.definition;
  // what the type's schema names stays defined (checkReferences in custom-schemas.ts)
  const kept = new Set(d ? [...d.requiredProperties, ...d.searchableProperties, ...d.secondaryDisplayProperties, d.primaryDisplayProperty] : []);
  const problems: ErrorDetail[] = [];
  names.forEach((name, i) => {
    const row = live.get(name);
    if (!row) {
      if (options.strict) throw notFound(type, name);
      return;
    }
    if (row.hubspotDefined) problems.push({ message: `${name} is one of HubSpot's properties and cannot be archived`, in: options.where(i) });
    else if (kept.has(name)) problems.push({ message: `${name} is named by the schema of ${type.name} (required, searchable or display property); change the schema first`, in: options.where(i) });
  });
  if (problems.length > 0) throw new ApiError('VALIDATION_ERROR', `Cannot archive: ${problems[0]!.message}`, { errors: problems });
  const gone = [...live.keys()];
  if (gone.length > 0) {
    await tx
      .update(propertyDefinitions)
      .set({ archivedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(scopeOf(ctx.workspaceId, type), inArray(propertyDefinitions.name, gone)));
  }
  dropObjectTypeCache(ctx.workspaceId);
  return gone;
}

/** A per-input error of a property batch (HubSpot's StandardError). */
export function propertyBatchError(err: ApiError, index: number): BatchError {
  return batchErrorOf(err, { index: [String(index)] });
}

// ---- groups ------------------------------------------------------------------------------------

export async function listGroups(db: DbOrTx, workspaceId: string, type: ObjectType): Promise<PropertyGroupRow[]> {
  return db.select().from(propertyGroups).where(and(groupScope(workspaceId, type), isNull(propertyGroups.archivedAt))).orderBy(propertyGroups.displayOrder, propertyGroups.name);
}

export async function getGroup(db: DbOrTx, workspaceId: string, type: ObjectType, name: string): Promise<PropertyGroupRow> {
  const [row] = await db.select().from(propertyGroups).where(and(groupScope(workspaceId, type), eq(propertyGroups.name, name), isNull(propertyGroups.archivedAt)));
  if (!row) throw new ApiError('NOT_FOUND', `Property group ${name} does not exist on ${type.name}`, { errors: [{ message: 'unknown property group', in: 'path:groupName' }] });
  return row;
}

/** A new group; a name in use (live or archived) is a 409. */
export async function createGroup(tx: DbOrTx, ctx: PropertyContext, type: ObjectType, input: PropertyGroupCreate): Promise<PropertyGroupRow> {
  requireChangeable(ctx, type);
  await lockWorkspace(tx, ctx.workspaceId);
  const [clash] = await tx.select().from(propertyGroups).where(and(groupScope(ctx.workspaceId, type), eq(propertyGroups.name, input.name)));
  if (clash) {
    const why = clash.archivedAt ? 'an archived group still holds the name' : 'a group with this name exists';
    throw new ApiError('CONFLICT', `Property group ${input.name} already exists on ${type.name}: ${why}`, { errors: [{ message: why, in: 'body:name' }] });
  }
  const [row] = await tx.insert(propertyGroups).values({ workspaceId: ctx.workspaceId, typeId: type.typeId, name: input.name, label: input.label, displayOrder: input.displayOrder ?? -1 }).returning();
  return row!;
}

export async function updateGroup(tx: DbOrTx, ctx: PropertyContext, type: ObjectType, name: string, patch: PropertyGroupUpdate): Promise<PropertyGroupRow> {
  requireChangeable(ctx, type);
  await getGroup(tx, ctx.workspaceId, type, name);
  const [row] = await tx
    .update(propertyGroups)
    .set({ ...(patch.label !== undefined ? { label: patch.label } : {}), ...(patch.displayOrder !== undefined ? { displayOrder: patch.displayOrder } : {}) })
    .where(and(groupScope(ctx.workspaceId, type), eq(propertyGroups.name, name)))
    .returning();
  return row!;
}

/** Archives a group: not one of HubSpot's, and not while live properties are in it. */
export async function archiveGroup(tx: DbOrTx, ctx: PropertyContext, type: ObjectType, name: string): Promise<void> {
  requireChangeable(ctx, type);
  await lockWorkspace(tx, ctx.workspaceId);
  const group = await getGroup(tx, ctx.workspaceId, type, name);
  if (group.hubspotDefined) throw invalid(`${name} is one of HubSpot's property groups and cannot be archived`, 'path:groupName');
  const [held] = await tx.select({ n: count() }).from(propertyDefinitions).where(and(scopeOf(ctx.workspaceId, type), eq(propertyDefinitions.groupName, name), isNull(propertyDefinitions.archivedAt)));
  if ((held?.n ?? 0) > 0) throw invalid(`Property group ${name} still holds ${held!.n} properties; move them to another group first`, 'path:groupName');
  await tx.update(propertyGroups).set({ archivedAt: sql`now()` }).where(and(groupScope(ctx.workspaceId, type), eq(propertyGroups.name, name)));
}

/** The type a properties path names (a standard type, a custom type's name or `2-…` id). */
export async function propertyObjectType(db: DbOrTx, workspaceId: string, ref: string): Promise<ObjectType> {
  return resolveObjectType(db, workspaceId, ref);
}
