import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrationsFolder, openDatabase } from '../server/db/client.ts';
import { readTemplate, templateKey, unpackTemplate } from '../server/db/template.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { tempDir } from './helpers/server-process.ts';

// Issue 18: a new PGlite data directory is unpacked from a template (initdb and every migration
// done once, kept per PGlite version and migration set) instead of running initdb. PGlite only:
// PostgreSQL has no data directory of ours (the postgres project skips this file).
describe.skipIf(process.env.TEST_DB === 'postgres')('issue 18: new PGlite data directories from a template', () => {
  let scratch: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    scratch = await tempDir('template');
  });
  afterAll(() => scratch.remove());

  const migrationsOf = async (database: Database) =>
    rowsOf<{ hash: string; created_at: number }>(await database.db.execute(sql`select hash, created_at from drizzle.__drizzle_migrations order by id`));
  const journalEntries = (JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
  const templatesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.tar.gz')) : []);

  it('issue 18: the first new directory runs initdb and keeps a template; the next is unpacked from it and behaves the same', { timeout: 240_000 }, async () => {
    const cache = join(scratch.path, 'cache-1');
    const first = await openDatabase({ dataDir: join(scratch.path, 'first'), templateDir: cache });
    let fromInitdb: Awaited<ReturnType<typeof migrationsOf>>;
    try {
      expect(first.origin).toBe('initdb');
      fromInitdb = await migrationsOf(first);
      expect(fromInitdb).toHaveLength(journalEntries);
    } finally {
      await first.close();
    }
    expect(templatesIn(cache)).toEqual([`${templateKey(migrationsFolder)}.tar.gz`]);

    const dir = join(scratch.path, 'second');
    const second = await openDatabase({ dataDir: dir, templateDir: cache });
    try {
      expect(second.origin).toBe('template');
      // every migration recorded, with the same hashes and times as the directory initdb made
      expect(await migrationsOf(second)).toEqual(fromInitdb);
      const [settings] = rowsOf<{ fsync: string }>(await second.db.execute(sql`show fsync`));
      expect(settings!.fsync).toBe('on');
      // the instance is set up on it as on any new directory: its first workspace and owner
      const boot = await bootstrapInstance(second.db, { plan: 'starter' });
      expect(boot?.workspaceId).toEqual(expect.any(String));
      expect(boot?.token).toMatch(/^crm_/);
    } finally {
      await second.close();
    }
    // what was committed is there at the next open: a restart, no template involved
    const again = await openDatabase({ dataDir: dir, templateDir: cache });
    try {
      expect(again.origin).toBe('existing');
      const [row] = rowsOf<{ n: number }>(await again.db.execute(sql`select count(*)::int as n from workspaces`));
      expect(row!.n).toBe(1);
      expect(await bootstrapInstance(again.db, { plan: 'starter' })).toBeNull();
    } finally {
      await again.close();
    }
  });

  it('issue 18: a template whose bytes do not match their checksum, or stored for other migrations, is never used', { timeout: 240_000 }, async () => {
    const key = templateKey(migrationsFolder);
    const good = join(scratch.path, 'cache-1');
    // another migration set has another key, so its template goes by another name
    const otherMigrations = join(scratch.path, 'migrations-plus-one');
    cpSync(migrationsFolder, otherMigrations, { recursive: true });
    writeFileSync(join(otherMigrations, '9999_later.sql'), 'create table later (id int);\n');
    const otherKey = templateKey(otherMigrations);
    expect(otherKey).not.toBe(key);

    const cache = join(scratch.path, 'cache-bad');
    cpSync(good, cache, { recursive: true });
    // a template for the other migration set is stored, and ours has damaged bytes
    cpSync(join(good, `${key}.tar.gz`), join(cache, `${otherKey}.tar.gz`));
    cpSync(join(good, `${key}.tar.gz.sha256`), join(cache, `${otherKey}.tar.gz.sha256`));
    const bytes = readFileSync(join(cache, `${key}.tar.gz`));
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(join(cache, `${key}.tar.gz`), bytes);
    expect(readTemplate(cache, key)).toBeUndefined();
    expect(existsSync(join(cache, `${key}.tar.gz`))).toBe(false);

    writeFileSync(join(cache, `${key}.tar.gz`), bytes);
    const database = await openDatabase({ dataDir: join(scratch.path, 'after-bad'), templateDir: cache });
    try {
      expect(database.origin).toBe('initdb');
      expect(await migrationsOf(database)).toHaveLength(journalEntries);
    } finally {
      await database.close();
    }
    // the damaged one was replaced by the template of this initdb
    expect(readTemplate(cache, key)).toBeDefined();
  });

  it('issue 18: an archive that ends early (gzip cut, or tar cut inside a file) is refused and leaves no file behind', async () => {
    const template = readTemplate(join(scratch.path, 'cache-1'), templateKey(migrationsFolder))!;
    const tar = gunzipSync(template);
    const cuts = [
      ['gzip cut', template.subarray(0, template.length >> 1), /unexpected end of file/i],
      ['tar cut inside a file', gzipSync(tar.subarray(0, (tar.length >> 1) + 100)), /bad size|end marker/],
    ] as const;
    for (const [what, bytes, message] of cuts) {
      const dir = join(scratch.path, `cut-${what.replaceAll(' ', '-')}`);
      await expect(unpackTemplate(bytes, dir, false), what).rejects.toThrow(message);
      expect(filesUnder(dir), what).toEqual([]);
    }
  });

  it('issue 18: an unpacking cut short before PG_VERSION leaves a folder that the next open unpacks again', { timeout: 120_000 }, async () => {
    const cache = join(scratch.path, 'cache-1');
    const dir = join(scratch.path, 'cut-short');
    await unpackTemplate(readTemplate(cache, templateKey(migrationsFolder))!, dir, true);
    // PG_VERSION is written last: without it the folder is no data directory yet
    rmSync(join(dir, 'PG_VERSION'));
    writeFileSync(join(dir, 'global/pg_control'), 'half written');
    const database = await openDatabase({ dataDir: dir, templateDir: cache });
    try {
      expect(database.origin).toBe('template');
      expect(await migrationsOf(database)).toHaveLength(journalEntries);
    } finally {
      await database.close();
    }
  });
});

/** The regular files under a folder (its subfolders may stay: an empty folder is no data directory). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
