import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AssociationTypeDef } from '../../../shared/association-types.ts';
import type { AssociationRefusal } from '../../../shared/lifecycle.ts';
import { mergeIdPattern } from '../../../shared/lifecycle.ts';
import { CONTACT } from '../../../shared/objects.ts';
import type { Db, Tx } from '../../db/client.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';
import { records } from '../../db/schema/index.ts';
import { RetryTransaction, transaction } from '../../db/transaction.ts';
import { ApiError } from '../../errors.ts';
import { defaultType, findType, isExclusive } from '../association-types.ts';
import { lockAround, type LockedRow, lockRows } from '../associations/locks.ts';
import { ensurePrimaryCompanies } from '../associations/primary.ts';
import { actionOf, type Edge, type HistoryRow, type WriteContext, writeEdges } from '../associations/write.ts';
import { nameOf } from '../record-name.ts';
import { recordChanged } from '../history/changes.ts';
import { effectiveLimit, limitsForPair } from '../limits.ts';
import { objectTypeById, type ObjectType } from '../object-types.ts';
import { contactsByEmail, findRecords, lookupKey, type RecordRow, requireWritable } from '../records.ts';
import { reassociate } from './reassociate.ts';
import { historyFrom, snapshotAtMerge } from './snapshot.ts';

/** A time in microseconds since the epoch, as text (a merge's id holds it). */
const microsRow = z.object({ at: col.text });
const edgeRow = z.object({ to_type: col.text, to_id: col.id, type_id: col.id });
const typeRow = z.object({ type_id: col.text });
const gainedRow = z.object({ to_type: col.text, to_id: col.id, type_id: col.id, action: col.text });
const pairEdgeRow = z.object({ from_id: col.id, to_id: col.id, type_id: col.id });

/** HubSpot's property on a survivor: the ids merged into it, `;`-separated. */
const MERGED_IDS = 'hs_merged_object_ids';

async function typeOf(tx: Tx, ws: string, typeId: number): Promise<AssociationTypeDef> {
  const t = await findType(tx, ws, typeId);
  if (!t) throw new ApiError('INTERNAL', `Association type ${typeId} is in use but not defined`);
  return t;
}

function mergedIds(props: Record<string, string | null>): string[] {
  return (props[MERGED_IDS] ?? '').split(';').map((s) => s.trim()).filter(Boolean);
}

function sameRecord(type: ObjectType, asked: string, id: number): ApiError {
  return new ApiError('MERGE_INVALID', `${type.singular} ${asked} was merged into ${id}, the record to merge: a record cannot be merged into itself`, {
    errors: [{ message: `primaryObjectId ${asked} stands for ${id}, the same record as objectIdToMerge`, in: 'body:primaryObjectId' }],
    context: { resolvedId: [String(id)] },
  });
}

function alreadyMerged(type: ObjectType, id: number, into: number): ApiError {
  return new ApiError('MERGE_INVALID', `${type.singular} ${id} was already merged into ${into}`, { errors: [{ message: 'already merged', in: 'body:objectIdToMerge' }], context: { mergedInto: [String(into)] } });
}

export interface MergeOutcome {
  survivor: RecordRow;
  mergeId: string;
}

/**
 * Merges `objectIdToMerge` into `primaryObjectId` (HubSpot's merge). The survivor takes the merged
 * record's associations: each old edge is recorded as deleted and each new one as created, with
 * source Object merge and the merge's id as source id (R21). Associations both had collapse into
 * one (labels joined). The survivor's primary company wins; the merged record's becomes an
 * ordinary association (R6, R8); a record whose primary company was the merged one gets the
 * survivor as primary. Limits hold (R4): a merge that would pass one is refused whole. The
 * survivor keeps its own properties (a contact its email); the merged record keeps its own too,
 * points to the survivor (`merged_into`), and its id answers the survivor on reads.
 */
export async function mergeRecords(db: Db, ctx: WriteContext, type: ObjectType, input: { primaryObjectId: string | number; objectIdToMerge: string | number }): Promise<MergeOutcome> {
  requireWritable(ctx.plan, type);
  const ws = ctx.workspaceId;
  const keys = { primaryObjectId: lookupKey(type, undefined, input.primaryObjectId), objectIdToMerge: lookupKey(type, undefined, input.objectIdToMerge) };
  for (const [field, key] of Object.entries(keys)) {
    if (key === null) throw new ApiError('VALIDATION_ERROR', `${field} must be a record id`, { errors: [{ message: 'not a record id', in: `body:${field}` }] });
  }
  if (keys.primaryObjectId === keys.objectIdToMerge) {
    throw new ApiError('MERGE_INVALID', 'A record cannot be merged with itself', { errors: [{ message: 'same id twice', in: 'body:objectIdToMerge' }] });
  }
  return transaction(db, async (tx) => {
    const found = await findRecords(tx, ws, type, [keys.primaryObjectId!, keys.objectIdToMerge!]);
    for (const [field, key] of Object.entries(keys)) {
      if (!found.has(key!)) throw new ApiError('NOT_FOUND', `No ${type.name} record with id ${key}`, { errors: [{ message: 'record not found', in: `body:${field}` }] });
    }
    // a merged id answers its survivor, which may survive again; but the record to merge must be itself
    const S = found.get(keys.primaryObjectId!)!.id;
    const M = Number(keys.objectIdToMerge);
    if (found.get(keys.objectIdToMerge!)!.id !== M) throw alreadyMerged(type, M, found.get(keys.objectIdToMerge!)!.id);
    // the ids as given differ, but what they stand for now may not: "keep y, merge x" after x took
    // y in would merge x into itself and lose both
    if (S === M) throw sameRecord(type, keys.primaryObjectId!, S);
    // S, M and every neighbour of M, locked in the one order (lockRows)
    const { locked, neighbours: around } = await lockAround(tx, ws, [S, M], [M]);
    // merged or archived by a concurrent request between the read and the lock: decide again on what is there now
    if (!locked.has(S) || !locked.has(M)) throw new RetryTransaction(`${type.singular} ${locked.has(S) ? M : S} changed while the merge locked it`);
    const survivor = locked.get(S)!;
    const merged = locked.get(M)!;
    // the merge's id names the merged record, the survivor and the merge's time, which also
    // becomes the merged record's updated_at: undo checks that it is still that record's latest merge
    const now = parseRow('merge: its time', microsRow, await tx.execute(sql`select (extract(epoch from now()) * 1000000)::bigint::text as at`));
    const mergeId = `${M}-${S}-${now.at}`;

    const others = around.filter((id) => id !== S);
    const edgesOf = async (id: number) =>
      parseRows('merge: edges of a record', edgeRow, await tx.execute(sql`select to_type, to_id, type_id from associations where workspace_id = ${ws} and from_id = ${id}`)).map((r) => ({
        toType: r.to_type,
        toId: r.to_id,
        typeId: r.type_id,
      }));
    const edgesOfM = await edgesOf(M);
    const edgesOfS = await edgesOf(S);

    const removes: Edge[] = [];
    const adds: Edge[] = [];
    const history: HistoryRow[] = [];
    const name = async (id: number) => {
      const r = locked.get(id);
      return r ? nameOf(tx, ws, r) : null;
    };
    const nameS = await name(S);
    const nameM = await name(M);
    const gone = `merged into ${type.typeId} ${S}`;
    const came = `from merged ${type.typeId} ${M}`;

    // every edge of M goes, both directions; one deleted entry per direction stands for all types
    for (const e of edgesOfM) {
      const t = await typeOf(tx, ws, e.typeId);
      removes.push({ fromId: M, fromType: type.typeId, toId: e.toId, toType: e.toType, typeId: e.typeId }, { fromId: e.toId, fromType: e.toType, toId: M, toType: type.typeId, typeId: t.inverseTypeId });
    }
    const byOther = Map.groupBy(edgesOfM, (e) => e.toId);
    for (const [toId, list] of byOther) {
      const toType = list[0]!.toType;
      const defMX = await defaultType(tx, ws, type.typeId, toType);
      const defXM = await defaultType(tx, ws, toType, type.typeId);
      history.push(
        { fromId: M, fromType: type.typeId, toId, toType, typeId: defMX.typeId, action: 'DELETED', toName: await name(toId), label: null, detail: gone },
        { fromId: toId, fromType: toType, toId: M, toType: type.typeId, typeId: defXM.typeId, action: 'DELETED', toName: nameM, label: null, detail: gone },
      );
    }

    // the survivor takes them over: what it has already collapses, its own exclusive types win
    const exclusiveOfS = new Map(edgesOfS.filter((e) => e.toId !== M).map((e) => [e.typeId, e.toId] as const));
    const added = new Map<string, number>();
    for (const toId of others) {
      const list = byOther.get(toId) ?? [];
      if (list.length === 0) continue;
      const toType = list[0]!.toType;
      const has = new Set(edgesOfS.filter((e) => e.toId === toId).map((e) => e.typeId));
      const def = await defaultType(tx, ws, type.typeId, toType);
      // the unlabeled edge first, so every label sits on an association in history too
      list.sort((a, b) => Number(b.typeId === def.typeId) - Number(a.typeId === def.typeId) || a.typeId - b.typeId);
      for (const e of list) {
        if (has.has(e.typeId)) continue;
        const t = await typeOf(tx, ws, e.typeId);
        if (isExclusive(t) && exclusiveOfS.has(t.typeId) && exclusiveOfS.get(t.typeId) !== toId) continue;
        const inv = await typeOf(tx, ws, t.inverseTypeId);
        const a1: Edge = { fromId: S, fromType: type.typeId, toId, toType, typeId: t.typeId };
        const a2: Edge = { fromId: toId, fromType: toType, toId: S, toType: type.typeId, typeId: inv.typeId };
        adds.push(a1, a2);
        history.push({ ...a1, action: actionOf(t, true), toName: await name(toId), label: t.label, detail: came }, { ...a2, action: actionOf(inv, true), toName: nameS, label: inv.label, detail: came });
        if (isExclusive(t)) exclusiveOfS.set(t.typeId, toId);
        if (!t.primary && !isExclusive(t)) added.set(`${toType}:${t.typeId}`, (added.get(`${toType}:${t.typeId}`) ?? 0) + 1);
      }
    }

    // R4: the survivor's counts after the merge; the other side only swaps M for S
    for (const [key, n] of added) {
      const [toType, typeIdText] = key.split(':') as [string, string];
      const typeId = Number(typeIdText);
      const def = await defaultType(tx, ws, type.typeId, toType);
      const max = effectiveLimit(await limitsForPair(tx, ws, type.typeId, toType), ctx.plan, type.typeId, toType, typeId, def.typeId);
      const count = edgesOfS.filter((e) => e.toType === toType && e.typeId === typeId && e.toId !== M).length;
      if (count + n > max) {
        const t = await typeOf(tx, ws, typeId);
        const toName = await objectTypeById(tx, ws, toType).then((x) => x.name, () => toType);
        throw new ApiError(t.label === null ? 'ASSOCIATION_LIMIT_EXCEEDED' : 'LABEL_LIMIT_EXCEEDED', `After the merge, ${type.singular} ${S} would have ${count + n} ${t.label === null ? 'associated' : `"${t.label}"`} ${toName}; the limit is ${max}. Remove some associations first.`, {
          errors: [{ message: 'limit reached', in: 'body:objectIdToMerge', context: { limit: [String(max)], recordId: [String(S)] } }],
        });
      }
    }

    await writeEdges(tx, { ...ctx, actor: { source: 'OBJECT_MERGE', sourceId: mergeId } }, removes, adds, history);
    await tx.update(records).set({ mergedInto: S, updatedAt: sql`now()` }).where(and(eq(records.workspaceId, ws), eq(records.id, M)));
    const ids = [...new Set([...mergedIds(survivor.properties), String(M), ...mergedIds(merged.properties)])];
    const [row] = await tx
      .update(records)
      .set({ properties: sql`${records.properties} || ${JSON.stringify({ [MERGED_IDS]: ids.join(';') })}::jsonb`, updatedAt: sql`now()` })
      .where(and(eq(records.workspaceId, ws), eq(records.id, S)))
      .returning();
    await recordChanged(tx, ws, 'MERGED', [M]);
    // by the merge: the survivor's property history takes in the merged record's from here on
    await recordChanged(tx, ws, 'UPDATED', [S], 'OBJECT_MERGE');
    return { survivor: row!, mergeId };
  });
}

export interface UndoMergeOutcome {
  survivor: RecordRow;
  restored: RecordRow;
  associationsRemoved: number;
  associationsRestored: number;
  associationsRefused: AssociationRefusal[];
  emailCleared?: string;
}

function notUndoable(mergeId: string, why: string): ApiError {
  return new ApiError('MERGE_NOT_UNDOABLE', `Merge ${mergeId} cannot be undone: ${why}`, { errors: [{ message: why, in: 'path:mergeId' }] });
}

/**
 * Undoes a merge (B1), from its history: the survivor gives back what it took over (associations
 * the merge created leave, labels it added come off), the merged record is live again with the
 * associations it had when it was merged, each through the usual rules (limits, one primary
 * company: R4, R8) and reported when one cannot come back. Recorded with source Object restore and
 * the merge's id as source id. Only a record's latest merge can be undone, and only while the
 * survivor is live. A contact whose email the survivor (or another contact) holds comes back
 * without it.
 */
export async function undoMerge(db: Db, ctx: WriteContext, mergeId: string): Promise<UndoMergeOutcome> {
  const match = mergeIdPattern.exec(mergeId);
  const unknown = () => new ApiError('NOT_FOUND', `No merge ${mergeId}`, { errors: [{ message: 'merge not found', in: 'path:mergeId' }] });
  if (!match) throw unknown();
  const M = Number(match[1]);
  const S = Number(match[2]);
  const at = match[3]!;
  const ws = ctx.workspaceId;
  return transaction(db, async (tx) => {
    // read first, then lock every record the undo touches in one statement (lockRows); the
    // merged record's history cannot change while it stays merged, which the lock then confirms
    const [m] = parseRows('merge undo: the merged record', typeRow, await tx.execute(sql`select type_id from records where workspace_id = ${ws} and id = ${M}`));
    if (!m) throw unknown();
    const type = await objectTypeById(tx, ws, m.type_id);
    requireWritable(ctx.plan, type);
    const undoCtx: WriteContext = { ...ctx, actor: { source: 'OBJECT_RESTORE', sourceId: mergeId } };

    const gained = parseRows(
      'merge undo: what the survivor gained',
      gainedRow,
      await tx.execute(sql`
        select to_type, to_id, type_id, action from association_history
        where workspace_id = ${ws} and from_id = ${S} and source = 'OBJECT_MERGE' and source_id = ${mergeId} and action in ('CREATED', 'LABEL_ADDED', 'PRIMARY_SET')`),
    ).map((r) => ({ toType: r.to_type, toId: r.to_id, typeId: r.type_id, created: r.action === 'CREATED' }));
    const pairs = snapshotAtMerge(await historyFrom(tx, ws, M), mergeId);
    const rows = await lockRows(tx, ws, [M, S, ...gained.map((g) => g.toId), ...pairs.map((p) => p.toId)]);
    const mergedRow = rows.get(M);
    if (!mergedRow) throw unknown();
    const [now] = parseRows('merge undo: time of the merged record', microsRow, await tx.execute(sql`select (extract(epoch from updated_at) * 1000000)::bigint::text as at from records where workspace_id = ${ws} and id = ${M}`));
    if (mergedRow.merged_into === null) throw notUndoable(mergeId, `record ${M} is not merged (the merge was undone already)`);
    if (mergedRow.merged_into !== S || now!.at !== at) throw notUndoable(mergeId, `record ${M} was merged again since; only its latest merge can be undone`);
    const live = (r: LockedRow | undefined) => (r && r.merged_into === null && !r.archived ? r : undefined);
    const locked = new Map([...rows].filter(([, r]) => live(r)));
    const survivor = locked.get(S);
    if (!survivor) throw notUndoable(mergeId, `the survivor ${S} was deleted or merged since; restore it or undo that first`);

    // 1. the survivor gives back what the merge gave it (what is still there)
    const removes: Edge[] = [];
    const history: HistoryRow[] = [];
    let removed = 0;
    const nameS = await nameOf(tx, ws, survivor);
    const byOther = Map.groupBy(gained, (g) => g.toId);
    const current = byOther.size === 0 ? [] : parseRows(
      'merge undo: edges between the survivor and what it gained',
      pairEdgeRow,
      await tx.execute(sql`
        select from_id, to_id, type_id from associations where workspace_id = ${ws}
          and ((from_id = ${S} and to_id in (${sql.join([...byOther.keys()].map((id) => sql`${id}::bigint`), sql`, `)}))
            or (to_id = ${S} and from_id in (${sql.join([...byOther.keys()].map((id) => sql`${id}::bigint`), sql`, `)})))`),
    ).map((r) => ({ from: r.from_id, to: r.to_id, typeId: r.type_id }));
    for (const [toId, list] of byOther) {
      const other = locked.get(toId);
      if (!other) continue;
      const toType = list[0]!.toType;
      const mine = current.filter((c) => c.from === S && c.to === toId);
      const theirs = current.filter((c) => c.from === toId && c.to === S);
      const toName = await nameOf(tx, ws, other);
      if (list.some((g) => g.created)) {
        if (mine.length === 0) continue;
        removed++;
        for (const c of mine) removes.push({ fromId: S, fromType: type.typeId, toId, toType, typeId: c.typeId });
        for (const c of theirs) removes.push({ fromId: toId, fromType: toType, toId: S, toType: type.typeId, typeId: c.typeId });
        const d1 = await defaultType(tx, ws, type.typeId, toType);
        const d2 = await defaultType(tx, ws, toType, type.typeId);
        history.push(
          { fromId: S, fromType: type.typeId, toId, toType, typeId: d1.typeId, action: 'DELETED', toName, label: null, detail: 'merge undone' },
          { fromId: toId, fromType: toType, toId: S, toType: type.typeId, typeId: d2.typeId, action: 'DELETED', toName: nameS, label: null, detail: 'merge undone' },
        );
        continue;
      }
      for (const g of list) {
        if (!mine.some((c) => c.typeId === g.typeId)) continue;
        const t = await typeOf(tx, ws, g.typeId);
        const inv = await typeOf(tx, ws, t.inverseTypeId);
        const e1: Edge = { fromId: S, fromType: type.typeId, toId, toType, typeId: t.typeId };
        const e2: Edge = { fromId: toId, fromType: toType, toId: S, toType: type.typeId, typeId: inv.typeId };
        removes.push(e1, e2);
        history.push({ ...e1, action: actionOf(t, false), toName, label: t.label, detail: 'merge undone' }, { ...e2, action: actionOf(inv, false), toName: nameS, label: inv.label, detail: 'merge undone' });
      }
    }
    await writeEdges(tx, undoCtx, removes, [], history);

    // 2. the merged record is live again (without an email another live contact holds now)
    const properties = { ...mergedRow.properties };
    let emailCleared: string | undefined;
    const email = properties.email?.toLowerCase();
    if (type.typeId === CONTACT && email && (await contactsByEmail(tx, ws, [email], [M])).has(email)) {
      emailCleared = properties.email!;
      delete properties.email;
    }
    const [restored] = await tx
      .update(records)
      .set({ mergedInto: null, properties: properties as Record<string, string>, updatedAt: sql`now()` })
      .where(and(eq(records.workspaceId, ws), eq(records.id, M)))
      .returning();
    await recordChanged(tx, ws, 'RESTORED', [M]);

    // 3. with the associations it had, where they can come back
    const outcome = await reassociate(tx, undoCtx, { id: M, type: type.typeId }, pairs);
    const contacts = [S, M, ...byOther.keys(), ...outcome.touched];
    await ensurePrimaryCompanies(tx, undoCtx, contacts);

    // 4. the survivor no longer lists it
    const left = mergedIds(survivor.properties).filter((id) => id !== String(M) && !mergedIds(mergedRow.properties).includes(id));
    const [row] = await tx
      .update(records)
      .set({
        properties: left.length > 0 ? sql`${records.properties} || ${JSON.stringify({ [MERGED_IDS]: left.join(';') })}::jsonb` : sql`${records.properties} - ${MERGED_IDS}::text`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(records.workspaceId, ws), eq(records.id, S)))
      .returning();
    await recordChanged(tx, ws, 'UPDATED', [S]);
    return {
      survivor: row!,
      restored: restored!,
      associationsRemoved: removed,
      associationsRestored: outcome.restored,
      associationsRefused: outcome.refused,
      ...(emailCleared ? { emailCleared } : {}),
    };
  });
}
