import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { AssociationTypeDef } from '../../../shared/association-types.ts';
import { hubspotPrimaryType } from '../../../shared/association-types.ts';
import { COMPANY, CONTACT, DEAL, TICKET } from '../../../shared/objects.ts';
import { defaultPairLimit, planAllows } from '../../../shared/plans.ts';
import { type DbOrTx, type Tx, writesAreSerial } from '../../db/client.ts';
import { idArray } from '../../db/prepared.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';
import { retrying, transaction } from '../../db/transaction.ts';
import { ApiError } from '../../errors.ts';
import { defaultType, findType, isExclusive } from '../association-types.ts';
import { effectiveLimit, type LimitRow } from '../limits.ts';
import { nameOf } from '../record-name.ts';
import { lockRecords, type RecordRow } from './locks.ts';
import { ensurePrimaryCompanies, successorFor } from './primary.ts';
import { actionOf, type Edge, type HistoryRow, type WriteContext, writeEdges } from './write.ts';

// The write rules of associations: both directions (R2), primary companies (R6-R8, R13, R15),
// exclusive labels, plans and per-record limits (R4), each change written with its history (R20).

export interface AssociateInput {
  /** Type id of the `from` record (`0-1`, `2-7`). */
  fromType: string;
  fromId: number;
  /** Type id of the `to` record; taken from the association types when omitted. */
  toType?: string;
  toId: number;
  /** Association type ids as seen from `from`; empty means the unlabeled default. */
  typeIds: number[];
  /** The `from` record is being created in this request (R7). */
  creating?: boolean;
}

export interface AssociationResult {
  fromObjectTypeId: string;
  fromObjectId: number;
  toObjectTypeId: string;
  toObjectId: number;
  /** Label names between the two records after the change, seen from `from`. */
  labels: string[];
  /** Every type id between them after the change, seen from `from`. */
  typeIds: number[];
}

function recordNotFound(id: number, typeId: string | undefined, where: string): ApiError {
  return new ApiError('NOT_FOUND', `No ${typeId ? `${typeId} ` : ''}record with id ${id}`, { errors: [{ message: `record ${id} not found`, in: where }] });
}

function requireRecord(records: Map<number, RecordRow>, id: number, typeId: string | undefined, where: string): RecordRow {
  const r = records.get(id);
  if (!r || (typeId !== undefined && r.type_id !== typeId)) throw recordNotFound(id, typeId, where);
  return r;
}

/** R4: the record `from` already holds `count` records of `toType` (with `label`, or any when null), and `max` is its limit. */
function limitExceeded(from: { id: number; type: string }, toType: string, label: string | null, count: number, max: number, where: string): ApiError {
  const what = label === null ? 'associated records' : `records with the label "${label}"`;
  return new ApiError(label === null ? 'ASSOCIATION_LIMIT_EXCEEDED' : 'LABEL_LIMIT_EXCEEDED', `Record ${from.id} (${from.type}) already has ${count} ${what} of type ${toType}; the limit is ${max}`, {
    errors: [{ message: 'limit reached', in: where, context: { limit: [String(max)], recordId: [String(from.id)] } }],
    // also the error's own context: a batch answer names the input and keeps this beside it
    context: { limit: [String(max)], recordId: [String(from.id)] },
  });
}

/** What the database holds around a pair of records, read in one round trip after locking them. */
interface PairState {
  /** Type ids from A to B. */
  existing: number[];
  /** Per type id: how many records of B's type A has with it; and the same for B. */
  countsA: Record<string, number>;
  countsB: Record<string, number>;
  /** Records that hold an exclusive type (primary, primary-style) of A or B, other than each other. */
  holders: Array<{ from_id: number; type_id: number; to_id: number; to_type: string; properties: Record<string, string | null> }>;
  limits: LimitRow[];
}

const countsByType = z.record(z.string(), col.id).nullable().transform((v) => v ?? {});

/** crm_lock_pair_state's answer (migration 0005): JSON aggregates, null when they aggregated nothing. */
const pairStateRow = z.object({
  s: z.object({
    records: col.list(z.object({ id: col.id, type_id: col.text, properties: col.properties })),
    existing: col.list(col.id),
    counts_a: countsByType,
    counts_b: countsByType,
    holders: col.list(z.object({ from_id: col.id, type_id: col.id, to_id: col.id, to_type: col.text, properties: col.properties })),
    limits: col.list(z.object({ from_type: col.text, to_type: col.text, type_id: col.id, max: col.id })),
  }),
});

/**
 * Locks two records (in id order) and reads what the rules need about the pair, in one call of
 * `crm_lock_pair_state` (migration 0005): its statements keep their plans for the session, and
 * the reads run after the lock with a fresh snapshot, so limits hold under concurrency.
 */
async function lockPairState(
  tx: Tx,
  workspaceId: string,
  a: { id: number; type: string },
  b: { id: number; type: string },
  countTypesA: number[],
  countTypesB: number[],
  exclusiveA: number[],
  exclusiveB: number[],
): Promise<{ records: Map<number, RecordRow>; state: PairState }> {
  const { s } = parseRow(
    'associations: lock a pair and read its state',
    pairStateRow,
    await tx.execute(sql`select crm_lock_pair_state(${workspaceId}::uuid, ${a.id}::bigint, ${a.type}::text, ${b.id}::bigint, ${b.type}::text,
      ${idArray(countTypesA)}::int[], ${idArray(countTypesB)}::int[], ${idArray(exclusiveA)}::int[], ${idArray(exclusiveB)}::int[]) as s`),
  );
  return {
    records: new Map(s.records.map((r) => [r.id, r])),
    state: {
      existing: s.existing,
      countsA: s.counts_a,
      countsB: s.counts_b,
      holders: s.holders,
      limits: s.limits.map((l) => ({ fromType: l.from_type, toType: l.to_type, typeId: l.type_id, max: l.max })),
    },
  };
}

async function resolveTypes(tx: Tx, ctx: WriteContext, fromType: string, toType: string | undefined, typeIds: number[], where: string): Promise<{ toType: string; types: AssociationTypeDef[] }> {
  const types: AssociationTypeDef[] = [];
  let target = toType;
  for (const [i, id] of typeIds.entries()) {
    const t = await findType(tx, ctx.workspaceId, id);
    if (!t || t.fromType !== fromType || (target !== undefined && t.toType !== target)) {
      throw new ApiError('ASSOCIATION_TYPE_NOT_FOUND', `Association type ${id} does not exist from ${fromType}${target ? ` to ${target}` : ''}`, {
        errors: [{ message: 'unknown association type for this pair', in: `${where}[${i}].associationTypeId` }],
      });
    }
    target = t.toType;
    types.push(t);
  }
  if (target === undefined) throw new ApiError('VALIDATION_ERROR', 'The target object type is needed when no association type is given', { errors: [{ message: 'missing', in: where }] });
  return { toType: target, types };
}

function requirePlanFor(ctx: WriteContext, t: AssociationTypeDef): void {
  if (t.label === null || t.category === 'HUBSPOT_DEFINED') return;
  if (!planAllows(ctx.plan, 'labels')) {
    throw new ApiError('PLAN_REQUIRED', `Association labels need the Professional or Enterprise plan; this workspace is on ${ctx.plan}`, {
      errors: [{ message: 'labels need professional', in: 'types', context: { requiredPlan: ['professional'] } }],
    });
  }
}

/**
 * Associates two records with the given types (plus the unlabeled default), both directions, in
 * the caller's transaction. Applies the primary-company rules (R6–R8, R13), exclusive labels,
 * plan rules and per-record limits (R4), and writes history for every change (R20).
 */
export async function associate(tx: Tx, ctx: WriteContext, input: AssociateInput): Promise<AssociationResult> {
  const ws = ctx.workspaceId;
  if (input.fromId === input.toId) {
    throw new ApiError('SELF_ASSOCIATION', `A record cannot be associated with itself (${input.fromId})`, { errors: [{ message: 'same record on both sides', in: 'to.id' }] });
  }
  const { toType, types: requested } = await resolveTypes(tx, ctx, input.fromType, input.toType, input.typeIds, 'types');
  for (const t of requested) requirePlanFor(ctx, t);
  const defAB = await defaultType(tx, ws, input.fromType, toType);
  const defBA = await defaultType(tx, ws, toType, input.fromType);
  // Known before touching the records: A is the `from` record, B the `to` record.
  const A = { id: input.fromId, type: input.fromType };
  const B = { id: input.toId, type: toType };

  // The side types of the requested set: A→B types and their inverses B→A.
  const wantAB = new Map<number, AssociationTypeDef>([[defAB.typeId, defAB], ...requested.map((t) => [t.typeId, t] as const)]);
  // R6/R7/R8: the built-in primary company of a contact, deal or ticket.
  const primaryAB = hubspotPrimaryType(A.type, B.type);
  const primaryBA = hubspotPrimaryType(B.type, A.type);
  const recordSide = primaryAB && B.type === COMPANY ? 'A' : primaryBA && A.type === COMPANY ? 'B' : null;

  const inverses = new Map<number, AssociationTypeDef>();
  for (const t of wantAB.values()) {
    const inv = t.inverseTypeId === t.typeId ? t : await findType(tx, ws, t.inverseTypeId);
    if (!inv) throw new ApiError('INTERNAL', `Association type ${t.typeId} has no inverse`);
    inverses.set(t.typeId, inv);
  }
  const exclusiveA = [...wantAB.values()].filter(isExclusive).map((t) => t.typeId);
  const exclusiveB = [...inverses.values()].filter(isExclusive).map((t) => t.typeId);
  if (recordSide === 'A' && primaryAB) exclusiveA.push(primaryAB.typeId);
  if (recordSide === 'B' && primaryBA) exclusiveB.push(primaryBA.typeId);
  const countTypesA = [...wantAB.keys()];
  const countTypesB = [...inverses.values()].map((t) => t.typeId);

  // One round trip: lock both records, then read the pair's state under the locks.
  const { records, state } = await lockPairState(tx, ws, A, B, countTypesA, countTypesB, exclusiveA, exclusiveB);
  const recA = requireRecord(records, input.fromId, input.fromType, 'from.id');
  const recB = requireRecord(records, input.toId, toType, 'to.id');
  const existing = new Set(state.existing);

  // Automatic primary: R8 (a contact's first company), R7 (a company added while creating).
  if (recordSide) {
    const primary = recordSide === 'A' ? primaryAB! : primaryBA!;
    const recordIsNewToCompanies = (recordSide === 'A' ? state.countsA : state.countsB)[String(recordSide === 'A' ? defAB.typeId : defBA.typeId)] ?? 0;
    const hasPrimaryElsewhere = state.holders.some((h) => h.type_id === primary.typeId);
    const alreadyPrimary = existing.has(recordSide === 'A' ? primary.typeId : primary.inverseTypeId);
    const explicit = wantAB.has(recordSide === 'A' ? primary.typeId : primary.inverseTypeId);
    const contactFirst = (recordSide === 'A' ? A.type : B.type) === CONTACT && recordIsNewToCompanies === 0;
    const creatingRecord = input.creating === true && recordSide === 'A' && !hasPrimaryElsewhere;
    if (!explicit && !alreadyPrimary && (contactFirst || creatingRecord)) {
      const abPrimary = recordSide === 'A' ? primary : (await findType(tx, ws, primary.inverseTypeId))!;
      wantAB.set(abPrimary.typeId, abPrimary);
      inverses.set(abPrimary.typeId, recordSide === 'A' ? (await findType(tx, ws, primary.inverseTypeId))! : primary);
    }
  }

  const adds: Edge[] = [];
  const removes: Edge[] = [];
  const history: HistoryRow[] = [];
  const nameA = await nameOf(tx, ws, recA);
  const nameB = await nameOf(tx, ws, recB);
  const edge = (from: { id: number; type: string }, to: { id: number; type: string }, typeId: number): Edge => ({ fromId: from.id, fromType: from.type, toId: to.id, toType: to.type, typeId });

  for (const t of wantAB.values()) {
    if (existing.has(t.typeId)) continue;
    const inv = inverses.get(t.typeId)!;
    adds.push(edge(A, B, t.typeId), edge(B, A, inv.typeId));
    history.push(
      { ...edge(A, B, t.typeId), action: actionOf(t, true), toName: nameB, label: t.label },
      { ...edge(B, A, inv.typeId), action: actionOf(inv, true), toName: nameA, label: inv.label },
    );
    // An exclusive type moves: the record that held it loses it but stays associated (R6).
    for (const [side, other, typeOnSide] of [[A, B, t], [B, A, inv]] as const) {
      if (!isExclusive(typeOnSide)) continue;
      for (const h of state.holders.filter((x) => x.from_id === side.id && x.type_id === typeOnSide.typeId)) {
        const holder = { id: h.to_id, type: h.to_type };
        const holderName = await nameOf(tx, ws, { type_id: h.to_type, properties: h.properties });
        const sideRec = side.id === A.id ? recA : recB;
        const sideName = side.id === A.id ? nameA : nameB;
        const holderInv = typeOnSide.inverseTypeId;
        removes.push(edge(side, holder, typeOnSide.typeId), edge(holder, side, holderInv));
        const invType = holderInv === typeOnSide.typeId ? typeOnSide : (await findType(tx, ws, holderInv))!;
        const detail = `replaced by ${other.type} ${other.id}`;
        history.push(
          { ...edge(side, holder, typeOnSide.typeId), action: actionOf(typeOnSide, false), toName: holderName, label: typeOnSide.label, detail },
          { ...edge(holder, side, holderInv), action: actionOf(invType, false), toName: sideName ?? (await nameOf(tx, ws, sideRec)), label: invType.label, detail },
        );
      }
    }
  }

  // R4: per-record limits, per pair and per label, checked under the records' locks.
  for (const e of adds) {
    const onA = e.fromId === A.id;
    const t = onA ? wantAB.get(e.typeId) : [...inverses.values()].find((x) => x.typeId === e.typeId);
    // primary and primary-style types hold one record by definition; they move, never pile up
    if (!t || t.primary || isExclusive(t)) continue;
    const def = onA ? defAB : defBA;
    const count = (onA ? state.countsA : state.countsB)[String(e.typeId)] ?? 0;
    const max = effectiveLimit(state.limits, ctx.plan, e.fromType, e.toType, e.typeId, def.typeId);
    if (count + 1 > max) throw limitExceeded({ id: e.fromId, type: e.fromType }, e.toType, t.typeId === def.typeId ? null : t.label, count, max, onA ? 'from.id' : 'to.id');
  }

  await writeEdges(tx, ctx, removes, adds, history);
  const finalTypes = [...new Set([...existing, ...adds.filter((e) => e.fromId === A.id && e.toId === B.id).map((e) => e.typeId)])].filter(
    (id) => !removes.some((r) => r.fromId === A.id && r.toId === B.id && r.typeId === id),
  );
  return resultOf(tx, ws, A, B, finalTypes);
}

/** crm_associate_default's answer (migrations 0006, 0015). */
const defaultOutcomeRow = z.object({
  r: z.union([
    z.object({ outcome: z.enum(['created', 'exists']), type_ids: z.array(col.id) }),
    z.object({ outcome: z.literal('not_found'), side: z.enum(['from', 'to']) }),
    z.object({ outcome: z.literal('limit'), side: z.enum(['from', 'to']), count: col.id, max: col.id }),
  ]),
});

/** Types whose default association no primary rule touches and whose names need no custom type's definition (crm_associate_default, migrations 0006 and 0015). */
const ONE_CALL_TYPES = new Set<string>([CONTACT, DEAL, TICKET]);

/**
 * The one-click default association (no labels). Between contacts, deals and tickets no primary
 * rule applies, so the checks (records, pair, both limits), both directions and their history are
 * one call of `crm_associate_default`, which commits on its own when `db` is not a transaction.
 * Every other pair goes through associate() in a transaction. Same answers, same errors.
 */
export async function associateDefault(db: DbOrTx, ctx: WriteContext, input: { fromType: string; fromId: number; toType: string; toId: number }): Promise<AssociationResult> {
  if (!ONE_CALL_TYPES.has(input.fromType) || !ONE_CALL_TYPES.has(input.toType) || input.fromId === input.toId) {
    return transaction(db, (tx) => associate(tx, ctx, { ...input, typeIds: [] }));
  }
  const ws = ctx.workspaceId;
  const defAB = await defaultType(db, ws, input.fromType, input.toType);
  const a = ctx.actor;
  const call = sql`select crm_associate_default(${ws}::uuid, ${input.fromId}::bigint, ${input.fromType}::text, ${input.toId}::bigint, ${input.toType}::text,
      ${defAB.typeId}::int, ${defAB.inverseTypeId}::int, ${defaultPairLimit(ctx.plan, false)}::int, ${!writesAreSerial(db)}::boolean,
      ${a.source}::text, ${a.source === 'USER' ? a.userId : null}::bigint, ${a.source === 'USER' ? a.userName : null}::text,
      ${a.source === 'USER' ? null : (a.sourceId ?? null)}::text) as r`;
  // outside a transaction the call commits on its own: it is what runs again after a deadlock
  const { r } = parseRow('associations: one-click default association', defaultOutcomeRow, await (db instanceof PgTransaction ? db.execute(call) : retrying(() => db.execute(call))));
  const A = { id: input.fromId, type: input.fromType };
  const B = { id: input.toId, type: input.toType };
  switch (r.outcome) {
    case 'not_found': {
      const missing = r.side === 'from' ? A : B;
      throw recordNotFound(missing.id, missing.type, `${r.side}.id`);
    }
    case 'limit': {
      const [side, other] = r.side === 'from' ? [A, B] : [B, A];
      throw limitExceeded(side, other.type, null, r.count, r.max, `${r.side}.id`);
    }
    default:
      return resultOf(db, ws, A, B, r.type_ids);
  }
}

async function resultOf(tx: DbOrTx, ws: string, A: { id: number; type: string }, B: { id: number; type: string }, typeIds: number[]): Promise<AssociationResult> {
  const labels: string[] = [];
  for (const id of typeIds) {
    const t = await findType(tx, ws, id);
    if (t?.label) labels.push(t.label);
  }
  return { fromObjectTypeId: A.type, fromObjectId: A.id, toObjectTypeId: B.type, toObjectId: B.id, labels, typeIds: typeIds.sort((x, y) => x - y) };
}

export interface RemoveInput {
  fromType: string;
  fromId: number;
  toType: string;
  toId: number;
  /** R15: when the primary company goes while others remain, the one that takes its place. */
  newPrimaryCompanyId?: number;
  /**
   * R15 without newPrimaryCompanyId: the most recently associated company left becomes primary
   * (the workspace's primaryCompanyOnRemove, for API callers). Otherwise such a removal is refused.
   */
  promoteNewest?: boolean;
}

const edgeOfPairRow = z.object({ from_id: col.id, type_id: col.id });

/**
 * Removes every type between two records, both directions (R2, R15). Removing a primary company
 * while the record keeps others needs `newPrimaryCompanyId`. Returns false when there was nothing.
 */
export async function removeAssociation(tx: Tx, ctx: WriteContext, input: RemoveInput): Promise<boolean> {
  const ws = ctx.workspaceId;
  const defAB = await defaultType(tx, ws, input.fromType, input.toType);
  const defBA = await defaultType(tx, ws, input.toType, input.fromType);
  const ids = [input.fromId, input.toId, ...(input.newPrimaryCompanyId !== undefined ? [input.newPrimaryCompanyId] : [])];
  const records = await lockRecords(tx, ws, ids);
  const recA = requireRecord(records, input.fromId, input.fromType, 'fromObjectId');
  const recB = requireRecord(records, input.toId, input.toType, 'toObjectId');
  const A = { id: recA.id, type: input.fromType };
  const B = { id: recB.id, type: input.toType };
  const rows = parseRows(
    'associations: edges between two records',
    edgeOfPairRow,
    await tx.execute(sql`select from_id, type_id from associations where workspace_id = ${ws}
      and ((from_id = ${A.id} and to_type = ${B.type} and to_id = ${B.id}) or (from_id = ${B.id} and to_type = ${A.type} and to_id = ${A.id}))`),
  );
  if (rows.length === 0) return false;
  const removes: Edge[] = rows.map((r) => (r.from_id === A.id ? { fromId: A.id, fromType: A.type, toId: B.id, toType: B.type, typeId: r.type_id } : { fromId: B.id, fromType: B.type, toId: A.id, toType: A.type, typeId: r.type_id }));
  const nameA = await nameOf(tx, ws, recA);
  const nameB = await nameOf(tx, ws, recB);
  // one DELETED entry per direction stands for the whole association, labels included
  const history: HistoryRow[] = [
    { fromId: A.id, fromType: A.type, toId: B.id, toType: B.type, typeId: defAB.typeId, action: 'DELETED', toName: nameB, label: null },
    { fromId: B.id, fromType: B.type, toId: A.id, toType: A.type, typeId: defBA.typeId, action: 'DELETED', toName: nameA, label: null },
  ];
  const adds: Edge[] = [];
  const primaryRow = rows.find((r) => hubspotPrimaryType(r.from_id === A.id ? A.type : B.type, COMPANY)?.typeId === r.type_id && (r.from_id === A.id ? B.type : A.type) === COMPANY);
  let promoted: { contactId: number; companyId: number } | undefined;
  if (primaryRow) {
    const record = primaryRow.from_id === A.id ? A : B;
    const company = primaryRow.from_id === A.id ? B : A;
    if (input.newPrimaryCompanyId === undefined && input.promoteNewest && record.type === CONTACT) promoted = { contactId: record.id, companyId: company.id };
    else {
      const next = await successorFor(tx, ctx, record, company.id, true, input.newPrimaryCompanyId);
      adds.push(...next.adds);
      history.push(...next.history);
    }
  } else if (input.newPrimaryCompanyId !== undefined) {
    throw new ApiError('NEW_PRIMARY_INVALID', 'newPrimaryCompanyId is only for removing a primary company', { errors: [{ message: 'not removing a primary company', in: 'newPrimaryCompanyId' }] });
  }
  await writeEdges(tx, ctx, removes, adds, history);
  // R8's automatic choice: a contact left with companies and no primary gets its newest one
  if (promoted) await ensurePrimaryCompanies(tx, ctx, [promoted.contactId], () => `replaces company ${promoted.companyId}, the most recently associated company left (R15)`);
  return true;
}

const primaryEdgeRow = z.object({ from_id: col.id, to_id: col.id });

/**
 * R8, R15 for a batch of removals: the removals of one record (a contact) are one set, whatever
 * order they are listed in. Removing its primary company is applied after its other removals in
 * the batch, so when they take every other company the primary goes with no successor (the
 * record has no companies left); when companies remain, removeAssociation's rule for a primary
 * that goes applies. Answers the order to apply `pairs` in, as indexes into it.
 */
export async function primaryRemovalsLast(db: DbOrTx, workspaceId: string, fromType: string, toType: string, pairs: ReadonlyArray<{ fromId: number; toId: number }>): Promise<number[]> {
  const order = pairs.map((_, i) => i);
  // the record that has the primary company, and the company, of each pair
  const recordIsFrom = toType === COMPANY;
  const primary = recordIsFrom ? hubspotPrimaryType(fromType, COMPANY) : fromType === COMPANY ? hubspotPrimaryType(toType, COMPANY) : undefined;
  if (!primary || pairs.length < 2) return order;
  const holders = [...new Set(pairs.map((p) => (recordIsFrom ? p.fromId : p.toId)))];
  const rows = parseRows(
    'associations: primary companies of records in a batch',
    primaryEdgeRow,
    await db.execute(sql`select from_id, to_id from associations where workspace_id = ${workspaceId} and type_id = ${primary.typeId} and from_id = any(${idArray(holders)}::bigint[])`),
  );
  const primaries = new Set(rows.map((r) => `${r.from_id}>${r.to_id}`));
  const isPrimary = (p: { fromId: number; toId: number }) => primaries.has(recordIsFrom ? `${p.fromId}>${p.toId}` : `${p.toId}>${p.fromId}`);
  return [...order.filter((i) => !isPrimary(pairs[i]!)), ...order.filter((i) => isPrimary(pairs[i]!))];
}

const typeIdRow = z.object({ type_id: col.id });

/**
 * Removes some labels between two records, both directions; the association itself stays
 * (batch/labels/archive). The unlabeled type cannot be removed this way: delete the association.
 */
export async function removeLabels(tx: Tx, ctx: WriteContext, input: RemoveInput & { typeIds: number[] }): Promise<AssociationResult> {
  const ws = ctx.workspaceId;
  const { types } = await resolveTypes(tx, ctx, input.fromType, input.toType, input.typeIds, 'types');
  const defAB = await defaultType(tx, ws, input.fromType, input.toType);
  if (types.some((t) => t.typeId === defAB.typeId)) {
    throw new ApiError('VALIDATION_ERROR', 'The unlabeled association type cannot be removed as a label; delete the association instead', { errors: [{ message: 'unlabeled type', in: 'types' }] });
  }
  const ids = [input.fromId, input.toId, ...(input.newPrimaryCompanyId !== undefined ? [input.newPrimaryCompanyId] : [])];
  const records = await lockRecords(tx, ws, ids);
  const recA = requireRecord(records, input.fromId, input.fromType, 'from.id');
  const recB = requireRecord(records, input.toId, input.toType, 'to.id');
  const A = { id: recA.id, type: input.fromType };
  const B = { id: recB.id, type: input.toType };
  const existing = parseRows(
    'associations: types from one record to another',
    typeIdRow,
    await tx.execute(sql`select type_id from associations where workspace_id = ${ws} and from_id = ${A.id} and to_type = ${B.type} and to_id = ${B.id}`),
  ).map((r) => r.type_id);
  const removes: Edge[] = [];
  const adds: Edge[] = [];
  const history: HistoryRow[] = [];
  const nameA = await nameOf(tx, ws, recA);
  const nameB = await nameOf(tx, ws, recB);
  for (const t of types) {
    if (!existing.includes(t.typeId)) continue;
    const inv = t.inverseTypeId === t.typeId ? t : (await findType(tx, ws, t.inverseTypeId))!;
    removes.push({ fromId: A.id, fromType: A.type, toId: B.id, toType: B.type, typeId: t.typeId }, { fromId: B.id, fromType: B.type, toId: A.id, toType: A.type, typeId: inv.typeId });
    history.push(
      { fromId: A.id, fromType: A.type, toId: B.id, toType: B.type, typeId: t.typeId, action: actionOf(t, false), toName: nameB, label: t.label },
      { fromId: B.id, fromType: B.type, toId: A.id, toType: A.type, typeId: inv.typeId, action: actionOf(inv, false), toName: nameA, label: inv.label },
    );
    if (t.primary) {
      const recordSide = B.type === COMPANY ? A : B;
      const company = B.type === COMPANY ? B : A;
      const next = await successorFor(tx, ctx, recordSide, company.id, false, input.newPrimaryCompanyId);
      adds.push(...next.adds);
      history.push(...next.history);
    }
  }
  await writeEdges(tx, ctx, removes, adds, history);
  return resultOf(tx, ws, A, B, existing.filter((id) => !removes.some((r) => r.fromId === A.id && r.typeId === id)));
}

