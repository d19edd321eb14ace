import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeTemplate, migrationsFolder } from '../server/db/client.ts';
import { readTemplate, saveTemplate, templateCacheDir, templateKey } from '../server/db/template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
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
  return () => rm(cacheDir, { recursive: true, force: true });
}
