import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AssociationRefusal } from '../../../shared/lifecycle.ts';
import { RESTORE_WINDOW_DAYS } from '../../../shared/lifecycle.ts';
import type { Db, Tx } from '../../db/client.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';
import { records } from '../../db/schema/index.ts';
import { transaction } from '../../db/transaction.ts';
import { ApiError } from '../../errors.ts';
import { ensurePrimaryCompanies } from '../associations/primary.ts';
import type { WriteContext } from '../associations/write.ts';
import { recordChanged } from '../history/changes.ts';
import type { ObjectType } from '../object-types.ts';
import { checkUniqueValues, duplicateContact, isUniqueViolation, type RecordRow, requireWritable } from '../records.ts';
import { reassociate } from './reassociate.ts';
import { historyFrom, snapshotAtArchive } from './snapshot.ts';

export interface RestoreOutcome {
  row: RecordRow;
  associationsRestored: number;
  associationsRefused: AssociationRefusal[];
}

const seenRow = z.object({ seen: col.bool });
/** `expired` is null while the record is live (no archive time to compare). */
const restorableRow = z.object({ merged_into: col.idOrNull, archived: col.bool, expired: col.bool.nullable(), properties: col.properties });

/**
 * A record that is not there: purged when its history still names it (410), else never existed in
 * this workspace (404, also for ids of other workspaces).
 */
async function missing(tx: Tx, workspaceId: string, type: ObjectType, id: number): Promise<ApiError> {
  const { seen } = parseRow(
    'restore: whether history names a record',
    seenRow,
    await tx.execute(sql`select exists (select 1 from association_history where workspace_id = ${workspaceId} and from_id = ${id} and from_type = ${type.typeId}) as seen`),
  );
  if (seen) {
    return new ApiError('RECORD_PURGED', `The ${type.singular} ${id} was purged; only its history remains and it cannot be restored`, { errors: [{ message: 'record purged', in: 'path:id' }] });
  }
  return new ApiError('NOT_FOUND', `No ${type.name} record with id ${id}`, { errors: [{ message: 'record not found', in: 'path:id' }] });
}

/**
 * Restores an archived record within 90 days (SPEC section 4) with the associations it had when it
 * was archived, rebuilt from its history, recorded with source Object restore (R21). Each one goes
 * through the usual rules: limits (R4), and a primary company only where the other record has none
 * now (R8); the ones that cannot come back are answered, not dropped. A contact whose email another
 * live contact took meanwhile is not restored (409, as creating it would be).
 */
export async function restoreRecord(db: Db, ctx: WriteContext, type: ObjectType, id: number): Promise<RestoreOutcome> {
  requireWritable(ctx.plan, type);
  const ws = ctx.workspaceId;
  return transaction(db, async (tx) => {
    const [row] = parseRows(
      'restore: the record to restore',
      restorableRow,
      await tx.execute(sql`
        select merged_into, archived_at is not null as archived, archived_at < now() - make_interval(days => ${RESTORE_WINDOW_DAYS}) as expired, properties
        from records where workspace_id = ${ws} and id = ${id} and type_id = ${type.typeId} for update`),
    );
    if (!row) throw await missing(tx, ws, type, id);
    if (row.merged_into !== null) {
      throw new ApiError('RECORD_MERGED', `The ${type.singular} ${id} was merged into ${row.merged_into}; undo that merge instead (POST /api/merges/{mergeId}/undo)`, {
        errors: [{ message: `merged into ${row.merged_into}`, in: 'path:id' }],
        context: { mergedInto: [String(row.merged_into)] },
      });
    }
    if (!row.archived) throw new ApiError('RECORD_NOT_ARCHIVED', `The ${type.singular} ${id} is not deleted`, { errors: [{ message: 'record is live', in: 'path:id' }] });
    if (row.expired) {
      throw new ApiError('RESTORE_EXPIRED', `The ${type.singular} ${id} was deleted more than ${RESTORE_WINDOW_DAYS} days ago and can no longer be restored`, { errors: [{ message: 'restore window passed', in: 'path:id' }] });
    }
    // its unique values (a contact's email, a custom unique property) must not be another live record's now
    await checkUniqueValues(tx, ws, type, row.properties, '');
    const [restored] = await tx
      .update(records)
      .set({ archivedAt: null, updatedAt: sql`now()` })
      .where(and(eq(records.workspaceId, ws), eq(records.id, id)))
      .returning()
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? duplicateContact('(created concurrently)', '') : err;
      });
    await recordChanged(tx, ws, 'RESTORED', [id]);
    const self = { id, type: type.typeId };
    const pairs = snapshotAtArchive(await historyFrom(tx, ws, id), self);
    const restoreCtx: WriteContext = { ...ctx, actor: { source: 'OBJECT_RESTORE', sourceId: `${type.typeId} ${id}` } };
    const outcome = await reassociate(tx, restoreCtx, self, pairs);
    await ensurePrimaryCompanies(tx, restoreCtx, [id, ...outcome.touched]);
    return { row: restored!, associationsRestored: outcome.restored, associationsRefused: outcome.refused };
  });
}
