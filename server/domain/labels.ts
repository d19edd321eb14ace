import { and, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { hubspotPrimaryType } from '../../shared/association-types.ts';
import { LIMITS, planAllows } from '../../shared/plans.ts';
import type { DbOrTx, Tx } from '../db/client.ts';
import { associationLimits, associationTypes } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { createTypePair, dropAssociationTypeCache, findType, renameType, specWithLabel, typesBetween } from './association-types.ts';
import type { WriteContext } from './associations/write.ts';
import { recordNameSql } from './record-name.ts';

function requireLabelsPlan(ctx: WriteContext, feature: 'labels' | 'customPrimaryLabels' = 'labels'): void {
  if (!planAllows(ctx.plan, feature)) {
    throw new ApiError('PLAN_REQUIRED', `${feature === 'labels' ? 'Association labels' : 'Custom primary labels'} need the Professional or Enterprise plan; this workspace is on ${ctx.plan}`, {
      errors: [{ message: 'requires professional', in: 'plan', context: { requiredPlan: ['professional'] } }],
    });
  }
}

export async function listLabels(db: DbOrTx, workspaceId: string, fromType: string, toType: string) {
  const types = await typesBetween(db, workspaceId, fromType, toType);
  return types.map(specWithLabel);
}

/** A label between two object types (R14); paired when `inverseLabel` differs; primary-style on request (R13, B4). */
export async function createLabel(
  tx: Tx,
  ctx: WriteContext,
  fromType: string,
  toType: string,
  body: { label: string; name: string; inverseLabel?: string | undefined; primaryStyle?: boolean | undefined },
) {
  requireLabelsPlan(ctx);
  if (body.primaryStyle) {
    requireLabelsPlan(ctx, 'customPrimaryLabels');
    if (hubspotPrimaryType(fromType, toType)) {
      throw new ApiError('PRIMARY_NOT_ALLOWED', 'This pair already has the built-in primary company label; custom primary labels are for other object pairs (R13)', {
        errors: [{ message: 'use the built-in primary', in: 'body:primaryStyle' }],
      });
    }
  }
  const [existing] = await tx
    .select({ n: count() })
    .from(associationTypes)
    .where(and(eq(associationTypes.workspaceId, ctx.workspaceId), eq(associationTypes.fromType, fromType), eq(associationTypes.toType, toType), isNotNull(associationTypes.label)));
  if ((existing?.n ?? 0) >= LIMITS.labelsPerPair) {
    throw new ApiError('LABEL_LIMIT_EXCEEDED', `This object pair already has ${LIMITS.labelsPerPair} labels, the most it may have`, { errors: [{ message: 'too many labels', in: 'path' }] });
  }
  const clash = (await typesBetween(tx, ctx.workspaceId, fromType, toType)).find((t) => t.label?.toLowerCase() === body.label.toLowerCase());
  if (clash) throw new ApiError('CONFLICT', `A label "${clash.label}" already exists between ${fromType} and ${toType} (type ${clash.typeId})`, { errors: [{ message: 'duplicate label', in: 'body:label' }] });
  const created = await createTypePair(tx, ctx.workspaceId, {
    fromType,
    toType,
    label: body.label,
    inverseLabel: body.inverseLabel ?? null,
    name: body.name,
    category: 'USER_DEFINED',
    primaryStyle: body.primaryStyle ?? false,
    ...(ctx.actor.source === 'USER' ? { createdBy: ctx.actor.userId } : {}),
  });
  return created.map(specWithLabel);
}

export async function updateLabel(db: DbOrTx, ctx: WriteContext, fromType: string, toType: string, body: { associationTypeId: number; label: string; inverseLabel?: string | undefined }) {
  requireLabelsPlan(ctx);
  const t = await findType(db, ctx.workspaceId, body.associationTypeId);
  if (!t || t.fromType !== fromType || t.toType !== toType || t.label === null || t.category === 'HUBSPOT_DEFINED') {
    throw new ApiError('ASSOCIATION_LABEL_NOT_FOUND', `No label with type id ${body.associationTypeId} from ${fromType} to ${toType}`, { errors: [{ message: 'unknown label', in: 'body:associationTypeId' }] });
  }
  await renameType(db, ctx.workspaceId, t.typeId, body.label, body.inverseLabel);
}

/**
 * Deletes a label: the label leaves every association that had it (history LABEL_REMOVED, both
 * directions); the associations themselves stay. Its limits go with it.
 */
export async function deleteLabel(tx: Tx, ctx: WriteContext, fromType: string, toType: string, typeId: number) {
  requireLabelsPlan(ctx);
  const t = await findType(tx, ctx.workspaceId, typeId);
  if (!t || t.fromType !== fromType || t.toType !== toType || t.label === null || t.category === 'HUBSPOT_DEFINED') {
    throw new ApiError('ASSOCIATION_LABEL_NOT_FOUND', `No label with type id ${typeId} from ${fromType} to ${toType}`, { errors: [{ message: 'unknown label', in: 'path:typeId' }] });
  }
  const ids = [...new Set([t.typeId, t.inverseTypeId])];
  const inverseLabel = (await findType(tx, ctx.workspaceId, t.inverseTypeId))?.label ?? t.label;
  const a = ctx.actor;
  const idList = sql.join(ids.map((id) => sql`${id}::int`), sql`, `);
  await tx.execute(sql`
    with d as (
      delete from associations where workspace_id = ${ctx.workspaceId} and type_id in (${idList})
      returning from_id, from_type, to_id, to_type, type_id)
    insert into association_history (workspace_id, action, source, source_user_id, source_user_name, source_id, from_type, from_id, to_type, to_id, to_name, type_id, label, detail)
    select ${ctx.workspaceId}, 'LABEL_REMOVED', ${a.source}, ${a.source === 'USER' ? a.userId : null}, ${a.source === 'USER' ? a.userName : null}, ${a.source === 'USER' ? null : (a.sourceId ?? null)},
      d.from_type, d.from_id, d.to_type, d.to_id, ${recordNameSql(ctx.workspaceId, 'r')}, d.type_id,
      case when d.type_id = ${t.typeId} then ${t.label} else ${inverseLabel} end, 'label deleted'
    from d left join records r on r.workspace_id = ${ctx.workspaceId} and r.id = d.to_id`);
  await tx.delete(associationLimits).where(and(eq(associationLimits.workspaceId, ctx.workspaceId), inArray(associationLimits.typeId, ids)));
  await tx.delete(associationTypes).where(and(eq(associationTypes.workspaceId, ctx.workspaceId), inArray(associationTypes.typeId, ids)));
  dropAssociationTypeCache(ctx.workspaceId);
}
