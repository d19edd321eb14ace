import { and, count, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AssociationDefinitionView } from '../../shared/records.ts';
import type { DbOrTx } from '../db/client.ts';
import { associationLimits, associations, associationTypes, workspaces } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { createTypePair, dropAssociationTypeCache } from './association-types.ts';
import { requireCustomObjectsPlan, type SchemaContext } from './custom-schemas.ts';
import { type ObjectType, resolveObjectType } from './object-types.ts';

// HubSpot's association definitions of a custom object schema are, here, the unlabeled
// association type of a pair (association-types.ts): the one type every association of the pair
// has, which pairs with a custom object otherwise get on first use. Defining one ahead names it;
// labels stay the v4 labels routes' business.

type TypeRow = typeof associationTypes.$inferSelect;

function view(row: TypeRow): AssociationDefinitionView {
  const at = row.createdAt.toISOString();
  return { id: String(row.typeId), fromObjectTypeId: row.fromType, toObjectTypeId: row.toType, ...(row.name ? { name: row.name } : {}), createdAt: at, updatedAt: at };
}

/** The custom object of the path, or 404 (standard objects have HubSpot's own definitions). */
async function customType(db: DbOrTx, workspaceId: string, ref: string): Promise<ObjectType> {
  const type = await resolveObjectType(db, workspaceId, ref).catch(() => null);
  if (!type || !type.typeId.startsWith('2-')) {
    throw new ApiError('OBJECT_TYPE_NOT_FOUND', `No custom object type ${ref}`, { errors: [{ message: 'unknown custom object type', in: 'path:objectType' }] });
  }
  return type;
}

const unlabeled = (workspaceId: string) => and(eq(associationTypes.workspaceId, workspaceId), isNull(associationTypes.label), eq(associationTypes.category, 'USER_DEFINED'));

/** The association definitions from each of these custom types, for their schema views. */
export async function associationDefinitions(db: DbOrTx, workspaceId: string, typeIds: string[]): Promise<Map<string, AssociationDefinitionView[]>> {
  const out = new Map<string, AssociationDefinitionView[]>(typeIds.map((id) => [id, []]));
  if (typeIds.length === 0) return out;
  const rows = await db.select().from(associationTypes).where(and(unlabeled(workspaceId), inArray(associationTypes.fromType, typeIds))).orderBy(associationTypes.typeId);
  for (const row of rows) out.get(row.fromType)?.push(view(row));
  return out;
}

/**
 * Defines the association between a custom object and another type (HubSpot's createAssociation):
 * the pair's unlabeled type, both directions, with `name`. A pair that got its type on first use
 * (without a name) is named now; a pair already defined with a name, or a name another type of
 * the workspace holds, is a CONFLICT. Enterprise only, as custom objects are.
 */
export async function createAssociationDefinition(
  db: DbOrTx,
  ctx: SchemaContext & { createdBy?: number },
  ref: string,
  egg: { fromObjectTypeId: string; toObjectTypeId: string; name?: string | undefined },
): Promise<AssociationDefinitionView> {
  requireCustomObjectsPlan(ctx.plan);
  const ws = ctx.workspaceId;
  const from = await customType(db, ws, ref);
  const given = await resolveObjectType(db, ws, egg.fromObjectTypeId).catch(() => null);
  if (given?.typeId !== from.typeId) {
    throw new ApiError('VALIDATION_ERROR', `fromObjectTypeId must be the object type of the path (${from.typeId}), got ${egg.fromObjectTypeId}`, { errors: [{ message: 'not the path\'s object type', in: 'body:fromObjectTypeId' }] });
  }
  const to = await resolveObjectType(db, ws, egg.toObjectTypeId).catch(() => {
    throw new ApiError('VALIDATION_ERROR', `toObjectTypeId names no object type: ${egg.toObjectTypeId}`, { errors: [{ message: 'unknown object type', in: 'body:toObjectTypeId' }] });
  });
  const name = egg.name ?? null;
  const row = await db.transaction(async (tx) => {
    // one definition change at a time per workspace, so the checks below hold until the insert
    await tx.select({ id: workspaces.workspaceId }).from(workspaces).where(eq(workspaces.workspaceId, ws)).for('update');
    if (name !== null) {
      const [taken] = await tx.select({ typeId: associationTypes.typeId }).from(associationTypes).where(and(eq(associationTypes.workspaceId, ws), sql`lower(${associationTypes.name}) = lower(${name})`)).limit(1);
      if (taken) throw new ApiError('CONFLICT', `An association named ${name} exists (type ${taken.typeId})`, { errors: [{ message: 'name taken', in: 'body:name' }] });
    }
    const pair = (f: string, t: string) => and(unlabeled(ws), eq(associationTypes.fromType, f), eq(associationTypes.toType, t));
    const [existing] = await tx.select().from(associationTypes).where(pair(from.typeId, to.typeId));
    if (existing?.name) {
      throw new ApiError('CONFLICT', `The association between ${from.typeId} and ${to.typeId} is defined already (${existing.name}, id ${existing.typeId})`, { errors: [{ message: 'pair defined', in: 'body:toObjectTypeId' }] });
    }
    if (existing) {
      const ids = [existing.typeId, existing.inverseTypeId];
      await tx.update(associationTypes).set({ name }).where(and(eq(associationTypes.workspaceId, ws), inArray(associationTypes.typeId, ids)));
      return { ...existing, name };
    }
    const made = await createTypePair(tx, ws, { fromType: from.typeId, toType: to.typeId, label: null, inverseLabel: null, name, category: 'USER_DEFINED', primaryStyle: false, ...(ctx.createdBy !== undefined ? { createdBy: ctx.createdBy } : {}) });
    const [forward] = await tx.select().from(associationTypes).where(and(eq(associationTypes.workspaceId, ws), eq(associationTypes.typeId, made[0]!.typeId)));
    return forward!;
  });
  dropAssociationTypeCache(ws);
  return view(row);
}

/**
 * Removes an association definition of a custom object (HubSpot's archiveAssociation): the pair's
 * unlabeled type in both directions, and any limits set on it. Refused while associations of the
 * pair exist (CONFLICT): every association of a pair has the unlabeled type, so removing it would
 * leave them without one; remove the associations first.
 */
export async function removeAssociationDefinition(db: DbOrTx, ctx: SchemaContext, ref: string, identifier: string): Promise<{ objectTypeId: string; typeId: number; inverseTypeId: number }> {
  requireCustomObjectsPlan(ctx.plan);
  const ws = ctx.workspaceId;
  const from = await customType(db, ws, ref);
  const typeId = Number(identifier);
  const gone = await db.transaction(async (tx) => {
    await tx.select({ id: workspaces.workspaceId }).from(workspaces).where(eq(workspaces.workspaceId, ws)).for('update');
    const [row] = await tx
      .select()
      .from(associationTypes)
      .where(and(unlabeled(ws), eq(associationTypes.typeId, typeId), or(eq(associationTypes.fromType, from.typeId), eq(associationTypes.toType, from.typeId))));
    if (!row) throw new ApiError('NOT_FOUND', `No association definition ${identifier} of ${from.typeId}`, { errors: [{ message: 'unknown association definition', in: 'path:associationIdentifier' }] });
    const ids = [...new Set([row.typeId, row.inverseTypeId])];
    const [used] = await tx.select({ n: count() }).from(associations).where(and(eq(associations.workspaceId, ws), inArray(associations.typeId, ids)));
    if ((used?.n ?? 0) > 0) {
      throw new ApiError('CONFLICT', `${used!.n} associations between ${row.fromType} and ${row.toType} use this definition; remove them first`, { errors: [{ message: 'associations exist', in: 'path:associationIdentifier' }] });
    }
    await tx.delete(associationLimits).where(and(eq(associationLimits.workspaceId, ws), inArray(associationLimits.typeId, ids)));
    await tx.delete(associationTypes).where(and(eq(associationTypes.workspaceId, ws), inArray(associationTypes.typeId, ids)));
    return { objectTypeId: from.typeId, typeId: row.typeId, inverseTypeId: row.inverseTypeId };
  });
  dropAssociationTypeCache(ws);
  return gone;
}

/** Schema views with their association definitions filled in (HubSpot's ObjectSchema.associations). */
export async function withAssociations<T extends { objectTypeId: string }>(db: DbOrTx, workspaceId: string, views: T[]): Promise<Array<T & { associations: AssociationDefinitionView[] }>> {
  const defs = await associationDefinitions(db, workspaceId, views.map((v) => v.objectTypeId));
  return views.map((v) => ({ ...v, associations: defs.get(v.objectTypeId) ?? [] }));
}
