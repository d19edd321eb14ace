import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { defaultPairLimit, type Plan } from '../../shared/plans.ts';
import type { DbOrTx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { associationLimits, users } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { defaultType, findType } from './association-types.ts';
import { effectiveLimit, type LimitRow } from './limits.ts';

/** A record is in the report once it holds this share of a limit (HubSpot warns from 80%). */
export const HIGH_USAGE_SHARE = 0.8;
/** The most entries one report lists, fullest first. */
export const HIGH_USAGE_MAX_ENTRIES = 1000;

export interface HighUsageEntry {
  fromObjectTypeId: string;
  fromObjectId: string;
  toObjectTypeId: string;
  associationTypeId: number;
  label: string | null;
  associations: number;
  limit: number;
}

export interface HighUsageReport {
  userId: number;
  userEmail: string;
  enqueueTime: string;
  threshold: number;
  results: HighUsageEntry[];
  truncated: boolean;
}

const groupRow = z.object({ from_type: col.text, from_id: col.id, to_type: col.text, type_id: col.id, n: col.id });

/**
 * HubSpot's high-usage report: every record whose associations of one direction and type reach
 * HIGH_USAGE_SHARE of their per-record limit (R4: the admin's limit for the type, else the pair's,
 * else the plan's default). HubSpot builds it in the background and mails it to `userId`; this
 * server sends no mail, so the report is built at once and answered with the request, beside the
 * fields HubSpot answers (`userId`, `userEmail`, `enqueueTime`). Labels count against a limit only
 * where an admin set one for the label; primary labels (one record at most) are left out.
 */
export async function highUsageReport(db: DbOrTx, workspaceId: string, plan: Plan, userId: number): Promise<HighUsageReport> {
  const ws = workspaceId;
  const [user] = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.workspaceId, ws), eq(users.id, userId), isNull(users.removedAt)));
  if (!user) throw new ApiError('NOT_FOUND', `No user ${userId} in this workspace`, { errors: [{ message: 'unknown user', in: 'path:userId' }] });
  const enqueueTime = new Date().toISOString();

  const configured: LimitRow[] = (await db.select().from(associationLimits).where(eq(associationLimits.workspaceId, ws))).map((r) => ({
    fromType: r.fromType,
    toType: r.toType,
    typeId: r.typeId,
    max: r.maxToObjectIds,
  }));
  // the smallest limit anything can have bounds the groups worth reading
  const smallest = Math.min(defaultPairLimit(plan, false), defaultPairLimit(plan, true), ...configured.map((l) => l.max));
  const floor = Math.max(1, Math.ceil(smallest * HIGH_USAGE_SHARE));
  const groups = parseRows(
    'high usage: associations per record, direction and type',
    groupRow,
    await db.execute(sql`
      select from_type, from_id, to_type, type_id, count(*)::bigint as n from associations
      where workspace_id = ${ws} group by from_type, from_id, to_type, type_id having count(*) >= ${floor}`),
  );

  const results: HighUsageEntry[] = [];
  for (const g of groups) {
    const t = await findType(db, ws, g.type_id);
    if (!t || t.primary || t.primaryStyle) continue;
    const def = await defaultType(db, ws, g.from_type, g.to_type);
    const own = configured.some((l) => l.fromType === g.from_type && l.toType === g.to_type && l.typeId === t.typeId);
    if (t.typeId !== def.typeId && !own) continue;
    const limit = effectiveLimit(configured, plan, g.from_type, g.to_type, t.typeId, def.typeId);
    if (g.n < limit * HIGH_USAGE_SHARE) continue;
    results.push({ fromObjectTypeId: g.from_type, fromObjectId: String(g.from_id), toObjectTypeId: g.to_type, associationTypeId: t.typeId, label: t.label, associations: g.n, limit });
  }
  results.sort((a, b) => b.associations / b.limit - a.associations / a.limit || Number(a.fromObjectId) - Number(b.fromObjectId));
  return { userId: user.id, userEmail: user.email, enqueueTime, threshold: HIGH_USAGE_SHARE, results: results.slice(0, HIGH_USAGE_MAX_ENTRIES), truncated: results.length > HIGH_USAGE_MAX_ENTRIES };
}
