import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { errorsCsv, importCsv } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });
const MiB = 1024 * 1024;

/**
 * POST /api/imports with a file streamed from `fileChunk`, `chunks` times (up to 100 MiB): the
 * answer, and how many bytes of the file the server pulled before answering.
 */
async function uploadStream(first: string, fileChunk: string, chunks: number) {
  const enc = new TextEncoder();
  const head = enc.encode(
    `--b\r\nContent-Disposition: form-data; name="options"\r\n\r\n${JSON.stringify({ objectType: 'contacts', mode: 'create' })}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n${first}`,
  );
  const piece = enc.encode(fileChunk);
  let pulled = 0;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (sent === 0) ctl.enqueue(head);
      if (sent >= chunks) {
        ctl.enqueue(enc.encode('\r\n--b--\r\n'));
        ctl.close();
        return;
      }
      sent++;
      pulled += piece.byteLength;
      ctl.enqueue(piece);
    },
  });
  const res = await t.app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'multipart/form-data; boundary=b' }, body, duplex: 'half' } as RequestInit);
  return { status: res.status, body: JSON.parse(await res.text()), pulled };
}

describe('issue 13: CSV limits are enforced while the file streams, not after reading it whole', () => {
  it('a file with no line end is refused at the header cell limit, after reading well under 1 MiB of 100 MiB', async () => {
    const r = await uploadStream('', 'x'.repeat(64 * 1024), 1600);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ subCategory: 'FIELD_TOO_LONG', errors: [{ in: 'file:header[0]' }] });
    expect(r.pulled).toBeLessThan(MiB);
  });

  it('a header cell of 1,000,000 characters (then more columns) is refused, the echo in the message bounded', async () => {
    const r = await uploadStream(`email,${'h'.repeat(1_000_000)}`, ',more\r\nx@y.com,a,b\r\n', 10);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].in).toBe('file:header[1]');
    expect(JSON.stringify(r.body).length).toBeLessThan(2_000);
    // refused within the first line: the stream is not read on (at most a piece it pulled ahead)
    expect(r.pulled).toBeLessThan(10 * 20);
    expect(rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from import_chunks`))[0]!.n).toBe(0);
  });

  it('a header cell of up to 1,000 characters is fine; errors.csv cuts a refused row\'s long values, saying their length', async () => {
    const long = 'v'.repeat(5_000);
    const view = await importCsv(t, `Email,First Name\r\nnot-an-email,${long}\r\n`, { objectType: 'contacts', mode: 'create' });
    expect(view.errors).toMatchObject([{ row: 2, code: 'INVALID_EMAIL' }]);
    const file = await errorsCsv(t, view.id);
    const line = file.text.split('\r\n')[1]!;
    expect(line).toContain('(5000 characters)');
    expect(line.length).toBeLessThan(1_200);
  });
});
