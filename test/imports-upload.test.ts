import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { useTestApp } from './helpers/app.ts';
import { until } from './helpers/server-process.ts';

/**
 * POST /api/imports reads the multipart body as it arrives (never whole) and stores the file in
 * pieces; the size limit is enforced while streaming, and a refused upload stores nothing.
 */
const t = useTestApp({ plan: 'professional' });
const BOUNDARY = '----crm-upload-test-7MA4YWxkTrZu0gW';
const encoder = new TextEncoder();

interface Field {
  name: string;
  value: string;
  fileName?: string;
}

/** A multipart body written by hand (so the order of fields and the piece sizes are ours to choose). */
function multipart(fields: Field[]): Uint8Array<ArrayBuffer> {
  const parts = fields.map((f) => {
    const disposition = `form-data; name="${f.name}"${f.fileName !== undefined ? `; filename="${f.fileName}"` : ''}`;
    return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${f.fileName !== undefined ? 'Content-Type: text/csv\r\n' : ''}\r\n${f.value}\r\n`;
  });
  return encoder.encode(`${parts.join('')}--${BOUNDARY}--\r\n`);
}

/**
 * The body as a stream of pieces of the given sizes (cycled), with no content-length. `pause`, when
 * given, is awaited once `pause.at` bytes were sent, before the rest is.
 */
function pieces(bytes: Uint8Array, sizes: number[], pause?: { at: number; until: () => Promise<void> }): ReadableStream<Uint8Array> {
  let at = 0;
  let k = 0;
  let paused = false;
  return new ReadableStream({
    async pull(controller) {
      if (at >= bytes.length) return controller.close();
      if (pause && !paused && at >= pause.at) {
        paused = true;
        await pause.until();
      }
      const n = sizes[k++ % sizes.length]!;
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

async function post(app: ReturnType<typeof createApp>, body: BodyInit, contentType = `multipart/form-data; boundary=${BOUNDARY}`, length?: number) {
  const headers: Record<string, string> = { authorization: `Bearer ${t.token}`, 'content-type': contentType };
  if (length !== undefined) headers['content-length'] = String(length);
  const req = new Request('http://crm.test/api/imports', { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
  const res = await app.request(req);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function stored(): Promise<{ jobs: number; chunks: number }> {
  const [r] = rowsOf<{ jobs: number; chunks: number }>(
    await t.db.db.execute(sql`select (select count(*)::int from import_jobs where workspace_id = ${t.workspaceId}) as jobs,
      (select count(*)::int from import_chunks where workspace_id = ${t.workspaceId}) as chunks`),
  );
  return { jobs: Number(r!.jobs), chunks: Number(r!.chunks) };
}

async function run(id: string) {
  const job = await claimJob(t.db.db, t.workspaceId, id);
  await runJob(t.db.db, job!, { batchSize: 1000 });
  return (await t.call('GET', `/api/imports/${id}`)).body;
}

const options = (o: Record<string, unknown>) => JSON.stringify(o);

describe('POST /api/imports streams the upload (R16)', () => {
  it('R16: a 3 MiB file sent in odd-sized pieces, options after the file, is stored in pieces and imported whole', { timeout: 120_000 }, async () => {
    const filler = 'x'.repeat(500);
    const lines = ['Email,First Name,Job Title'];
    for (let i = 0; i < 6000; i++) lines.push(`big${i}@stream-upload.com,N${i},"${filler}, ${i}"`);
    const csv = lines.join('\r\n');
    expect(csv.length).toBeGreaterThan(3 * 1024 * 1024);
    const body = multipart([
      { name: 'file', fileName: 'big.csv', value: csv },
      { name: 'options', value: options({ objectType: 'contacts', mode: 'create' }) },
    ]);
    const before = await stored();
    // halfway through the upload, the first pieces of the file must be in the database already:
    // a server that read the body whole before storing it would have stored nothing yet
    let storedMidway = 0;
    const midway = async () => {
      // a server that waits for the whole body never stores a piece here: the expectation below says so
      storedMidway = await until(async () => (await stored()).chunks - before.chunks, (n) => n > 0, 10_000, 20).catch(() => 0);
    };
    // piece sizes that split the boundary and the line ends everywhere
    const up = await post(t.app, pieces(body, [65_536, 1, 7, 40, 8191, 3], { at: 2.5 * 1024 * 1024, until: midway }));
    expect(up.status, JSON.stringify(up.body)).toBe(202);
    expect(storedMidway).toBeGreaterThanOrEqual(1);
    const after = await stored();
    expect(after.jobs).toBe(before.jobs + 1);
    expect(after.chunks - before.chunks).toBeGreaterThanOrEqual(3);
    const view = await run(up.body.id);
    expect(view).toMatchObject({ state: 'done', rowsTotal: 6000, rowsDone: 6000, created: { contacts: 6000 }, errorCount: 0 });
    const [last] = rowsOf<{ title: string }>(
      await t.db.db.execute(sql`select properties->>'jobtitle' as title from records where workspace_id = ${t.workspaceId} and properties->>'email' = 'big5999@stream-upload.com'`),
    );
    expect(last!.title).toBe(`${filler}, 5999`);
  });

  it('R16: a FormData upload (options first, as browsers and the CLI send it) still works; fields other than file and options are ignored', async () => {
    const form = new FormData();
    form.set('note', 'ignored');
    form.set('options', options({ objectType: 'companies', mode: 'create' }));
    form.set('file', new File(['Company Domain Name,Company Name\r\nform-up.com,Form Up\r\n'], 'c.csv', { type: 'text/csv' }));
    const res = await t.app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: form });
    expect(res.status).toBe(202);
    const view = await run(((await res.json()) as { id: string }).id);
    expect(view).toMatchObject({ state: 'done', created: { companies: 1 }, errorCount: 0 });
  });

  it('R16: a file over the limit is a 413 FILE_TOO_LARGE, found while streaming (no content-length) or from the declared length; nothing is stored', async () => {
    const small = createApp({ db: t.db.db, tokenCacheMs: 0, importFileBytes: 64 * 1024 });
    const rows = ['Email'];
    for (let i = 0; i < 6000; i++) rows.push(`over${i}@too-big.com`);
    const body = multipart([
      { name: 'options', value: options({ objectType: 'contacts', mode: 'create' }) },
      { name: 'file', fileName: 'big.csv', value: rows.join('\n') },
    ]);
    expect(body.length).toBeGreaterThan(64 * 1024);
    const before = await stored();
    const streamed = await post(small, pieces(body, [4096]));
    expect(streamed.status).toBe(413);
    expect(streamed.body).toMatchObject({ category: 'VALIDATION_ERROR', message: expect.stringContaining('larger than 64 KiB') });
    expect(await stored()).toEqual(before);
    // a declared length far over the limit is refused before the body is read at all
    let read = false;
    const unread = new ReadableStream<Uint8Array>({
      pull(controller) {
        read = true;
        controller.error(new Error('the body was read'));
      },
    }, { highWaterMark: 0 });
    const declared = await post(small, unread, undefined, 8 * 1024 * 1024);
    expect(declared.status).toBe(413);
    expect(read).toBe(false);
    // a body past the whole form's allowance is cut off while streaming, even when the bytes are not the file's
    const huge = multipart([
      { name: 'note', value: 'n'.repeat(2 * 1024 * 1024) },
      { name: 'options', value: options({ objectType: 'contacts', mode: 'create' }) },
      { name: 'file', fileName: 'b.csv', value: 'Email\nlate@x.com' },
    ]);
    const flood = await post(small, pieces(huge, [65_536]));
    expect(flood.status).toBe(413);
    expect(await stored()).toEqual(before);
    // and a file under it passes on that app
    const ok = await post(small, multipart([{ name: 'options', value: options({ objectType: 'contacts', mode: 'create' }) }, { name: 'file', fileName: 'ok.csv', value: 'Email\nfits@small-limit.com' }]));
    expect(ok.status).toBe(202);
  });

  it('R16: a missing options or file part, options after the file but missing, a text field for file, or a body that is not multipart: a clear 400 and nothing stored', async () => {
    const before = await stored();
    const noOptions = await post(t.app, pieces(multipart([{ name: 'file', fileName: 'a.csv', value: 'Email\nno-options@up.com' }]), [5]));
    expect(noOptions.status).toBe(400);
    expect(noOptions.body.errors[0].in).toBe('body:options');
    expect(noOptions.body.message).toContain('`options` is required');
    const noFile = await post(t.app, multipart([{ name: 'options', value: options({ objectType: 'contacts', mode: 'create' }) }]));
    expect(noFile.status).toBe(400);
    expect(noFile.body.errors[0].in).toBe('body:file');
    const textFile = await post(t.app, multipart([{ name: 'options', value: options({ objectType: 'contacts', mode: 'create' }) }, { name: 'file', value: 'Email\na@b.com' }]));
    expect(textFile.status).toBe(400);
    expect(textFile.body.errors[0].in).toBe('body:file');
    const badLater = await post(t.app, multipart([{ name: 'file', fileName: 'a.csv', value: 'Email\nlate@up.com' }, { name: 'options', value: options({ objectType: 'contacts', mode: 'sometimes' }) }]));
    expect(badLater.status).toBe(400);
    expect(badLater.body.errors[0].in).toBe('body:options.mode');
    const cut = multipart([{ name: 'options', value: options({ objectType: 'contacts', mode: 'create' }) }, { name: 'file', fileName: 'a.csv', value: 'Email\ncut@up.com' }]);
    const truncated = await post(t.app, cut.slice(0, cut.length - 30));
    expect(truncated.status).toBe(400);
    expect(truncated.body.message).toContain('multipart body is malformed');
    const notMultipart = await post(t.app, 'Email\nplain@up.com', 'text/csv');
    expect(notMultipart.status).toBe(400);
    expect(notMultipart.body.errors[0].in).toBe('header:content-type');
    expect(await stored()).toEqual(before);
  });
});
