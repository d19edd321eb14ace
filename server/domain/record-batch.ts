import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { CONTACT } from '../../shared/objects.ts';
import { LIMITS } from '../../shared/plans.ts';
import type { BatchError, PropertiesInput } from '../../shared/records.ts';
import type { Db, Tx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { transaction } from '../db/transaction.ts';
import { records } from '../db/schema/index.ts';
import { batchErrorOf } from '../envelope.ts';
import { ApiError } from '../errors.ts';
import type { WriteContext } from './associations/write.ts';
import { autoAssociateManyOnWrite } from './auto-domain.ts';
import { recordChanged } from './history/changes.ts';
import type { ObjectType } from './object-types.ts';
import { loadWriteFacts } from './write-facts.ts';
import { createRecord, updateRecord } from './record-writes.ts';
import {
  archiveRecords,
  associateNew,
  checkIdProperty,
  duplicateValue,
  findRecords,
  isUniqueViolation,
  type LookupOptions,
  lockUniqueValues,
  lockValues,
  lookupKey,
  newRecordProperties,
  parseRecordId,
  type RecordInput,
  type RecordRow,
  requireWritable,
  setProperties,
  uniqueValued,
  uniqueValueOwners,
  updatedProperties,
} from './records.ts';

/** What a batch did: the rows it wrote or read (input order) and one error per failed input. */
export interface BatchOutcome {
  rows: RecordRow[];
  errors: BatchError[];
}

/** Batch endpoints take at most 1,000 inputs (SPEC section 4). */
export function checkBatchSize(count: number): void {
  if (count > LIMITS.batchInputs) {
    throw new ApiError('TOO_MANY_INPUTS', `A batch takes at most ${LIMITS.batchInputs} inputs, got ${count}`, {
      errors: [{ message: `at most ${LIMITS.batchInputs} inputs`, in: 'body:inputs' }],
    });
  }
}

/** A refused input as its batch answer reports it; anything but an ApiError is a bug and is rethrown. */
function inputError(err: unknown, context: Record<string, string[]>): BatchError {
  if (!(err instanceof ApiError)) throw err;
  return batchErrorOf(err, context);
}

interface Pending<T> {
  index: number;
  where: string;
  item: T;
  properties: Record<string, string>;
}

/**
 * Runs `step` for every pending input, each in its own savepoint: a refused input rolls back
 * alone and becomes an error, the others stay.
 */
async function oneByOne<P extends Pending<unknown>>(tx: Tx, list: P[], step: (sp: Tx, p: P) => Promise<RecordRow>, out: Map<number, RecordRow>, errors: BatchError[]): Promise<void> {
  for (const p of list) {
    try {
      out.set(p.index, await tx.transaction((sp) => step(sp, p)));
    } catch (err) {
      errors.push(inputError(err, { index: [String(p.index)] }));
    }
  }
}

/**
 * Unique values (a contact's email, a custom type's unique properties): a value another live
 * record holds, or that an earlier input of the batch writes, is a 409 for that input. Call it in
 * the writing transaction, after lockUniqueValues. `targetOf` gives the record an input writes to
 * (updates): its own values are no conflict, and only the values that change are checked.
 */
async function refuseDuplicateValues<P extends Pending<unknown>>(tx: Tx, workspaceId: string, type: ObjectType, list: P[], errors: BatchError[], targetOf?: (p: P) => RecordRow): Promise<P[]> {
  let left = list;
  for (const name of uniqueValued(type)) {
    const valueOf = (p: P) => {
      const v = p.properties[name];
      return v && v !== targetOf?.(p).properties[name] ? v : undefined;
    };
    const owners = await uniqueValueOwners(tx, workspaceId, type, name, [...new Set(left.map(valueOf).filter((v): v is string => v !== undefined))]);
    const seen = new Map<string, number>();
    left = left.filter((p) => {
      const value = valueOf(p);
      if (value === undefined) return true;
      const owner = owners.get(value);
      const earlier = seen.get(value);
      if (owner !== undefined && owner !== targetOf?.(p).id) {
        errors.push(inputError(duplicateValue(type, name, owner, p.where), { index: [String(p.index)] }));
        return false;
      }
      if (earlier !== undefined) {
        const err = new ApiError('CONFLICT', `inputs[${p.index}] has the same ${name} as inputs[${earlier}]`, { errors: [{ message: `${name} repeated in this batch`, in: `${p.where}.properties.${name}` }] });
        errors.push(inputError(err, { index: [String(p.index)] }));
        return false;
      }
      seen.set(value, p.index);
      return true;
    });
  }
  return left;
}

/**
 * batch/create: every input checked first; inputs without associations are inserted together,
 * inputs with associations each in a savepoint (a refused association drops only that input).
 * Should a concurrent writer take an email meanwhile, the inputs are retried one by one.
 */
export async function batchCreate(db: Db, ctx: WriteContext, type: ObjectType, inputs: RecordInput[]): Promise<BatchOutcome> {
  checkBatchSize(inputs.length);
  const { written, errors } = await createInputs(db, ctx, type, inputs.map((item, index) => ({ index, item })));
  return { rows: inIndexOrder(written), errors: sortByIndex(errors) };
}

/** An input of a batch and its index in the request (an upsert hands some of its inputs on). */
interface Indexed<T> {
  index: number;
  item: T;
}

/** What writing some inputs of a batch did: the record of each input written, by index, and the refusals. */
interface Written {
  written: Map<number, RecordRow>;
  errors: BatchError[];
}

/** batch/create's work on inputs that know their index in the request; `db` may be the caller's transaction. */
async function createInputs(db: Db, ctx: WriteContext, type: ObjectType, inputs: Array<Indexed<RecordInput>>): Promise<Written> {
  requireWritable(ctx.plan, type);
  const errors: BatchError[] = [];
  const facts = await loadWriteFacts(db, ctx.workspaceId, type);
  let pending: Pending<RecordInput>[] = [];
  inputs.forEach(({ index, item }) => {
    const where = `inputs[${index}]`;
    try {
      pending.push({ index, where, item, properties: newRecordProperties(ctx, type, item, where, facts) });
    } catch (err) {
      errors.push(inputError(err, { index: [String(index)] }));
    }
  });
  const created = new Map<number, RecordRow>();
  await db.transaction(async (tx) => {
    await lockUniqueValues(tx, ctx.workspaceId, type, pending);
    pending = await refuseDuplicateValues(tx, ctx.workspaceId, type, pending, errors);
    const plain = pending.filter((p) => !p.item.associations?.length);
    const linked = pending.filter((p) => p.item.associations?.length);
    // contacts inserted here (not through createRecord, which applies R18 itself) get their company below
    const inserted: RecordRow[] = [];
    if (plain.length > 0) {
      try {
        const rows = await tx.transaction((sp) => insertMany(sp, ctx.workspaceId, type, plain.map((p) => p.properties)));
        plain.forEach((p, i) => created.set(p.index, rows[i]!));
        inserted.push(...rows);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        await oneByOne(tx, plain, (sp, p) => createRecord(sp, ctx, type, p.item, p.where), created, errors);
      }
    }
    await oneByOne(
      tx,
      linked,
      async (sp, p) => {
        const [row] = await insertMany(sp, ctx.workspaceId, type, [p.properties]);
        await associateNew(sp, ctx, type, row!.id, p.item.associations ?? [], p.where);
        inserted.push(row!);
        return row!;
      },
      created,
      errors,
    );
    // R18: the company of each new contact's email domain, after the companies the caller named
    if (type.typeId === CONTACT) await autoAssociateManyOnWrite(tx, ctx, inserted.map((r) => ({ id: r.id, email: r.properties.email })));
  });
  return { written: created, errors };
}

function inIndexOrder(written: Map<number, RecordRow>): RecordRow[] {
  return [...written.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

/** Inserts records in one statement; ids are drawn first so each row is matched to its input. */
async function insertMany(tx: Tx, workspaceId: string, type: ObjectType, list: Array<Record<string, string>>): Promise<RecordRow[]> {
  const ids = parseRows('batch create: record ids', z.object({ id: col.id }), await tx.execute(sql`select nextval('record_ids') as id from generate_series(1, ${list.length})`)).map((r) => r.id);
  const rows = await tx
    .insert(records)
    .values(list.map((properties, i) => ({ workspaceId, id: ids[i]!, typeId: type.typeId, properties })))
    .returning();
  await recordChanged(tx, workspaceId, 'CREATED', ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
}

/** batch/read: found records in input order (each once); the ids that match nothing in one error. */
export async function batchRead(db: Db, workspaceId: string, type: ObjectType, ids: Array<string | number>, options: LookupOptions = {}): Promise<BatchOutcome> {
  checkBatchSize(ids.length);
  const found = await findRecords(db, workspaceId, type, ids, options);
  const rows: RecordRow[] = [];
  const missing: string[] = [];
  const shown = new Set<number>();
  for (const raw of ids) {
    const key = lookupKey(type, options.idProperty, raw);
    const row = key === null ? undefined : found.get(key);
    if (!row) missing.push(String(raw));
    else if (!shown.has(row.id)) {
      shown.add(row.id);
      rows.push(row);
    }
  }
  const errors: BatchError[] = [];
  if (missing.length > 0) {
    const err = new ApiError('NOT_FOUND', `Could not get some ${type.name} records, they may be deleted or not exist. Check that ids are valid.`, {
      errors: missing.map((id) => ({ message: `no ${type.name} record with id ${id}`, in: 'inputs' })),
    });
    errors.push(inputError(err, { ids: missing }));
  }
  return { rows, errors };
}

interface UpdateInput {
  id: string | number;
  properties: PropertiesInput;
  idProperty?: string | undefined;
}

/**
 * batch/update: the targets are read in one query per idProperty, every input checked, then all
 * good inputs written in one statement (one savepoint each should a concurrent writer take an
 * email meanwhile). Unknown ids and bad values fail only their input.
 */
export async function batchUpdate(db: Db, ctx: WriteContext, type: ObjectType, inputs: UpdateInput[]): Promise<BatchOutcome> {
  checkBatchSize(inputs.length);
  const { written, errors } = await updateInputs(db, ctx, type, inputs.map((item, index) => ({ index, item })));
  return { rows: inIndexOrder(written), errors: sortByIndex(errors) };
}

/** batch/update's work on inputs that know their index in the request; `db` may be the caller's transaction. */
async function updateInputs(db: Db, ctx: WriteContext, type: ObjectType, inputs: Array<Indexed<UpdateInput>>): Promise<Written> {
  requireWritable(ctx.plan, type);
  const errors: BatchError[] = [];
  const failed = new Set<number>();
  const fail = (index: number, err: unknown) => {
    failed.add(index);
    errors.push(inputError(err, { index: [String(index)] }));
  };
  const targets = new Map<number, RecordRow>();
  const byIdProperty = Map.groupBy(inputs, (x) => x.item.idProperty ?? 'hs_object_id');
  for (const [idProperty, group] of byIdProperty) {
    try {
      const found = await findRecords(db, ctx.workspaceId, type, group.map((x) => x.item.id), { idProperty });
      for (const { item, index } of group) {
        const key = lookupKey(type, idProperty, item.id);
        const row = key === null ? undefined : found.get(key);
        if (row) targets.set(index, row);
      }
    } catch (err) {
      for (const { index } of group) fail(index, err);
    }
  }
  const facts = await loadWriteFacts(db, ctx.workspaceId, type);
  let pending: Array<Pending<UpdateInput> & { target: RecordRow }> = [];
  const claimed = new Map<number, number>();
  inputs.forEach(({ index, item }) => {
    const where = `inputs[${index}]`;
    const target = targets.get(index);
    if (failed.has(index)) return;
    if (!target) return fail(index, new ApiError('NOT_FOUND', `No ${type.name} record with id ${item.id}`, { errors: [{ message: 'record not found', in: `${where}.id` }] }));
    const earlier = claimed.get(target.id);
    if (earlier !== undefined) return fail(index, new ApiError('VALIDATION_ERROR', `inputs[${index}] updates the same record as inputs[${earlier}]`, { errors: [{ message: 'duplicate id in batch', in: `${where}.id` }] }));
    claimed.set(target.id, index);
    try {
      pending.push({ index, where, item, target, properties: updatedProperties(type, target, item.properties, where, facts) });
    } catch (err) {
      fail(index, err);
    }
  });
  const updated = new Map<number, RecordRow>();
  await db.transaction(async (tx) => {
    await lockUniqueValues(tx, ctx.workspaceId, type, pending.map((p) => ({ properties: p.properties, before: p.target.properties })));
    pending = await refuseDuplicateValues(tx, ctx.workspaceId, type, pending, errors, (p) => p.target);
    if (pending.length === 0) return;
    try {
      const rows = await tx.transaction((sp) => updateMany(sp, ctx.workspaceId, pending.map((p) => ({ id: p.target.id, properties: p.properties }))));
      for (const p of pending) updated.set(p.index, rows.get(p.target.id)!);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // updateRecord applies R18 itself
      await oneByOne(tx, pending, (sp, p) => updateRecord(sp, ctx, type, p.target.id, p.item.properties), updated, errors);
      return;
    }
    // R18: a new email domain may point at a company
    if (type.typeId === CONTACT) {
      const changed = pending.filter((p) => p.properties.email && p.properties.email !== p.target.properties.email);
      await autoAssociateManyOnWrite(tx, ctx, changed.map((p) => ({ id: p.target.id, email: p.properties.email })));
    }
  });
  return { written: updated, errors };
}

/** Writes new properties to many records of one workspace in one statement. */
async function updateMany(tx: Tx, workspaceId: string, list: Array<{ id: number; properties: Record<string, string> }>): Promise<Map<number, RecordRow>> {
  await setProperties(tx, workspaceId, list);
  await recordChanged(tx, workspaceId, 'UPDATED', list.map((x) => x.id));
  const rows = await tx
    .select()
    .from(records)
    .where(and(eq(records.workspaceId, workspaceId), inArray(records.id, list.map((x) => x.id))));
  return new Map(rows.map((r) => [r.id, r]));
}

export interface UpsertInput {
  id: string;
  idProperty?: string | undefined;
  properties: PropertiesInput;
}

/** What an upsert did: per written input its record and whether it was created, in input order. */
export interface UpsertOutcome {
  rows: Array<{ row: RecordRow; created: boolean }>;
  errors: BatchError[];
}

/**
 * batch/upsert: each input names a record by `idProperty` (hs_object_id, email for contacts, domain
 * for companies, a custom type's unique property) and its value `id`. The records found are
 * updated as batch/update does; the others created as batch/create does, the value set on the
 * new record. An id cannot be chosen, so an hs_object_id that matches nothing fails that input.
 * Two inputs naming the same record refuse the whole request (HubSpot refuses duplicate ids in a
 * batch). Everything runs in one transaction, which first locks the values inputs name records by
 * and the unique values they write (lockValues): two upserts of one new value run one after the
 * other, the second one updating the record the first created.
 */
export async function batchUpsert(db: Db, ctx: WriteContext, type: ObjectType, inputs: UpsertInput[]): Promise<UpsertOutcome> {
  checkBatchSize(inputs.length);
  requireWritable(ctx.plan, type);
  inputs.forEach((item, index) => {
    try {
      checkIdProperty(type, item.idProperty);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      throw new ApiError(err.code, `inputs[${index}]: ${err.message}`, { errors: [{ message: err.message, in: `inputs[${index}].idProperty` }] });
    }
  });
  const keyOf = (item: UpsertInput) => {
    const key = lookupKey(type, item.idProperty, item.id);
    return key === null ? null : `${item.idProperty ?? 'hs_object_id'}\u0000${key}`;
  };
  const firstOf = new Map<string, number>();
  const repeated: string[] = [];
  inputs.forEach((item, index) => {
    const key = keyOf(item);
    if (key === null) return;
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, index);
    else repeated.push(`inputs[${index}] names the same record as inputs[${first}] (${item.idProperty ?? 'hs_object_id'} ${item.id})`);
  });
  if (repeated.length > 0) {
    throw new ApiError('VALIDATION_ERROR', `Duplicate ids found in batch input: ${repeated.join('; ')}. Ids must be unique`, {
      errors: repeated.map((message) => ({ message, in: 'inputs' })),
    });
  }
  return transaction(db, async (tx) => {
    // the values inputs look records up by, and the unique values they write, locked before the
    // lookup: a concurrent upsert of the same new value waits here, then finds this one's record
    const unique = new Set(uniqueValued(type));
    await lockValues(
      tx,
      ctx.workspaceId,
      type.typeId,
      inputs.flatMap((item) => [
        ...(item.idProperty && item.idProperty !== 'hs_object_id' ? [{ property: item.idProperty, value: item.id }] : []),
        ...Object.entries(item.properties).filter(([name, v]) => unique.has(name) && v !== null && v !== '').map(([property, v]) => ({ property, value: String(v) })),
      ]),
    );
    const found = new Set<number>();
    for (const [idProperty, group] of Map.groupBy(inputs.map((item, index) => ({ index, item })), (x) => x.item.idProperty ?? 'hs_object_id')) {
      const rows = await findRecords(tx, ctx.workspaceId, type, group.map((x) => x.item.id), { idProperty });
      for (const { index, item } of group) {
        const key = lookupKey(type, idProperty, item.id);
        if (key !== null && rows.has(key)) found.add(index);
      }
    }
    const errors: BatchError[] = [];
    const creates: Array<Indexed<RecordInput>> = [];
    const updates: Array<Indexed<UpdateInput>> = [];
    inputs.forEach((item, index) => {
      const idProperty = item.idProperty ?? 'hs_object_id';
      if (found.has(index)) updates.push({ index, item: { id: item.id, idProperty, properties: item.properties } });
      else if (idProperty === 'hs_object_id') {
        const err = new ApiError('NOT_FOUND', `No ${type.name} record with id ${item.id}; upsert creates records by a unique property, not by id`, { errors: [{ message: 'record not found', in: `inputs[${index}].id` }] });
        errors.push(inputError(err, { index: [String(index)] }));
      } else creates.push({ index, item: { properties: { ...item.properties, [idProperty]: item.id } } });
    });
    const created = await createInputs(tx, ctx, type, creates);
    const updated = await updateInputs(tx, ctx, type, updates);
    const rows = [...[...created.written].map(([index, row]) => ({ index, row, created: true })), ...[...updated.written].map(([index, row]) => ({ index, row, created: false }))];
    return {
      rows: rows.sort((a, b) => a.index - b.index).map(({ row, created }) => ({ row, created })),
      errors: sortByIndex([...errors, ...created.errors, ...updated.errors]),
    };
  });
}

/** batch/archive: archives the records that exist; ids that match nothing are ignored, as HubSpot does. */
export async function batchArchive(db: Db, workspaceId: string, type: ObjectType, ids: Array<string | number>): Promise<number[]> {
  checkBatchSize(ids.length);
  const parsed = ids.map(parseRecordId).filter((id): id is number => id !== null);
  return archiveRecords(db, workspaceId, type, [...new Set(parsed)]);
}

function sortByIndex(errors: BatchError[]): BatchError[] {
  return errors.sort((a, b) => Number(a.context.index?.[0] ?? -1) - Number(b.context.index?.[0] ?? -1));
}
