import { and, eq, or, sql } from 'drizzle-orm';
import type { AssociationCategory, AssociationTypeDef } from '../../shared/association-types.ts';
import { standardObjectById } from '../../shared/objects.ts';
import { defaultPairLimit, LIMITS, type Plan } from '../../shared/plans.ts';
import type { DbOrTx } from '../db/client.ts';
import { associationLimits } from '../db/schema/index.ts';
import { ApiError, type ErrorDetail } from '../errors.ts';
import { defaultType, findType, specWithLabel } from './association-types.ts';

export interface LimitRow {
  fromType: string;
  toType: string;
  typeId: number;
  max: number;
}

function involvesActivity(fromType: string, toType: string): boolean {
  return Boolean(standardObjectById(fromType)?.activity || standardObjectById(toType)?.activity);
}

/**
 * Effective per-record limit of one direction and type (R4): the admin's setting for that type,
 * else (labels) the pair's, else the plan's default for the pair.
 */
export function effectiveLimit(configured: LimitRow[], plan: Plan, fromType: string, toType: string, typeId: number, defaultTypeId: number): number {
  const find = (id: number) => configured.find((l) => l.fromType === fromType && l.toType === toType && l.typeId === id)?.max;
  return find(typeId) ?? find(defaultTypeId) ?? defaultPairLimit(plan, involvesActivity(fromType, toType));
}

export async function limitsForPair(db: DbOrTx, workspaceId: string, a: string, b: string): Promise<LimitRow[]> {
  const rows = await db
    .select()
    .from(associationLimits)
    .where(
      and(
        eq(associationLimits.workspaceId, workspaceId),
        or(and(eq(associationLimits.fromType, a), eq(associationLimits.toType, b)), and(eq(associationLimits.fromType, b), eq(associationLimits.toType, a))),
      ),
    );
  return rows.map((r) => ({ fromType: r.fromType, toType: r.toType, typeId: r.typeId, max: r.maxToObjectIds }));
}

export interface LimitInput {
  category: AssociationCategory;
  typeId: number;
  maxToObjectIds: number;
}

/**
 * Sets limits for one direction. Each input is checked on its own: 1–10,000, a type of this
 * direction, a label's limit not above its pair's. Lower limits are not retroactive: existing
 * associations stay, new ones are refused. Returns the applied inputs and the refused ones.
 */
export async function setLimits(
  db: DbOrTx,
  workspaceId: string,
  plan: Plan,
  fromType: string,
  toType: string,
  inputs: LimitInput[],
): Promise<{ applied: Array<ReturnType<typeof configurationView>>; errors: Array<{ index: number; error: ApiError }> }> {
  const def = await defaultType(db, workspaceId, fromType, toType);
  const current = await limitsForPair(db, workspaceId, fromType, toType);
  // pair-level inputs first, so labels are checked against the new pair limit
  const order = inputs.map((input, index) => ({ input, index })).sort((x, y) => Number(y.input.typeId === def.typeId) - Number(x.input.typeId === def.typeId));
  const applied: Array<ReturnType<typeof configurationView>> = [];
  const errors: Array<{ index: number; error: ApiError }> = [];
  for (const { input, index } of order) {
    const where: ErrorDetail = { message: '', in: `body:inputs[${index}]` };
    const t = await findType(db, workspaceId, input.typeId);
    if (!t || t.fromType !== fromType || t.toType !== toType) {
      errors.push({ index, error: new ApiError('ASSOCIATION_TYPE_NOT_FOUND', `Association type ${input.typeId} does not go from ${fromType} to ${toType}`, { errors: [{ ...where, message: 'unknown type for this pair', in: `${where.in}.typeId` }] }) });
      continue;
    }
    if (t.category !== input.category) {
      errors.push({ index, error: new ApiError('ASSOCIATION_TYPE_NOT_FOUND', `Association type ${input.typeId} is ${t.category}, not ${input.category}`, { errors: [{ ...where, message: 'category mismatch', in: `${where.in}.category` }] }) });
      continue;
    }
    if (t.primary) {
      errors.push({ index, error: new ApiError('VALIDATION_ERROR', 'The primary label always holds exactly one record; its limit cannot be set', { errors: [{ ...where, message: 'primary has a fixed limit of 1', in: `${where.in}.typeId` }] }) });
      continue;
    }
    const max = input.maxToObjectIds;
    if (!Number.isInteger(max) || max < LIMITS.maxToObjectIdsMin || max > LIMITS.maxToObjectIdsMax) {
      errors.push({ index, error: new ApiError('VALIDATION_ERROR', `maxToObjectIds must be a whole number from ${LIMITS.maxToObjectIdsMin} to ${LIMITS.maxToObjectIdsMax}`, { errors: [{ ...where, message: 'out of range', in: `${where.in}.maxToObjectIds` }] }) });
      continue;
    }
    if (t.typeId === def.typeId) {
      const above = current.filter((l) => l.typeId !== def.typeId && l.max > max);
      if (above.length > 0) {
        errors.push({ index, error: new ApiError('LABEL_LIMIT_ABOVE_PAIR_LIMIT', `Labels of this pair have higher limits (${above.map((l) => `type ${l.typeId}: ${l.max}`).join(', ')}) than the new pair limit ${max}; lower them first`, { errors: [{ ...where, message: 'a label limit would exceed the pair limit', in: `${where.in}.maxToObjectIds` }] }) });
        continue;
      }
    } else {
      const pairMax = effectiveLimit(current, plan, fromType, toType, def.typeId, def.typeId);
      if (max > pairMax) {
        errors.push({ index, error: new ApiError('LABEL_LIMIT_ABOVE_PAIR_LIMIT', `A label's limit (${max}) may not exceed its pair's limit (${pairMax})`, { errors: [{ ...where, message: 'above the pair limit', in: `${where.in}.maxToObjectIds` }] }) });
        continue;
      }
    }
    await db
      .insert(associationLimits)
      .values({ workspaceId, fromType, toType, typeId: t.typeId, maxToObjectIds: max })
      .onConflictDoUpdate({ target: [associationLimits.workspaceId, associationLimits.fromType, associationLimits.toType, associationLimits.typeId], set: { maxToObjectIds: max, updatedAt: sql`now()` } });
    const existing = current.find((l) => l.typeId === t.typeId);
    if (existing) existing.max = max;
    else current.push({ fromType, toType, typeId: t.typeId, max });
    applied.push(configurationView(t, max));
  }
  return { applied, errors };
}

export async function purgeLimits(db: DbOrTx, workspaceId: string, fromType: string, toType: string, typeIds: number[]): Promise<void> {
  for (const typeId of typeIds) {
    await db
      .delete(associationLimits)
      .where(and(eq(associationLimits.workspaceId, workspaceId), eq(associationLimits.fromType, fromType), eq(associationLimits.toType, toType), eq(associationLimits.typeId, typeId)));
  }
}

export function configurationView(t: AssociationTypeDef, max: number) {
  return { ...specWithLabel(t), userEnforcedMaxToObjectIds: max };
}

/** Configured limits, for one direction or the whole workspace. */
export async function listLimits(db: DbOrTx, workspaceId: string, pair?: { fromType: string; toType: string }) {
  const rows = await db
    .select()
    .from(associationLimits)
    .where(
      and(
        eq(associationLimits.workspaceId, workspaceId),
        ...(pair ? [eq(associationLimits.fromType, pair.fromType), eq(associationLimits.toType, pair.toType)] : []),
      ),
    )
    .orderBy(associationLimits.fromType, associationLimits.toType, associationLimits.typeId);
  const out = [];
  for (const r of rows) {
    const t = await findType(db, workspaceId, r.typeId);
    if (t) out.push({ ...configurationView(t, r.maxToObjectIds), fromObjectTypeId: r.fromType, toObjectTypeId: r.toType });
  }
  return out;
}
