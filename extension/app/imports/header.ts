/**
 * The header of a CSV file as the import reads it (server/domain/imports/csv.ts): the first record,
 * comma or semicolon (whichever the first line has more of outside quotes), quoted cells with
 * doubled quotes and line breaks, a UTF-8 BOM skipped. Only the file's first piece is read
 * (`file.slice`), never the whole file: the mapping preview needs the header alone.
 */

/** How much of the file the header is looked for in. */
export const HEADER_BYTES = 64 * 1024;

function delimiterOf(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** The cells of the first record of `text`; null when the text holds no complete first line. */
export function headerOf(text: string, complete: boolean): string[] | null {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const delimiter = delimiterOf(body);
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      cells.push(cell);
      return cells;
    } else cell += ch;
  }
  if (!complete || quoted) return null;
  cells.push(cell);
  return cells.length === 1 && cells[0] === '' ? null : cells;
}

/** The header of a picked file, from its first HEADER_BYTES only. */
export async function fileHeader(file: Blob): Promise<string[] | null> {
  const piece = file.slice(0, HEADER_BYTES);
  // a multi-byte character cut at the piece's end decodes as U+FFFD there, after the header
  const text = new TextDecoder('utf-8').decode(await piece.arrayBuffer());
  return headerOf(text, file.size <= HEADER_BYTES);
}
