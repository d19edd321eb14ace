import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ImportMode, ImportOptions } from '../../../shared/imports.ts';
import {
  type HubSpotImportOperation,
  type HubSpotImportRequest,
  hubspotImportRequest,
  type PublicImportError,
  type PublicImportResponse,
} from '../../../shared/hubspot-imports.ts';
import { CONTACT } from '../../../shared/objects.ts';
import { echoed, findUnstorable } from '../../../shared/text.ts';
import type { DbOrTx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { type ImportJobOptions, importJobs } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { type ObjectType, resolveObjectType } from '../object-types.ts';
import { csvRecords } from './csv.ts';
import { csvLimits, ERROR_FILE_VALUE_LIMIT, fileChunks, type JobRow } from './jobs.ts';
import { keysOf, resolveColumns } from './mapping.ts';

/**
 * HubSpot's imports API (`/crm/v3/imports`) over our import jobs: its `importRequest` becomes our
 * import options (the same engine, rules, history and limits as `/api/imports`), and a job is
 * answered as HubSpot's `PublicImportResponse`, its refused rows as `PublicImportError`s.
 */

const MAPPINGS = 'importRequest.files[0].fileImportPage.columnMappings';

function bad(message: string, where: string, code = 'INVALID_VALUE'): ApiError {
  return new ApiError('VALIDATION_ERROR', `Invalid importRequest: ${where.replace(/^importRequest\.?/, '') || '(root)'}: ${message}`, { errors: [{ message, in: where, code }] });
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let out = 'importRequest';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/**
 * The `importRequest` field: JSON in HubSpot's shape, and only what we can honour (docs/import.md):
 * one CSV file with a header row, no marketing status, no list. Any refusal names the field.
 */
export function parseImportRequest(raw: string): HubSpotImportRequest {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    const why = err instanceof Error ? err.message : 'not JSON';
    throw new ApiError('INVALID_JSON', `The form field \`importRequest\` is not valid JSON: ${why}`, { errors: [{ message: why, in: 'importRequest' }] });
  }
  const unstorable = findUnstorable(value);
  if (unstorable) throw bad(unstorable.message, `importRequest.${unstorable.in}`, 'INVALID_CHARACTER');
  const parsed = hubspotImportRequest.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      message: i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}` : i.message,
      in: pathOf(i.path),
      code: 'INVALID_VALUE',
    }));
    const first = errors[0]!;
    throw new ApiError('VALIDATION_ERROR', `Invalid importRequest: ${first.in.replace(/^importRequest\.?/, '') || '(root)'}: ${first.message}`, { errors });
  }
  const request = parsed.data;
  if (request.files.length > 1) throw bad('one file per import here: multi-file imports (records associated across files by a common column) are not supported; put both objects in one file', 'importRequest.files[1]', 'UNSUPPORTED');
  const file = request.files[0]!;
  if (!file.fileImportPage.hasHeader) throw bad('the file must start with a header row naming its columns (hasHeader true): columns are matched to columnMappings by their header', 'importRequest.files[0].fileImportPage.hasHeader', 'UNSUPPORTED');
  if (request.marketableContactImport === true) throw bad('there is no marketing contact status here: leave marketableContactImport out or false', 'importRequest.marketableContactImport', 'UNSUPPORTED');
  if (request.createContactListFromImport === true) throw bad('there are no contact lists here: leave createContactListFromImport out or false', 'importRequest.createContactListFromImport', 'UNSUPPORTED');
  for (const [i, m] of file.fileImportPage.columnMappings.entries()) {
    const kind = m.columnType ?? m.idColumnType;
    if (kind === 'ASSOCIATION_KEYS') throw bad('associations between records of the same object (ASSOCIATION_KEYS) are not supported by import here', `${MAPPINGS}[${i}].columnType`, 'UNSUPPORTED');
    if (m.foreignKeyType) throw bad('foreignKeyType belongs to multi-file imports, which are not supported: records on one row are associated with the default association type; labels go in a FLEXIBLE_ASSOCIATION_LABEL column', `${MAPPINGS}[${i}].foreignKeyType`, 'UNSUPPORTED');
    if (m.toColumnObjectTypeId && kind !== 'FLEXIBLE_ASSOCIATION_LABEL' && m.propertyName) {
      throw bad('toColumnObjectTypeId on a property column is the common column of a multi-file import, which is not supported; in one file, records on the same row are associated', `${MAPPINGS}[${i}].toColumnObjectTypeId`, 'UNSUPPORTED');
    }
  }
  return request;
}

const modeOf: Record<HubSpotImportOperation, ImportMode> = { CREATE: 'create', UPDATE: 'update', UPSERT: 'create_and_update' };

async function typeAt(db: DbOrTx, ws: string, ref: string, where: string): Promise<ObjectType> {
  try {
    return await resolveObjectType(db, ws, ref);
  } catch {
    throw bad(`${ref} is not an object type of this workspace (contacts 0-1, companies 0-2, deals 0-3, tickets 0-5, or a custom object's 2-…)`, where, 'UNKNOWN_OBJECT_TYPE');
  }
}

/**
 * Our import options from HubSpot's column mappings and the file's header: each mapping names a
 * header cell (`columnName`, any case) and where its values go; header cells without a mapping are
 * not imported. The file's first object is contacts when it has contact columns, else the object of
 * the first property column; a second object on the same row is created or matched and associated
 * with it, as our own two-object imports do. Refusals name the mapping they are about.
 */
export async function optionsFromRequest(db: DbOrTx, ws: string, request: HubSpotImportRequest, header: string[]): Promise<ImportOptions> {
  const mappings = request.files[0]!.fileImportPage.columnMappings;
  const columnOf = new Map<string, number>();
  header.forEach((h, i) => {
    const key = h.trim().toLowerCase();
    if (!columnOf.has(key)) columnOf.set(key, i);
  });
  const columnMapping: Record<string, string | null> = {};
  for (const h of header) columnMapping[h.trim()] = null;
  const mappingOfColumn = new Map<number, number>();
  const propertyTypes: ObjectType[] = [];
  for (const [i, m] of mappings.entries()) {
    const at = `${MAPPINGS}[${i}]`;
    const column = columnOf.get(m.columnName.trim().toLowerCase());
    if (column === undefined) {
      const shown = header.slice(0, 20).map((h) => `"${echoed(h, 100)}"`).join(', ');
      throw bad(`"${echoed(m.columnName, 200)}" is not a column of the file; its header is ${shown}${header.length > 20 ? ', …' : ''}`, `${at}.columnName`, 'UNKNOWN_COLUMN');
    }
    const earlier = mappingOfColumn.get(column);
    if (earlier !== undefined) throw bad(`the column "${echoed(header[column]!, 200)}" is mapped twice: columnMappings[${earlier}] and [${i}]`, `${at}.columnName`, 'DUPLICATE_COLUMN');
    mappingOfColumn.set(column, i);
    const type = await typeAt(db, ws, m.columnObjectTypeId, `${at}.columnObjectTypeId`);
    const kind = m.columnType ?? m.idColumnType ?? null;
    let target: string;
    if (kind === 'FLEXIBLE_ASSOCIATION_LABEL' || (m.toColumnObjectTypeId && !m.propertyName)) {
      if (!m.toColumnObjectTypeId) throw bad('an association label column needs toColumnObjectTypeId: the other object of the association', `${at}.toColumnObjectTypeId`, 'REQUIRED');
      await typeAt(db, ws, m.toColumnObjectTypeId, `${at}.toColumnObjectTypeId`);
      target = 'association_label';
    } else if (kind === 'HUBSPOT_OBJECT_ID') {
      if (m.propertyName && m.propertyName !== 'hs_object_id') throw bad(`a HUBSPOT_OBJECT_ID column holds record IDs: its propertyName is hs_object_id (or null), not ${m.propertyName}`, `${at}.propertyName`);
      target = `${type.typeId}.hs_object_id`;
    } else {
      if (!m.propertyName) throw bad('propertyName is required: the property the column fills', `${at}.propertyName`, 'REQUIRED');
      if (kind === 'HUBSPOT_ALTERNATE_ID' && !(keysOf(type.typeId) as string[]).includes(m.propertyName)) {
        const keys = keysOf(type.typeId).filter((k) => k !== 'hs_object_id');
        throw bad(`${type.name} records are found by ${keys.length > 0 ? `${keys.join(' or ')} or ` : ''}their record ID (HUBSPOT_OBJECT_ID) here, not by ${m.propertyName}`, `${at}.columnType`, 'UNSUPPORTED');
      }
      target = `${type.typeId}.${m.propertyName}`;
      if (m.propertyName !== 'hs_object_id' && !propertyTypes.some((t) => t.typeId === type.typeId)) propertyTypes.push(type);
    }
    columnMapping[header[column]!.trim()] = target;
  }
  const main = propertyTypes.find((t) => t.typeId === CONTACT) ?? propertyTypes[0];
  if (!main) throw bad('no column fills a property: map at least one column to a property of the object to import', MAPPINGS, 'REQUIRED');
  const operations = new Map<string, HubSpotImportOperation>();
  for (const [ref, op] of Object.entries(request.importOperations ?? {})) {
    const type = await typeAt(db, ws, ref, `importRequest.importOperations.${ref}`);
    if (!propertyTypes.some((t) => t.typeId === type.typeId)) throw bad(`no column holds a property of ${type.name} (${type.typeId})`, `importRequest.importOperations.${ref}`);
    operations.set(type.typeId, op);
  }
  const mode = modeOf[operations.get(main.typeId) ?? 'UPSERT'];
  for (const other of propertyTypes) {
    if (other.typeId === main.typeId) continue;
    // our engine matches or creates the second object of a row, or only matches it when the first is UPDATE
    const allowed: HubSpotImportOperation = mode === 'update' ? 'UPDATE' : 'UPSERT';
    const asked = operations.get(other.typeId);
    if (asked && asked !== allowed) {
      const mainOperation = operations.get(main.typeId) ?? 'UPSERT';
      throw bad(
        `with ${main.name} ${mainOperation}, the ${other.name} on the same rows can only be ${allowed} (the import's first object is ${main.name}); ${asked} cannot be honoured`,
        `importRequest.importOperations.${other.typeId}`,
        'UNSUPPORTED',
      );
    }
  }
  const options: ImportOptions = { objectType: main.typeId, mode, columnMapping };
  // the engine's own checks (a third object, a missing required column, an unknown property), named by mapping
  try {
    await resolveColumns(db, ws, header.map((h) => h.trim()), options);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const errors = err.errors.map((e) => {
      const column = /^column (\d+) /.exec(e.in ?? '');
      const mapping = column ? mappingOfColumn.get(Number(column[1]) - 1) : undefined;
      return { ...e, message: e.message.replace(/; map the column with columnMapping.*$/, ''), in: mapping !== undefined ? `${MAPPINGS}[${mapping}]` : e.in === 'header' ? MAPPINGS : (e.in ?? MAPPINGS) };
    });
    throw new ApiError(err.code, err.message.replace(/; map the column with columnMapping.*$/, ''), { errors });
  }
  return options;
}

/** A job by its number, or HubSpot's 404. */
export async function jobByNumber(db: DbOrTx, workspaceId: string, number: string): Promise<JobRow> {
  const [job] = await db.select().from(importJobs).where(and(eq(importJobs.workspaceId, workspaceId), eq(importJobs.number, Number(number)), eq(importJobs.kind, 'import')));
  if (!job) throw new ApiError('NOT_FOUND', `No import with id ${number}`, { errors: [{ message: 'import not found', in: 'path:importId' }] });
  return job;
}

export function publicState(job: JobRow): PublicImportResponse['state'] {
  switch (job.state) {
    case 'queued':
      return 'STARTED';
    case 'running':
      return 'PROCESSING';
    case 'done':
      return 'DONE';
    case 'undone':
      return 'REVERTED';
    case 'failed':
      return job.failure?.startsWith('CANCELED') ? 'CANCELED' : 'FAILED';
  }
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** The object types a job's columns fill or point at, its main object first. */
function mappedTypes(options: ImportJobOptions): string[] {
  const types = [options.objectType];
  for (const c of options.columns) {
    if (c === null || c === 'label') continue;
    const typeId = c.split(':')[1]!;
    if (!types.includes(typeId)) types.push(typeId);
  }
  return types;
}

/** A job as HubSpot's `PublicImportResponse`; the file's id is the import's number (files are not kept in a file manager here). */
export function publicImport(job: JobRow): PublicImportResponse {
  const options = job.options as ImportJobOptions;
  const created = total(job.created);
  const updated = total(job.updated);
  return {
    id: String(job.number),
    state: publicState(job),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    metadata: {
      objectLists: [],
      counters: {
        TOTAL_ROWS: job.rowsTotal,
        PROCESSED_ROWS: job.rowsDone,
        CREATED_OBJECTS: created,
        UPDATED_OBJECTS: updated,
        UNIQUE_OBJECTS_WRITTEN: created + updated,
        ERRORS: job.errorCount,
        CREATED_ASSOCIATIONS: job.associations,
      },
      fileIds: [String(job.number)],
    },
    ...(job.request ? { importRequestJson: job.request } : {}),
    importSource: 'API',
    ...(job.name !== null ? { importName: job.name } : job.fileName !== null ? { importName: job.fileName } : {}),
    optOutImport: false,
    mappedObjectTypeIds: 'objectType' in options ? mappedTypes(options) : [],
  };
}

const numberRow = z.object({ number: col.id });

/**
 * Imports newest first, `limit` a page. `after`: those older than that import (the next page);
 * `before`: those newer (the page before). `paging.next.after` while older ones remain,
 * `paging.prev.before` while newer ones do.
 */
export async function listPublicImports(db: DbOrTx, workspaceId: string, query: { after?: string | undefined; before?: string | undefined; limit: number }) {
  const base = and(eq(importJobs.workspaceId, workspaceId), eq(importJobs.kind, 'import'));
  let rows: JobRow[];
  if (query.before !== undefined) {
    rows = await db.select().from(importJobs).where(and(base, gt(importJobs.number, Number(query.before)))).orderBy(asc(importJobs.number)).limit(query.limit);
    rows.reverse();
  } else {
    rows = await db
      .select()
      .from(importJobs)
      .where(query.after !== undefined ? and(base, sql`${importJobs.number} < ${Number(query.after)}`) : base)
      .orderBy(sql`${importJobs.number} desc`)
      .limit(query.limit);
  }
  const first = rows[0]?.number;
  const last = rows.at(-1)?.number;
  const exists = async (cond: ReturnType<typeof sql>) =>
    parseRows('imports: one beyond the page', numberRow, await db.execute(sql`select number from import_jobs where workspace_id = ${workspaceId} and kind = 'import' and ${cond} limit 1`)).length > 0;
  const older = last !== undefined && (await exists(sql`number < ${last}`));
  const newer = first !== undefined && (await exists(sql`number > ${first}`));
  const paging = {
    ...(older ? { next: { after: String(last) } } : {}),
    ...(newer ? { prev: { before: String(first) } } : {}),
  };
  return { results: rows.map(publicImport), ...(older || newer ? { paging } : {}) };
}

/** HubSpot's error types for our row error codes; anything else is UNKNOWN_ERROR (our code in extraContext). */
const ERROR_TYPES: Record<string, string> = {
  INVALID_EMAIL: 'INVALID_EMAIL',
  INVALID_DOMAIN: 'INVALID_DOMAIN',
  DUPLICATE_ROW_CONTENT: 'DUPLICATE_ROW_CONTENT',
  MULTIPLE_COMPANIES_WITH_THIS_DOMAIN: 'MULTIPLE_COMPANIES_WITH_THIS_DOMAIN',
  UNKNOWN_ASSOCIATION_RECORD_ID: 'UNKNOWN_ASSOCIATION_RECORD_ID',
  ASSOCIATION_LABEL_NOT_FOUND: 'ASSOCIATION_LABEL_NOT_FOUND',
  ASSOCIATION_LIMIT_EXCEEDED: 'ASSOCIATION_LIMIT_EXCEEDED',
  MISSING_REQUIRED_PROPERTY: 'MISSING_REQUIRED_PROPERTY',
  RECORD_ALREADY_EXISTS: 'CREATE_ONLY_IMPORT',
  NOT_FOUND: 'UPDATE_ONLY_IMPORT',
  PROPERTY_INVALID: 'INVALID_PROPERTY_VALUE_FORMAT',
  INVALID_VALUE: 'INVALID_PROPERTY_VALUE_FORMAT',
  INVALID_OPTION: 'INVALID_ENUMERATION_OPTION',
  FIELD_TOO_LONG: 'COLUMN_TOO_LARGE',
  INVALID_CSV: 'COULD_NOT_PARSE_ROW',
  INVALID_ENCODING: 'COULD_NOT_PARSE_ROW',
  SELF_ASSOCIATION: 'FAILED_TO_CREATE_ASSOCIATION',
  PLAN_REQUIRED: 'FAILED_TO_CREATE_ASSOCIATION',
};

function errorTypeOf(code: string, message: string): string {
  // a row with more fields than the header
  if (code === 'INVALID_CSV' && /fields; the header has/.test(message)) return 'INCORRECT_NUMBER_OF_COLUMNS';
  return ERROR_TYPES[code] ?? 'UNKNOWN_ERROR';
}

/** HubSpot's names of the standard objects in an import error's `objectType` (its enum: a meeting is MEETING_EVENT). */
const OBJECT_TYPE_NAMES: Record<string, string> = {
  '0-1': 'CONTACT',
  '0-2': 'COMPANY',
  '0-3': 'DEAL',
  '0-5': 'TICKET',
  '0-27': 'TASK',
  '0-46': 'NOTE',
  '0-47': 'MEETING_EVENT',
  '0-48': 'CALL',
  '0-49': 'EMAIL',
};

const errorRow = z.object({ seq: col.id, row: col.id, column: col.textOrNull, code: col.text, message: col.text, created_at: col.timestamp });

/**
 * A page of an import's refused rows as HubSpot's `PublicImportError`s, in file order. `lineNumber`
 * is the row as a spreadsheet numbers it (the header is line 1). `rowData` (with
 * `includeRowData=true`) and `invalidValue` come from the stored file, read up to the page's last
 * row; once the file is gone (docs/import.md, retention) they are left out.
 */
export async function publicImportErrors(
  db: DbOrTx,
  job: JobRow,
  query: { after?: string | undefined; limit: number; includeErrorMessage?: boolean | undefined; includeRowData?: boolean | undefined },
) {
  const ws = job.workspaceId;
  const options = job.options as ImportJobOptions;
  const rows = parseRows(
    'import errors: a page',
    errorRow,
    await db.execute(sql`select seq, row, "column", code, message, created_at from import_errors
      where workspace_id = ${ws} and import_id = ${job.id} and seq > ${query.after === undefined ? -1 : Number(query.after)} order by seq limit ${query.limit + 1}`),
  );
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const fields = new Map<number, string[]>();
  if (page.length > 0 && 'header' in options) {
    const wanted = new Set(page.map((e) => e.row));
    const lastRow = page.at(-1)!.row;
    for await (const rec of csvRecords(fileChunks(db, ws, job.id), csvLimits, options.delimiter)) {
      if (wanted.has(rec.row)) fields.set(rec.row, rec.fields.map((v) => echoed(v, ERROR_FILE_VALUE_LIMIT)));
      if (rec.row >= lastRow) break;
    }
  }
  const header = 'header' in options ? options.header : [];
  const results: PublicImportError[] = page.map((e) => {
    const columnNumber = e.column === null ? -1 : header.indexOf(e.column);
    const target = columnNumber >= 0 ? options.columns[columnNumber] : null;
    const typeId = target && target !== 'label' ? target.split(':')[1]! : options.objectType;
    const values = fields.get(e.row);
    const invalid = columnNumber >= 0 ? values?.[columnNumber] : undefined;
    const objectType = OBJECT_TYPE_NAMES[typeId];
    return {
      id: String(e.seq),
      createdAt: e.created_at.getTime(),
      errorType: errorTypeOf(e.code, e.message),
      ...(query.includeErrorMessage ? { errorMessage: e.message } : {}),
      extraContext: e.code,
      ...(invalid !== undefined ? { invalidValue: invalid, invalidValueToDisplay: invalid } : {}),
      ...(columnNumber >= 0 ? { knownColumnNumber: columnNumber } : {}),
      ...(objectType ? { objectType } : {}),
      objectTypeId: typeId,
      sourceData: {
        rowData: query.includeRowData ? (values ?? []) : [],
        additionalRowData: [],
        containsEncryptedProperties: false,
        lineNumber: e.row,
        fileId: job.number,
      },
    };
  });
  return { results, ...(more ? { paging: { next: { after: String(page.at(-1)!.seq) } } } : {}) };
}
