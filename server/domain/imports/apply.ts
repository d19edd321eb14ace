import { createHash } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AssociationTypeDef } from '../../../shared/association-types.ts';
import type { ImportMode } from '../../../shared/imports.ts';
import { COMPANY, CONTACT } from '../../../shared/objects.ts';
import { type Plan, planAllows } from '../../../shared/plans.ts';
import { normalizeDomain, normalizeEmail } from '../../../shared/records.ts';
import type { Tx } from '../../db/client.ts';
import { idArray } from '../../db/prepared.ts';
import { col, parseRows } from '../../db/rows.ts';
import { importRecords, records } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { associate } from '../associations/rules.ts';
import type { WriteContext } from '../associations/write.ts';
import { typesBetween } from '../association-types.ts';
import { type AutoDomainSettings, autoAssociateContact } from '../auto-domain.ts';
import { actorColumnsSql } from '../audit.ts';
import { recordChanged } from '../history/changes.ts';
import type { ObjectType } from '../object-types.ts';
import { loadWriteFacts } from '../write-facts.ts';
import { applyChanges, checkComplete, checkProperties } from '../record-properties.ts';
import { findRecords, isUniqueViolation, lockValues, parseRecordId, type RecordRow, setProperties, uniqueProperties, uniqueValueOwners } from '../records.ts';
import type { CsvRecord } from './csv.ts';
import { type DateOrder, isDateProperty, isoDate } from './dates.ts';
import { creationColumns, keysOf } from './mapping.ts';
import { type LinkPair, linkUnlabeled } from './link.ts';

/** Everything a batch of rows needs to know about its import. */
export interface ImportContext {
  workspaceId: string;
  plan: Plan;
  importId: string;
  mode: ImportMode;
  header: string[];
  columns: Array<string | null>;
  main: ObjectType;
  second: ObjectType | undefined;
  /** Object types of association columns, by type id. */
  linked: Map<string, ObjectType>;
  autoDomain: AutoDomainSettings;
  /** How the file writes dates, when the import said (HubSpot's `dateFormat`). */
  dateFormat?: DateOrder | undefined;
  /**
   * Rows without a key (no record ID, email or domain for the main object) that created a record,
   * by the digest of their mapped content → row number: a later row with the same content is
   * DUPLICATE_ROW_CONTENT. Only committed batches are in it; it holds at most one entry
   * (a 16-byte digest and a number) per record the import created, so its size is bounded by the
   * file's row count (IMPORT_LIMITS), not by the file's bytes. A resumed import refills it from
   * import_records.
   */
  keyless: Map<string, number>;
  /**
   * Second-object records this import created from values without a key (a company with a name
   * and no domain), by the digest of those values → record id: a later row with the same values
   * gets that record instead of a copy of its own. Committed batches only, bounded like `keyless`;
   * a resumed import refills it from the records it created.
   */
  keylessParts: Map<string, number>;
}

export interface RowError {
  row: number;
  column: string | null;
  code: string;
  message: string;
}

export interface BatchResult {
  created: Record<string, number>;
  updated: Record<string, number>;
  associations: number;
  errors: RowError[];
  /** Keyless rows this batch created a record for: [content digest, row]. */
  keyless: Array<[string, number]>;
  /** Keyless second-object records this batch created: [digest of their values, id]. */
  keylessParts: Array<[string, number]>;
}

/** What earlier calls of the same batch accepted (a batch redone row by row): keyless rows and parts. */
interface Prior {
  keyless: Map<string, number>;
  parts: Map<string, number>;
}

type KeyBy = 'hs_object_id' | 'email' | 'domain';

interface Part {
  type: ObjectType;
  set: Record<string, string>;
  key: { by: KeyBy; value: string; column: number } | null;
  columnOf: Map<string, number>;
  /** A second object without a key: the digest of its values (see ImportContext.keylessParts). */
  digest?: string;
}

interface Link {
  type: ObjectType;
  by: KeyBy;
  value: string;
  column: number;
}

interface RowPlan {
  row: number;
  hash: string;
  main: Part;
  second: Part | undefined;
  links: Link[];
  labels: string[];
  labelColumn: number;
}

/** A row refused while its batch was being written: the batch is redone row by row. */
class RowFailure extends Error {
  readonly error: RowError;
  constructor(error: RowError) {
    super(error.message);
    this.error = error;
  }
}

function columnName(ctx: ImportContext, i: number | undefined): string | null {
  return i === undefined ? null : (ctx.header[i] ?? `column ${i + 1}`);
}

function rowError(ctx: ImportContext, row: number, column: number | undefined, code: string, message: string): RowError {
  // a message quoting a huge value says so instead of repeating it
  const text = message.length > 300 ? `${message.slice(0, 120)}… (${message.length} characters)` : message;
  return { row, column: columnName(ctx, column), code, message: text };
}

/** A CSV record → what it asks for, or why it is refused (checks that need no database). */
export function planRow(ctx: ImportContext, rec: CsvRecord): RowPlan | RowError {
  if (rec.problem) return rowError(ctx, rec.row, rec.problem.column, rec.problem.code, rec.problem.message);
  const extra = rec.fields.slice(ctx.header.length).findIndex((f) => f.trim() !== '');
  if (extra >= 0) return rowError(ctx, rec.row, undefined, 'INVALID_CSV', `The row has ${rec.fields.length} fields; the header has ${ctx.header.length}`);
  const part = (type: ObjectType): Part => ({ type, set: {}, key: null, columnOf: new Map() });
  const main = part(ctx.main);
  const second = ctx.second ? part(ctx.second) : undefined;
  const links: Link[] = [];
  let labels: string[] = [];
  let labelColumn = -1;
  for (const [i, target] of ctx.columns.entries()) {
    if (target === null) continue;
    const value = (rec.fields[i] ?? '').trim();
    if (value === '') continue;
    if (target === 'label') {
      labels = value.split(';').map((l) => l.trim()).filter(Boolean);
      labelColumn = i;
      continue;
    }
    const [kind, typeId, name] = target.split(':') as [string, string, string];
    if (kind === 'assoc') {
      for (const v of value.split(';').map((x) => x.trim()).filter(Boolean)) {
        const key = keyValue(name as KeyBy, v);
        if (key === null) return rowError(ctx, rec.row, i, name === 'email' ? 'INVALID_EMAIL' : name === 'domain' ? 'INVALID_DOMAIN' : 'UNKNOWN_ASSOCIATION_RECORD_ID', `"${v}" is not a valid ${name === 'hs_object_id' ? 'record ID' : name}`);
        links.push({ type: ctx.linked.get(typeId)!, by: name as KeyBy, value: key, column: i });
      }
      continue;
    }
    const p = typeId === ctx.main.typeId ? main : second!;
    p.columnOf.set(name, i);
    if (name === 'hs_object_id') {
      const id = parseRecordId(value);
      if (id === null) return rowError(ctx, rec.row, i, 'PROPERTY_INVALID', `"${value}" is not a record ID`);
      p.key = { by: 'hs_object_id', value: String(id), column: i };
    } else {
      p.set[name] = ctx.dateFormat && isDateProperty(p.type, name) ? isoDate(rec.fields[i]!, ctx.dateFormat) : rec.fields[i]!;
    }
  }
  for (const p of second ? [main, second] : [main]) {
    try {
      const changes = checkProperties(p.type, p.set, '');
      p.set = changes.set;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const first = err.errors[0];
      const property = first?.in?.replace(/^properties\./, '');
      const code = (first?.code as string | undefined) && first?.code !== 'INVALID_VALUE' ? first!.code! : err.code;
      return rowError(ctx, rec.row, property === undefined ? undefined : p.columnOf.get(property), code, first?.message ?? err.message);
    }
    if (!p.key) {
      for (const by of keysOf(p.type.typeId)) {
        const v = p.set[by];
        if (by !== 'hs_object_id' && v) {
          p.key = { by, value: v, column: p.columnOf.get(by)! };
          break;
        }
      }
    }
  }
  // a row of a two-object file may leave the second object out
  const other = second && (Object.keys(second.set).length > 0 || second.key) ? second : undefined;
  if (other && !other.key) other.digest = partDigest(other.type.typeId, other.set);
  if (labels.length > 0 && !other && links.length === 0) return rowError(ctx, rec.row, labelColumn, 'ASSOCIATION_LABEL_NOT_FOUND', 'An association label needs a record to associate with on the same row');
  return { row: rec.row, hash: hashOf(ctx, rec.fields), main, second: other, links, labels, labelColumn };
}

/** Arrays as one parameter each (idArray). */
function bigintArray(ids: number[]) {
  return sql`${idArray(ids)}::bigint[]`;
}
function textArray(values: string[]) {
  return sql`array(select json_array_elements_text(${JSON.stringify(values)}::json))`;
}

function keyValue(by: KeyBy, raw: string): string | null {
  if (by === 'hs_object_id') {
    const id = parseRecordId(raw);
    return id === null ? null : String(id);
  }
  return by === 'email' ? normalizeEmail(raw) : normalizeDomain(raw);
}

/** A record's type and values, as a 16-byte digest (the order of the properties does not count). */
export function partDigest(typeId: string, values: Record<string, string | null>): string {
  const entries = Object.entries(values).filter(([, v]) => v !== null && v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([typeId, entries])).digest().subarray(0, 16).toString('base64url');
}

/** A row's mapped content (the trimmed values of the mapped columns), as a 16-byte digest. */
function hashOf(ctx: ImportContext, fields: string[]): string {
  const mapped = ctx.columns.map((c, i) => (c === null ? '' : (fields[i] ?? '').trim()));
  return createHash('sha256').update(mapped.join('\u001f')).digest().subarray(0, 16).toString('base64url');
}

function sameValues(a: Record<string, string | null>, b: Record<string, string | null>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** Where a row's object goes: a record created in this batch, or one that exists. */
interface NewRecord {
  kind: 'new';
  type: ObjectType;
  properties: Record<string, string>;
  row: number;
  hash: string;
  id?: number;
}
interface Existing {
  kind: 'existing';
  type: ObjectType;
  record: RecordRow;
  /** Properties after this batch's rows; undefined while unchanged. */
  properties?: Record<string, string>;
  row?: number;
  hash?: string;
  /** Created by this import in an earlier batch. */
  imported: boolean;
}
type Target = NewRecord | Existing;

/** Records the rows of a batch may match, read in a few queries. */
class Lookups {
  byId = new Map<string, Map<string, RecordRow>>();
  byEmail = new Map<string, RecordRow>();
  byDomain = new Map<string, RecordRow[]>();
  imported = new Map<number, { action: string; row: number; hash: string }>();
  /** Keyless second-object records created earlier by this import, by digest. */
  byDigest = new Map<string, RecordRow>();
  /** Owners of the values rows set on unique properties (uniqueProperties, besides email), by uniqueKey. */
  byUnique = new Map<string, number>();

  static async read(tx: Tx, ctx: ImportContext, plans: RowPlan[], prior: Prior): Promise<Lookups> {
    const l = new Lookups();
    const ids = new Map<string, { type: ObjectType; keys: Set<string> }>();
    const emails = new Set<string>();
    const domains = new Set<string>();
    const want = (type: ObjectType, by: KeyBy, value: string) => {
      if (by === 'hs_object_id') {
        const entry = ids.get(type.typeId) ?? { type, keys: new Set<string>() };
        entry.keys.add(value);
        ids.set(type.typeId, entry);
      } else if (by === 'email') emails.add(value);
      else domains.add(value);
    };
    for (const p of plans) {
      for (const part of p.second ? [p.main, p.second] : [p.main]) {
        if (part.key) want(part.type, part.key.by, part.key.value);
        if (part.type.typeId === CONTACT && part.set.email) emails.add(part.set.email);
      }
      for (const link of p.links) want(link.type, link.by, link.value);
    }
    const ws = ctx.workspaceId;
    for (const { type, keys } of ids.values()) l.byId.set(type.typeId, await findRecords(tx, ws, type, [...keys]));
    const parts = new Map<number, string>();
    for (const p of plans) {
      const d = p.second?.digest;
      const id = d === undefined ? undefined : (prior.parts.get(d) ?? ctx.keylessParts.get(d));
      if (d !== undefined && id !== undefined) parts.set(id, d);
    }
    if (parts.size > 0) {
      for (const r of (await findRecords(tx, ws, ctx.second!, [...parts.keys()])).values()) l.byDigest.set(parts.get(r.id)!, r);
    }
    // values of unique properties the rows set: one query per type and property
    const unique = new Map<string, { type: ObjectType; name: string; values: Set<string> }>();
    for (const p of plans) {
      for (const part of p.second ? [p.main, p.second] : [p.main]) {
        for (const name of uniqueNames(part.type)) {
          const value = part.set[name];
          if (value === undefined) continue;
          const entry = unique.get(`${part.type.typeId}|${name}`) ?? { type: part.type, name, values: new Set<string>() };
          entry.values.add(value);
          unique.set(`${part.type.typeId}|${name}`, entry);
        }
      }
    }
    for (const { type, name, values } of unique.values()) {
      // as for emails below: a concurrent write of one of these values waits, or is waited for
      await lockValues(tx, ws, type.typeId, [...values].map((value) => ({ property: name, value })));
      for (const [value, id] of await uniqueValueOwners(tx, ws, type, name, [...values])) l.byUnique.set(uniqueKey(type, name, value), id);
    }
    const live = and(eq(records.workspaceId, ws), isNull(records.archivedAt), isNull(records.mergedInto));
    if (emails.size > 0) {
      // a concurrent write of one of these emails (API or import) waits, or is waited for, here:
      // then it is matched as an existing contact instead of failing on the unique index
      await lockValues(tx, ws, CONTACT, [...emails].map((value) => ({ property: 'email', value })));
      // the `is not null` lets the planner use the unique email index (a partial one)
      const rows = await tx
        .select()
        .from(records)
        .where(and(live, eq(records.typeId, CONTACT), sql`${records.properties}->>'email' is not null`, sql`lower(${records.properties}->>'email') = any(${textArray([...emails])})`));
      for (const r of rows) l.byEmail.set(r.properties.email!.toLowerCase(), r);
    }
    if (domains.size > 0) {
      const rows = await tx
        .select()
        .from(records)
        .where(and(live, eq(records.typeId, COMPANY), sql`lower(${records.properties}->>'domain') = any(${textArray([...domains])})`))
        .orderBy(records.createdAt, records.id);
      for (const r of rows) {
        const d = r.properties.domain!.toLowerCase();
        l.byDomain.set(d, [...(l.byDomain.get(d) ?? []), r]);
      }
    }
    const found = [...[...l.byId.values()].flatMap((m) => [...m.values()]), ...l.byEmail.values(), ...[...l.byDomain.values()].flat()].map((r) => r.id);
    if (found.length > 0) {
      const rows = await tx
        .select({ recordId: importRecords.recordId, action: importRecords.action, row: importRecords.row, hash: importRecords.rowHash })
        .from(importRecords)
        .where(and(eq(importRecords.workspaceId, ws), eq(importRecords.importId, ctx.importId), sql`${importRecords.recordId} = any(${bigintArray([...new Set(found)])})`));
      for (const r of rows) l.imported.set(r.recordId, { action: r.action, row: r.row, hash: r.hash });
    }
    return l;
  }

  find(type: ObjectType, by: KeyBy, value: string): RecordRow[] {
    if (by === 'hs_object_id') {
      const r = this.byId.get(type.typeId)?.get(value);
      return r ? [r] : [];
    }
    if (by === 'email') {
      const r = this.byEmail.get(value);
      return r ? [r] : [];
    }
    return this.byDomain.get(value) ?? [];
  }
}

/** Label name → type id seen from `main`, for one pair (names match either side of a paired label). */
async function labelTypes(tx: Tx, ctx: ImportContext, other: ObjectType): Promise<Map<string, AssociationTypeDef>> {
  const out = new Map<string, AssociationTypeDef>();
  const forward = await typesBetween(tx, ctx.workspaceId, ctx.main.typeId, other.typeId);
  const backward = await typesBetween(tx, ctx.workspaceId, other.typeId, ctx.main.typeId);
  for (const t of backward) {
    const inv = forward.find((f) => f.typeId === t.inverseTypeId);
    if (t.label && inv) out.set(t.label.toLowerCase(), inv);
  }
  for (const t of forward) if (t.label) out.set(t.label.toLowerCase(), t);
  return out;
}

function add(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/*
 * Writing a batch goes in phases, each a function below, all in the caller's transaction:
 *   1. Lookups.read      the records the rows may match, in a few queries
 *   2. matchRows         row by row: the records each row goes to (existing or new), the records it
 *                        links to and its label types; refusals that need no write are row errors
 *   3. checkRecords      the records as the accepted rows leave them are complete (required values, known stages)
 *   4. writeRecords      new records created, changed ones updated, with their change-feed rows
 *   5. recordUpdates     the import's own rows for the records it updated (undo, dedupe)
 *   6. writeAssociations unlabeled pairs together, labeled ones through the full rules
 *   7. associateByDomain R18: contacts get the company of their email's domain
 * A refusal found from phase 3 on throws RowFailure, and the caller redoes the batch row by row.
 */

/** A row that matching accepted: the records it writes and links to, and its label types. */
interface AcceptedRow {
  plan: RowPlan;
  main: Target;
  second: Target | undefined;
  links: Array<{ link: Link; record: RecordRow }>;
  labelTypes: number[];
}

/** What matching decided for a batch's rows. */
interface Matched {
  /** In row order. */
  accepted: AcceptedRow[];
  /** Rows refused before anything is written, in row order. */
  errors: RowError[];
  /** Keyless rows accepted in this call: content digest → row. */
  keyless: Map<string, number>;
  /** Keyless second-object records this call creates → the digest of their values. */
  newParts: Map<NewRecord, string>;
}

/** Matching's state while it goes through a batch's rows. */
interface Matching {
  ctx: ImportContext;
  look: Lookups;
  /** Earlier calls of this batch (ctx.keyless and ctx.keylessParts: earlier batches). */
  prior: Prior;
  /** The keys (and keyless digests) of the rows accepted so far → their records. */
  batchKeys: Map<string, Target>;
  keyless: Map<string, number>;
  newParts: Map<NewRecord, string>;
  /** Label name → type, by the type id of the other object. */
  labelCache: Map<string, Map<string, AssociationTypeDef>>;
}

const keyOf = (type: ObjectType, by: KeyBy, value: string) => `${type.typeId}|${by}|${value}`;
const digestKey = (part: Part) => `${part.type.typeId}|digest|${part.digest}`;

/**
 * The record a row's object goes to (R17: contacts by email, companies by domain, any object by
 * record ID; rows of one record collapse into it), or why the row is refused.
 */
function resolveTarget(m: Matching, part: Part, role: 'main' | 'second', plan: RowPlan): Target | RowError {
  const { ctx, look } = m;
  const mode = role === 'main' ? ctx.mode : ctx.mode === 'update' ? 'update' : 'create_and_update';
  const key = part.key;
  if (key) {
    const known = m.batchKeys.get(keyOf(part.type, key.by, key.value));
    if (known) return known;
    const found = look.find(part.type, key.by, key.value);
    if (found.length > 1) {
      return rowError(ctx, plan.row, key.column, 'MULTIPLE_COMPANIES_WITH_THIS_DOMAIN', `${found.length} companies have the domain ${key.value} (${found.map((r) => r.id).join(', ')}): import them by Record ID`);
    }
    const record = found[0];
    if (record) {
      const imported = look.imported.has(record.id);
      if (!imported && role === 'main' && ctx.mode === 'create') {
        return rowError(ctx, plan.row, key.column, 'RECORD_ALREADY_EXISTS', `A ${part.type.singular} with ${key.by} ${key.value} exists already (id ${record.id}); this import only creates`);
      }
      return { kind: 'existing', type: part.type, record, imported };
    }
    if (key.by === 'hs_object_id') return rowError(ctx, plan.row, key.column, 'NOT_FOUND', `No ${part.type.singular} with record ID ${key.value}`);
  }
  // a second object without a key: the record an earlier row with the same values got
  if (part.digest !== undefined) {
    const known = m.batchKeys.get(digestKey(part));
    if (known) return known;
    const record = look.byDigest.get(part.digest);
    if (record) return { kind: 'existing', type: part.type, record, imported: true };
  }
  if (mode === 'update') {
    return rowError(ctx, plan.row, key?.column, 'NOT_FOUND', key ? `No ${part.type.singular} with ${key.by} ${key.value} to update` : `Updating needs a ${keysOf(part.type.typeId).join(' or ')} value`);
  }
  const missing = creationColumns(part.type).find((group) => !group.some((p) => part.set[p] !== undefined));
  if (missing) {
    return rowError(ctx, plan.row, part.columnOf.get(missing[0]!), 'MISSING_REQUIRED_PROPERTY', `A new ${part.type.singular} needs a value for ${missing.join(' or ')}`);
  }
  return { kind: 'new', type: part.type, properties: {}, row: plan.row, hash: plan.hash };
}

/** A row without a key that repeats an earlier keyless row's content would create its record again. */
function repeatsKeylessRow(m: Matching, plan: RowPlan, main: Target): RowError | undefined {
  const { ctx } = m;
  const earlier = main.kind === 'new' && !plan.main.key ? (m.keyless.get(plan.hash) ?? m.prior.keyless.get(plan.hash) ?? ctx.keyless.get(plan.hash)) : undefined;
  if (earlier === undefined) return undefined;
  return rowError(ctx, plan.row, undefined, 'DUPLICATE_ROW_CONTENT', `The row repeats row ${earlier} exactly and has no ${keysOf(ctx.main.typeId).map((k) => (k === 'hs_object_id' ? 'Record ID' : k)).join(' or ')} to tell them apart; it was not applied again`);
}

/** The same content again for the same record (in this batch, or written by this import before). */
function repeatsContent(m: Matching, plan: RowPlan, main: Target): RowError | undefined {
  const { look } = m;
  const lastHash = main.kind === 'new' ? (main.row !== plan.row ? main.hash : undefined) : (main.hash ?? (main.imported ? look.imported.get(main.record.id)?.hash : undefined));
  if (lastHash !== plan.hash) return undefined;
  const earlier = main.kind === 'new' ? main.row : (main.row ?? look.imported.get(main.record.id)?.row);
  return rowError(m.ctx, plan.row, undefined, 'DUPLICATE_ROW_CONTENT', `The row repeats row ${earlier} exactly; it was not applied again`);
}

/** The existing records a row's association columns name, or why one of them is refused. */
function resolveLinks(m: Matching, plan: RowPlan): { links: AcceptedRow['links']; refused: RowError | undefined } {
  const links: AcceptedRow['links'] = [];
  let refused: RowError | undefined;
  for (const link of plan.links) {
    const found = m.look.find(link.type, link.by, link.value);
    if (found.length > 1) refused ??= rowError(m.ctx, plan.row, link.column, 'MULTIPLE_COMPANIES_WITH_THIS_DOMAIN', `${found.length} companies have the domain ${link.value}: associate by Record ID`);
    else if (found.length === 0) refused ??= rowError(m.ctx, plan.row, link.column, 'UNKNOWN_ASSOCIATION_RECORD_ID', `No ${link.type.singular} with ${link.by === 'hs_object_id' ? 'record ID' : link.by} ${link.value} to associate with`);
    else links.push({ link, record: found[0]! });
  }
  return { links, refused };
}

/** A row's labels as type ids (R14: by name, on the plans that have labels), or why one is refused. */
async function resolveLabels(tx: Tx, m: Matching, plan: RowPlan): Promise<{ typeIds: number[]; refused: RowError | undefined }> {
  const { ctx } = m;
  const typeIds: number[] = [];
  let refused: RowError | undefined;
  const target = plan.second?.type ?? plan.links[0]?.type;
  if (plan.labels.length === 0 || !target) return { typeIds, refused };
  let names = m.labelCache.get(target.typeId);
  if (!names) m.labelCache.set(target.typeId, (names = await labelTypes(tx, ctx, target)));
  for (const label of plan.labels) {
    const t = names.get(label.toLowerCase());
    if (!t) refused ??= rowError(ctx, plan.row, plan.labelColumn, 'ASSOCIATION_LABEL_NOT_FOUND', `No association label "${label}" between ${ctx.main.name} and ${target.name}`);
    else if (t.category !== 'HUBSPOT_DEFINED' && !planAllows(ctx.plan, 'labels')) refused ??= rowError(ctx, plan.row, plan.labelColumn, 'PLAN_REQUIRED', `Association labels need the Professional or Enterprise plan; this workspace is on ${ctx.plan}`);
    else typeIds.push(t.typeId);
  }
  return { typeIds, refused };
}

/** The unique properties (uniqueProperties) a row's values are checked for besides a contact's email, which has its own rule. */
function uniqueNames(type: ObjectType): string[] {
  return uniqueProperties(type).filter((name) => !(type.typeId === CONTACT && name === 'email'));
}
const uniqueKey = (type: ObjectType, name: string, value: string) => `${type.typeId}|unique:${name}|${value}`;

/**
 * An email may belong to one contact only, and a value of a unique property to one record of its
 * type: in the database, and among the rows accepted so far.
 */
function emailConflict(m: Matching, plan: RowPlan, main: Target, second: Target | undefined): RowError | undefined {
  let refused: RowError | undefined;
  for (const [part, target] of [[plan.main, main], [plan.second, second]] as const) {
    if (!part || !target) continue;
    const self = target.kind === 'existing' ? target.record.id : undefined;
    for (const name of uniqueNames(part.type)) {
      const value = part.set[name];
      if (value === undefined) continue;
      const owner = m.look.byUnique.get(uniqueKey(part.type, name, value));
      const claimed = m.batchKeys.get(uniqueKey(part.type, name, value));
      if ((owner !== undefined && owner !== self) || (claimed && claimed !== target)) {
        refused ??= rowError(m.ctx, plan.row, part.columnOf.get(name), 'CONFLICT', `The ${name} ${value} belongs to another ${part.type.singular}${owner !== undefined ? ` (id ${owner})` : ' of this file'}`);
      }
    }
  }
  for (const [part, target] of [[plan.main, main], [plan.second, second]] as const) {
    const email = part?.type.typeId === CONTACT ? part.set.email : undefined;
    if (!email || !target) continue;
    const owner = m.look.byEmail.get(email);
    const claimed = m.batchKeys.get(keyOf(part!.type, 'email', email));
    const self = target.kind === 'existing' ? target.record.id : undefined;
    if ((owner && owner.id !== self) || (claimed && claimed !== target)) {
      refused ??= rowError(m.ctx, plan.row, part!.columnOf.get('email'), 'CONFLICT', `The email ${email} belongs to another contact${owner ? ` (id ${owner.id})` : ' of this file'}`);
    }
  }
  return refused;
}

/** An accepted row's values go to its records, and its keys now point at them (for the rows after it). */
function accept(m: Matching, plan: RowPlan, main: Target, second: Target | undefined): void {
  const { ctx } = m;
  for (const [part, target, role] of [[plan.main, main, 'main'], [plan.second, second, 'second']] as const) {
    if (!part || !target) continue;
    if (target.kind === 'new') Object.assign(target.properties, part.set);
    else if (role === 'main' || ctx.mode !== 'create' || target.imported) {
      target.properties = applyChanges(target.properties ?? target.record.properties, { set: part.set, clear: [] });
      target.row = plan.row;
      target.hash = plan.hash;
    }
    if (target.kind === 'new') target.hash = plan.hash;
    if (part.key) m.batchKeys.set(keyOf(part.type, part.key.by, part.key.value), target);
    if (part.digest !== undefined) {
      m.batchKeys.set(digestKey(part), target);
      if (target.kind === 'new') m.newParts.set(target, part.digest);
    }
    for (const by of keysOf(part.type.typeId)) if (by !== 'hs_object_id' && part.set[by]) m.batchKeys.set(keyOf(part.type, by, part.set[by]!), target);
    for (const name of uniqueNames(part.type)) if (part.set[name] !== undefined) m.batchKeys.set(uniqueKey(part.type, name, part.set[name]!), target);
  }
  if (main.kind === 'new') main.row = main.row ?? plan.row;
  if (main.kind === 'new' && !plan.main.key) m.keyless.set(plan.hash, plan.row);
}

/**
 * Phase 2: each row in order, against the lookups and the rows accepted before it. Writes nothing;
 * it may read label types.
 */
async function matchRows(tx: Tx, ctx: ImportContext, plans: RowPlan[], look: Lookups, prior: Prior): Promise<Matched> {
  const m: Matching = { ctx, look, prior, batchKeys: new Map(), keyless: new Map(), newParts: new Map(), labelCache: new Map() };
  const accepted: AcceptedRow[] = [];
  const errors: RowError[] = [];
  for (const plan of plans) {
    const main = resolveTarget(m, plan.main, 'main', plan);
    if ('code' in main) {
      errors.push(main);
      continue;
    }
    const keylessAgain = repeatsKeylessRow(m, plan, main);
    if (keylessAgain) {
      errors.push(keylessAgain);
      continue;
    }
    const second = plan.second ? resolveTarget(m, plan.second, 'second', plan) : undefined;
    if (second && 'code' in second) {
      errors.push(second);
      continue;
    }
    const again = repeatsContent(m, plan, main);
    if (again) {
      errors.push(again);
      continue;
    }
    const { links, refused: linkRefused } = resolveLinks(m, plan);
    // labels are read only for a row whose links are fine
    const labels = linkRefused ? { typeIds: [], refused: undefined } : await resolveLabels(tx, m, plan);
    const refused = linkRefused ?? labels.refused ?? emailConflict(m, plan, main, second);
    if (refused) {
      errors.push(refused);
      continue;
    }
    accept(m, plan, main, second);
    accepted.push({ plan, main, second, links, labelTypes: labels.typeIds });
  }
  return { accepted, errors, keyless: m.keyless, newParts: m.newParts };
}

/** The records a batch writes, in the order its rows first name them. */
interface BatchRecords {
  /** Every record an accepted row goes to, written or not. */
  all: Target[];
  news: NewRecord[];
  /** Existing records the rows change. */
  changed: Existing[];
  /** The first accepted row that goes to a record (where its errors are reported). */
  rowOf(t: Target): number;
}

function batchRecords(accepted: AcceptedRow[]): BatchRecords {
  const rows = new Map<Target, number>();
  for (const a of accepted) {
    for (const t of a.second ? [a.main, a.second] : [a.main]) if (!rows.has(t)) rows.set(t, a.plan.row);
  }
  const all = [...rows.keys()];
  return {
    all,
    news: all.filter((t): t is NewRecord => t.kind === 'new'),
    changed: all.filter((t): t is Existing => t.kind === 'existing' && t.properties !== undefined),
    rowOf: (t) => rows.get(t)!,
  };
}

/** Phase 3: every record to write is complete (its required properties have values) and names stages its pipelines have. */
async function checkRecords(tx: Tx, ctx: ImportContext, recs: BatchRecords): Promise<void> {
  const facts = await loadWriteFacts(tx, ctx.workspaceId, ctx.main, ctx.second);
  for (const t of [...recs.news, ...recs.changed]) {
    try {
      checkComplete(t.type, t.kind === 'new' ? t.properties : t.properties!, '', { ...facts, before: t.kind === 'new' ? {} : t.record.properties });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      throw new RowFailure(rowError(ctx, recs.rowOf(t), undefined, err.code === 'PROPERTY_INVALID' && /required/.test(err.message) ? 'MISSING_REQUIRED_PROPERTY' : err.code, err.message));
    }
  }
}

const newIdRow = z.object({ id: col.id });

/**
 * Phase 4: records created (each NewRecord gets its id here) and updated, with their change-feed
 * rows; the counts by object name. Two imports writing one email at once: the later one's row fails.
 */
async function writeRecords(tx: Tx, ctx: ImportContext, recs: BatchRecords, matched: Matched, look: Lookups): Promise<{ created: Record<string, number>; updated: Record<string, number>; keylessParts: Array<[string, number]> }> {
  const ws = ctx.workspaceId;
  const out = { created: {} as Record<string, number>, updated: {} as Record<string, number>, keylessParts: [] as Array<[string, number]> };
  const { news, changed } = recs;
  try {
    if (news.length > 0) {
      const ids = parseRows('imports: new record ids', newIdRow, await tx.execute(sql`select nextval('record_ids') as id from generate_series(1, ${news.length})`));
      news.forEach((t, i) => (t.id = ids[i]!.id));
      // one statement and one JSON parameter: the records, their change-feed rows (as recordChanged
      // writes them) and the import's own rows (for undo and dedupe)
      const list = news.map((t) => ({ id: t.id!, type_id: t.type.typeId, properties: t.properties, row: t.row!, row_hash: t.hash! }));
      await tx.execute(sql`
        with x as (select * from json_to_recordset(${JSON.stringify(list)}::json) as x(id bigint, type_id text, properties jsonb, row int, row_hash text)),
        made as (insert into records (workspace_id, id, type_id, properties) select ${ws}::uuid, x.id, x.type_id, x.properties from x returning id, type_id, properties),
        feed as (insert into record_changes (workspace_id, action, object_type, object_id, properties, merged_into, source, actor_kind, actor_id, actor_name)
          select ${ws}::uuid, 'CREATED', made.type_id, made.id, made.properties, null, 'IMPORT', ${actorColumnsSql()} from made order by made.id)
        insert into import_records (workspace_id, import_id, record_id, action, row, row_hash)
        select ${ws}::uuid, ${ctx.importId}::uuid, x.id, 'CREATED', x.row, x.row_hash from x`);
      for (const t of news) add(out.created, t.type.name);
      for (const [t, digest] of matched.newParts) out.keylessParts.push([digest, t.id!]);
    }
    // a row that gives a record the values it has changes nothing: no write, no change event
    const list = changed.filter((t) => !sameValues(t.properties!, t.record.properties)).map((t) => ({ id: t.record.id, properties: t.properties! }));
    if (list.length > 0) {
      await setProperties(tx, ws, list);
      await recordChanged(tx, ws, 'UPDATED', list.map((x) => x.id), 'IMPORT');
    }
    // a record this import created in an earlier batch counts as created, not updated
    for (const t of changed) if (!t.imported || look.imported.get(t.record.id)?.action !== 'CREATED') add(out.updated, t.type.name);
  } catch (err) {
    if (isUniqueViolation(err)) throw new RowFailure(rowError(ctx, matched.accepted[0]?.plan.row ?? 0, undefined, 'CONFLICT', 'A record with the same email was written at the same time'));
    throw err;
  }
  return out;
}

/** Phase 5: the import's rows for the records it updated: `before` is kept from its first write of the record, `after` follows its last. */
async function recordUpdates(tx: Tx, ctx: ImportContext, changed: Existing[]): Promise<void> {
  if (changed.length === 0) return;
  const values = changed.map((t) => ({ record_id: t.record.id, row: t.row!, row_hash: t.hash!, before: t.record.properties, after: t.properties }));
  await tx.execute(sql`insert into import_records (workspace_id, import_id, record_id, action, row, row_hash, before, after)
    select ${ctx.workspaceId}::uuid, ${ctx.importId}::uuid, x.record_id, 'UPDATED', x.row, x.row_hash, x.before, x.after
    from json_to_recordset(${JSON.stringify(values)}::json) as x(record_id bigint, row int, row_hash text, before jsonb, after jsonb)
    on conflict (workspace_id, import_id, record_id) do update set row = excluded.row, row_hash = excluded.row_hash,
      after = case when import_records.action = 'UPDATED' then excluded.after end`);
}

const idOf = (t: Target) => (t.kind === 'new' ? t.id! : t.record.id);
// records created just now have no associations before the unlabeled ones below
const freshOf = (t: Target) => (t.kind === 'new' ? { fresh: t.properties } : {});

interface UnlabeledPair {
  pair: LinkPair;
  row: number;
  column: number | undefined;
}
interface LabeledPair {
  toType: string;
  toId: number;
  creating: boolean;
  fromId: number;
  row: number;
  typeIds: number[];
}

/** The associations the accepted rows ask for: a row's labels go on its second object, or on its links when it has none. */
function pairsOf(accepted: AcceptedRow[]): { unlabeled: UnlabeledPair[]; labeled: LabeledPair[] } {
  const unlabeled: UnlabeledPair[] = [];
  const labeled: LabeledPair[] = [];
  for (const a of accepted) {
    const fromId = idOf(a.main);
    const others: Array<{ type: string; id: number; created: boolean; fresh?: Record<string, string>; column: number | undefined; labels: boolean }> = [];
    if (a.second) others.push({ type: a.second.type.typeId, id: idOf(a.second), created: a.second.kind === 'new', ...freshOf(a.second), column: a.plan.second?.key?.column, labels: true });
    for (const { link, record } of a.links) others.push({ type: record.typeId, id: record.id, created: false, column: link.column, labels: !a.second });
    for (const o of others) {
      if (o.labels && a.labelTypes.length > 0) labeled.push({ toType: o.type, toId: o.id, creating: a.main.kind === 'new', fromId, row: a.plan.row, typeIds: a.labelTypes });
      else unlabeled.push({ pair: { a: { id: fromId, type: a.main.type.typeId, created: a.main.kind === 'new', ...freshOf(a.main) }, b: { id: o.id, type: o.type, created: o.created, ...(o.fresh ? { fresh: o.fresh } : {}) } }, row: a.plan.row, column: o.column });
    }
  }
  return { unlabeled, labeled };
}

const edgeRow = z.object({ from_id: col.id, to_id: col.id, type_id: col.id });

/** Phase 6: the rows' associations, with source IMPORT; answers how many were made. */
async function writeAssociations(tx: Tx, ctx: ImportContext, accepted: AcceptedRow[]): Promise<number> {
  const ws = ctx.workspaceId;
  const write: WriteContext = { workspaceId: ws, plan: ctx.plan, actor: { source: 'IMPORT', sourceId: ctx.importId } };
  const { unlabeled, labeled } = pairsOf(accepted);
  let made = 0;
  const outcomes = await linkUnlabeled(tx, write, unlabeled.map((u) => u.pair));
  outcomes.forEach((o, i) => {
    const u = unlabeled[i]!;
    if (!o.ok) {
      const code = o.error.code === 'NOT_FOUND' ? 'UNKNOWN_ASSOCIATION_RECORD_ID' : o.error.code;
      throw new RowFailure(rowError(ctx, u.row, u.column, code, o.error.message));
    }
    if (o.made) made++;
  });
  // labeled pairs that already carry every label they ask for are left as they are
  const present = new Set<string>();
  if (labeled.length > 0) {
    const rows = parseRows('imports: edges of labeled pairs', edgeRow, await tx.execute(sql`select from_id, to_id, type_id from associations where workspace_id = ${ws}
      and from_id = any(${bigintArray(labeled.map((l) => l.fromId))}) and to_id = any(${bigintArray(labeled.map((l) => l.toId))})`));
    for (const r of rows) present.add(`${r.from_id}>${r.to_id}#${r.type_id}`);
  }
  for (const l of labeled) {
    if (l.typeIds.every((id) => present.has(`${l.fromId}>${l.toId}#${id}`))) continue;
    try {
      await associate(tx, write, { fromType: ctx.main.typeId, fromId: l.fromId, toType: l.toType, toId: l.toId, typeIds: l.typeIds, creating: l.creating });
      made++;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      throw new RowFailure(rowError(ctx, l.row, undefined, err.code === 'NOT_FOUND' ? 'UNKNOWN_ASSOCIATION_RECORD_ID' : err.code, err.message));
    }
  }
  return made;
}

/**
 * Phase 7 (R18): new contacts, and contacts whose email changed, get the company of their domain,
 * each in a savepoint of its own: a refusal there (a limit) is a row error, the contact stays.
 */
async function associateByDomain(tx: Tx, ctx: ImportContext, recs: BatchRecords): Promise<{ associations: number; companies: number; errors: RowError[] }> {
  const ws = ctx.workspaceId;
  const out = { associations: 0, companies: 0, errors: [] as RowError[] };
  const contacts = recs.all.filter((t) => t.type.typeId === CONTACT && (t.kind === 'new' ? t.properties.email : t.properties?.email && t.properties.email !== t.record.properties.email));
  for (const t of contacts) {
    const email = t.kind === 'new' ? t.properties.email : t.properties!.email;
    try {
      const done = await tx.transaction((sp) => autoAssociateContact(sp as Tx, { workspaceId: ws, plan: ctx.plan, actor: { source: 'AUTO_DOMAIN', sourceId: ctx.importId } }, { id: idOf(t), email }, ctx.autoDomain));
      if (done?.associated) out.associations++;
      if (done?.createdCompany) {
        out.companies++;
        // undo archives it with the import's own records
        await tx.insert(importRecords).values({ workspaceId: ws, importId: ctx.importId, recordId: done.companyId, action: 'CREATED', row: recs.rowOf(t), rowHash: '' }).onConflictDoNothing();
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // the contact itself is fine; its company by domain is refused (a limit): say so
      out.errors.push(rowError(ctx, recs.rowOf(t), undefined, err.code, `Automatic association by domain: ${err.message}`));
    }
  }
  return out;
}

/**
 * Writes a batch of planned rows in the caller's transaction, phase by phase (see above): matching
 * (R17), records created and updated in a few statements, associations (labels by name, R14) with
 * source IMPORT. A refusal found before writing is answered as a row error; one found while
 * writing throws RowFailure, and the caller redoes the batch row by row.
 */
async function writeRows(tx: Tx, ctx: ImportContext, plans: RowPlan[], prior: Prior): Promise<BatchResult> {
  const look = await Lookups.read(tx, ctx, plans, prior);
  const matched = await matchRows(tx, ctx, plans, look, prior);
  const recs = batchRecords(matched.accepted);
  await checkRecords(tx, ctx, recs);
  const { created, updated, keylessParts } = await writeRecords(tx, ctx, recs, matched, look);
  await recordUpdates(tx, ctx, recs.changed);
  const associations = await writeAssociations(tx, ctx, matched.accepted);
  const byDomain = ctx.autoDomain.associate ? await associateByDomain(tx, ctx, recs) : { associations: 0, companies: 0, errors: [] };
  if (byDomain.companies > 0) add(created, 'companies', byDomain.companies);
  return {
    created,
    updated,
    associations: associations + byDomain.associations,
    errors: [...matched.errors, ...byDomain.errors],
    keyless: [...matched.keyless],
    keylessParts,
  };
}

function merge(into: BatchResult, from: BatchResult): void {
  for (const [k, v] of Object.entries(from.created)) add(into.created, k, v);
  for (const [k, v] of Object.entries(from.updated)) add(into.updated, k, v);
  into.associations += from.associations;
  into.errors.push(...from.errors);
  into.keyless.push(...from.keyless);
  into.keylessParts.push(...from.keylessParts);
}

/**
 * One batch of CSV records, in the caller's transaction: all rows at once in a savepoint; should
 * one be refused while writing, the savepoint is rolled back and every row runs alone in its own,
 * so a refused row writes nothing and the good ones land (R17). Errors come back in row order.
 */
export async function applyBatch(tx: Tx, ctx: ImportContext, batch: CsvRecord[]): Promise<BatchResult> {
  const result: BatchResult = { created: {}, updated: {}, associations: 0, errors: [], keyless: [], keylessParts: [] };
  const plans: RowPlan[] = [];
  for (const rec of batch) {
    const p = planRow(ctx, rec);
    if ('code' in p) result.errors.push(p);
    else plans.push(p);
  }
  if (plans.length > 0) {
    try {
      merge(result, await tx.transaction((sp) => writeRows(sp as Tx, ctx, plans, { keyless: new Map(), parts: new Map() })));
    } catch (err) {
      if (!(err instanceof RowFailure)) throw err;
      const prior: Prior = { keyless: new Map(), parts: new Map() };
      for (const plan of plans) {
        try {
          const one = await tx.transaction((sp) => writeRows(sp as Tx, ctx, [plan], prior));
          for (const [hash, row] of one.keyless) prior.keyless.set(hash, row);
          for (const [digest, id] of one.keylessParts) prior.parts.set(digest, id);
          merge(result, one);
        } catch (e) {
          if (e instanceof RowFailure) result.errors.push(e.error);
          else if (isUniqueViolation(e)) result.errors.push(rowError(ctx, plan.row, undefined, 'CONFLICT', 'A record with the same email was written at the same time'));
          else throw e;
        }
      }
    }
  }
  result.errors.sort((a, b) => a.row - b.row);
  return result;
}
