import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ErrorCode } from '../../../shared/errors.ts';
import type { AssociationRefusal } from '../../../shared/lifecycle.ts';
import type { Tx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import { defaultType, findType, isExclusive } from '../association-types.ts';
import { associate } from '../associations/rules.ts';
import type { WriteContext } from '../associations/write.ts';
import { objectTypeById } from '../object-types.ts';
import type { PairSnapshot } from './snapshot.ts';

export interface ReassociateOutcome {
  /** Associations (record pairs) made again. */
  restored: number;
  refused: AssociationRefusal[];
  /** The records associations were made with (for the R8 check afterwards). */
  touched: number[];
}

/** A record's object type by name (`companies`), for answers; the type id when it cannot be named. */
export async function typeName(tx: Tx, workspaceId: string, typeId: string): Promise<string> {
  try {
    return (await objectTypeById(tx, workspaceId, typeId)).name;
  } catch {
    return typeId;
  }
}

const targetRow = z.object({ id: col.id, type_id: col.text, archived: col.bool, merged_into: col.idOrNull });
const heldRow = z.object({ from_id: col.id, type_id: col.id, to_id: col.id });

/**
 * Where records went: a live record answers itself, a merged one its survivor (a few hops at most),
 * an archived or missing one nothing.
 */
async function liveTargets(tx: Tx, workspaceId: string, ids: number[]): Promise<Map<number, { id: number; type: string }>> {
  const out = new Map<number, { id: number; type: string }>();
  let pending = new Map(ids.map((id) => [id, [id]]));
  for (let hop = 0; hop < 5 && pending.size > 0; hop++) {
    const rows = parseRows(
      'reassociate: where records went',
      targetRow,
      await tx.execute(sql`
        select id, type_id, archived_at is not null as archived, merged_into from records
        where workspace_id = ${workspaceId} and id in (${sql.join([...pending.keys()].map((id) => sql`${id}::bigint`), sql`, `)})`),
    );
    const next = new Map<number, number[]>();
    for (const r of rows) {
      const asked = pending.get(r.id) ?? [];
      if (r.merged_into !== null) next.set(r.merged_into, [...(next.get(r.merged_into) ?? []), ...asked]);
      else if (!r.archived) for (const id of asked) out.set(id, { id: r.id, type: r.type_id });
    }
    pending = next;
  }
  return out;
}

const LABEL_PROBLEMS: ErrorCode[] = ['LABEL_LIMIT_EXCEEDED', 'PLAN_REQUIRED', 'ASSOCIATION_TYPE_NOT_FOUND', 'ASSOCIATION_LABEL_NOT_FOUND'];

/**
 * Makes a record's former associations again (restore, undo of a merge), each through `associate`
 * in its own savepoint, so limits (R4), plans and the primary rules hold as for any new one. An
 * association that cannot come back is refused and reported, never dropped silently: its record is
 * gone (archived; a merged record's survivor takes its place), or a limit is reached. A label that
 * was deleted since, or that would pass its own limit, is reported and the association comes back
 * without it. A primary company (or primary-style label) comes back only where that record holds
 * none now: a contact keeps exactly one primary company (R8).
 */
export async function reassociate(tx: Tx, ctx: WriteContext, from: { id: number; type: string }, pairs: PairSnapshot[]): Promise<ReassociateOutcome> {
  const ws = ctx.workspaceId;
  const outcome: ReassociateOutcome = { restored: 0, refused: [], touched: [] };
  if (pairs.length === 0) return outcome;
  const targets = await liveTargets(tx, ws, pairs.map((p) => p.toId));
  const refuse = async (toType: string, toId: number, code: ErrorCode, message: string) => {
    outcome.refused.push({ toObjectType: await typeName(tx, ws, toType), toObjectId: toId, code, message });
  };

  // one entry per live record (two former records may have been merged into one since)
  const wanted = new Map<number, { type: string; typeIds: Set<number> }>();
  for (const p of pairs) {
    const target = targets.get(p.toId);
    if (!target) {
      await refuse(p.toType, p.toId, 'NOT_FOUND', `Record ${p.toId} is deleted; restore it to associate it again`);
      continue;
    }
    if (target.id === from.id) continue;
    const entry = wanted.get(target.id) ?? { type: target.type, typeIds: new Set<number>() };
    for (const id of p.typeIds) entry.typeIds.add(id);
    wanted.set(target.id, entry);
  }
  if (wanted.size === 0) return outcome;

  // the types of each pair, and the exclusive ones among them (primary company, primary-style labels)
  const typed: Array<{ toId: number; toType: string; types: Array<{ typeId: number; exclusive: boolean; inverseExclusive: number | null }> }> = [];
  const exclusiveIds = new Set<number>();
  for (const [toId, entry] of wanted) {
    const def = await defaultType(tx, ws, from.type, entry.type);
    const types = [];
    for (const typeId of entry.typeIds) {
      if (typeId === def.typeId) continue;
      const t = await findType(tx, ws, typeId);
      if (!t || t.fromType !== from.type || t.toType !== entry.type) {
        await refuse(entry.type, toId, 'ASSOCIATION_LABEL_NOT_FOUND', `Association label type ${typeId} was deleted; the association comes back without it`);
        continue;
      }
      const inverse = await findType(tx, ws, t.inverseTypeId);
      const inverseExclusive = inverse && isExclusive(inverse) ? inverse.typeId : null;
      if (isExclusive(t)) exclusiveIds.add(t.typeId);
      if (inverseExclusive !== null) exclusiveIds.add(inverseExclusive);
      types.push({ typeId, exclusive: isExclusive(t), inverseExclusive });
    }
    typed.push({ toId, toType: entry.type, types });
  }
  const held =
    exclusiveIds.size === 0
      ? []
      : parseRows(
          'reassociate: exclusive types held',
          heldRow,
          await tx.execute(sql`
            select from_id, type_id, to_id from associations
            where workspace_id = ${ws} and from_id in (${sql.join([from.id, ...wanted.keys()].map((id) => sql`${id}::bigint`), sql`, `)})
              and type_id in (${sql.join([...exclusiveIds].map((id) => sql`${id}::int`), sql`, `)})`),
        ).map((r) => ({ from: r.from_id, typeId: r.type_id, to: r.to_id }));
  const holds = (holder: number, typeId: number, except: number) => held.some((h) => h.from === holder && h.typeId === typeId && h.to !== except);

  const plans = typed.map((p) => {
    const keep = p.types.filter((t) => !(t.exclusive && holds(from.id, t.typeId, p.toId)) && !(t.inverseExclusive !== null && holds(p.toId, t.inverseExclusive, from.id)));
    return { toId: p.toId, toType: p.toType, typeIds: keep.map((t) => t.typeId), first: keep.some((t) => t.exclusive) };
  });
  // the former primary first: R8 would otherwise make the first company associated primary
  plans.sort((a, b) => Number(b.first) - Number(a.first) || a.toId - b.toId);

  for (const p of plans) {
    const input = { fromType: from.type, fromId: from.id, toType: p.toType, toId: p.toId };
    try {
      await tx.transaction((sp) => associate(sp as Tx, ctx, { ...input, typeIds: p.typeIds }));
      outcome.restored++;
      outcome.touched.push(p.toId);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (p.typeIds.length === 0 || !LABEL_PROBLEMS.includes(err.code)) {
        await refuse(p.toType, p.toId, err.code, err.message);
        continue;
      }
      await refuse(p.toType, p.toId, err.code, `The association comes back without its labels: ${err.message}`);
      try {
        await tx.transaction((sp) => associate(sp as Tx, ctx, { ...input, typeIds: [] }));
        outcome.restored++;
        outcome.touched.push(p.toId);
      } catch (again) {
        if (!(again instanceof ApiError)) throw again;
        outcome.refused.pop();
        await refuse(p.toType, p.toId, again.code, again.message);
      }
    }
  }
  return outcome;
}
