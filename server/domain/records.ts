import { and, asc, eq, gt, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { COMPANY, CONTACT } from '../../shared/objects.ts';
import { type Plan, planAllows } from '../../shared/plans.ts';
import { type AssociationForCreate, type DuplicateContactContext, normalizeDomain, normalizeEmail, type PropertiesInput, type SimplePublicObject } from '../../shared/records.ts';
import type { DbOrTx, Tx } from '../db/client.ts';
import { associations, records } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { dropAssociationsOfArchived } from './associations/archive.ts';
import { associate } from './associations/rules.ts';
import type { WriteContext } from './associations/write.ts';
import { recordChanged } from './history/changes.ts';
import type { ObjectType } from './object-types.ts';
import { applyChanges, checkComplete, checkProperties, type WriteFacts } from './record-properties.ts';
import { loadWriteFacts } from './write-facts.ts';
import { unstorableText } from '../../shared/text.ts';

export type RecordRow = typeof records.$inferSelect;

/** What creating a record takes (HubSpot's SimplePublicObjectInputForCreate). */
export interface RecordInput {
  properties: PropertiesInput;
  associations?: AssociationForCreate[] | undefined;
}

/** How a record is looked up: by its id (default) or a unique property, live or archived. */
export interface LookupOptions {
  idProperty?: string | undefined;
  archived?: boolean | undefined;
}

/** A record id from a path or body, or null when it cannot be one (ids are positive integers below 2^53). */
export function parseRecordId(raw: string | number): number | null {
  const s = String(raw).trim();
  if (!/^\d{1,16}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** R1: records of custom object types are written only on the Enterprise plan. */
export function requireWritable(plan: Plan, type: ObjectType): void {
  if (type.custom && !planAllows(plan, 'customObjects')) {
    throw new ApiError('PLAN_REQUIRED', `Custom objects need the Enterprise plan; this workspace is on ${plan}`, {
      errors: [{ message: 'custom objects need the Enterprise plan', in: 'path:objectType' }],
    });
  }
}

/**
 * A record as HubSpot shows it (SimplePublicObject). Without `properties`, every stored property is
 * shown; with it, exactly those (null when unset). `hs_object_id`, `createdate` and
 * `lastmodifieddate` are always there.
 */
export function publicObject(row: RecordRow, properties?: readonly string[]): SimplePublicObject {
  const system: Record<string, string> = {
    hs_object_id: String(row.id),
    createdate: row.createdAt.toISOString(),
    lastmodifieddate: row.updatedAt.toISOString(),
    hs_lastmodifieddate: row.updatedAt.toISOString(),
  };
  const shown: Record<string, string | null> = {};
  if (properties && properties.length > 0) {
    for (const name of properties) shown[name] = system[name] ?? row.properties[name] ?? null;
  } else {
    Object.assign(shown, row.properties);
  }
  Object.assign(shown, { hs_object_id: system.hs_object_id, createdate: system.createdate, lastmodifieddate: system.lastmodifieddate });
  return {
    id: String(row.id),
    properties: shown,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archived: row.archivedAt !== null,
    ...(row.archivedAt ? { archivedAt: row.archivedAt.toISOString() } : {}),
  };
}

/** How a record is identified: by id, by a standard unique property, or by a custom type's unique property. */
type IdProperty = 'hs_object_id' | 'email' | 'domain' | { unique: string };

/**
 * The properties of a type defined with hasUniqueValue (property_definitions, read with the type):
 * a contact's email and any property a workspace defines so. No two live records of the type hold
 * the same value of one (see checkUniqueValues).
 */
export function uniqueProperties(type: ObjectType): string[] {
  return [...type.properties.values()].filter((p) => p.hasUniqueValue).map((p) => p.name);
}

/** The properties that can identify records of a type (besides hs_object_id). */
export function identifyingProperties(type: ObjectType): string[] {
  const unique = uniqueProperties(type);
  if (type.typeId === CONTACT) return ['email', ...unique.filter((n) => n !== 'email')];
  if (type.typeId === COMPANY) return ['domain', ...unique];
  return unique;
}

function idPropertyOf(type: ObjectType, idProperty: string | undefined): IdProperty {
  if (!idProperty || idProperty === 'hs_object_id') return 'hs_object_id';
  if (idProperty === 'email' && type.typeId === CONTACT) return 'email';
  if (idProperty === 'domain' && type.typeId === COMPANY) return 'domain';
  if (uniqueProperties(type).includes(idProperty)) return { unique: idProperty };
  const usable = ['hs_object_id', ...identifyingProperties(type)].join(', ');
  throw new ApiError('VALIDATION_ERROR', `idProperty ${idProperty} cannot identify ${type.name}: use ${usable}`, {
    errors: [{ message: `not a unique property of ${type.name}`, in: 'idProperty' }],
  });
}

/** Checks that `idProperty` can identify records of the type (VALIDATION_ERROR naming it if not). */
export function checkIdProperty(type: ObjectType, idProperty: string | undefined): void {
  idPropertyOf(type, idProperty);
}

/** The key a record is found under for an id-or-value as given, or null when it can match nothing. */
export function lookupKey(type: ObjectType, idProperty: string | undefined, raw: string | number): string | null {
  // no stored value holds such text (shared/text.ts), and the database would refuse the query
  if (typeof raw === 'string' && unstorableText(raw)) return null;
  const by = idPropertyOf(type, idProperty);
  switch (by) {
    case 'hs_object_id': {
      const id = parseRecordId(raw);
      return id === null ? null : String(id);
    }
    case 'email':
      return normalizeEmail(String(raw));
    case 'domain':
      return normalizeDomain(String(raw));
    default:
      // a custom unique value matches as stored, case and all
      return String(raw);
  }
}

const isLive = (archived: boolean | undefined) => (archived ? isNotNull(records.archivedAt) : isNull(records.archivedAt));

/**
 * Records of one type by id (or by `email` / `domain` with `idProperty`), in one query per hop:
 * a merged record's id answers its survivor. Keys that match nothing are absent from the map.
 * The map is keyed by `lookupKey` of each input.
 */
export async function findRecords(db: DbOrTx, workspaceId: string, type: ObjectType, keys: ReadonlyArray<string | number>, options: LookupOptions = {}): Promise<Map<string, RecordRow>> {
  const by = idPropertyOf(type, options.idProperty);
  const wanted = [...new Set(keys.map((k) => lookupKey(type, options.idProperty, k)).filter((k): k is string => k !== null))];
  const found = new Map<string, RecordRow>();
  if (wanted.length === 0) return found;
  const scope = and(eq(records.workspaceId, workspaceId), eq(records.typeId, type.typeId));
  if (by !== 'hs_object_id') {
    const name = typeof by === 'string' ? by : by.unique;
    // email and domain written as literals: the expression then matches their indexes (records_contact_email)
    const stored = by === 'email' ? sql`${records.properties}->>'email'` : by === 'domain' ? sql`${records.properties}->>'domain'` : sql`${records.properties}->>${name}::text`;
    const value = typeof by === 'string' ? sql`lower(${stored})` : stored;
    const rows = await db
      .select()
      .from(records)
      .where(and(scope, isLive(options.archived), isNull(records.mergedInto), inArray(value, wanted)))
      .orderBy(asc(records.id));
    for (const row of rows) {
      const raw = row.properties[name] ?? undefined;
      const key = typeof by === 'string' ? raw?.toLowerCase() : raw;
      // a domain may belong to several companies: the oldest one answers
      if (key !== undefined && !found.has(key)) found.set(key, row);
    }
    return found;
  }
  // by id; a merged record redirects to the record it was merged into, through chains of merges
  // (x into y, then y into z) as long as the ones that answer the v4 association reads
  let pending = new Map(wanted.map((k) => [Number(k), [k]]));
  for (let hop = 0; hop <= 20 && pending.size > 0; hop++) {
    const rows = await db.select().from(records).where(and(scope, inArray(records.id, [...pending.keys()])));
    const next = new Map<number, string[]>();
    for (const row of rows) {
      const asked = pending.get(row.id) ?? [];
      if (row.mergedInto !== null) next.set(row.mergedInto, [...(next.get(row.mergedInto) ?? []), ...asked]);
      else if ((row.archivedAt !== null) === Boolean(options.archived)) for (const key of asked) found.set(key, row);
    }
    pending = next;
  }
  return found;
}

function notFound(type: ObjectType, key: string | number, where = 'path:id'): ApiError {
  return new ApiError('NOT_FOUND', `No ${type.name} record with id ${key}`, { errors: [{ message: 'record not found', in: where }] });
}

/** One record, or NOT_FOUND (also for ids of other workspaces and other types). */
export async function getRecord(db: DbOrTx, workspaceId: string, type: ObjectType, key: string | number, options: LookupOptions = {}): Promise<RecordRow> {
  const k = lookupKey(type, options.idProperty, key);
  const row = k === null ? undefined : (await findRecords(db, workspaceId, type, [k], options)).get(k);
  if (!row) throw notFound(type, key);
  return row;
}

/** One page of a type's records in id order; `after` is the last id of the previous page. */
export async function listRecords(
  db: DbOrTx,
  workspaceId: string,
  type: ObjectType,
  page: { limit: number; after?: string | undefined; archived?: boolean | undefined },
): Promise<{ rows: RecordRow[]; after: string | null }> {
  const after = page.after === undefined ? 0 : parseRecordId(page.after);
  if (after === null) throw new ApiError('VALIDATION_ERROR', `after must be a cursor from paging.next.after, got "${page.after}"`, { errors: [{ message: 'bad cursor', in: 'query:after' }] });
  const rows = await db
    .select()
    .from(records)
    .where(and(eq(records.workspaceId, workspaceId), eq(records.typeId, type.typeId), gt(records.id, after), isLive(page.archived), isNull(records.mergedInto)))
    .orderBy(asc(records.id))
    .limit(page.limit + 1);
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  return { rows: shown, after: more ? String(shown[shown.length - 1]!.id) : null };
}

/** Live contacts owning any of these (normalised) emails, other than `except`: email → id. */
export async function contactsByEmail(db: DbOrTx, workspaceId: string, emails: string[], except: number[] = []): Promise<Map<string, number>> {
  const owners = new Map<string, number>();
  if (emails.length === 0) return owners;
  const email = sql<string>`lower(${records.properties}->>'email')`;
  const rows = await db
    .select({ id: records.id, email })
    .from(records)
    .where(and(eq(records.workspaceId, workspaceId), eq(records.typeId, CONTACT), isNull(records.archivedAt), isNull(records.mergedInto), inArray(email, emails)));
  for (const row of rows) if (!except.includes(row.id)) owners.set(row.email, row.id);
  return owners;
}

/** HubSpot's answer to a second contact with the same email (409). */
export function duplicateContact(existingId: number | string, where: string): ApiError {
  return new ApiError('CONFLICT', `Contact already exists. Existing ID: ${existingId}`, {
    errors: [{ message: `a contact with this email already exists (id ${existingId})`, in: `${where ? `${where}.` : ''}properties.email` }],
    context: { id: [String(existingId)] } satisfies DuplicateContactContext,
  });
}

/**
 * The properties whose value at most one live record of the type may hold: a contact's email and
 * every property defined with hasUniqueValue (uniqueProperties). (A company's domain is not one: several
 * companies may share a domain, the oldest answers it.)
 */
export function uniqueValued(type: ObjectType): string[] {
  const names = uniqueProperties(type);
  if (type.typeId === CONTACT && !names.includes('email')) return ['email', ...names];
  if (type.typeId === COMPANY) return names.filter((name) => name !== 'domain');
  return names;
}

/** A value as uniqueness compares it: emails and domains as normalised, others as stored. Null for one that cannot be a value. */
function comparedValue(property: string, value: string): string | null {
  if (property === 'email') return normalizeEmail(value) ?? value.trim().toLowerCase();
  if (property === 'domain') return normalizeDomain(value);
  return value;
}

/**
 * Takes, until the end of the transaction, a lock on each (type, property, value) given: two
 * transactions writing the same value of a unique-valued property (or upserting by the same
 * value) then run one after the other, and the second one's existence check sees the first one's
 * record. Call it before the check, in the transaction that writes. The locks are taken in one
 * statement, in the order of their keys, so two batches never wait for each other's (no
 * deadlock); taking a lock the transaction holds already is free.
 */
export async function lockValues(tx: DbOrTx, workspaceId: string, typeId: string, values: ReadonlyArray<{ property: string; value: string | null | undefined }>): Promise<void> {
  const keys = new Set<string>();
  for (const { property, value } of values) {
    if (!value) continue;
    const compared = comparedValue(property, value);
    if (compared) keys.add(`${workspaceId}/unique/${typeId}/${property}/${compared}`);
  }
  if (keys.size === 0) return;
  await tx.execute(sql`
    select count(pg_advisory_xact_lock(k)) from (
      select distinct hashtextextended(v, 0) as k from unnest(array[${sql.join([...keys].map((k) => sql`${k}::text`), sql`, `)}]::text[]) as v order by 1) s`);
}

/**
 * Locks (lockValues) the unique-valued properties that these writes give a record: every value of
 * a new record, and of an update only the values that change (`before`: the record's properties).
 */
export async function lockUniqueValues(tx: DbOrTx, workspaceId: string, type: ObjectType, writes: ReadonlyArray<{ properties: Record<string, string | null>; before?: Record<string, string | null> }>): Promise<void> {
  const names = uniqueValued(type);
  if (names.length === 0) return;
  const values = writes.flatMap((w) => names.filter((name) => w.properties[name] && w.properties[name] !== w.before?.[name]).map((property) => ({ property, value: w.properties[property] })));
  await lockValues(tx, workspaceId, type.typeId, values);
}

/** Live records of the type holding any of these values of a unique-valued property, other than `except`: value (as given) → id. */
export async function uniqueValueOwners(db: DbOrTx, workspaceId: string, type: ObjectType, property: string, values: string[], except: number[] = []): Promise<Map<string, number>> {
  if (property === 'email' && type.typeId === CONTACT) {
    // compared in lower case: an email stored before emails were normalised may have capitals
    const byLower = await contactsByEmail(db, workspaceId, [...new Set(values.map((v) => v.toLowerCase()))], except);
    return new Map(values.flatMap((v) => (byLower.has(v.toLowerCase()) ? [[v, byLower.get(v.toLowerCase())!] as const] : [])));
  }
  const owners = new Map<string, number>();
  if (values.length === 0) return owners;
  const value = sql<string>`${records.properties}->>${property}::text`;
  const rows = await db
    .select({ id: records.id, value })
    .from(records)
    .where(and(eq(records.workspaceId, workspaceId), eq(records.typeId, type.typeId), isNull(records.archivedAt), isNull(records.mergedInto), inArray(value, values)))
    .orderBy(asc(records.id));
  for (const row of rows) if (!except.includes(row.id) && !owners.has(row.value)) owners.set(row.value, row.id);
  return owners;
}

/** The 409 for a value another record holds already: HubSpot's duplicate contact, or its like for a custom unique property. */
export function duplicateValue(type: ObjectType, property: string, existingId: number | string, where: string): ApiError {
  if (type.typeId === CONTACT && property === 'email') return duplicateContact(existingId, where);
  return new ApiError('CONFLICT', `A ${type.singular} with this ${property} already exists. Existing ID: ${existingId}`, {
    errors: [{ message: `another ${type.singular} has this ${property} (id ${existingId}); ${property} is unique`, in: `${where ? `${where}.` : ''}properties.${property}` }],
    context: { id: [String(existingId)] },
  });
}

/**
 * The one check of unique values for a single write, inside its transaction: locks the values it
 * gives the record (lockUniqueValues), then refuses one that another live record holds (409,
 * duplicateValue). `current`: the record an update writes to.
 */
export async function checkUniqueValues(tx: Tx, workspaceId: string, type: ObjectType, properties: Record<string, string | null>, where: string, current?: RecordRow): Promise<void> {
  await lockUniqueValues(tx, workspaceId, type, [{ properties, ...(current ? { before: current.properties } : {}) }]);
  for (const name of uniqueValued(type)) {
    const value = properties[name];
    if (!value || value === current?.properties[name]) continue;
    const owner = (await uniqueValueOwners(tx, workspaceId, type, name, [value], current ? [current.id] : [])).get(value);
    if (owner !== undefined) throw duplicateValue(type, name, owner, where);
  }
}

/** True for a unique-index violation (the contact email index) from either driver. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/**
 * The checked, normalised properties of a new record, or an ApiError naming the bad field.
 * `facts`: the workspace's stages and owners (loadWriteFacts), read once per request.
 */
export function newRecordProperties(ctx: WriteContext, type: ObjectType, input: RecordInput, where: string, facts: WriteFacts): Record<string, string> {
  requireWritable(ctx.plan, type);
  const properties = applyChanges({}, checkProperties(type, input.properties, where));
  checkComplete(type, properties, where, { ...facts, before: {} });
  return properties;
}

/**
 * Inserts one record and its associations inside the caller's transaction: properties checked
 * (see checkProperties), unique values unique in the workspace (checkUniqueValues: a contact's
 * email answers 409 "Contact already exists. Existing ID: <id>"), each association made through `associate` (R7: a company becomes primary).
 * Any refusal throws an ApiError naming `<where>.properties.x` or `<where>.associations[i]`; the
 * caller's transaction then writes nothing. What follows a contact's write (R18) is createRecord's
 * (record-writes.ts): a company that automatic association creates comes in here.
 */
export async function insertRecord(tx: Tx, ctx: WriteContext, type: ObjectType, input: RecordInput, where = ''): Promise<RecordRow> {
  const properties = newRecordProperties(ctx, type, input, where, await loadWriteFacts(tx, ctx.workspaceId, type));
  await checkUniqueValues(tx, ctx.workspaceId, type, properties, where);
  const [row] = await tx
    .insert(records)
    .values({ workspaceId: ctx.workspaceId, typeId: type.typeId, properties })
    .returning()
    .catch((err: unknown) => {
      throw isUniqueViolation(err) ? duplicateContact('(created concurrently)', where) : err;
    });
  if (!row) throw new Error('insert returned no row');
  await recordChanged(tx, ctx.workspaceId, 'CREATED', [row.id]);
  await associateNew(tx, ctx, type, row.id, input.associations ?? [], where);
  return row;
}

/**
 * The associations given while creating a record (HubSpot's `associations` array), each through
 * `associate` with `creating` set (R7). A refusal is rethrown naming `<where>.associations[i]`.
 */
export async function associateNew(tx: Tx, ctx: WriteContext, type: ObjectType, fromId: number, list: AssociationForCreate[], where = ''): Promise<void> {
  for (const [i, item] of list.entries()) {
    const at = `${where ? `${where}.` : ''}associations[${i}]`;
    const toId = parseRecordId(item.to.id);
    if (toId === null) {
      throw new ApiError('VALIDATION_ERROR', `${at}.to.id must be a record id, got "${item.to.id}"`, { errors: [{ message: 'not a record id', in: `${at}.to.id` }] });
    }
    try {
      await associate(tx, ctx, { fromType: type.typeId, fromId, toId, typeIds: item.types.map((t) => t.associationTypeId), creating: true });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      throw new ApiError(err.code, `${at}: ${err.message}`, {
        errors: (err.errors.length > 0 ? err.errors : [{ message: err.message }]).map((e) => ({ ...e, in: e.in ? `${at}.${e.in}` : at })),
        ...(err.context ? { context: err.context } : {}),
      });
    }
  }
}

/** The properties after one update, checked as on create; required properties must stay set. `facts` as for newRecordProperties. */
export function updatedProperties(type: ObjectType, current: RecordRow, input: PropertiesInput, where: string, facts: WriteFacts): Record<string, string> {
  const properties = applyChanges(current.properties, checkProperties(type, input, where));
  checkComplete(type, properties, where, { ...facts, before: current.properties });
  return properties;
}

/**
 * Replaces the properties of many records of one workspace in one statement (and bumps their
 * updated_at). The caller writes their change events.
 */
export async function setProperties(tx: DbOrTx, workspaceId: string, list: ReadonlyArray<{ id: number; properties: Record<string, string | null> }>): Promise<void> {
  await tx.execute(sql`
    update ${records} set properties = v.properties, updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(list)}::jsonb) as v(id bigint, properties jsonb)
    where ${records.workspaceId} = ${workspaceId} and ${records.id} = v.id`);
}

/**
 * Archives (soft-deletes) records: they leave lists and search and answer 404, and come back with
 * `archived=true`. Their associations go on both sides in the same transaction, recorded with
 * source Object deletion (see dropAssociationsOfArchived). Answers the ids archived now.
 */
export async function archiveRecords(db: DbOrTx, workspaceId: string, type: ObjectType, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(records)
      .set({ archivedAt: sql`now()` })
      .where(and(eq(records.workspaceId, workspaceId), eq(records.typeId, type.typeId), inArray(records.id, ids), isNull(records.archivedAt), isNull(records.mergedInto)))
      .returning({ id: records.id });
    await recordChanged(tx, workspaceId, 'ARCHIVED', rows.map((r) => r.id));
    await dropAssociationsOfArchived(tx as Tx, workspaceId, rows.map((r) => ({ id: r.id, type: type.typeId })));
    return rows.map((r) => r.id);
  });
}

/** The v3 association type name of a pair: `contact_to_company`. */
function v3TypeName(from: ObjectType, to: ObjectType): string {
  const snake = (t: ObjectType) => t.singular.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  return `${snake(from)}_to_${snake(to)}`;
}

/** How many associated ids a v3 read shows per record and object type. */
const ASSOCIATIONS_SHOWN = 500;

/**
 * The `associations` part of v3 reads for many records in one query: for each record, per asked
 * object type, the associated record ids once each (at most 500), with the pair's v3 type name.
 */
export async function associationsForRead(
  db: DbOrTx,
  workspaceId: string,
  from: ObjectType,
  fromIds: number[],
  toTypes: ObjectType[],
): Promise<Map<number, NonNullable<SimplePublicObject['associations']>>> {
  const out = new Map<number, NonNullable<SimplePublicObject['associations']>>();
  if (fromIds.length === 0 || toTypes.length === 0) return out;
  const byTypeId = new Map(toTypes.map((t) => [t.typeId, t]));
  const distinct = db
    .selectDistinct({ fromId: associations.fromId, toType: associations.toType, toId: associations.toId })
    .from(associations)
    .where(and(eq(associations.workspaceId, workspaceId), inArray(associations.fromId, fromIds), inArray(associations.toType, [...byTypeId.keys()])))
    .as('d');
  const ranked = db
    .select({
      fromId: distinct.fromId,
      toType: distinct.toType,
      toId: distinct.toId,
      n: sql<number>`row_number() over (partition by ${distinct.fromId}, ${distinct.toType} order by ${distinct.toId})`.as('n'),
    })
    .from(distinct)
    .as('r');
  const rows = await db
    .select({ fromId: ranked.fromId, toType: ranked.toType, toId: ranked.toId })
    .from(ranked)
    .where(sql`${ranked.n} <= ${ASSOCIATIONS_SHOWN}`)
    .orderBy(ranked.fromId, ranked.toType, ranked.toId);
  for (const row of rows) {
    const to = byTypeId.get(row.toType)!;
    const forRecord = out.get(row.fromId) ?? {};
    const list = (forRecord[to.name] ??= { results: [] });
    list.results.push({ id: String(row.toId), type: v3TypeName(from, to) });
    out.set(row.fromId, forRecord);
  }
  return out;
}
