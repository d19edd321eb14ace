import { and, eq, sql } from 'drizzle-orm';
import { CONTACT } from '../../shared/objects.ts';
import type { PropertiesInput } from '../../shared/records.ts';
import type { Tx } from '../db/client.ts';
import { records } from '../db/schema/index.ts';
import type { WriteContext } from './associations/write.ts';
import { autoAssociateOnWrite } from './auto-domain.ts';
import { recordChanged } from './history/changes.ts';
import type { ObjectType } from './object-types.ts';
import { loadWriteFacts } from './write-facts.ts';
import { checkUniqueValues, duplicateContact, getRecord, insertRecord, isUniqueViolation, type RecordInput, type RecordRow, requireWritable, updatedProperties } from './records.ts';

// Creating and updating one record as the API does it: the checked write (records.ts), then what
// follows a contact's write, the company of its email domain (R18, auto-domain.ts). Kept apart
// from records.ts because automatic association creates companies through records.ts itself.

/**
 * Creates one record and its associations inside the caller's transaction (see insertRecord); a
 * contact then gets the company of its email's domain, after the companies the caller named (R18).
 */
export async function createRecord(tx: Tx, ctx: WriteContext, type: ObjectType, input: RecordInput, where = ''): Promise<RecordRow> {
  const row = await insertRecord(tx, ctx, type, input, where);
  if (type.typeId === CONTACT) await autoAssociateOnWrite(tx, ctx, { id: row.id, email: row.properties.email });
  return row;
}

/** Updates one record's properties (PATCH semantics: others stay; null or '' clears). */
export async function updateRecord(tx: Tx, ctx: WriteContext, type: ObjectType, key: string | number, input: PropertiesInput, options: { idProperty?: string | undefined } = {}): Promise<RecordRow> {
  requireWritable(ctx.plan, type);
  const current = await getRecord(tx, ctx.workspaceId, type, key, options);
  const properties = updatedProperties(type, current, input, '', await loadWriteFacts(tx, ctx.workspaceId, type));
  await checkUniqueValues(tx, ctx.workspaceId, type, properties, '', current);
  try {
    const [row] = await tx
      .update(records)
      .set({ properties, updatedAt: sql`now()` })
      .where(and(eq(records.workspaceId, ctx.workspaceId), eq(records.id, current.id)))
      .returning();
    await recordChanged(tx, ctx.workspaceId, 'UPDATED', [current.id]);
    // R18: a new email domain may point at a company
    if (type.typeId === CONTACT && properties.email && properties.email !== current.properties.email) {
      await autoAssociateOnWrite(tx, ctx, { id: current.id, email: properties.email });
    }
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateContact('(created concurrently)', '');
    throw err;
  }
}

