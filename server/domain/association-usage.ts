import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AssociationUsage } from '../../shared/associations.ts';
import type { Plan } from '../../shared/plans.ts';
import type { DbOrTx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { defaultType, findType, typesBetween } from './association-types.ts';
import { effectiveLimit, limitsForPair } from './limits.ts';

const usageRow = z.object({ type_id: col.id, associations: col.id, above: col.id });

/**
 * The association types of one direction as the settings screen shows them (R4, R14): each
 * type's label (and the other side's name of a paired label), how many associations carry it,
 * its limit per record (the admin's own, else the pair's, else the plan's default) and how many
 * records hold more than that limit now: lowering a limit is not retroactive, so those records
 * keep their associations and only new ones are refused.
 */
export async function associationUsage(db: DbOrTx, workspaceId: string, plan: Plan, fromType: string, toType: string): Promise<AssociationUsage[]> {
  const types = await typesBetween(db, workspaceId, fromType, toType);
  if (types.length === 0) return [];
  const def = await defaultType(db, workspaceId, fromType, toType);
  const configured = await limitsForPair(db, workspaceId, fromType, toType);
  const limitOf = (typeId: number) => (typeId === def.typeId || !types.find((t) => t.typeId === typeId)?.primary ? effectiveLimit(configured, plan, fromType, toType, typeId, def.typeId) : 1);
  const limits = sql.join(
    types.map((t) => sql`(${t.typeId}::int, ${limitOf(t.typeId)}::int)`),
    sql`, `,
  );
  const rows = parseRows(
    'association usage: associations and records above the limit per type',
    usageRow,
    await db.execute(sql`
      with per as (
        select type_id, from_id, count(*) as n from associations
        where workspace_id = ${workspaceId} and from_type = ${fromType} and to_type = ${toType}
        group by type_id, from_id),
      lim(type_id, max) as (values ${limits})
      select per.type_id, sum(per.n)::bigint as associations, (count(*) filter (where per.n > lim.max))::bigint as above
      from per join lim on lim.type_id = per.type_id group by per.type_id`),
  );
  const out: AssociationUsage[] = [];
  for (const t of types) {
    const row = rows.find((r) => r.type_id === t.typeId);
    const inverse = t.inverseTypeId === t.typeId ? null : await findType(db, workspaceId, t.inverseTypeId);
    out.push({
      typeId: t.typeId,
      category: t.category,
      label: t.label,
      inverseLabel: inverse && inverse.label !== t.label ? inverse.label : null,
      primary: t.primary || t.primaryStyle,
      associations: row?.associations ?? 0,
      limit: limitOf(t.typeId),
      ownLimit: configured.find((l) => l.fromType === fromType && l.toType === toType && l.typeId === t.typeId)?.max ?? null,
      recordsAbove: row?.above ?? 0,
    });
  }
  return out;
}
