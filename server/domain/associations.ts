import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { AssociationTypeDef } from '../../shared/association-types.ts';
import { hubspotPrimaryType } from '../../shared/association-types.ts';
import { COMPANY, CONTACT, DEAL, TICKET } from '../../shared/objects.ts';
import { defaultPairLimit, type Plan, planAllows } from '../../shared/plans.ts';
import { type DbOrTx, rowsOf, type Tx, writesAreSerial } from '../db/client.ts';
import { RetryTransaction, retrying, transaction } from '../db/transaction.ts';
import type { Actor } from '../env.ts';
import { ApiError } from '../errors.ts';
import { defaultType, findType, isExclusive } from './association-types.ts';
import { effectiveLimit, type LimitRow } from './limits.ts';
import { recordNameSql } from './labels.ts';
import { displayName, objectTypeById } from './object-types.ts';

/** What every write needs to know about who writes where. */
export interface WriteContext {
  workspaceId: string;
  plan: Plan;
  actor: Actor;
  /** The workspace's settings, when the caller holds them already (they are not read again). */
  settings?: Record<string, unknown>;
}

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

/** One directed, typed edge: a row of the associations table. */
export interface Edge {
  fromId: number;
  fromType: string;
  toId: number;
  toType: string;
  typeId: number;
}

export type Action = 'CREATED' | 'DELETED' | 'LABEL_ADDED' | 'LABEL_REMOVED' | 'PRIMARY_SET' | 'PRIMARY_UNSET';

export interface HistoryRow extends Edge {
  action: Action;
  toName: string | null;
  label: string | null;
  detail?: string;
}

interface RecordRow {
  id: number;
  type_id: string;
  properties: Record<string, string | null>;
}

/** A record as locked: live or not. */
export interface LockedRow extends RecordRow {
  merged_into: number | null;
  archived: boolean;
}

/**
 * The lock order of the whole server: every write that locks more than one record locks them all
 * in one statement, in id order, before it writes (merge, undo of a merge, restore, copy, revert,
 * import undo, associate). Two writers then never hold one record each while waiting for the
 * other's. Rows in any state (archived, merged) are locked too, so a writer can check their state
 * under the lock; a writer that learns of another record only later must not lock it on its own
 * but start over (RetryTransaction).
 */
export async function lockRows(tx: Tx, workspaceId: string, ids: number[]): Promise<Map<number, LockedRow>> {
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  if (unique.length === 0) return new Map();
  const rows = rowsOf<LockedRow>(
    await tx.execute(sql`
      select id, type_id, properties, merged_into, archived_at is not null as archived from records
      where workspace_id = ${workspaceId} and id = any(${`{${unique.map((id) => Math.trunc(id)).join(',')}}`}::bigint[])
      order by id for update`),
  );
  return new Map(rows.map((r) => [Number(r.id), { ...r, id: Number(r.id), merged_into: r.merged_into === null ? null : Number(r.merged_into) }]));
}

/**
 * Locks the records (see lockRows) and returns the live ones. Once a record is locked, every
 * association count read about it is current: that is what keeps two concurrent requests from
 * passing a limit together on PostgreSQL.
 */
export async function lockRecords(tx: Tx, workspaceId: string, ids: number[]): Promise<Map<number, RecordRow>> {
  const rows = await lockRows(tx, workspaceId, ids);
  return new Map([...rows].filter(([, r]) => r.merged_into === null && !r.archived).map(([id, r]) => [id, { id, type_id: r.type_id, properties: r.properties }]));
}

/**
 * Locks `ids` and every record associated with one of `around` (see lockRows). Should one of
 * `around` gain a neighbour between the read and the lock, locking that one now would break the
 * lock order: the transaction runs again instead (RetryTransaction). Answers the live records
 * and the neighbours as they are under the lock.
 */
export async function lockAround(tx: Tx, workspaceId: string, ids: number[], around: number[]): Promise<{ locked: Map<number, RecordRow>; neighbours: number[] }> {
  const neighboursNow = async () =>
    around.length === 0
      ? []
      : rowsOf<{ to_id: number }>(
          await tx.execute(sql`select distinct to_id from associations where workspace_id = ${workspaceId} and from_id = any(${`{${around.map((id) => Math.trunc(id)).join(',')}}`}::bigint[])`),
        ).map((r) => Number(r.to_id));
  const before = await neighboursNow();
  const locked = await lockRecords(tx, workspaceId, [...ids, ...before]);
  const after = await neighboursNow();
  const known = new Set(before);
  if (after.some((id) => !known.has(id))) throw new RetryTransaction(`records ${around.join(', ')} gained an association while their neighbours were being locked`);
  return { locked, neighbours: after };
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

export async function nameOf(tx: Tx, workspaceId: string, r: { type_id: string; properties: Record<string, string | null> }): Promise<string | null> {
  const type = r.type_id.startsWith('2-') ? await objectTypeById(tx, workspaceId, r.type_id) : undefined;
  return displayName(r.type_id, r.properties, type?.definition);
}

/** The history action of adding or removing one type: the unlabeled type is the association itself. */
export function actionOf(t: AssociationTypeDef, adding: boolean): Action {
  if (t.label === null) return adding ? 'CREATED' : 'DELETED';
  if (t.primary) return adding ? 'PRIMARY_SET' : 'PRIMARY_UNSET';
  return adding ? 'LABEL_ADDED' : 'LABEL_REMOVED';
}


/**
 * Removes and adds edges and writes their history, all in one statement. Callers pass both
 * directions of every change, so no half edge is ever written (R2).
 */
export async function writeEdges(tx: Tx, ctx: WriteContext, removes: Edge[], adds: Edge[], history: HistoryRow[]): Promise<void> {
  if (removes.length === 0 && adds.length === 0 && history.length === 0) return;
  const a = ctx.actor;
  const userId = a.source === 'USER' ? a.userId : null;
  const userName = a.source === 'USER' ? a.userName : null;
  const sourceId = a.source === 'USER' ? null : (a.sourceId ?? null);
  const edgeJson = (e: Edge) => ({ from_id: e.fromId, from_type: e.fromType, to_id: e.toId, to_type: e.toType, type_id: e.typeId });
  const historyJson = history.map((h) => ({ ...edgeJson(h), action: h.action, to_name: h.toName, label: h.label, detail: h.detail ?? null }));
  await tx.execute(sql`select crm_write_edges(${ctx.workspaceId}::uuid, ${JSON.stringify(removes.map(edgeJson))}::json, ${JSON.stringify(adds.map(edgeJson))}::json,
    ${JSON.stringify(historyJson)}::json, ${a.source}::text, ${userId}::bigint, ${userName}::text, ${sourceId}::text)`);
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

/** An int[] parameter as a literal both drivers pass through unchanged. */
function intArray(ids: number[]): string {
  return `{${ids.map((id) => Math.trunc(id)).join(',')}}`;
}

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
  type Raw = {
    records: RecordRow[] | null;
    existing: number[] | null;
    counts_a: Record<string, number> | null;
    counts_b: Record<string, number> | null;
    holders: PairState['holders'] | null;
    limits: Array<{ from_type: string; to_type: string; type_id: number; max: number }> | null;
  };
  const [row] = rowsOf<{ s: Raw }>(
    await tx.execute(sql`select crm_lock_pair_state(${workspaceId}::uuid, ${a.id}::bigint, ${a.type}::text, ${b.id}::bigint, ${b.type}::text,
      ${intArray(countTypesA)}::int[], ${intArray(countTypesB)}::int[], ${intArray(exclusiveA)}::int[], ${intArray(exclusiveB)}::int[]) as s`),
  );
  const raw = row!.s;
  const records = new Map((raw.records ?? []).map((r) => [Number(r.id), { ...r, id: Number(r.id) }]));
  return {
    records,
    state: {
      existing: (raw.existing ?? []).map(Number),
      countsA: raw.counts_a ?? {},
      countsB: raw.counts_b ?? {},
      holders: (raw.holders ?? []).map((h) => ({ ...h, from_id: Number(h.from_id), to_id: Number(h.to_id), type_id: Number(h.type_id) })),
      limits: (raw.limits ?? []).map((l) => ({ fromType: l.from_type, toType: l.to_type, typeId: Number(l.type_id), max: Number(l.max) })),
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

/** Types whose default association no primary rule touches and whose names the database can spell (migration 0006). */
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
  type Outcome =
    | { outcome: 'created' | 'exists'; type_ids: number[] }
    | { outcome: 'not_found'; side: 'from' | 'to' }
    | { outcome: 'limit'; side: 'from' | 'to'; count: number; max: number };
  const call = sql`select crm_associate_default(${ws}::uuid, ${input.fromId}::bigint, ${input.fromType}::text, ${input.toId}::bigint, ${input.toType}::text,
      ${defAB.typeId}::int, ${defAB.inverseTypeId}::int, ${defaultPairLimit(ctx.plan, false)}::int, ${!writesAreSerial(db)}::boolean,
      ${a.source}::text, ${a.source === 'USER' ? a.userId : null}::bigint, ${a.source === 'USER' ? a.userName : null}::text,
      ${a.source === 'USER' ? null : (a.sourceId ?? null)}::text) as r`;
  // outside a transaction the call commits on its own: it is what runs again after a deadlock
  const [row] = rowsOf<{ r: Outcome }>(await (db instanceof PgTransaction ? db.execute(call) : retrying(() => db.execute(call))));
  const r = row!.r;
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
      return resultOf(db, ws, A, B, r.type_ids.map(Number));
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
}

/**
 * Handles losing a primary company: a contact with other companies needs a named successor
 * (R8, R15), a contact with one company cannot lose its primary label, and the successor must be
 * one of its companies. Returns the edges and history to add for the successor.
 */
async function successorFor(
  tx: Tx,
  ctx: WriteContext,
  record: { id: number; type: string },
  losingCompanyId: number,
  removingAssociation: boolean,
  newPrimaryCompanyId: number | undefined,
): Promise<{ adds: Edge[]; history: HistoryRow[] }> {
  const ws = ctx.workspaceId;
  const primary = hubspotPrimaryType(record.type, COMPANY)!;
  const def = await defaultType(tx, ws, record.type, COMPANY);
  const others = rowsOf<{ to_id: number; properties: Record<string, string | null> }>(
    await tx.execute(sql`
      select a.to_id, r.properties from associations a join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
      where a.workspace_id = ${ws} and a.from_id = ${record.id} and a.to_type = ${COMPANY} and a.type_id = ${def.typeId} and a.to_id <> ${losingCompanyId}`),
  ).map((o) => ({ ...o, to_id: Number(o.to_id) }));
  if (newPrimaryCompanyId === undefined) {
    if (record.type !== CONTACT) return { adds: [], history: [] };
    if (!removingAssociation) {
      throw new ApiError('PRIMARY_COMPANY_REQUIRED', others.length === 0
        ? `Company ${losingCompanyId} is the only company of contact ${record.id} and must stay its primary (R8)`
        : `Contact ${record.id} has other companies: name the new primary with newPrimaryCompanyId (one of ${others.map((o) => o.to_id).join(', ')})`, {
        errors: [{ message: 'a contact with companies keeps exactly one primary', in: 'newPrimaryCompanyId' }],
      });
    }
    if (others.length === 0) return { adds: [], history: [] };
    throw new ApiError('PRIMARY_COMPANY_REQUIRED', `Company ${losingCompanyId} is the primary company of contact ${record.id}, which has other companies: name the new primary with newPrimaryCompanyId (one of ${others.map((o) => o.to_id).join(', ')})`, {
      errors: [{ message: 'a new primary company must be chosen', in: 'newPrimaryCompanyId' }],
    });
  }
  const next = others.find((o) => o.to_id === newPrimaryCompanyId);
  if (!next) {
    throw new ApiError('NEW_PRIMARY_INVALID', `Company ${newPrimaryCompanyId} is not another company of ${record.type} ${record.id}`, {
      errors: [{ message: 'must be one of the remaining associated companies', in: 'newPrimaryCompanyId' }],
    });
  }
  const company = { id: next.to_id, type: COMPANY };
  const [rec] = rowsOf<RecordRow>(await tx.execute(sql`select id, type_id, properties from records where workspace_id = ${ws} and id = ${record.id}`));
  const companyName = await nameOf(tx, ws, { type_id: COMPANY, properties: next.properties });
  const recordName = rec ? await nameOf(tx, ws, rec) : null;
  const adds: Edge[] = [
    { fromId: record.id, fromType: record.type, toId: company.id, toType: COMPANY, typeId: primary.typeId },
    { fromId: company.id, fromType: COMPANY, toId: record.id, toType: record.type, typeId: primary.inverseTypeId },
  ];
  return {
    adds,
    history: [
      { ...adds[0]!, action: 'PRIMARY_SET', toName: companyName, label: primary.label, detail: `replaces company ${losingCompanyId}` },
      { ...adds[1]!, action: 'PRIMARY_SET', toName: recordName, label: primary.label, detail: `replaces company ${losingCompanyId}` },
    ],
  };
}

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
  const rows = rowsOf<{ from_id: number; type_id: number }>(
    await tx.execute(sql`select from_id, type_id from associations where workspace_id = ${ws}
      and ((from_id = ${A.id} and to_type = ${B.type} and to_id = ${B.id}) or (from_id = ${B.id} and to_type = ${A.type} and to_id = ${A.id}))`),
  ).map((r) => ({ from_id: Number(r.from_id), type_id: Number(r.type_id) }));
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
  if (primaryRow) {
    const record = primaryRow.from_id === A.id ? A : B;
    const company = primaryRow.from_id === A.id ? B : A;
    const next = await successorFor(tx, ctx, record, company.id, true, input.newPrimaryCompanyId);
    adds.push(...next.adds);
    history.push(...next.history);
  } else if (input.newPrimaryCompanyId !== undefined) {
    throw new ApiError('NEW_PRIMARY_INVALID', 'newPrimaryCompanyId is only for removing a primary company', { errors: [{ message: 'not removing a primary company', in: 'newPrimaryCompanyId' }] });
  }
  await writeEdges(tx, ctx, removes, adds, history);
  return true;
}

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
  const existing = rowsOf<{ type_id: number }>(
    await tx.execute(sql`select type_id from associations where workspace_id = ${ws} and from_id = ${A.id} and to_type = ${B.type} and to_id = ${B.id}`),
  ).map((r) => Number(r.type_id));
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

export interface AssociatedRecord {
  toObjectId: number;
  associationTypes: Array<{ category: string; typeId: number; label: string | null }>;
}

/** One page of a record's associations with one object type, ordered by id (500 at most). */
export async function listAssociations(
  tx: DbOrTx,
  workspaceId: string,
  from: { type: string; id: number },
  toType: string,
  page: { limit: number; after?: number },
): Promise<{ results: AssociatedRecord[]; next?: number }> {
  // a merged record's id reads as its survivor's (merges may chain)
  const [found] = rowsOf<{ id: number }>(
    await tx.execute(sql`
      with recursive chain(id, merged_into, archived_at, depth) as (
        select id, merged_into, archived_at, 0 from records where workspace_id = ${workspaceId} and id = ${from.id} and type_id = ${from.type}
        union all
        select r.id, r.merged_into, r.archived_at, c.depth + 1 from records r join chain c on r.workspace_id = ${workspaceId} and r.id = c.merged_into where c.depth < 20)
      select id from chain where merged_into is null and archived_at is null limit 1`),
  );
  if (!found) throw new ApiError('NOT_FOUND', `No ${from.type} record with id ${from.id}`, { errors: [{ message: 'record not found', in: 'path:objectId' }] });
  const fromId = Number(found.id);
  const rows = rowsOf<{ to_id: number; type_ids: number[] }>(
    await tx.execute(sql`
      select to_id, json_agg(type_id order by type_id) as type_ids from associations
      where workspace_id = ${workspaceId} and from_id = ${fromId} and to_type = ${toType} and to_id > ${page.after ?? 0}
      group by to_id order by to_id limit ${page.limit + 1}`),
  );
  const more = rows.length > page.limit;
  const results: AssociatedRecord[] = [];
  for (const r of rows.slice(0, page.limit)) {
    const typesOut = [];
    for (const id of r.type_ids) {
      const t = await findType(tx, workspaceId, Number(id));
      if (t) typesOut.push({ category: t.category, typeId: t.typeId, label: t.label });
    }
    results.push({ toObjectId: Number(r.to_id), associationTypes: typesOut });
  }
  return { results, ...(more ? { next: results.at(-1)!.toObjectId } : {}) };
}

/**
 * Records are archived: every association they have goes, both directions, recorded with source
 * Object deletion. A contact whose primary company was archived gets its most recently
 * associated remaining company as primary (R8), recorded with the same source.
 */
export async function dropAssociationsOfArchived(tx: Tx, workspaceId: string, archived: Array<{ id: number; type: string }>): Promise<number> {
  if (archived.length === 0) return 0;
  const ws = workspaceId;
  const ids = sql.join(archived.map((r) => sql`${r.id}::bigint`), sql`, `);
  const gone = rowsOf<{ from_id: number; from_type: string; to_id: number; to_type: string; type_id: number; name: string | null }>(
    await tx.execute(sql`
      with gone as (
        delete from associations where workspace_id = ${ws} and (from_id in (${ids})
          or (to_id in (${ids}) and from_id in (select to_id from associations where workspace_id = ${ws} and from_id in (${ids}))))
        returning from_id, from_type, to_id, to_type, type_id)
      select g.from_id, g.from_type, g.to_id, g.to_type, g.type_id, ${recordNameSql('r')} as name
      from gone g left join records r on r.workspace_id = ${ws} and r.id = g.to_id`),
  ).map((g) => ({ ...g, from_id: Number(g.from_id), to_id: Number(g.to_id), type_id: Number(g.type_id) }));
  if (gone.length === 0) return 0;
  const archivedIds = new Set(archived.map((r) => r.id));
  const byId = new Map(archived.map((r) => [r.id, r]));
  const history: HistoryRow[] = [];
  for (const g of gone) {
    const def = await defaultType(tx, ws, g.from_type, g.to_type);
    if (g.type_id !== def.typeId) continue;
    const cause = byId.get(archivedIds.has(g.from_id) ? g.from_id : g.to_id)!;
    history.push({ fromId: g.from_id, fromType: g.from_type, toId: g.to_id, toType: g.to_type, typeId: g.type_id, action: 'DELETED', toName: g.name, label: null, detail: `${cause.type} ${cause.id} archived` });
  }
  // plan is not consulted when history is written
  const ctx: WriteContext = { workspaceId: ws, plan: 'enterprise', actor: { source: 'OBJECT_DELETION' } };
  await writeEdges(tx, ctx, [], [], history);
  // contacts (still live) that lost their primary company to this archive: the newest company left becomes primary
  const primaryId = hubspotPrimaryType(CONTACT, COMPANY)!.typeId;
  const lostPrimary = new Map(gone.filter((g) => g.from_type === CONTACT && archivedIds.has(g.to_id) && !archivedIds.has(g.from_id) && g.type_id === primaryId).map((g) => [g.from_id, g.to_id]));
  await ensurePrimaryCompanies(tx, ctx, [...lostPrimary.keys()], (contactId) => `primary company ${lostPrimary.get(contactId)} archived`);
  return gone.length;
}

/**
 * R8 after records came back or went: every contact among `ids` that has companies but no primary
 * gets its most recently associated company as primary, recorded with the caller's source and
 * `detail(contactId)` as the history entry's detail.
 */
export async function ensurePrimaryCompanies(tx: Tx, ctx: WriteContext, ids: number[], detail: (contactId: number) => string = () => 'newest company becomes primary (R8)'): Promise<void> {
  if (ids.length === 0) return;
  const primary = hubspotPrimaryType(CONTACT, COMPANY)!;
  const def = await defaultType(tx, ctx.workspaceId, CONTACT, COMPANY);
  const ws = ctx.workspaceId;
  const rows = rowsOf<{ contact_id: number; company_id: number; company_name: string | null; contact_name: string | null }>(
    await tx.execute(sql`
      select c.id as contact_id, n.to_id as company_id, ${recordNameSql('co')} as company_name, ${recordNameSql('c')} as contact_name
      from records c
      cross join lateral (
        select a.to_id from associations a where a.workspace_id = ${ws} and a.from_id = c.id and a.to_type = ${COMPANY} and a.type_id = ${def.typeId}
        order by a.created_at desc, a.to_id desc limit 1) n
      join records co on co.workspace_id = ${ws} and co.id = n.to_id
      where c.workspace_id = ${ws} and c.type_id = ${CONTACT} and c.id in (${sql.join([...new Set(ids)].map((id) => sql`${id}::bigint`), sql`, `)})
        and not exists (select 1 from associations p where p.workspace_id = ${ws} and p.from_id = c.id and p.type_id = ${primary.typeId})`),
  );
  const adds: Edge[] = [];
  const history: HistoryRow[] = [];
  for (const r of rows) {
    const contactId = Number(r.contact_id);
    const companyId = Number(r.company_id);
    const e1: Edge = { fromId: contactId, fromType: CONTACT, toId: companyId, toType: COMPANY, typeId: primary.typeId };
    const e2: Edge = { fromId: companyId, fromType: COMPANY, toId: contactId, toType: CONTACT, typeId: primary.inverseTypeId };
    adds.push(e1, e2);
    const why = detail(contactId);
    history.push({ ...e1, action: 'PRIMARY_SET', toName: r.company_name, label: primary.label, detail: why }, { ...e2, action: 'PRIMARY_SET', toName: r.contact_name, label: primary.label, detail: why });
  }
  await writeEdges(tx, ctx, [], adds, history);
}
