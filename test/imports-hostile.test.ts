import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { defineProperties } from './helpers/properties.ts';
import { errorsCsv, importCsv, upload } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });

const contact = async (email: string) =>
  rowsOf<{ id: number; properties: Record<string, string> }>(
    await t.db.db.execute(sql`select id, properties from records where workspace_id = ${t.workspaceId} and type_id = '0-1' and properties->>'email' = ${email}`),
  )[0];
const importCount = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from import_jobs where workspace_id = ${t.workspaceId}`))[0]!.n;
const chunkCount = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from import_chunks where workspace_id = ${t.workspaceId}`))[0]!.n;

describe('CSV import: hostile files (R17; bad input refused clearly, good rows kept)', () => {
  it('R17: a file of hostile rows: bad bytes, 10,000-character fields, formula injection, broken quotes, too-long fields; each refused row named, the good ones land', async () => {
    await defineProperties(t.call, 'contacts', [{ name: 'notes', type: 'string' }]);
    const long = 'x'.repeat(10_000);
    const text = (s: string) => new TextEncoder().encode(s);
    const parts = [
      text('\uFEFFEmail;First Name;Last Name;Notes\r\n'),
      text(`good1@hostile.com;Ann;Ok;"multi\r\nline; with ""quotes"""\r\n`),
      text('bad-bytes@hostile.com;'), new Uint8Array([0xff, 0xfe, 0x41]), text(';Enc;x\r\n'),
      text(`long-name@hostile.com;${long};Long;n\r\n`),
      text(`${'e'.repeat(10_000)}@hostile.com;Too;Long;n\r\n`),
      text('formula@hostile.com;"=HYPERLINK(""http://evil.example"";""x"")";@SUM(A1);-2+3\r\n'),
      text('quote@hostile.com;"Bro"ken;Q;n\r\n'),
      text(`huge@hostile.com;Huge;H;${'z'.repeat(70_000)}\r\n`),
      text('=cmd|\' /C calc\'!A0;Eve;Evil;n\r\n'),
      text('good2@hostile.com;Bob;Ok;fine\r\n'),
    ];
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const view = await importCsv(t, bytes, { objectType: 'contacts', mode: 'create' });
    expect(view.state).toBe('done');
    expect(view.rowsTotal).toBe(9);
    expect(view.created).toEqual({ contacts: 4 });
    expect(view.errors.map((e: { row: number; column: string; code: string }) => `${e.row}:${e.column}:${e.code}`)).toEqual([
      '3:First Name:INVALID_ENCODING',
      '5:Email:INVALID_EMAIL',
      '7:First Name:INVALID_CSV',
      '8:Notes:FIELD_TOO_LONG',
      '9:Email:INVALID_EMAIL',
    ]);
    // quoted newlines, semicolons and doubled quotes are kept; a 10,000-character name too
    expect((await contact('good1@hostile.com'))!.properties).toMatchObject({ firstname: 'Ann', notes: 'multi\r\nline; with "quotes"' });
    expect((await contact('long-name@hostile.com'))!.properties.firstname).toHaveLength(10_000);
    // formula-looking values are data: stored as the text they are
    expect((await contact('formula@hostile.com'))!.properties).toMatchObject({ firstname: '=HYPERLINK("http://evil.example";"x")', lastname: '@SUM(A1)', notes: '-2+3' });
    expect(await contact('good2@hostile.com')).toBeDefined();
    // and escaped in the error file, where a spreadsheet would run them
    const file = (await errorsCsv(t, view.id)).text.split('\r\n');
    expect(file[0]).toBe('Row,Column,Error code,Message,Email,First Name,Last Name,Notes');
    expect(view.errors[1].message.length).toBeLessThan(400);
    const evil = file.find((l) => l.startsWith('9,'))!;
    expect(evil).toMatch(/,'=cmd\|' \/C calc'!A0,Eve,Evil,n$/);
    expect(file.every((line) => !/(^|,)[=+\-@]/.test(line))).toBe(true);
  });

  it('R17: a header with the same column twice is refused with DUPLICATE_COLUMN naming both, and nothing is stored', async () => {
    const [jobs, chunks] = [await importCount(), await chunkCount()];
    const r = await upload(t, 'Email,First Name,email\na@dup-header.com,A,b@dup-header.com', { objectType: 'contacts', mode: 'create' });
    expect(r.status).toBe(400);
    expect(r.body.subCategory).toBe('DUPLICATE_COLUMN');
    expect(r.body.message).toContain('columns 1 and 3');
    const alias = await upload(t, 'Email,contacts.email\na@dup-header.com,b@dup-header.com', { objectType: 'contacts', mode: 'create' });
    expect(alias.status).toBe(400);
    expect(alias.body.subCategory).toBe('DUPLICATE_COLUMN');
    expect([await importCount(), await chunkCount()]).toEqual([jobs, chunks]);
    // ignoring one of them through the mapping is accepted
    const ok = await upload(t, 'Email,Notes,notes\na@dup-header.com,x,y', { objectType: 'contacts', mode: 'create', columnMapping: { notes: null } });
    expect(ok.status).toBe(202);
    const job = await t.call('GET', `/api/imports/${ok.body.id}`);
    expect(job.body.columns).toEqual([{ header: 'Email', target: 'contacts.email' }, { header: 'Notes', target: null }, { header: 'notes', target: null }]);
  });

  it('R17: required columns: creating contacts needs email or a name, updating needs a key, a label needs the other object; refused before anything is stored', async () => {
    const [jobs, chunks] = [await importCount(), await chunkCount()];
    const noName = await upload(t, 'Phone Number,City\n123,Gent', { objectType: 'contacts', mode: 'create' });
    expect(noName.status).toBe(400);
    expect(noName.body).toMatchObject({ subCategory: 'MISSING_REQUIRED_COLUMN', message: expect.stringContaining('contacts.email or contacts.firstname or contacts.lastname') });
    const noKey = await upload(t, 'First Name\nAnn', { objectType: 'contacts', mode: 'update' });
    expect(noKey.body.subCategory).toBe('MISSING_REQUIRED_COLUMN');
    const deals = await upload(t, 'Amount\n100', { objectType: 'deals', mode: 'create' });
    expect(deals.body.message).toContain('deals.dealname');
    const label = await upload(t, 'Email,Association Label\na@x.com,Boss', { objectType: 'contacts', mode: 'create' });
    expect(label.body.subCategory).toBe('MISSING_REQUIRED_COLUMN');
    const empty = await upload(t, '', { objectType: 'contacts', mode: 'create' });
    expect(empty.status).toBe(400);
    const third = await upload(t, 'Email,Company Name,Deal Name\na@x.com,Co,Deal', { objectType: 'contacts', mode: 'create' });
    expect(third.status).toBe(400);
    expect(third.body.message).toContain('third');
    expect([await importCount(), await chunkCount()]).toEqual([jobs, chunks]);
  });

  it('R17: a row missing a required value, or with more fields than the header, is refused on its own', async () => {
    const view = await importCsv(t, 'Email,First Name\n,\nok@fields.com,Ok\nextra@fields.com,E,surplus', { objectType: 'contacts', mode: 'create' });
    expect(view.created).toEqual({ contacts: 1 });
    expect(view.errors.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual(['2:MISSING_REQUIRED_PROPERTY', '4:INVALID_CSV']);
  });
});
