import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../server/db/client.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

/** Migrate one PGlite database and keep it as a tarball: each test file starts from a copy. */
export default async function setup(project: TestProject) {
  const db = await openDatabase({ dataDir: 'memory://' });
  const client = (db.db as unknown as { $client: { dumpDataDir(c: 'gzip'): Promise<Blob> } }).$client;
  const blob = await client.dumpDataDir('gzip');
  await db.close();
  const path = join(tmpdir(), `crm-pglite-template-${process.pid}.tar.gz`);
  await writeFile(path, Buffer.from(await blob.arrayBuffer()));
  project.provide('pgliteTemplate', path);
}
