/**
 * `npm start`: the quick start. Runs the server on the embedded database (PGlite in DATA_DIR)
 * and prints its address and a sign-in token at every start.
 *
 * The server itself shows a generated owner token only once, on first start. So that a later
 * `npm start` can still show one, this entry (and only this one) keeps the owner token in
 * DATA_DIR/owner-token, readable by its owner only.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectLink } from '../../shared/extension-id.ts';
import { loadConfigOrExit } from '../config.ts';
import { z } from 'zod';
import { planSchema } from '../../shared/plans.ts';
import { DEMO_MAIL_PATH } from '../../shared/api-paths.ts';
import { DemoRefusedError, hasDemo, loadDemoWorkspace, type Requester } from '../demo/workspace.ts';
import { closeOnSignals, listeningLine, type RunningServer, startLines, startServerOrExit } from '../index.ts';

export const OWNER_TOKEN_FILE = 'owner-token';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What the extension's build reads, under the repository root. */
const EXTENSION_SOURCES = ['extension', 'shared', 'wxt.config.ts', 'package.json'];

/**
 * True when a source of the extension (or a file its build reads) changed after `builtAt`. Answers
 * at the first newer file it meets, and stats a folder's entries together, off the main thread:
 * the database opens meanwhile, and a start without changes waits only for those stat calls.
 * Test files do not count: the build leaves them out.
 */
export async function changedSince(builtAt: number, roots: string[] = EXTENSION_SOURCES.map((p) => join(root, p))): Promise<boolean> {
  const newer = async (path: string): Promise<boolean> => {
    const st = await stat(path);
    if (!st.isDirectory()) return st.mtimeMs > builtAt && !/\.test\.tsx?$/.test(path);
    const names = (await readdir(path)).filter((name) => name !== 'node_modules');
    return firstTrue(names.map((name) => newer(join(path, name))));
  };
  return firstTrue(roots.filter((p) => existsSync(p)).map(newer));
}

/** Resolves true as soon as one of the promises does, false when none does. */
function firstTrue(checks: Promise<boolean>[]): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    let left = checks.length;
    if (left === 0) return resolvePromise(false);
    for (const check of checks) {
      check.then((yes) => {
        if (yes) resolvePromise(true);
        else if (--left === 0) resolvePromise(false);
      }, reject);
    }
  });
}

/**
 * Builds the browser companion for Chrome (`wxt build` into `.output/chrome-mv3`, or
 * CRM_EXTENSION_OUT_DIR) so that `npm start` hands the rep a ready extension; a build newer than
 * every source is used as it is. Answers the folder to load, or why it could not be built: the
 * server runs either way. A build still running when the server stops is stopped with it.
 */
async function buildExtension(): Promise<{ dir: string; built: boolean } | { error: string }> {
  const dir = join(resolve(root, process.env.CRM_EXTENSION_OUT_DIR ?? '.output'), 'chrome-mv3');
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest) && !(await changedSince(statSync(manifest).mtimeMs))) return { dir, built: false };
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('exit', stop);
  try {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules/wxt/bin/wxt.mjs'), 'build'], { cwd: root, maxBuffer: 16 * 1024 * 1024, signal: abort.signal });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { error: (e.stderr?.trim() || e.message).split('\n').slice(-5).join('\n') };
  } finally {
    process.off('exit', stop);
  }
  return existsSync(manifest) ? { dir, built: true } : { error: `the build wrote no manifest.json into ${dir}` };
}

function extensionLines(build: { dir: string; built: boolean } | { error: string }, url: string, token: string | undefined): { out: string[]; err: string[] } {
  if ('error' in build) return { out: [], err: [`WARNING: the browser extension was not built: ${build.error}`] };
  return {
    out: [
      `Browser extension (Chrome${build.built ? ', just built' : ', up to date'}): ${build.dir}`,
      '  load it once: chrome://extensions → Developer mode → Load unpacked → that folder (Firefox: see docs/companion.md)',
      ...(token ? [`  then sign it in with this link (paste it into Chrome's address bar): ${connectLink(url, token)}`] : []),
    ],
    err: [],
  };
}

function saveOwnerToken(path: string, token: string): void {
  const partial = `${path}.partial`;
  writeFileSync(partial, `${token}\n`, { mode: 0o600 });
  chmodSync(partial, 0o600); // in case an old partial file was there with wider rights
  renameSync(partial, path);
}

function readOwnerToken(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * `--demo`: the demo workspace goes into an empty workspace (and stays as it is on later starts);
 * a workspace with other records is left alone. Answers the lines to print.
 */
export async function demoLines(running: RunningServer, token: string | undefined): Promise<{ out: string[]; err: string[] }> {
  const mailbox = `Demo mailbox: ${running.url}${DEMO_MAIL_PATH} (open it once the extension is signed in)`;
  if (!token) return { out: [mailbox], err: ['WARNING: --demo: no sign-in token to write the demo workspace with; the demo mailbox is served all the same.'] };
  const request: Requester = (path, init) => fetch(`${running.url}${path}`, init);
  if (await hasDemo(request, token)) return { out: ['Demo workspace: already loaded', mailbox], err: [] };
  try {
    const workspace = await request('/api/workspace', { headers: { authorization: `Bearer ${token}` } });
    const { plan } = z.object({ plan: planSchema }).parse(await workspace.json());
    const started = Date.now();
    const s = await loadDemoWorkspace(request, { adminToken: token, plan });
    const took = ((Date.now() - started) / 1000).toFixed(1);
    return { out: [`Demo workspace loaded in ${took} s (seed ${s.seed}): ${s.companies} companies, ${s.contacts} contacts, ${s.deals} deals, ${s.tickets} tickets`, mailbox], err: [] };
  } catch (err) {
    if (err instanceof DemoRefusedError) {
      return { out: [mailbox], err: ['WARNING: --demo: this workspace already has records, so the demo data was not added (`npx crm demo --force` adds it anyway; a new DATA_DIR starts empty).'] };
    }
    // the server keeps running: the mailbox is there, and what was written is ordinary data
    return { out: [mailbox], err: [`WARNING: --demo: loading the demo workspace failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

/** `npm start [-- --demo]`; the launcher (server/launch.mjs) leaves the entry its own arguments. */
export async function main(args: string[] = process.argv.slice(2)): Promise<void> {
  const unknown = args.filter((a) => a !== '--demo');
  if (unknown.length > 0) {
    process.stderr.write(`npm start: unknown argument ${unknown[0]} (the only one is --demo: \`npm start -- --demo\`)\n`);
    process.exit(2);
  }
  const demo = args.includes('--demo');
  const { databaseUrl, ...config } = loadConfigOrExit();
  if (databaseUrl) {
    process.stderr.write('npm start runs on the embedded database in DATA_DIR and ignores DATABASE_URL; use `npm run server` for PostgreSQL.\n');
  }
  // built while the database opens; the server listens without waiting for it
  const building = buildExtension();
  const running = await startServerOrExit(config, { demo });
  const startedIn = process.uptime();
  // before anything is printed: whoever reads the address may signal at once
  closeOnSignals(running);
  // an in-memory database (DATA_DIR=memory://) keeps nothing, its token included
  const tokenPath = config.dataDir.startsWith('memory://') ? undefined : resolve(join(config.dataDir, OWNER_TOKEN_FILE));
  if (running.ownerToken && tokenPath) saveOwnerToken(tokenPath, running.ownerToken);
  const token = tokenPath ? readOwnerToken(tokenPath) : running.ownerToken;

  let signInToken: string | undefined;
  const lines = startLines(running);
  for (const line of lines.err) process.stderr.write(`${line}\n`);
  for (const line of lines.out) process.stdout.write(`${line}\n`);
  if (!token) {
    process.stdout.write(`No sign-in token stored in ${tokenPath}: this data directory was first started by \`npm run server\`, which printed the owner token once.\n`);
  } else {
    const check = await fetch(`${running.url}/api/workspace`, { headers: { authorization: `Bearer ${token}` } });
    await check.arrayBuffer();
    if (check.status === 401) {
      process.stdout.write(`The token stored in ${tokenPath} no longer signs in (revoked?).\n`);
    } else {
      signInToken = token;
      process.stdout.write(`Sign-in token (instance owner${tokenPath ? `; kept in ${tokenPath}` : ''}): ${token}\n`);
    }
  }
  if (demo) {
    const lines = await demoLines(running, signInToken);
    for (const line of lines.err) process.stderr.write(`${line}\n`);
    for (const line of lines.out) process.stdout.write(`${line}\n`);
  }
  process.stdout.write(`${listeningLine(running, startedIn)}\n`);
  const extension = extensionLines(await building, running.url, signInToken);
  for (const line of extension.err) process.stderr.write(`${line}\n`);
  for (const line of extension.out) process.stdout.write(`${line}\n`);
}

if (import.meta.main) await main(process.argv.slice(2));
