import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/client.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { sweepImportFiles } from '../server/domain/imports/retention.ts';
import { startServer } from '../server/index.ts';
import { useTestApp } from './helpers/app.ts';
import { freshPostgres, tempDir } from './helpers/server-process.ts';
import { errorsCsv, importCsv } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });
const DAY = 86_400_000;

const piecesOf = async (id: string) => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from import_chunks where import_id = ${id}`))[0]!.n;
const orphanPiece = async (id: string, age: string) =>
  t.db.db.execute(sql`insert into import_chunks (workspace_id, import_id, seq, data, created_at) values (${t.workspaceId}, ${id}, 0, ${Buffer.from('email\n')}, now() - ${age}::interval)`);

describe('issue 13: uploaded files are kept only as long as needed', () => {
  it('an ended import keeps its file for the retention, then loses it; its view and errors.csv stay readable', async () => {
    const old = await importCsv(t, 'Email,First Name\nkept@retention.com,Ann\nnot-an-email,Bob\n', { objectType: 'contacts', mode: 'create' });
    const recent = await importCsv(t, 'Email\nrecent@retention.com\n', { objectType: 'contacts', mode: 'create' });
    expect(old.state).toBe('done');
    expect(await piecesOf(old.id)).toBe(1);
    const before = await errorsCsv(t, old.id);
    expect(before.text).toContain('not-an-email');
    await t.db.db.execute(sql`update import_jobs set finished_at = now() - interval '31 days' where id = ${old.id}`);

    const swept = await sweepImportFiles(t.db.db, { fileRetentionMs: 30 * DAY });
    expect(swept.expiredFiles).toBe(1);
    expect(await piecesOf(old.id)).toBe(0);
    expect(await piecesOf(recent.id)).toBe(1);
    // the result stays: counts, refused rows with code and message; the error file without the row's values
    const view = await t.call('GET', `/api/imports/${old.id}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ state: 'done', created: { contacts: 1 }, errorCount: 1, errors: [{ row: 3, code: 'INVALID_EMAIL' }] });
    const after = await errorsCsv(t, old.id);
    expect(after.status).toBe(200);
    expect(after.text.split('\r\n')[1]).toMatch(/^3,Email,INVALID_EMAIL,/);
    expect(after.text).not.toContain('Bob');
    // a retention of 0 days deletes a file as soon as its import ends
    await sweepImportFiles(t.db.db, { fileRetentionMs: 0 });
    expect(await piecesOf(recent.id)).toBe(0);
  });

  it('pieces of an upload that never became a job go once the upload is dead; a live upload and a queued job keep theirs', async () => {
    const dead = crypto.randomUUID();
    const live = crypto.randomUUID();
    await orphanPiece(dead, '1 hour');
    await orphanPiece(live, '1 second');
    const swept = await sweepImportFiles(t.db.db);
    expect(swept.orphanUploads).toBe(1);
    expect(await piecesOf(dead)).toBe(0);
    expect(await piecesOf(live)).toBe(1);
    await sweepImportFiles(t.db.db, { orphanGraceMs: 0 });
    expect(await piecesOf(live)).toBe(0);
  });

  it('a server started again removes the pieces a killed upload left (PGlite: at once; PostgreSQL: after the grace)', { timeout: 120_000 }, async () => {
    const onPostgres = process.env.TEST_DB === 'postgres';
    const dir = await tempDir('retention');
    const pg = onPostgres ? await freshPostgres() : undefined;
    const env = { PORT: '0', DATA_DIR: dir.path, CRM_PGLITE_DURABILITY: 'relaxed', ...(pg ? { DATABASE_URL: pg.url } : {}) };
    try {
      const first = await startServer(loadConfig(env), { drainMs: 100 });
      await first.close();
      // what a server killed during an upload leaves: pieces, no job
      const db = await openDatabase(pg ? { databaseUrl: pg.url } : { dataDir: dir.path });
      const [ws] = rowsOf<{ workspace_id: string }>(await db.db.execute(sql`select workspace_id from workspaces limit 1`));
      const cut = crypto.randomUUID();
      await db.db.execute(sql`insert into import_chunks (workspace_id, import_id, seq, data, created_at) values (${ws!.workspace_id}, ${cut}, 0, ${Buffer.from('x')}, now() - ${onPostgres ? '1 hour' : '1 second'}::interval)`);
      await db.close();
      const second = await startServer(loadConfig(env), { drainMs: 100 });
      await second.close();
      const check = await openDatabase(pg ? { databaseUrl: pg.url } : { dataDir: dir.path });
      const n = rowsOf<{ n: number }>(await check.db.execute(sql`select count(*)::int as n from import_chunks where import_id = ${cut}`))[0]!.n;
      await check.close();
      expect(n).toBe(0);
    } finally {
      await pg?.drop();
      await dir.remove();
    }
  });

  it('CRM_IMPORT_FILE_RETENTION_DAYS sets the retention; a bad value is refused at start', () => {
    expect(loadConfig({}).importFileRetentionDays).toBe(30);
    expect(loadConfig({ CRM_IMPORT_FILE_RETENTION_DAYS: '7' }).importFileRetentionDays).toBe(7);
    expect(() => loadConfig({ CRM_IMPORT_FILE_RETENTION_DAYS: 'forever' })).toThrow(/CRM_IMPORT_FILE_RETENTION_DAYS/);
  });
});
