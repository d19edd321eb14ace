import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeTemplate, migrationsFolder, openDatabase } from '../server/db/client.ts';
import { readTemplate, saveTemplate, templateCacheDir, templateKey } from '../server/db/template.ts';
import { freshPostgres } from './helpers/server-process.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    /** With DATABASE_URL: a migrated database each postgres-project file's database is copied from. */
    postgresTemplate: string | null;
  }
}

/**
 * Migrate one PGlite database and keep it as a template (server/db/template.ts): each test file's
 * database starts from a copy, and servers the tests spawn on new data directories unpack it
 * (CRM_CACHE_DIR, inherited by the test processes and their children), as `npm start` does.
 * The template `npm install` made (scripts/install-template.mjs) is used when it is there for these
 * migrations, so that a clean clone's `npm ci && npm test` runs PGlite's initdb once, not twice.
 */
export default async function setup(project: TestProject) {
  const installed = templateKey(migrationsFolder);
  const found = readTemplate(templateCacheDir(), installed);
  const { key, template } = found ? { key: installed, template: found } : await makeTemplate();
  const cacheDir = await mkdtemp(join(tmpdir(), `crm-test-cache-${process.pid}-`));
  process.env.CRM_CACHE_DIR = cacheDir;
  project.provide('pgliteTemplate', saveTemplate(cacheDir, key, template));
  const postgres = process.env.DATABASE_URL ? await migratedPostgresTemplate(process.env.DATABASE_URL) : null;
  project.provide('postgresTemplate', postgres?.name ?? null);
  return async () => {
    await postgres?.drop();
    await rm(cacheDir, { recursive: true, force: true });
  };
}

/**
 * One migrated PostgreSQL database for the run: each file's database is `create database … template`
 * of it (a file copy, about a tenth of the time of running the migrations in each new database).
 * Nothing connects to it after this, as a template database requires.
 */
async function migratedPostgresTemplate(base: string): Promise<{ name: string; drop(): Promise<void> }> {
  const fresh = await freshPostgres(base);
  const db = await openDatabase({ databaseUrl: fresh.url });
  await db.close();
  return { name: new URL(fresh.url).pathname.slice(1), drop: fresh.drop };
}
