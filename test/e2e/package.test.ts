/**
 * `npm run package` and Mozilla's add-on linter: the script in package.json builds the Chrome and
 * Firefox archives and Firefox's sources archive, named and versioned from package.json; the
 * Firefox build passes `web-ext lint` with no error and no warning.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip } from '../helpers/zip.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

let out: string;
let pkg: { name: string; version: string; scripts: Record<string, string> };
const archive = (suffix: string) => join(out, `${pkg.name}-${pkg.version}-${suffix}.zip`);
const manifestOf = (files: Map<string, Buffer>) => JSON.parse(files.get('manifest.json')!.toString('utf8')) as Record<string, any>;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'crm-package-'));
  pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  // the script as package.json has it, run as npm runs it: node_modules/.bin first on the PATH
  await run('sh', ['-c', pkg.scripts.package!], {
    cwd: root,
    env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}${delimiter}${process.env.PATH}`, CRM_EXTENSION_OUT_DIR: out },
    maxBuffer: 16 * 1024 * 1024,
  });
}, 300_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('npm run package', () => {
  it('writes the Chrome, Firefox and sources archives, named with the package version', async () => {
    const zips = (await readdir(out)).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual([`${pkg.name}-${pkg.version}-chrome.zip`, `${pkg.name}-${pkg.version}-firefox.zip`, `${pkg.name}-${pkg.version}-sources.zip`]);
  });

  it("the Chrome archive is an MV3 extension of package.json's version, with the welcome page and both languages", async () => {
    const files = readZip(await readFile(archive('chrome')));
    const manifest = manifestOf(files);
    expect(manifest).toMatchObject({ manifest_version: 3, version: pkg.version, default_locale: 'en', name: '__MSG_extensionName__' });
    expect(manifest.key).toBeTruthy(); // the fixed id the connect link names
    for (const name of ['background.js', 'welcome.html', 'options.html', 'popup.html', '_locales/en/messages.json', '_locales/nl/messages.json']) expect(files.has(name), name).toBe(true);
  });

  it("the Firefox archive is an MV2 add-on of package.json's version, with its id and data consent", async () => {
    const manifest = manifestOf(readZip(await readFile(archive('firefox'))));
    expect(manifest).toMatchObject({ manifest_version: 2, version: pkg.version });
    expect(manifest.browser_specific_settings.gecko.id).toBeTruthy();
    expect(manifest.browser_specific_settings.gecko.data_collection_permissions.required.length).toBeGreaterThan(0);
    expect(manifest.key).toBeUndefined();
  });

  it("the sources archive holds what builds the extension, and no tests, server code or dependencies", async () => {
    const names = [...readZip(await readFile(archive('sources'))).keys()];
    for (const name of ['package.json', 'package-lock.json', 'wxt.config.ts', 'scripts/bundle-hardening.ts', 'extension/entrypoints/welcome/main.tsx', 'extension/public/_locales/nl/messages.json', 'shared/api-paths.ts'])
      expect(names, name).toContain(name);
    expect(names.filter((n) => /(^|\/)(node_modules|server|test)\/|\.test\.tsx?$/.test(n))).toEqual([]);
  });
});

describe("Mozilla's add-on linter on the Firefox build", () => {
  it('finds 0 errors and 0 warnings', async () => {
    const dir = join(out, 'firefox-mv2');
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    // web-ext exits non-zero when the linter finds errors; its JSON report is on stdout either way
    const result = await run(process.execPath, [join(root, 'node_modules/web-ext/bin/web-ext.js'), 'lint', '--source-dir', dir, '--output', 'json', '--no-config-discovery'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
    const report = JSON.parse(result.stdout) as { errors: Array<{ code: string; message: string; file?: string }>; warnings: Array<{ code: string; message: string; file?: string }> };
    const said = (list: typeof report.errors) => list.map((m) => `${m.code} ${m.file ?? ''}: ${m.message}`);
    expect(said(report.errors)).toEqual([]);
    expect(said(report.warnings)).toEqual([]);
  });
});
