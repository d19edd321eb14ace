import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildExtension } from './helpers/companion.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The companion built once for the end-to-end run (Chrome, MV3): every file loads the same build. */
    extensionBuild: string;
  }
}

/** One `wxt build` for all end-to-end files (each used to build its own: 15–30 s apiece on 2 cores). */
export default async function setup(project: TestProject) {
  const out = await mkdtemp(join(tmpdir(), 'crm-e2e-extension-'));
  project.provide('extensionBuild', await buildExtension(out));
  return async () => {
    await rm(out, { recursive: true, force: true });
  };
}
