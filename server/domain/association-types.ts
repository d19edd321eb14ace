import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type AssociationCategory, type AssociationTypeDef, HUBSPOT_DEFINED_TYPES, hubspotDefaultType, hubspotDefinedType } from '../../shared/association-types.ts';
import { COMPANY } from '../../shared/objects.ts';
import type { DbOrTx } from '../db/client.ts';
import { col, parseRow } from '../db/rows.ts';
import { associationTypes } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';

/**
 * The association types of one workspace: HubSpot's defined ones plus the rows it created
 * (labels, unlabeled types of custom-object pairs). Cached briefly per workspace; any change
 * drops the cache, and an unknown type id is looked up again before it is refused.
 */
const cache = new Map<string, { until: number; rows: AssociationTypeDef[] }>();
const CACHE_MS = 5_000;

export function dropAssociationTypeCache(workspaceId: string): void {
  cache.delete(workspaceId);
}

function fromRow(r: typeof associationTypes.$inferSelect): AssociationTypeDef {
  return {
    typeId: r.typeId,
    category: r.category,
    fromType: r.fromType,
    toType: r.toType,
    label: r.label,
    name: r.name,
    inverseTypeId: r.inverseTypeId,
    primary: false,
    primaryStyle: r.primaryStyle,
  };
}

async function workspaceTypes(db: DbOrTx, workspaceId: string, fresh = false): Promise<AssociationTypeDef[]> {
  const hit = cache.get(workspaceId);
  if (!fresh && hit && hit.until > Date.now()) return hit.rows;
  const rows = (await db.select().from(associationTypes).where(eq(associationTypes.workspaceId, workspaceId))).map(fromRow);
  cache.set(workspaceId, { until: Date.now() + CACHE_MS, rows });
  return rows;
}

/** A type by id, or undefined. */
export async function findType(db: DbOrTx, workspaceId: string, typeId: number): Promise<AssociationTypeDef | undefined> {
  const builtIn = hubspotDefinedType(typeId);
  if (builtIn) return builtIn;
  const find = (rows: AssociationTypeDef[]) => rows.find((t) => t.typeId === typeId);
  return find(await workspaceTypes(db, workspaceId)) ?? find(await workspaceTypes(db, workspaceId, true));
}

/** Every type from one object type to another (one direction). */
export async function typesBetween(db: DbOrTx, workspaceId: string, fromType: string, toType: string): Promise<AssociationTypeDef[]> {
  const own = (await workspaceTypes(db, workspaceId)).filter((t) => t.fromType === fromType && t.toType === toType);
  const builtIn = HUBSPOT_DEFINED_TYPES.filter((t) => t.fromType === fromType && t.toType === toType);
  return [...builtIn, ...own];
}

/**
 * The unlabeled type of a direction. HubSpot defines those of the standard pairs; pairs that
 * involve a custom object get theirs on first use (both directions, one transaction).
 */
export async function defaultType(db: DbOrTx, workspaceId: string, fromType: string, toType: string): Promise<AssociationTypeDef> {
  const builtIn = hubspotDefaultType(fromType, toType);
  if (builtIn) return builtIn;
  const find = (rows: AssociationTypeDef[]) => rows.find((t) => t.fromType === fromType && t.toType === toType && t.label === null);
  const known = find(await workspaceTypes(db, workspaceId)) ?? find(await workspaceTypes(db, workspaceId, true));
  if (known) return known;
  if (!fromType.startsWith('2-') && !toType.startsWith('2-')) {
    throw new ApiError('ASSOCIATION_TYPE_NOT_FOUND', `Records of type ${fromType} cannot be associated with records of type ${toType}`);
  }
  await createTypePair(db, workspaceId, { fromType, toType, label: null, inverseLabel: null, name: null, category: 'USER_DEFINED', primaryStyle: false, ifMissing: true });
  const created = find(await workspaceTypes(db, workspaceId, true));
  if (!created) throw new ApiError('INTERNAL', 'Could not create the default association type');
  return created;
}

/**
 * Creates a type and its inverse. A single label between two object types gets one id per
 * direction with the same label; a single label on a same-type pair is its own inverse; a paired
 * label gets two ids that are each other's inverse.
 */
export async function createTypePair(
  db: DbOrTx,
  workspaceId: string,
  p: {
    fromType: string;
    toType: string;
    label: string | null;
    inverseLabel: string | null;
    name: string | null;
    category: AssociationCategory;
    primaryStyle: boolean;
    createdBy?: number;
    ifMissing?: boolean;
  },
): Promise<AssociationTypeDef[]> {
  const ids = parseRow('association types: two new ids', z.object({ a: col.id, b: col.id }), await db.execute(sql`select nextval('association_type_ids')::int as a, nextval('association_type_ids')::int as b`));
  const sameType = p.fromType === p.toType;
  const paired = p.inverseLabel !== null && p.inverseLabel !== p.label;
  const forwardId = ids.a;
  const inverseId = sameType && !paired ? forwardId : ids.b;
  const base = { workspaceId, category: p.category, name: p.name, createdBy: p.createdBy ?? null };
  const rows = [{ ...base, typeId: forwardId, fromType: p.fromType, toType: p.toType, label: p.label, inverseTypeId: inverseId, primaryStyle: p.primaryStyle }];
  if (inverseId !== forwardId) {
    rows.push({ ...base, typeId: inverseId, fromType: p.toType, toType: p.fromType, label: paired ? p.inverseLabel : p.label, inverseTypeId: forwardId, primaryStyle: false });
  }
  const inserted = await db.insert(associationTypes).values(rows).onConflictDoNothing().returning();
  dropAssociationTypeCache(workspaceId);
  if (inserted.length !== rows.length && !p.ifMissing) {
    throw new ApiError('CONFLICT', `A label named "${p.label}" already exists between ${p.fromType} and ${p.toType}`);
  }
  return inserted.map(fromRow);
}

export async function renameType(db: DbOrTx, workspaceId: string, typeId: number, label: string, inverseLabel: string | undefined): Promise<void> {
  const t = await findType(db, workspaceId, typeId);
  if (!t || t.label === null || t.category === 'HUBSPOT_DEFINED') throw new ApiError('ASSOCIATION_LABEL_NOT_FOUND', `No label with type id ${typeId}`);
  const paired = t.inverseTypeId !== t.typeId && (await findType(db, workspaceId, t.inverseTypeId))?.label !== t.label;
  await db.update(associationTypes).set({ label }).where(and(eq(associationTypes.workspaceId, workspaceId), eq(associationTypes.typeId, typeId)));
  if (t.inverseTypeId !== t.typeId) {
    const inverse = paired ? inverseLabel : label;
    if (inverse !== undefined) {
      await db.update(associationTypes).set({ label: inverse }).where(and(eq(associationTypes.workspaceId, workspaceId), eq(associationTypes.typeId, t.inverseTypeId)));
    }
  }
  dropAssociationTypeCache(workspaceId);
}

/** The built-in primary company type and custom primary-style labels hold one record per `from` record. */
export function isExclusive(t: AssociationTypeDef): boolean {
  return t.primaryStyle || (t.primary && t.toType === COMPANY);
}

/** Labels as HubSpot's v4 schema API shows them. */
export function specWithLabel(t: AssociationTypeDef) {
  return { category: t.category, typeId: t.typeId, label: t.label };
}
