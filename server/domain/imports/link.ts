import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { type AssociationTypeDef, hubspotPrimaryType } from '../../../shared/association-types.ts';
import { COMPANY, CONTACT } from '../../../shared/objects.ts';
import type { Tx } from '../../db/client.ts';
import { idArray } from '../../db/prepared.ts';
import { col, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import { defaultType } from '../association-types.ts';
import { type Edge, type HistoryRow, type WriteContext, writeEdges } from '../associations/write.ts';
import { nameOf } from '../record-name.ts';
import { effectiveLimit, type LimitRow, limitsForPair } from '../limits.ts';

/** One end of an unlabeled association to make. */
export interface LinkEnd {
  id: number;
  type: string;
  /** Created by the caller in this transaction: a company it gets becomes its primary (R7). */
  created?: boolean;
  /**
   * The properties of a record the caller created in this transaction and has not associated yet
   * (so `created` too). Such a record is not read, locked or counted: no other transaction can see
   * it, and it has no associations but those this call makes.
   */
  fresh?: Record<string, string | null>;
}

export interface LinkPair {
  a: LinkEnd;
  b: LinkEnd;
  /** Said in both history rows (why this association was made). */
  detail?: string;
}

const lockedRow = z.object({ id: col.id, type_id: col.text, properties: col.properties });
const edgeRow = z.object({ from_id: col.id, to_id: col.id, type_id: col.id });
const countRow = z.object({ from_id: col.id, to_type: col.text, type_id: col.id, n: col.id });

export type LinkOutcome = { ok: true; made: boolean } | { ok: false; error: ApiError };

/**
 * Makes many unlabeled associations in one go, with the same rules as `associate` for that case:
 * both directions (R2), a contact's first company and a new record's company become primary
 * (R7, R8), per-record limits of both sides (R4), history for every edge (R20) with the context's
 * source. The records are locked in id order first, so the counts read after are current. Pairs
 * already associated are left as they are. Answers one outcome per pair, in order.
 */
export async function linkUnlabeled(tx: Tx, ctx: WriteContext, pairs: LinkPair[]): Promise<LinkOutcome[]> {
  const ws = ctx.workspaceId;
  if (pairs.length === 0) return [];
  const records = new Map<number, { id: number; type_id: string; properties: Record<string, string | null> }>();
  for (const end of pairs.flatMap((p) => [p.a, p.b])) if (end.fresh) records.set(end.id, { id: end.id, type_id: end.type, properties: end.fresh });
  const ids = [...new Set(pairs.flatMap((p) => [p.a.id, p.b.id]))].filter((id) => !records.has(id));
  const existing = new Set<string>();
  const counts = new Map<string, number>();
  if (ids.length > 0) {
    // lock in id order (as every writer does), one array parameter for all ids
    const idList = sql`${idArray(ids)}::bigint[]`;
    const locked = parseRows(
      'link: records of the pairs, locked',
      lockedRow,
      await tx.execute(sql`select id, type_id, properties from records where workspace_id = ${ws} and id = any(${idList})
        and archived_at is null and merged_into is null order by id for update`),
    );
    for (const r of locked) records.set(r.id, r);
    // a fresh record has no edges yet, so only pairs of two records read here can exist already
    const edges = parseRows(
      'link: edges between the records',
      edgeRow,
      await tx.execute(sql`select from_id, to_id, type_id from associations where workspace_id = ${ws} and from_id = any(${idList}) and to_id = any(${idList})`),
    );
    for (const e of edges) existing.add(`${e.from_id}>${e.to_id}#${e.type_id}`);
    const counted = parseRows(
      'link: association counts of the records',
      countRow,
      await tx.execute(sql`select from_id, to_type, type_id, count(*)::int as n from associations where workspace_id = ${ws} and from_id = any(${idList}) group by 1, 2, 3`),
    );
    for (const c of counted) counts.set(`${c.from_id}>${c.to_type}#${c.type_id}`, c.n);
  }
  const countOf = (id: number, toType: string, typeId: number) => counts.get(`${id}>${toType}#${typeId}`) ?? 0;
  const bump = (id: number, toType: string, typeId: number) => counts.set(`${id}>${toType}#${typeId}`, countOf(id, toType, typeId) + 1);

  const limitCache = new Map<string, LimitRow[]>();
  const limitsOf = async (x: string, y: string) => {
    const key = [x, y].sort().join('|');
    let rows = limitCache.get(key);
    if (!rows) limitCache.set(key, (rows = await limitsForPair(tx, ws, x, y)));
    return rows;
  };
  const defaults = new Map<string, AssociationTypeDef>();
  const defaultOf = async (from: string, to: string) => {
    const key = `${from}>${to}`;
    let t = defaults.get(key);
    if (!t) defaults.set(key, (t = await defaultType(tx, ws, from, to)));
    return t;
  };
  const names = new Map<number, string | null>();
  const nameFor = async (id: number) => {
    if (!names.has(id)) names.set(id, await nameOf(tx, ws, records.get(id)!));
    return names.get(id)!;
  };

  const adds: Edge[] = [];
  const history: HistoryRow[] = [];
  const outcomes: LinkOutcome[] = [];
  const edge = (from: LinkEnd, to: LinkEnd, typeId: number): Edge => ({ fromId: from.id, fromType: from.type, toId: to.id, toType: to.type, typeId });
  for (const { a, b, detail } of pairs) {
    if (a.id === b.id) {
      outcomes.push({ ok: false, error: new ApiError('SELF_ASSOCIATION', `A record cannot be associated with itself (${a.id})`) });
      continue;
    }
    const missing = [a, b].find((end) => records.get(end.id)?.type_id !== end.type);
    if (missing) {
      outcomes.push({ ok: false, error: new ApiError('NOT_FOUND', `No ${missing.type} record with id ${missing.id}`) });
      continue;
    }
    const defAB = await defaultOf(a.type, b.type);
    const defBA = await defaultOf(b.type, a.type);
    if (existing.has(`${a.id}>${b.id}#${defAB.typeId}`)) {
      outcomes.push({ ok: true, made: false });
      continue;
    }
    const limits = await limitsOf(a.type, b.type);
    const maxA = effectiveLimit(limits, ctx.plan, a.type, b.type, defAB.typeId, defAB.typeId);
    const maxB = effectiveLimit(limits, ctx.plan, b.type, a.type, defBA.typeId, defBA.typeId);
    const full = countOf(a.id, b.type, defAB.typeId) >= maxA ? a : countOf(b.id, a.type, defBA.typeId) >= maxB ? b : null;
    if (full) {
      const max = full === a ? maxA : maxB;
      const other = full === a ? b : a;
      outcomes.push({ ok: false, error: new ApiError('ASSOCIATION_LIMIT_EXCEEDED', `Record ${full.id} already has ${max} associations with ${other.type} records, its limit`) });
      continue;
    }
    const nameA = await nameFor(a.id);
    const nameB = await nameFor(b.id);
    const extra = detail ? { detail } : {};
    adds.push(edge(a, b, defAB.typeId), edge(b, a, defBA.typeId));
    history.push(
      { ...edge(a, b, defAB.typeId), action: 'CREATED', toName: nameB, label: null, ...extra },
      { ...edge(b, a, defBA.typeId), action: 'CREATED', toName: nameA, label: null, ...extra },
    );
    existing.add(`${a.id}>${b.id}#${defAB.typeId}`);
    // R7, R8: the company of a contact without companies, or of a record just created, is primary
    const record = b.type === COMPANY && hubspotPrimaryType(a.type, COMPANY) ? a : a.type === COMPANY && hubspotPrimaryType(b.type, COMPANY) ? b : null;
    if (record) {
      const company = record === a ? b : a;
      const primary = hubspotPrimaryType(record.type, COMPANY)!;
      const def = record === a ? defAB : defBA;
      const hasPrimary = countOf(record.id, COMPANY, primary.typeId) > 0;
      const firstCompany = record.type === CONTACT && countOf(record.id, COMPANY, def.typeId) === 0;
      if (!hasPrimary && (firstCompany || record.created === true || record.fresh !== undefined)) {
        const recordName = record === a ? nameA : nameB;
        const companyName = record === a ? nameB : nameA;
        adds.push(edge(record, company, primary.typeId), edge(company, record, primary.inverseTypeId));
        history.push(
          { ...edge(record, company, primary.typeId), action: 'PRIMARY_SET', toName: companyName, label: primary.label, ...extra },
          { ...edge(company, record, primary.inverseTypeId), action: 'PRIMARY_SET', toName: recordName, label: primary.label, ...extra },
        );
        bump(record.id, COMPANY, primary.typeId);
      }
    }
    bump(a.id, b.type, defAB.typeId);
    bump(b.id, a.type, defBA.typeId);
    outcomes.push({ ok: true, made: true });
  }
  await writeEdges(tx, ctx, [], adds, history);
  return outcomes;
}
