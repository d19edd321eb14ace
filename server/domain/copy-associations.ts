import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AssociationTypeDef } from '../../shared/association-types.ts';
import { COPY_LIMITS, type CopyAssociationsResponse } from '../../shared/views.ts';
import type { Db, Tx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { isRetryable, RetryTransaction, transaction } from '../db/transaction.ts';
import { ApiError, toApiError } from '../errors.ts';
import { lockAround } from './associations/locks.ts';
import { associate } from './associations/rules.ts';
import type { WriteContext } from './associations/write.ts';
import { findType, isExclusive } from './association-types.ts';
import { type ObjectType, objectTypeById } from './object-types.ts';
import { getRecord } from './records.ts';

/**
 * Copy associations from one record to another of the same type (B6).
 *
 * Every association of the source (optionally only with some object types) is made on the target
 * through associate(), so limits, plan rules, primary rules and history (source: the caller)
 * apply as if made by hand. What is copied of each:
 * - the association itself, always;
 * - the primary company (and custom primary-style labels, with includeLabels) only when the target
 *   has none yet: a copy never takes the target's own primary away; and a company's copy never
 *   makes the target the primary company of the source's contacts, deals or tickets;
 * - other labels with includeLabels, in a second step: when only the labels are refused (plan,
 *   label limit), the association stays copied and the labels are reported refused.
 * Each step runs in its own savepoint of one transaction: a refused one rolls back alone, the good
 * ones commit together.
 */

export interface CopyInput {
  fromId: number;
  toId: number;
  /** Only associations with these object types (all when absent). */
  objectTypes?: ObjectType[] | undefined;
  includeLabels: boolean;
}

/** One associated record of a record, with its type ids (json_agg: plain numbers). */
const linkedRow = z.object({ to_type: col.text, to_id: col.id, type_ids: z.array(z.number().int()) });

type Item = CopyAssociationsResponse['copied'][number];
type Refusal = CopyAssociationsResponse['refused'][number];

/** Runs `work` in a savepoint; an ApiError rolls it back and is returned, anything else aborts everything. */
async function attempt<T>(tx: Tx, work: (sp: Tx) => Promise<T>): Promise<{ ok: T } | { error: ApiError }> {
  try {
    return { ok: await tx.transaction((sp) => work(sp as Tx)) };
  } catch (err) {
    const error = toApiError(err);
    // a deadlock runs the whole copy again (see transaction()); it is no refusal of this one
    if (error.code === 'INTERNAL' || isRetryable(err)) throw err;
    return { error };
  }
}

export async function copyAssociations(db: Db, ctx: WriteContext, type: ObjectType, input: CopyInput): Promise<CopyAssociationsResponse> {
  const ws = ctx.workspaceId;
  return transaction(db, async (tx) => {
    const source = await getRecord(tx, ws, type, input.fromId);
    let target;
    try {
      target = await getRecord(tx, ws, type, input.toId);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NOT_FOUND') {
        throw new ApiError('NOT_FOUND', `No ${type.name} record with id ${input.toId} to copy to`, { errors: [{ message: 'record not found', in: 'body:toRecordId' }] });
      }
      throw err;
    }
    // compared as resolved: a merged id stands for its survivor
    if (source.id === target.id) {
      throw new ApiError('VALIDATION_ERROR', `A record's associations cannot be copied to itself (${input.fromId} and ${input.toId} are both record ${source.id})`, { errors: [{ message: 'same record', in: 'body:toRecordId' }] });
    }
    // both records and everything either is associated with, in the one lock order, before any
    // association is made (each associate() below then only takes locks it holds already)
    const { locked } = await lockAround(tx, ws, [source.id, target.id], [source.id, target.id]);
    if (!locked.has(source.id) || !locked.has(target.id)) throw new RetryTransaction(`record ${locked.has(source.id) ? target.id : source.id} changed before the copy locked it`);
    const toTypes = input.objectTypes?.map((t) => t.typeId);
    const onlyTypes = toTypes ? sql` and to_type in (${sql.join(toTypes.map((t) => sql`${t}`), sql`, `)})` : sql``;
    const linked = (fromId: number) =>
      tx.execute(sql`select to_type, to_id, json_agg(type_id) as type_ids from associations
        where workspace_id = ${ws} and from_id = ${fromId}${onlyTypes} group by to_type, to_id order by to_type, to_id`);
    const fromSource = parseRows('copy associations: the source', linkedRow, await linked(source.id));
    if (fromSource.length > COPY_LIMITS.associations) {
      throw new ApiError('TOO_MANY_INPUTS', `Record ${source.id} has ${fromSource.length} associations to copy; at most ${COPY_LIMITS.associations} per call: copy them per object type with objectTypes`, {
        errors: [{ message: 'too many associations', in: 'body:objectTypes' }],
      });
    }
    const onTarget = new Map<string, Set<number>>();
    const targetHolds = new Set<number>();
    for (const r of parseRows('copy associations: the target', linkedRow, await linked(target.id))) {
      onTarget.set(`${r.to_type}:${r.to_id}`, new Set(r.type_ids));
      for (const id of r.type_ids) targetHolds.add(id);
    }

    const types = new Map<number, AssociationTypeDef | undefined>();
    const typeOf = async (id: number) => {
      if (!types.has(id)) types.set(id, await findType(tx, ws, id));
      return types.get(id);
    };
    const plan = [];
    for (const r of fromSource) {
      const exclusive: number[] = [];
      const labels: AssociationTypeDef[] = [];
      for (const id of r.type_ids) {
        const t = await typeOf(id);
        if (!t || t.label === null) continue;
        // company → record "is the primary company of": copying it would take records' primary from the source
        if (t.primary && !isExclusive(t)) continue;
        if (isExclusive(t)) {
          // never take the target's own primary away
          if ((t.primary || input.includeLabels) && !targetHolds.has(t.typeId)) exclusive.push(t.typeId);
        } else if (input.includeLabels) labels.push(t);
      }
      plan.push({ ...r, exclusive, labels });
    }
    // the primary company first: on a contact without companies, R8 would otherwise make the first copied one primary
    plan.sort((a, b) => b.exclusive.length - a.exclusive.length);

    const copied: Item[] = [];
    const unchanged: Item[] = [];
    const refused: Refusal[] = [];
    for (const item of plan) {
      const toType = await objectTypeById(tx, ws, item.to_type);
      const base = { toObjectTypeId: item.to_type, toObjectType: toType.name, toObjectId: String(item.to_id) };
      if (item.to_id === target.id) {
        refused.push({ ...base, code: 'SELF_ASSOCIATION', message: `Record ${target.id} is associated with ${source.id} itself; a record cannot be associated with itself` });
        continue;
      }
      const has = onTarget.get(`${item.to_type}:${item.to_id}`) ?? new Set<number>();
      const labelsToAdd = item.labels.filter((t) => !has.has(t.typeId));
      const firstNeeded = has.size === 0 || item.exclusive.some((id) => !has.has(id));
      let labelsAfter: string[] | null = null;
      if (firstNeeded) {
        const made = await attempt(tx, (sp) => associate(sp, ctx, { fromType: type.typeId, fromId: target.id, toType: item.to_type, toId: item.to_id, typeIds: item.exclusive }));
        if ('error' in made) {
          refused.push({ ...base, code: made.error.code, message: made.error.message });
          continue;
        }
        labelsAfter = made.ok.labels;
      }
      if (labelsToAdd.length > 0) {
        const labeled = await attempt(tx, (sp) => associate(sp, ctx, { fromType: type.typeId, fromId: target.id, toType: item.to_type, toId: item.to_id, typeIds: labelsToAdd.map((t) => t.typeId) }));
        if ('error' in labeled) {
          refused.push({ ...base, code: labeled.error.code, message: labeled.error.message, labels: labelsToAdd.map((t) => t.label!) });
        } else {
          labelsAfter = labeled.ok.labels;
        }
      }
      if (labelsAfter !== null) copied.push({ ...base, labels: labelsAfter });
      else if (!firstNeeded && labelsToAdd.length === 0) {
        const labels = [];
        for (const id of has) {
          const t = await typeOf(id);
          if (t?.label) labels.push(t.label);
        }
        unchanged.push({ ...base, labels });
      }
    }
    return { fromObjectId: String(source.id), toObjectId: String(target.id), copied, unchanged, refused };
  });
}
