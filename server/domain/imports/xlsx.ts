import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { ApiError } from '../../errors.ts';
import { IMPORT_LIMITS } from './jobs.ts';

const inflate = promisify(inflateRaw);

/**
 * Excel workbooks (.xlsx, Office Open XML) to CSV, for HubSpot's `fileFormat: SPREADSHEET`: the
 * workbook's one sheet becomes CSV text the import engine reads as any CSV file, each sheet row on
 * its own line (rows missing from the sheet as blank lines), so a row keeps the number the
 * spreadsheet shows. A workbook is a zip archive, read whole (its directory is at its end): it is
 * held in memory, hence XLSX_LIMITS. Strings, numbers, booleans, inline strings and formula results
 * are read; numbers in a date format become ISO dates (`2024-03-01`, `2024-03-01T09:30:00`).
 */

export const XLSX_LIMITS = {
  /** The largest workbook file accepted (CSV files may be far larger: they are streamed). */
  fileBytes: 32 * 1024 * 1024,
  /** The most bytes the workbook's parts may unpack to, together (a zip bomb stops here). */
  unpackedBytes: 256 * 1024 * 1024,
} as const;

const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;

/** A zip archive's first bytes: how a workbook is told from a CSV file. */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** An old binary workbook (.xls) or a password-protected .xlsx: a compound file. */
export function looksLikeCompoundFile(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0;
}

function unreadable(message: string): ApiError {
  return new ApiError('VALIDATION_ERROR', `The spreadsheet cannot be read: ${message}`, { errors: [{ message, in: 'files', code: 'INVALID_SPREADSHEET' }] });
}

interface ZipEntry {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function zipEntries(buf: Buffer): Map<string, ZipEntry> {
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === ZIP_END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw unreadable('it is not a complete .xlsx file (no zip directory)');
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== ZIP_CENTRAL) throw unreadable('its zip directory is damaged');
    const nameLength = buf.readUInt16LE(p + 28);
    const entry = { method: buf.readUInt16LE(p + 10), compressedSize: buf.readUInt32LE(p + 20), size: buf.readUInt32LE(p + 24), localOffset: buf.readUInt32LE(p + 42) };
    entries.set(buf.toString('utf8', p + 46, p + 46 + nameLength), entry);
    p += 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return entries;
}

class Workbook {
  readonly #buf: Buffer;
  readonly #entries: Map<string, ZipEntry>;
  #unpacked = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
    this.#entries = zipEntries(buf);
  }

  /** A part's text, or undefined when the archive has no such part. */
  async text(name: string): Promise<string | undefined> {
    const e = this.#entries.get(name);
    if (!e) return undefined;
    const p = e.localOffset;
    if (p + 30 > this.#buf.length || this.#buf.readUInt32LE(p) !== ZIP_LOCAL) throw unreadable(`its part ${name} is damaged`);
    const start = p + 30 + this.#buf.readUInt16LE(p + 26) + this.#buf.readUInt16LE(p + 28);
    const data = this.#buf.subarray(start, start + e.compressedSize);
    const budget = XLSX_LIMITS.unpackedBytes - this.#unpacked;
    let out: Buffer;
    if (e.method === 0) out = data;
    else if (e.method === 8) {
      try {
        // in the thread pool, not on the event loop
        out = await inflate(data, { maxOutputLength: Math.max(1, budget) });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') throw new ApiError('FILE_TOO_LARGE', `The spreadsheet unpacks to more than ${XLSX_LIMITS.unpackedBytes / 1024 / 1024} MiB; save it as CSV`, { errors: [{ message: 'spreadsheet too large unpacked', in: 'files' }] });
        throw unreadable(`its part ${name} is damaged`);
      }
    } else throw unreadable(`its part ${name} is compressed in a way not supported (method ${e.method})`);
    this.#unpacked += out.length;
    if (this.#unpacked > XLSX_LIMITS.unpackedBytes) throw new ApiError('FILE_TOO_LARGE', `The spreadsheet unpacks to more than ${XLSX_LIMITS.unpackedBytes / 1024 / 1024} MiB; save it as CSV`, { errors: [{ message: 'spreadsheet too large unpacked', in: 'files' }] });
    return out.toString('utf8');
  }
}

/** Sheet rows per CSV piece: the event loop is let go between pieces. */
const ROWS_PER_PIECE = 2000;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML text to a string: entities, and OOXML's `_xHHHH_` escapes of control characters. */
function xmlText(s: string): string {
  if (!s.includes('&') && !s.includes('_x')) return s;
  return s
    .replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => (e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITIES[e]!))
    .replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

const attrPatterns = new Map<string, RegExp>();

function attr(tag: string, name: string): string | undefined {
  let pattern = attrPatterns.get(name);
  if (!pattern) attrPatterns.set(name, (pattern = new RegExp(`\\s${name}="([^"]*)"`)));
  const m = pattern.exec(tag);
  return m ? xmlText(m[1]!) : undefined;
}

/** The text of a rich or plain string (`<si>`, `<is>`): its `<t>` runs, phonetic runs left out. */
function runsText(xml: string): string {
  let out = '';
  for (const m of xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '').matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)) out += xmlText(m[1]!);
  return out;
}

/** Excel's built-in number formats that show dates or times. */
const DATE_FORMAT_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** The cell styles (by index) whose number format is a date or time. */
function dateStyles(stylesXml: string | undefined): Set<number> {
  const out = new Set<number>();
  if (!stylesXml) return out;
  const custom = new Set<number>();
  for (const m of stylesXml.matchAll(/<numFmt\b[^>]*>/g)) {
    const id = Number(attr(m[0], 'numFmtId'));
    // a format is a date when it has day, year, or hour/second parts outside quoted text and [colours]
    const code = (attr(m[0], 'formatCode') ?? '').replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
    if (/[dy]|h|s/i.test(code)) custom.add(id);
  }
  const xfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(stylesXml)?.[1] ?? '';
  let i = 0;
  for (const m of xfs.matchAll(/<xf\b[^>]*>/g)) {
    const id = Number(attr(m[0], 'numFmtId') ?? '0');
    if (DATE_FORMAT_IDS.has(id) || custom.has(id)) out.add(i);
    i++;
  }
  return out;
}

/** An Excel date serial as ISO 8601: a date alone when it has no time of day. */
function serialDate(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const ms = Math.round((serial * 86_400_000) / 1000) * 1000;
  const iso = new Date(epoch + ms).toISOString();
  return ms % 86_400_000 === 0 ? iso.slice(0, 10) : iso.slice(0, 19);
}

/** `AB12` → column 27 (0-based). */
function columnIndex(ref: string): number {
  let n = 0;
  for (const ch of ref) {
    const c = ch.charCodeAt(0);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/**
 * The workbook's one sheet as CSV (UTF-8), every field quoted, in pieces of ROWS_PER_PIECE rows. A workbook with several sheets is
 * refused (which one to import would be a guess), as HubSpot refuses it.
 */
export async function* xlsxToCsv(bytes: Uint8Array): AsyncGenerator<Buffer> {
  const book = new Workbook(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const workbook = await book.text('xl/workbook.xml');
  if (workbook === undefined) throw unreadable('it is not an .xlsx workbook (no xl/workbook.xml)');
  const sheets = [...workbook.matchAll(/<sheet\b[^>]*>/g)].map((m) => m[0]);
  if (sheets.length !== 1) {
    throw new ApiError('VALIDATION_ERROR', `The workbook has ${sheets.length} sheets; an import reads one: keep only the sheet to import`, { errors: [{ message: `${sheets.length} sheets`, in: 'files', code: 'INVALID_SHEET_COUNT' }] });
  }
  const relId = attr(sheets[0]!, 'r:id');
  const rels = await book.text('xl/_rels/workbook.xml.rels') ?? '';
  const rel = [...rels.matchAll(/<Relationship\b[^>]*>/g)].map((m) => m[0]).find((r) => attr(r, 'Id') === relId);
  const target = rel ? attr(rel, 'Target') : undefined;
  const sheetPath = target ? (target.startsWith('/') ? target.slice(1) : `xl/${target}`) : 'xl/worksheets/sheet1.xml';
  const sheet = await book.text(sheetPath);
  if (sheet === undefined) throw unreadable(`its sheet (${sheetPath}) is missing`);
  const date1904 = /<workbookPr\b[^>]*\sdate1904="(1|true)"/.test(workbook);
  const shared: string[] = [];
  for (const m of ((await book.text('xl/sharedStrings.xml')) ?? '').matchAll(/<si\b[^>]*\/>|<si\b[^>]*>([\s\S]*?)<\/si>/g)) {
    shared.push(runsText(m[1] ?? ''));
    if (shared.length % (ROWS_PER_PIECE * 10) === 0) await nextTurn();
  }
  const dates = dateStyles(await book.text('xl/styles.xml'));

  let lines: string[] = [];
  let lastRow = 0;
  for (const row of sheet.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const number = Number(attr(row[0].slice(0, row[0].indexOf('>') + 1), 'r') ?? lastRow + 1);
    if (!Number.isInteger(number) || number <= lastRow || number > IMPORT_LIMITS.rows + 1) {
      throw unreadable(number > IMPORT_LIMITS.rows + 1 ? `it has rows past row ${(IMPORT_LIMITS.rows + 1).toLocaleString('en')}; split it` : `its row numbers are out of order at row ${lastRow + 1}`);
    }
    // rows the sheet leaves out are blank lines: every row keeps its number
    while (lastRow + 1 < number) {
      lines.push('');
      lastRow++;
    }
    lastRow = number;
    const cells: string[] = [];
    for (const cell of (row[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const tag = `<c${cell[1]}>`;
      const ref = attr(tag, 'r');
      const index = ref ? columnIndex(ref) : cells.length;
      if (index < 0 || index >= IMPORT_LIMITS.columns) throw unreadable(`row ${number} has a cell (${ref ?? index + 1}) past column ${IMPORT_LIMITS.columns}`);
      const type = attr(tag, 't') ?? 'n';
      const body = cell[2] ?? '';
      const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let value = '';
      if (type === 's') value = v === undefined ? '' : (shared[Number(v)] ?? '');
      else if (type === 'inlineStr') value = runsText(/<is>([\s\S]*?)<\/is>/.exec(body)?.[1] ?? '');
      else if (type === 'b') value = v === '1' ? 'true' : v === '0' ? 'false' : '';
      else if (v !== undefined) {
        value = xmlText(v);
        const style = Number(attr(tag, 's') ?? '0');
        if (type === 'n' && dates.has(style) && value !== '' && Number.isFinite(Number(value))) value = serialDate(Number(value), date1904);
      }
      while (cells.length < index) cells.push('');
      cells[index] = value;
    }
    lines.push(cells.every((c) => c === '') ? '' : cells.map(csvField).join(','));
    if (lines.length >= ROWS_PER_PIECE) {
      yield Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
      lines = [];
      // a big sheet takes seconds: requests get their turn between pieces
      await nextTurn();
    }
  }
  yield Buffer.from(lines.join('\r\n'), 'utf8');
}

/**
 * A file as it arrives, read as CSV: a CSV file passes through in its pieces, a workbook (zip) is
 * read whole (at most XLSX_LIMITS.fileBytes) and converted. `format` says which it was once the
 * first bytes are read.
 */
export function csvOf(source: AsyncIterable<Uint8Array>): { chunks: AsyncIterable<Uint8Array>; format: () => 'CSV' | 'SPREADSHEET' | 'COMPOUND' | undefined } {
  let format: 'CSV' | 'SPREADSHEET' | 'COMPOUND' | undefined;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const it = source[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let headBytes = 0;
    while (headBytes < 4) {
      const next = await it.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.byteLength;
    }
    const first = Buffer.concat(head);
    format = looksLikeZip(first) ? 'SPREADSHEET' : looksLikeCompoundFile(first) ? 'COMPOUND' : 'CSV';
    if (format !== 'SPREADSHEET') {
      if (first.length > 0) yield first;
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
      return;
    }
    const parts = [first];
    let size = first.length;
    for (let next = await it.next(); !next.done; next = await it.next()) {
      size += next.value.byteLength;
      if (size > XLSX_LIMITS.fileBytes) throw new ApiError('FILE_TOO_LARGE', `The spreadsheet is larger than ${XLSX_LIMITS.fileBytes / 1024 / 1024} MiB; save it as CSV (CSV files may be up to 512 MiB)`, { errors: [{ message: 'spreadsheet too large', in: 'files' }] });
      parts.push(Buffer.from(next.value));
    }
    yield* xlsxToCsv(Buffer.concat(parts));
  }
  return { chunks: chunks(), format: () => format };
}
