import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrationsFolder } from '../server/db/client.ts';
import { readTemplate, templateKey, unpackTemplate } from '../server/db/template.ts';
import { startServerProcess, tempDir } from './helpers/server-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The script package.json's postinstall runs after `wxt prepare`: what `npm install` and `npm ci` run. */
const installScript = (() => {
  const { postinstall } = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const script = /(?:^|&&)\s*node\s+(\S+)\s*$/.exec(postinstall ?? '')?.[1];
  if (!script) throw new Error(`package.json's postinstall runs no node script: ${postinstall}`);
  return script;
})();

/** Runs the install step with only these variables of ours set (the runner's CRM_CACHE_DIR is not inherited). */
function runInstallStep(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of ['CRM_CACHE_DIR', 'CRM_INSTALL_TEMPLATE', 'CRM_INSTALL_TEMPLATE_TIMEOUT']) delete childEnv[name];
  const child = spawn(process.execPath, [installScript], { cwd: root, env: { ...childEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/**
 * PostgreSQL's database system identifier (the first 8 bytes of global/pg_control): chosen by each
 * initdb, and kept by every directory unpacked from that initdb's template.
 */
const systemIdentifier = (dataDir: string) => readFileSync(join(dataDir, 'global', 'pg_control')).subarray(0, 8).toString('hex');

// Issue 18: the first new data directory on a machine is unpacked from a template that the install
// made, so even the first start skips PGlite's initdb. PGlite only (the postgres project skips it).
describe.skipIf(process.env.TEST_DB === 'postgres')('issue 18: the install step makes the data directory template', () => {
  let scratch: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    scratch = await tempDir('install-template');
  });
  afterAll(() => scratch.remove());

  const key = templateKey(migrationsFolder);
  const templatesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => !name.endsWith('.sha256')) : []);

  it('issue 18: npm install makes a usable template in the cache folder; a server on a new data directory starts from it', { timeout: 600_000 }, async () => {
    const cache = join(scratch.path, 'cache');
    const made = await runInstallStep({ CRM_CACHE_DIR: cache });
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/data directory template made in \d+\.\d s, kept in /);
    expect(templatesIn(cache)).toEqual([`${key}.tar.gz`]);
    const template = readTemplate(cache, key);
    expect(template).toBeDefined();
    const stored = statSync(join(cache, `${key}.tar.gz`));

    // a second install keeps the template it finds
    const again = await runInstallStep({ CRM_CACHE_DIR: cache });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('the data directory template is already in');
    expect(statSync(join(cache, `${key}.tar.gz`)).ino).toBe(stored.ino);

    // the template's own PostgreSQL identity, and (for contrast) that of the test suite's, another initdb
    const unpacked = join(scratch.path, 'unpacked');
    await unpackTemplate(template!, unpacked, false);
    const suiteTemplate = join(scratch.path, 'suite-unpacked');
    await unpackTemplate(readFileSync(inject('pgliteTemplate')), suiteTemplate, false);
    expect(systemIdentifier(unpacked)).not.toBe(systemIdentifier(suiteTemplate));

    const dataDir = join(scratch.path, 'data');
    const server = await startServerProcess({ DATA_DIR: dataDir, CRM_CACHE_DIR: cache });
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(server.printedToken).toMatch(/^crm_/);
    } finally {
      const exit = await server.stop();
      expect(exit.code).toBe(0);
    }
    // the new directory is that template's database, not a fresh initdb, which would also have
    // stored a template of its own in the cache folder
    expect(systemIdentifier(dataDir)).toBe(systemIdentifier(unpacked));
    expect(templatesIn(cache)).toEqual([`${key}.tar.gz`]);
    expect(statSync(join(cache, `${key}.tar.gz`)).ino).toBe(stored.ino);
  });

  it('issue 18: the install step never fails an install: it says why it made no template and exits 0', { timeout: 300_000 }, async () => {
    // a cache folder that cannot be made (a file is in the way): found before initdb
    const blocked = join(scratch.path, 'a-file');
    writeFileSync(blocked, 'not a folder\n');
    const refused = await runInstallStep({ CRM_CACHE_DIR: join(blocked, 'cache'), CRM_INSTALL_TEMPLATE_TIMEOUT: 'soon' });
    expect(refused.code).toBe(0);
    expect(refused.stdout).toContain('CRM_INSTALL_TEMPLATE_TIMEOUT="soon" is not a whole number of seconds from 1 to 3600: 600 s is used.');
    expect(refused.stdout).toMatch(/the data directory template was not made \(exit code 1 after [\d.]+ s: .*\); the server makes it at its first start instead\./);
    expect(readFileSync(blocked, 'utf8')).toBe('not a folder\n');

    // out of time (a machine too slow or too loaded): stopped, nothing half written is left
    const slow = join(scratch.path, 'cache-slow');
    const stopped = await runInstallStep({ CRM_CACHE_DIR: slow, CRM_INSTALL_TEMPLATE_TIMEOUT: '1' });
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('the data directory template was not made (not done after 1 s)');
    expect(templatesIn(slow)).toEqual([]);

    // asked not to
    const off = join(scratch.path, 'cache-off');
    const skipped = await runInstallStep({ CRM_CACHE_DIR: off, CRM_INSTALL_TEMPLATE: 'off' });
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('CRM_INSTALL_TEMPLATE=off: no data directory template made.');
    expect(existsSync(off)).toBe(false);
  });
});
