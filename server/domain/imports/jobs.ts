import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { autoDomainJobView, ImportListItem, ImportView } from '../../../shared/imports.ts';
import type { ImportError, ImportOptions, MappingPreview, MappingPreviewBody } from '../../../shared/imports.ts';
import { LIMITS } from '../../../shared/plans.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { type ImportJobOptions, importChunks, importErrors, importJobs } from '../../db/schema/index.ts';
import type { Actor } from '../../env.ts';
import { ApiError } from '../../errors.ts';
import { currentActor } from '../audit.ts';
import { echoed, unstorableText } from '../../../shared/text.ts';
import { objectTypeById } from '../object-types.ts';
import { CsvReader, type CsvRecord, csvRecords, SNIFF_CHARS, sniffDelimiter } from './csv.ts';
import { resolveColumns } from './mapping.ts';

/** Limits of one import (every one is enforced). */
export const IMPORT_LIMITS = {
  /** The uploaded file. */
  fileBytes: 512 * 1024 * 1024,
  /** Data rows in one file. */
  rows: 1_000_000,
  /** A field, as a property value may be. */
  field: LIMITS.propertyValueLength,
  columns: LIMITS.propertiesPerObject,
  /** A header cell (a column name), as in `POST /api/imports/mapping`: a longer one refuses the file while it streams. */
  headerCell: 1000,
  /** Errors listed in the job's JSON (errors.csv has them all). */
  errorsShown: 10_000,
} as const;

const CHUNK_BYTES = 1024 * 1024;

/** A byte count for a message: `512 MiB`, `64 KiB`, `100 bytes`. */
function fileSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** FILE_TOO_LARGE for a file over `maxFileBytes`; `where` names the file in the request. */
export function fileTooLarge(maxFileBytes: number, where: string): ApiError {
  return new ApiError('FILE_TOO_LARGE', `The file is larger than ${fileSize(maxFileBytes)}; split it`, { errors: [{ message: 'file too large', in: where }] });
}
export const csvLimits = { maxField: IMPORT_LIMITS.field, maxFields: IMPORT_LIMITS.columns };

function badHeader(code: 'FIELD_TOO_LONG' | 'VALIDATION_ERROR', column: number, message: string): ApiError {
  return new ApiError(code, `The header's column ${column}: ${message}; nothing was imported`, { errors: [{ message, in: `file:header[${column - 1}]`, code }] });
}

/**
 * The header row while it is still arriving: a cell past IMPORT_LIMITS.headerCell, or more cells
 * than IMPORT_LIMITS.columns, refuses the file at once, not after reading a file with no line end.
 */
function checkOpenHeader(reader: CsvReader): void {
  if (reader.openFieldLength > IMPORT_LIMITS.headerCell) throw badHeader('FIELD_TOO_LONG', reader.openFieldCount + 1, `longer than ${IMPORT_LIMITS.headerCell} characters`);
  if (reader.openFieldCount > IMPORT_LIMITS.columns) throw new ApiError('VALIDATION_ERROR', `The file has more than ${IMPORT_LIMITS.columns} columns`, { errors: [{ message: 'too many columns', in: 'header' }] });
}

/** The header once read: every cell a storable name of at most IMPORT_LIMITS.headerCell characters. */
function checkHeader(header: string[]): void {
  for (const [i, cell] of header.entries()) {
    if (cell.length > IMPORT_LIMITS.headerCell) throw badHeader('FIELD_TOO_LONG', i + 1, `longer than ${IMPORT_LIMITS.headerCell} characters`);
    const why = unstorableText(cell);
    if (why) throw badHeader('VALIDATION_ERROR', i + 1, `the name ${why}`);
  }
}

export type JobRow = typeof importJobs.$inferSelect;

/**
 * Options that depend on the file's header (HubSpot's column mappings name header cells): asked
 * once the header is read when `ready()` says they can be (the request came before the file),
 * else once the whole file is stored.
 */
export interface OptionsFromHeader {
  fromHeader: (header: string[]) => ImportOptions | Promise<ImportOptions>;
  ready: () => boolean;
}

/**
 * Stores an uploaded CSV file as a queued import job: the header is read and every column resolved
 * first (a bad header refuses the file with 400 and stores nothing), then the file goes into the
 * database in pieces of 1 MiB while its rows are counted. Streams: memory does not grow with the file.
 * `options` may be a function when they are only known after the file (a form whose `options`
 * field follows the file): the header is then resolved once the file is stored, and a refusal
 * still deletes it. `maxFileBytes` (default IMPORT_LIMITS.fileBytes) is checked as pieces arrive.
 */
export async function createImport(
  db: Db,
  params: {
    workspaceId: string;
    actor: Actor;
    fileName: string | null;
    options: ImportOptions | (() => Promise<ImportOptions>) | OptionsFromHeader;
    maxFileBytes?: number;
    /**
     * An import started through HubSpot's imports API: its name, `importRequest` and date order,
     * kept with the job (asked once the options are known).
     */
    hubspot?: () => { name: string | null; request: Record<string, unknown>; dateFormat: NonNullable<ImportJobOptions['dateFormat']> };
  },
  file: AsyncIterable<Uint8Array>,
): Promise<{ id: string; number: number }> {
  const id = crypto.randomUUID();
  const ws = params.workspaceId;
  const maxFileBytes = params.maxFileBytes ?? IMPORT_LIMITS.fileBytes;
  const byHeader = typeof params.options === 'object' && 'fromHeader' in params.options ? params.options : undefined;
  const fromHeader = byHeader?.fromHeader;
  let importOptions = typeof params.options === 'function' || fromHeader ? undefined : (params.options as ImportOptions);
  let seq = 0;
  let bytes = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let reader: CsvReader | undefined;
  let header: string[] | undefined;
  let delimiter: ',' | ';' = ',';
  let rows = 0;
  let head = '';
  const decoder = new TextDecoder('utf-8');
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    await db.insert(importChunks).values({ workspaceId: ws, importId: id, seq: seq++, data });
  };
  const count = (records: CsvRecord[]) => {
    for (const r of records) {
      if (!header) {
        checkHeader(r.fields);
        header = r.fields.map((f) => f.trim());
      } else rows++;
    }
    if (rows > IMPORT_LIMITS.rows) throw new ApiError('FILE_TOO_LARGE', `The file has more than ${IMPORT_LIMITS.rows.toLocaleString('en')} rows; split it`, { errors: [{ message: 'too many rows', in: 'file' }] });
  };
  let resolved: Awaited<ReturnType<typeof resolveColumns>> | undefined;
  try {
    for await (const chunk of file) {
      bytes += chunk.byteLength;
      if (bytes > maxFileBytes) throw fileTooLarge(maxFileBytes, 'file');
      const text = decoder.decode(chunk, { stream: true });
      if (!reader) {
        head += text;
        if (!/[\r\n]/.test(head) && head.length < SNIFF_CHARS) {
          pending.push(chunk);
          pendingBytes += chunk.byteLength;
          continue;
        }
        delimiter = sniffDelimiter(head);
        reader = new CsvReader(delimiter, csvLimits);
        count(reader.push(head));
        head = '';
      } else count(reader.push(text));
      if (!header) checkOpenHeader(reader);
      if (header && !importOptions && fromHeader && byHeader.ready()) importOptions = await fromHeader(header);
      if (header && !resolved && importOptions) resolved = await resolveHeader(db, ws, header, importOptions);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    const rest = decoder.decode();
    if (!reader) {
      delimiter = sniffDelimiter(head);
      reader = new CsvReader(delimiter, csvLimits);
    }
    count(reader.push(head + rest));
    count(reader.end());
    if (!header || header.every((h) => h === '')) throw new ApiError('VALIDATION_ERROR', 'The file is empty: the first row must name the columns', { errors: [{ message: 'no header row', in: 'file' }] });
    importOptions ??= fromHeader ? await fromHeader(header) : await (params.options as () => Promise<ImportOptions>)();
    resolved ??= await resolveHeader(db, ws, header, importOptions);
    await flush();
    const hubspot = params.hubspot?.();
    const options: ImportJobOptions = { objectType: resolved.main.typeId, mode: importOptions.mode, columns: resolved.columns, header, delimiter, ...(hubspot ? { dateFormat: hubspot.dateFormat } : {}) };
    const actor = params.actor;
    const [job] = await db.insert(importJobs).values({
      workspaceId: ws,
      id,
      kind: 'import',
      ...(hubspot ? { name: hubspot.name, request: hubspot.request } : {}),
      options,
      fileName: params.fileName,
      fileBytes: bytes,
      rowsTotal: rows,
      // `by`: the user or app token, so the job's record changes name them (audit trail)
      startedBy: {
        ...(actor.source === 'USER' ? { source: 'USER', userId: actor.userId, userName: actor.userName } : { source: actor.source, ...(actor.sourceId ? { sourceId: actor.sourceId } : {}) }),
        by: currentActor(),
      },
    }).returning({ number: importJobs.number });
    return { id, number: job!.number };
  } catch (err) {
    await db.delete(importChunks).where(and(eq(importChunks.workspaceId, ws), eq(importChunks.importId, id)));
    throw err;
  }
}

async function resolveHeader(db: DbOrTx, ws: string, header: string[], options: ImportOptions) {
  if (header.length > IMPORT_LIMITS.columns) throw new ApiError('VALIDATION_ERROR', `The file has ${header.length} columns; at most ${IMPORT_LIMITS.columns}`, { errors: [{ message: 'too many columns', in: 'header' }] });
  return resolveColumns(db, ws, header, options);
}

/**
 * The column mapping an import of a file with this header would use, with the errors it would
 * give (the same checks as `POST /api/imports`), without a file or a job: to see and edit it first.
 */
export async function previewMapping(db: DbOrTx, workspaceId: string, body: MappingPreviewBody): Promise<MappingPreview> {
  const { header: cells, ...options } = body;
  const header = cells.map((h) => h.trim());
  const resolved = await resolveHeader(db, workspaceId, header, options);
  const columns = [];
  for (const [i, h] of header.entries()) columns.push({ header: h, target: await targetName(db, workspaceId, resolved.columns[i] ?? null) });
  return {
    objectType: resolved.main.name,
    mode: options.mode,
    withObjectType: resolved.second?.name ?? null,
    associatedObjectTypes: resolved.linked.map((t) => t.name),
    columns,
  };
}

/** The stored file, piece by piece. */
export async function* fileChunks(db: DbOrTx, workspaceId: string, importId: string): AsyncGenerator<Uint8Array> {
  for (let seq = 0; ; seq++) {
    const [row] = await db
      .select({ data: importChunks.data })
      .from(importChunks)
      .where(and(eq(importChunks.workspaceId, workspaceId), eq(importChunks.importId, importId), eq(importChunks.seq, seq)));
    if (!row) return;
    yield row.data;
  }
}

/** The data records of a stored file (the header left out), from the `skip`-th on. */
export async function* dataRecords(db: DbOrTx, job: JobRow, skip = 0): AsyncGenerator<CsvRecord> {
  const options = job.options as ImportJobOptions;
  let n = -1;
  for await (const rec of csvRecords(fileChunks(db, job.workspaceId, job.id), csvLimits, options.delimiter)) {
    n++;
    if (n === 0) continue;
    if (n <= skip) continue;
    yield rec;
  }
}

/** A job of the workspace, of that kind, or NOT_FOUND; `lock`: its row locked for the caller's transaction. */
export async function getJob(db: DbOrTx, workspaceId: string, id: string, kind: JobRow['kind'], options: { lock?: boolean } = {}): Promise<JobRow> {
  const query = db.select().from(importJobs).where(and(eq(importJobs.workspaceId, workspaceId), eq(importJobs.id, id)));
  const [job] = options.lock ? await query.for('update') : await query;
  if (!job || job.kind !== kind) {
    throw new ApiError('NOT_FOUND', `No ${kind === 'import' ? 'import' : 'automatic association job'} with id ${id}`, { errors: [{ message: `${kind === 'import' ? 'import' : 'job'} not found`, in: 'path:id' }] });
  }
  return job;
}

/** A stored target as the API names it: `contacts.email`, `associations.companies.domain`, `association_label`. */
async function targetName(db: DbOrTx, ws: string, target: string | null): Promise<string | null> {
  if (target === null) return null;
  if (target === 'label') return 'association_label';
  const [kind, typeId, name] = target.split(':') as [string, string, string];
  const type = await objectTypeById(db, ws, typeId);
  return kind === 'assoc' ? `associations.${type.name}.${name}` : `${type.name}.${name}`;
}

export async function importView(db: DbOrTx, workspaceId: string, id: string): Promise<ImportView> {
  const job = await getJob(db, workspaceId, id, 'import');
  const options = job.options as ImportJobOptions;
  const errors = await db
    .select({ row: importErrors.row, column: importErrors.column, code: importErrors.code, message: importErrors.message })
    .from(importErrors)
    .where(and(eq(importErrors.workspaceId, workspaceId), eq(importErrors.importId, id)))
    .orderBy(asc(importErrors.seq))
    .limit(IMPORT_LIMITS.errorsShown);
  const type = await objectTypeById(db, workspaceId, options.objectType);
  const columns = [];
  for (const [i, header] of options.header.entries()) columns.push({ header, target: await targetName(db, workspaceId, options.columns[i] ?? null) });
  return {
    id: job.id,
    state: job.state,
    objectType: type.name,
    mode: options.mode,
    fileName: job.fileName,
    rowsTotal: job.rowsTotal,
    rowsDone: job.rowsDone,
    created: job.created,
    updated: job.updated,
    associations: job.associations,
    errorCount: job.errorCount,
    errors: errors as ImportError[],
    columns,
    ...(job.failure ? { failure: job.failure } : {}),
    createdAt: job.createdAt.toISOString(),
    ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
    ...(job.undoneAt ? { undoneAt: job.undoneAt.toISOString() } : {}),
  };
}

export function autoDomainView(job: JobRow): z.infer<typeof autoDomainJobView> {
  return {
    id: job.id,
    state: job.state,
    contactsTotal: job.rowsTotal,
    contactsDone: job.rowsDone,
    associations: job.associations,
    companiesCreated: job.created.companies ?? 0,
    errorCount: job.errorCount,
    createdAt: job.createdAt.toISOString(),
    ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
  };
}

/** The longest value errors.csv repeats from a refused row (longer ones are cut, saying their length). */
export const ERROR_FILE_VALUE_LIMIT = 1000;

/** A cell of the error file: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The error file: one line per refused row, `Row, Column, Error code, Message`, then the row's own
 * values under the file's header. Every cell is escaped against formula injection. Streams: the
 * stored file is read again alongside the errors, in row order.
 */
export async function* errorsCsv(db: DbOrTx, workspaceId: string, id: string): AsyncGenerator<string> {
  const job = await getJob(db, workspaceId, id, 'import');
  const options = job.options as ImportJobOptions;
  yield `${['Row', 'Column', 'Error code', 'Message', ...options.header].map(csvCell).join(',')}\r\n`;
  let after = -1;
  const page = async () =>
    db
      .select()
      .from(importErrors)
      .where(and(eq(importErrors.workspaceId, workspaceId), eq(importErrors.importId, id), gt(importErrors.seq, after)))
      .orderBy(asc(importErrors.seq))
      .limit(1000);
  let errors = await page();
  if (errors.length === 0) return;
  for await (const rec of csvRecords(fileChunks(db, workspaceId, id), csvLimits, options.delimiter)) {
    while (errors.length > 0 && errors[0]!.row <= rec.row) {
      const e = errors.shift()!;
      after = e.seq;
      // a row's values as far as a reader needs them to find the row; never a whole 64 KiB field
      const values = e.row === rec.row ? rec.fields.map((v) => echoed(v, ERROR_FILE_VALUE_LIMIT)) : [];
      yield `${[String(e.row), e.column ?? '', e.code, e.message, ...values].map(csvCell).join(',')}\r\n`;
      if (errors.length === 0) errors = await page();
    }
    if (errors.length === 0) return;
  }
  // errors of rows past the file's end (none expected): listed without values
  while (errors.length > 0) {
    for (const e of errors) {
      after = e.seq;
      yield `${[String(e.row), e.column ?? '', e.code, e.message].map(csvCell).join(',')}\r\n`;
    }
    errors = await page();
  }
}

const listedJob = z.object({ id: col.text, state: col.text, file_name: col.textOrNull, created_at: col.timestamp, failure: col.textOrNull, object_type: col.textOrNull, started_by: z.record(z.string(), z.unknown()).nullable() });

/** Who started a job, as the list shows it: the user's name, or the app token's id. */
function startedByOf(startedBy: Record<string, unknown> | null): ImportListItem['startedBy'] {
  const by = startedBy ?? {};
  if (by.source === 'USER') return { source: 'USER', userId: String(by.userId ?? ''), name: typeof by.userName === 'string' ? by.userName : null };
  return { source: 'API', tokenId: typeof by.sourceId === 'string' ? by.sourceId : null };
}

/** Jobs of a workspace, newest first (for listings): state, file, object type and who started each. */
export async function listImports(db: DbOrTx, workspaceId: string): Promise<ImportListItem[]> {
  const rows = parseRows(
    'imports: list',
    listedJob,
    await db.execute(sql`
      select id, state, file_name, created_at, failure, started_by, options->>'objectType' as object_type
      from import_jobs where workspace_id = ${workspaceId} and kind = 'import' order by created_at desc limit 100`),
  );
  // each object type named once (a workspace's imports are of a few types); one archived since has no name
  const names = new Map<string, string | null>();
  for (const typeId of new Set(rows.map((r) => r.object_type).filter((id) => id !== null))) {
    names.set(typeId, await objectTypeById(db, workspaceId, typeId).then((t) => t.name, () => null));
  }
  return rows.map((r) => ({
    id: r.id,
    state: r.state as ImportListItem['state'],
    objectType: r.object_type === null ? null : (names.get(r.object_type) ?? null),
    fileName: r.file_name,
    startedBy: startedByOf(r.started_by),
    ...(r.failure ? { failure: r.failure } : {}),
    createdAt: r.created_at.toISOString(),
  }));
}
