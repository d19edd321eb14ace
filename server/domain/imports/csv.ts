/**
 * A streaming CSV reader for imports (RFC 4180 and what spreadsheets write): UTF-8 with or without
 * BOM, comma or semicolon, quoted fields with delimiters, doubled quotes and newlines, LF, CRLF or
 * CR line ends. It never throws on bad input: a malformed record (a character after a closing
 * quote, a quote never closed, a field over the length limit, bytes that are not UTF-8) comes out
 * with a `problem`, and every other record still comes out. Memory stays bounded by the longest
 * record it keeps (fields are cut at the limit).
 */

export type CsvProblemCode = 'INVALID_CSV' | 'FIELD_TOO_LONG' | 'INVALID_ENCODING';

export interface CsvRecord {
  /** Its row as a spreadsheet numbers it: the header is row 1. */
  row: number;
  fields: string[];
  problem?: { code: CsvProblemCode; column: number; message: string };
}

export interface CsvLimits {
  /** Longest field kept; a longer one is cut and flagged FIELD_TOO_LONG. */
  maxField: number;
  /** Most fields in a record; more are flagged INVALID_CSV. */
  maxFields: number;
}

/**
 * How much of a file's start is read to choose its delimiter when the first line has not ended:
 * a header longer than this is refused anyway (IMPORT_LIMITS.headerCell), so nothing more is held.
 */
export const SNIFF_CHARS = 64 * 1024;

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** Comma or semicolon, whichever the first line uses more of outside quotes. */
export function sniffDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semis = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semis++;
  }
  return semis > commas ? ';' : ',';
}

export class CsvReader {
  readonly #delimiter: number;
  readonly #limits: CsvLimits;
  #fields: string[] = [];
  #field = '';
  #state: 'start' | 'unquoted' | 'quoted' | 'quote' | 'after' = 'start';
  #skipLf = false;
  #row = 0;
  #problem: CsvRecord['problem'];
  #out: CsvRecord[] = [];

  constructor(delimiter: ',' | ';', limits: CsvLimits) {
    this.#delimiter = delimiter.charCodeAt(0);
    this.#limits = limits;
  }

  /** Characters of the field being read so far (it is cut just past the limit). */
  get openFieldLength(): number {
    return this.#field.length;
  }

  /** Fields of the record being read that are complete. */
  get openFieldCount(): number {
    return this.#fields.length;
  }

  /** Feeds decoded text; answers the records completed by it. */
  push(text: string): CsvRecord[] {
    const d = this.#delimiter;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (this.#skipLf) {
        this.#skipLf = false;
        if (c === LF) {
          i++;
          continue;
        }
      }
      switch (this.#state) {
        case 'start':
        case 'unquoted': {
          if (this.#state === 'start' && c === QUOTE) {
            this.#state = 'quoted';
            i++;
            break;
          }
          // a run of plain characters at once
          let j = i;
          while (j < n) {
            const x = text.charCodeAt(j);
            if (x === d || x === CR || x === LF) break;
            j++;
          }
          if (j > i) {
            this.#append(text, i, j);
            this.#state = 'unquoted';
            i = j;
            break;
          }
          i = this.#boundary(c, i);
          break;
        }
        case 'quoted': {
          const j = text.indexOf('"', i);
          if (j === -1) {
            this.#append(text, i, n);
            i = n;
          } else {
            this.#append(text, i, j);
            this.#state = 'quote';
            i = j + 1;
          }
          break;
        }
        case 'quote': {
          if (c === QUOTE) {
            this.#append('"', 0, 1);
            this.#state = 'quoted';
            i++;
          } else if (c === d || c === CR || c === LF) {
            i = this.#boundary(c, i);
          } else {
            this.#flag('INVALID_CSV', `a character after the closing quote of field ${this.#fields.length + 1}`);
            this.#state = 'after';
          }
          break;
        }
        case 'after': {
          if (c === d || c === CR || c === LF) i = this.#boundary(c, i);
          else {
            this.#append(text, i, i + 1);
            i++;
          }
          break;
        }
      }
    }
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** The end of the input: the last record, even without a line end. */
  end(): CsvRecord[] {
    if (this.#state === 'quoted') this.#flag('INVALID_CSV', `a quote opened in field ${this.#fields.length + 1} is never closed`);
    if (this.#state !== 'start' || this.#fields.length > 0) this.#endRecord();
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #boundary(c: number, i: number): number {
    if (c === this.#delimiter) {
      this.#endField();
      return i + 1;
    }
    this.#endRecord();
    if (c === CR) this.#skipLf = true;
    return i + 1;
  }

  #append(text: string, from: number, to: number): void {
    const room = this.#limits.maxField + 1 - this.#field.length;
    if (room <= 0) return;
    this.#field += text.slice(from, Math.min(to, from + room));
  }

  #flag(code: CsvProblemCode, message: string): void {
    this.#problem ??= { code, column: this.#fields.length, message };
  }

  #endField(): void {
    if (this.#field.length > this.#limits.maxField) {
      this.#flag('FIELD_TOO_LONG', `field ${this.#fields.length + 1} is longer than ${this.#limits.maxField} characters`);
      this.#field = this.#field.slice(0, this.#limits.maxField);
    }
    if (this.#field.includes('\uFFFD')) this.#flag('INVALID_ENCODING', `field ${this.#fields.length + 1} holds bytes that are not UTF-8`);
    // PostgreSQL text cannot hold it (shared/text.ts): the row is refused, the others still land
    if (this.#field.includes('\u0000')) this.#flag('INVALID_ENCODING', `field ${this.#fields.length + 1} holds a NUL character`);
    if (this.#fields.length < this.#limits.maxFields) this.#fields.push(this.#field);
    else this.#flag('INVALID_CSV', `more than ${this.#limits.maxFields} fields`);
    this.#field = '';
    this.#state = 'start';
  }

  #endRecord(): void {
    this.#endField();
    this.#row++;
    const fields = this.#fields;
    // a blank line is no record (it still counts as a row, as in a spreadsheet)
    if (!(fields.length === 1 && fields[0] === '' && !this.#problem)) {
      this.#out.push({ row: this.#row, fields, ...(this.#problem ? { problem: this.#problem } : {}) });
    }
    this.#fields = [];
    this.#problem = undefined;
  }
}

/** Bytes (UTF-8, BOM or not) to records, streaming. Invalid bytes become U+FFFD and flag their record. */
export async function* csvRecords(chunks: AsyncIterable<Uint8Array>, limits: CsvLimits, delimiter?: ',' | ';'): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8');
  let reader: CsvReader | undefined = delimiter ? new CsvReader(delimiter, limits) : undefined;
  let head = '';
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (!reader) {
      head += text;
      if (!/[\r\n]/.test(head) && head.length < SNIFF_CHARS) continue;
      reader = new CsvReader(sniffDelimiter(head), limits);
      yield* reader.push(head);
      head = '';
      continue;
    }
    yield* reader.push(text);
  }
  const rest = decoder.decode();
  reader ??= new CsvReader(sniffDelimiter(head), limits);
  yield* reader.push(head + rest);
  yield* reader.end();
}
