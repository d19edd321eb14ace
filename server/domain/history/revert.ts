import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { hubspotPrimaryType } from '../../../shared/association-types.ts';
import type { HistoryAction, HistoryEntry } from '../../../shared/history.ts';
import { COMPANY } from '../../../shared/objects.ts';
import type { Tx } from '../../db/client.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import { lockRecords } from '../associations/locks.ts';
import { associate, removeAssociation, removeLabels } from '../associations/rules.ts';
import type { WriteContext } from '../associations/write.ts';
import { defaultType, findType } from '../association-types.ts';
import { entriesByTx } from './entries.ts';
import { replay, replayRow } from './replay.ts';

/** A history row with its commit position, as columns; it is also what replaying reads. */
const historyRow = replayRow.extend({ id: col.id, from_type: col.text, from_id: col.id, to_id: col.id, type_id: col.id, tx_key: col.id, seq: col.id });
type Row = z.output<typeof historyRow>;

const REMOVES: HistoryAction[] = ['LABEL_REMOVED', 'PRIMARY_UNSET'];

function conflict(entry: Row, why: string): ApiError {
  return new ApiError('CONFLICT', `History entry ${entry.id} (${entry.action}) cannot be reverted: ${why}`, { errors: [{ message: why, in: 'path:entryId' }] });
}

/** Every history row of one direction of a pair, in commit order. */
async function pairRows(tx: Tx, ws: string, fromId: number, toType: string, toId: number): Promise<Row[]> {
  return parseRows(
    'revert: the history of a pair',
    historyRow,
    await tx.execute(sql`
      select h.id, h.action, h.from_type, h.from_id, h.to_type, h.to_id, h.to_name, h.type_id, h.label, h.tx_key, c.seq
      from association_history h join change_commits c on c.workspace_id = h.workspace_id and c.tx_key = h.tx_key
      where h.workspace_id = ${ws} and h.from_id = ${fromId} and h.to_type = ${toType} and h.to_id = ${toId}
      order by c.seq, h.id`),
  );
}

/** The type ids from `fromId` to `toId` now. */
async function liveTypes(tx: Tx, ws: string, fromId: number, toType: string, toId: number): Promise<Set<number>> {
  const rows = parseRows('revert: live types of a pair', z.object({ type_id: col.id }), await tx.execute(sql`select type_id from associations where workspace_id = ${ws} and from_id = ${fromId} and to_type = ${toType} and to_id = ${toId}`));
  return new Set(rows.map((r) => r.type_id));
}

/**
 * A later change of the same thing (the whole association for CREATED and DELETED, else the
 * association or that type) makes the revert ambiguous: the caller reverts the later one first.
 */
function requireNoLaterChange(entry: Row, rows: Row[], typeId: number | null): void {
  const later = rows.find((r) => r.seq > entry.seq && (typeId === null || r.type_id === typeId || r.action === 'CREATED' || r.action === 'DELETED'));
  if (later) {
    throw conflict(entry, `${entry.from_type} ${entry.from_id} → ${entry.to_type} ${entry.to_id} changed again later (entry ${later.id}, ${later.action}); revert that change first`);
  }
}

/**
 * Undoes one change (B1) in the caller's transaction, through the same writers as any change, so
 * every rule applies (limits, plan, the primary company rules) and a refusal carries the rule's
 * error. CREATED is undone by removing the association; DELETED by associating again with the
 * labels it had (types deleted since cannot come back); a label or primary added by taking it
 * back (or, when it moved from another record in the same change, moving it back); a label or
 * primary removed by setting it again. When the state already differs from what the change
 * left, the answer is CONFLICT (409). The new history rows say which entry they revert.
 */
export async function revertEntry(
  tx: Tx,
  ctx: WriteContext,
  entryId: number,
  options: { newPrimaryCompanyId?: number | undefined; /** Only an entry this user made may be reverted (a rep's undo). */ onlyOwn?: number | undefined } = {},
): Promise<{ revertedEntryId: string; results: HistoryEntry[] }> {
  const ws = ctx.workspaceId;
  const [entry] = parseRows(
    'revert: the entry',
    historyRow,
    await tx.execute(sql`
      select h.id, h.action, h.from_type, h.from_id, h.to_type, h.to_id, h.to_name, h.type_id, h.label, h.tx_key, c.seq
      from association_history h join change_commits c on c.workspace_id = h.workspace_id and c.tx_key = h.tx_key
      where h.workspace_id = ${ws} and h.id = ${entryId}`),
  );
  if (!entry) throw new ApiError('NOT_FOUND', `No history entry with id ${entryId}`, { errors: [{ message: 'unknown history entry', in: 'path:entryId' }] });
  if (options.onlyOwn !== undefined) {
    const [maker] = parseRows(
      'revert: who made the entry',
      z.object({ source: col.text, source_user_id: col.idOrNull }),
      await tx.execute(sql`select source, source_user_id from association_history where workspace_id = ${ws} and id = ${entryId}`),
    );
    if (maker?.source !== 'USER' || maker.source_user_id !== options.onlyOwn) {
      throw new ApiError('FORBIDDEN', `History entry ${entryId} was not made by you: a rep reverts only their own changes; an admin may revert it`, {
        errors: [{ message: 'not your own change', in: 'path:entryId', code: 'OWN_CHANGES_ONLY' }],
      });
    }
  }
  const A = { id: entry.from_id, type: entry.from_type };
  const B = { id: entry.to_id, type: entry.to_type };
  // what the same change did elsewhere: a primary or exclusive label that moved, a successor
  const sameChange = parseRows(
    'revert: the same change elsewhere',
    historyRow,
    await tx.execute(sql`
      select h.id, h.action, h.from_type, h.from_id, h.to_type, h.to_id, h.to_name, h.type_id, h.label, h.tx_key, 0 as seq from association_history h
      where h.workspace_id = ${ws} and h.tx_key = ${entry.tx_key} and (h.from_id in (${A.id}, ${B.id}) or h.to_id in (${A.id}, ${B.id}))
        and not (h.from_id in (${A.id}, ${B.id}) and h.to_id in (${A.id}, ${B.id}))
      order by h.id`),
  );
  // everything the revert reads below stays true until it writes: every record it may touch is
  // locked, at once and in id order like every writer does
  const touched = [A.id, B.id, ...sameChange.flatMap((r) => [r.from_id, r.to_id]), ...(options.newPrimaryCompanyId !== undefined ? [options.newPrimaryCompanyId] : [])];
  const locked = await lockRecords(tx, ws, touched);
  for (const r of [A, B]) {
    if (!locked.has(r.id)) throw conflict(entry, `record ${r.id} (${r.type}) is archived or merged; restore it first`);
  }
  const rows = await pairRows(tx, ws, A.id, B.type, B.id);
  const live = await liveTypes(tx, ws, A.id, B.type, B.id);
  const def = await defaultType(tx, ws, A.type, B.type);
  const ref = { fromType: A.type, fromId: A.id, toType: B.type, toId: B.id };

  switch (entry.action) {
    case 'CREATED': {
      requireNoLaterChange(entry, rows, null);
      if (!live.has(def.typeId)) throw conflict(entry, `${A.type} ${A.id} and ${B.type} ${B.id} are no longer associated`);
      // removing a primary company: the company it replaced in the same change takes it back
      const primaryHere = [...live].some((t) => t === hubspotPrimaryType(A.type, B.type)?.typeId || t === hubspotPrimaryType(B.type, A.type)?.inverseTypeId);
      const replaced = sameChange.find((r) => r.action === 'PRIMARY_UNSET' && r.to_type === COMPANY && r.from_type !== COMPANY);
      const successor = options.newPrimaryCompanyId ?? (primaryHere && replaced ? replaced.to_id : undefined);
      await removeAssociation(tx, ctx, { ...ref, ...(successor !== undefined ? { newPrimaryCompanyId: successor } : {}) });
      break;
    }
    case 'DELETED': {
      requireNoLaterChange(entry, rows, null);
      if (live.size > 0) throw conflict(entry, `${A.type} ${A.id} and ${B.type} ${B.id} are associated again`);
      const before = replay(rows.filter((r) => r.seq < entry.seq || (r.seq === entry.seq && r.id < entry.id))).get(`${B.type}:${B.id}`);
      const typeIds: number[] = [];
      for (const typeId of before?.types.keys() ?? []) {
        if (typeId !== def.typeId && (await findType(tx, ws, typeId))) typeIds.push(typeId);
      }
      await associate(tx, ctx, { ...ref, typeIds });
      break;
    }
    case 'LABEL_ADDED':
    case 'PRIMARY_SET': {
      requireNoLaterChange(entry, rows, entry.type_id);
      if (!live.has(entry.type_id)) throw conflict(entry, `${A.type} ${A.id} → ${B.type} ${B.id} no longer has "${entry.label ?? entry.type_id}"`);
      // the label or primary moved here from another record in the same change: move it back
      const movedFrom = sameChange.find((r) => REMOVES.includes(r.action) && r.type_id === entry.type_id && (r.from_id === A.id || r.to_id === B.id));
      if (movedFrom) {
        const still = await liveTypes(tx, ws, movedFrom.from_id, movedFrom.to_type, movedFrom.to_id);
        if (still.size === 0) throw conflict(entry, `the "${entry.label ?? entry.type_id}" it replaced was on ${movedFrom.to_type} ${movedFrom.to_id}, which is no longer associated`);
        await associate(tx, ctx, { fromType: movedFrom.from_type, fromId: movedFrom.from_id, toType: movedFrom.to_type, toId: movedFrom.to_id, typeIds: [entry.type_id] });
      } else {
        await removeLabels(tx, ctx, { ...ref, typeIds: [entry.type_id], ...(options.newPrimaryCompanyId !== undefined ? { newPrimaryCompanyId: options.newPrimaryCompanyId } : {}) });
      }
      break;
    }
    case 'LABEL_REMOVED':
    case 'PRIMARY_UNSET': {
      requireNoLaterChange(entry, rows, entry.type_id);
      if (!live.has(def.typeId)) throw conflict(entry, `${A.type} ${A.id} and ${B.type} ${B.id} are no longer associated`);
      if (live.has(entry.type_id)) throw conflict(entry, `${A.type} ${A.id} → ${B.type} ${B.id} has "${entry.label ?? entry.type_id}" again`);
      if (!(await findType(tx, ws, entry.type_id))) throw conflict(entry, `the label "${entry.label ?? entry.type_id}" was deleted`);
      await associate(tx, ctx, { ...ref, typeIds: [entry.type_id] });
      break;
    }
  }
  // the rows just written are this transaction's: say which entry they revert
  const key = parseRow('revert: this transaction', z.object({ k: col.idOrNull }), await tx.execute(sql`select nullif(current_setting('crm.change_tx', true), '')::bigint as k`));
  if (key.k === null) throw conflict(entry, 'there was nothing left to change');
  await tx.execute(sql`update association_history set detail = concat_ws('; ', ${`revert of entry ${entry.id}`}::text, detail)
    where workspace_id = ${ws} and tx_key = ${key.k}`);
  return { revertedEntryId: String(entry.id), results: await entriesByTx(tx, ws, key.k) };
}
