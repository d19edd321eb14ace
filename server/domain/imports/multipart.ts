import { ApiError } from '../../errors.ts';

/**
 * A streaming multipart/form-data reader (RFC 7578): parts come one after the other from the
 * request body, and a part's content is read in pieces as they arrive, so an upload is never held
 * whole in memory. Between reads the reader keeps at most one delimiter's length of bytes (plus a
 * part's header block, at most MAX_HEADER_BYTES).
 */

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export interface MultipartPart {
  /** The form field's name (Content-Disposition `name`). */
  name: string;
  /** The file name, for a file field. */
  fileName: string | undefined;
  /** The part's content, in pieces; read it to the end (or not at all) before asking for the next part. */
  content(): AsyncGenerator<Uint8Array>;
  /** The whole content as UTF-8 text, refused past `maxBytes`. */
  text(maxBytes: number): Promise<string>;
}

function malformed(message: string): ApiError {
  return new ApiError('VALIDATION_ERROR', `The multipart body is malformed: ${message}`, { errors: [{ message, in: 'body' }] });
}

/** The boundary of a `multipart/form-data; boundary=…` content type, or null. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

function dispositionParam(value: string, param: string): string | undefined {
  const m = new RegExp(`;\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s;]+))`, 'i').exec(value);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

export class MultipartReader {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #delimiter: Buffer;
  readonly #maxBytes: number;
  #buffer: Buffer;
  #ended = false;
  #bytes = 0;
  /** 'start': before the first delimiter; 'content': inside a part; 'next': just after a delimiter; 'end': after the closing one. */
  #state: 'start' | 'content' | 'next' | 'end' = 'start';

  /** `maxBytes`: the whole body's limit (FILE_TOO_LARGE past it, found while reading). */
  constructor(body: AsyncIterable<Uint8Array>, boundary: string, maxBytes: number) {
    this.#source = body[Symbol.asyncIterator]();
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
    this.#maxBytes = maxBytes;
    // the first delimiter has no line break before it: lend it one
    this.#buffer = Buffer.from(CRLF);
  }

  /** Reads one more piece of the body into the buffer; false at its end. */
  async #more(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#source.next();
    if (next.done) {
      this.#ended = true;
      return false;
    }
    this.#bytes += next.value.byteLength;
    if (this.#bytes > this.#maxBytes) {
      throw new ApiError('FILE_TOO_LARGE', `The upload is larger than ${this.#maxBytes} bytes; split the file`, { errors: [{ message: 'upload too large', in: 'body' }] });
    }
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(next.value) : Buffer.concat([this.#buffer, next.value]);
    return true;
  }

  async #need(n: number): Promise<void> {
    while (this.#buffer.length < n) if (!(await this.#more())) throw malformed('the body ended early');
  }

  /** The next part, or null after the closing delimiter. */
  async next(): Promise<MultipartPart | null> {
    if (this.#state === 'content') for await (const _ of this.#content()); // the caller skipped the rest of the part
    if (this.#state === 'start') {
      for (;;) {
        const i = this.#buffer.indexOf(this.#delimiter);
        if (i >= 0) {
          this.#buffer = this.#buffer.subarray(i + this.#delimiter.length);
          break;
        }
        // a preamble is allowed and ignored
        this.#buffer = Buffer.from(this.#buffer.subarray(Math.max(0, this.#buffer.length - this.#delimiter.length + 1)));
        if (!(await this.#more())) throw malformed('no boundary found');
      }
      this.#state = 'next';
    }
    if (this.#state === 'end') return null;
    await this.#need(2);
    if (this.#buffer[0] === 0x2d && this.#buffer[1] === 0x2d) {
      this.#state = 'end';
      return null;
    }
    // the rest of the delimiter line (transport padding), then the headers up to an empty line
    let eol: number;
    while ((eol = this.#buffer.indexOf(CRLF)) < 0) {
      if (this.#buffer.length > MAX_HEADER_BYTES) throw malformed('a boundary line is too long');
      if (!(await this.#more())) throw malformed('the body ended early');
    }
    this.#buffer = this.#buffer.subarray(eol + 2);
    let headerText = '';
    await this.#need(2);
    if (this.#buffer[0] === 0x0d && this.#buffer[1] === 0x0a) this.#buffer = this.#buffer.subarray(2);
    else {
      let end: number;
      while ((end = this.#buffer.indexOf(HEADER_END)) < 0) {
        if (this.#buffer.length > MAX_HEADER_BYTES) throw malformed(`a part's headers are longer than ${MAX_HEADER_BYTES} bytes`);
        if (!(await this.#more())) throw malformed('the body ended inside the headers of a part');
      }
      headerText = this.#buffer.subarray(0, end).toString('utf8');
      this.#buffer = this.#buffer.subarray(end + 4);
    }
    const headers = new Map<string, string>();
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    if (!/^form-data\s*(;|$)/i.test(disposition)) throw malformed('a part has no Content-Disposition: form-data header');
    const name = dispositionParam(disposition, 'name');
    if (name === undefined) throw malformed('a part has no name');
    this.#state = 'content';
    const part: MultipartPart = {
      name,
      fileName: dispositionParam(disposition, 'filename'),
      content: () => this.#content(),
      text: async (maxBytes) => {
        const pieces: Uint8Array[] = [];
        let size = 0;
        for await (const piece of this.#content()) {
          size += piece.byteLength;
          if (size > maxBytes) throw new ApiError('VALIDATION_ERROR', `The form field \`${name}\` is longer than ${maxBytes} bytes`, { errors: [{ message: 'too long', in: `body:${name}` }] });
          pieces.push(piece);
        }
        return Buffer.concat(pieces).toString('utf8');
      },
    };
    return part;
  }

  /** The current part's content up to the next delimiter; keeps back only what may be the start of one. */
  async *#content(): AsyncGenerator<Uint8Array> {
    if (this.#state !== 'content') return;
    const keep = this.#delimiter.length - 1;
    for (;;) {
      const i = this.#buffer.indexOf(this.#delimiter);
      if (i >= 0) {
        const piece = this.#buffer.subarray(0, i);
        this.#buffer = this.#buffer.subarray(i + this.#delimiter.length);
        this.#state = 'next';
        if (piece.length > 0) yield piece;
        return;
      }
      if (this.#buffer.length > keep) {
        const piece = this.#buffer.subarray(0, this.#buffer.length - keep);
        this.#buffer = Buffer.from(this.#buffer.subarray(this.#buffer.length - keep));
        yield piece;
      }
      if (!(await this.#more())) throw malformed('the body ended inside a part');
    }
  }
}
