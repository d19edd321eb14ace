import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedSince } from './start.ts';

// Issue 18: npm start builds the extension only when its sources changed since the last build, and
// a start without changes does not wait for a build.
describe('issue 18: npm start rebuilds the extension only when a source changed', () => {
  let dir: string;
  const builtAt = Date.parse('2026-01-01T12:00:00Z');
  const at = (path: string, ms: number) => utimes(path, ms / 1000, ms / 1000);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-ext-sources-'));
    await mkdir(join(dir, 'extension', 'ui', 'deep'), { recursive: true });
    for (const file of ['extension/background.ts', 'extension/ui/deep/panel.tsx', 'wxt.config.ts']) {
      await writeFile(join(dir, file), '// source\n');
      await at(join(dir, file), builtAt - 60_000);
    }
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const roots = () => ['extension', 'wxt.config.ts', 'missing-folder'].map((p) => join(dir, p));

  it('issue 18: nothing newer than the build: no rebuild (a missing root is skipped)', async () => {
    expect(await changedSince(builtAt, roots())).toBe(false);
  });

  it('issue 18: one file newer than the build, however deep: rebuild', async () => {
    await at(join(dir, 'extension/ui/deep/panel.tsx'), builtAt + 1_000);
    expect(await changedSince(builtAt, roots())).toBe(true);
  });

  it('issue 18: a changed build file beside the folders counts too', async () => {
    await at(join(dir, 'wxt.config.ts'), builtAt + 1_000);
    expect(await changedSince(builtAt, roots())).toBe(true);
  });

  it('issue 18: a newer test file is not a source: no rebuild', async () => {
    await writeFile(join(dir, 'extension/ui/deep/panel.test.tsx'), '// test\n');
    await at(join(dir, 'extension/ui/deep/panel.test.tsx'), builtAt + 1_000);
    expect(await changedSince(builtAt, roots())).toBe(false);
  });
});
