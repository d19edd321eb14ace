/**
 * `npm start`: the quick start. Runs the server on the embedded database (PGlite in DATA_DIR)
 * and prints its address and a sign-in token at every start.
 *
 * The server itself shows a generated owner token only once, on first start. So that a later
 * `npm start` can still show one, this entry (and only this one) keeps the owner token in
 * DATA_DIR/owner-token, readable by its owner only.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectLink } from '../../extension/manifest-key.ts';
import { loadConfigOrExit } from '../config.ts';
import { closeOnSignals, startLines, startServerOrExit } from '../index.ts';

export const OWNER_TOKEN_FILE = 'owner-token';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the browser companion for Chrome (`wxt build` into `.output/chrome-mv3`, or
 * CRM_EXTENSION_OUT_DIR) so that `npm start` hands the rep a ready extension. Answers the
 * folder to load, or the reason it could not be built: the server starts either way.
 */
async function buildExtension(): Promise<{ dir: string } | { error: string }> {
  const outDir = resolve(root, process.env.CRM_EXTENSION_OUT_DIR ?? '.output');
  try {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules/wxt/bin/wxt.mjs'), 'build'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { error: (e.stderr?.trim() || e.message).split('\n').slice(-5).join('\n') };
  }
  const dir = join(outDir, 'chrome-mv3');
  return existsSync(join(dir, 'manifest.json')) ? { dir } : { error: `the build wrote no manifest.json into ${dir}` };
}

function extensionLines(build: { dir: string } | { error: string }, url: string, token: string | undefined): { out: string[]; err: string[] } {
  if ('error' in build) return { out: [], err: [`WARNING: the browser extension was not built: ${build.error}`] };
  return {
    out: [
      `Browser extension (Chrome): ${build.dir}`,
      '  load it once: chrome://extensions → Developer mode → Load unpacked → that folder (Firefox: see README)',
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

async function main(): Promise<void> {
  const { databaseUrl, ...config } = loadConfigOrExit();
  if (databaseUrl) {
    process.stderr.write('npm start runs on the embedded database in DATA_DIR and ignores DATABASE_URL; use `npm run server` for PostgreSQL.\n');
  }
  // built while the database opens; the server does not wait for it to listen
  const building = buildExtension();
  const running = await startServerOrExit(config);
  // before anything is printed: whoever reads the address may signal at once
  closeOnSignals(running);
  // an in-memory database (DATA_DIR=memory://) keeps nothing, its token included
  const tokenPath = config.dataDir.startsWith('memory://') ? undefined : resolve(join(config.dataDir, OWNER_TOKEN_FILE));
  if (running.ownerToken && tokenPath) saveOwnerToken(tokenPath, running.ownerToken);
  const token = tokenPath ? readOwnerToken(tokenPath) : running.ownerToken;

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
      process.stdout.write(`Sign-in token (instance owner${tokenPath ? `; kept in ${tokenPath}` : ''}): ${token}\n`);
    }
  }
  const extension = extensionLines(await building, running.url, token);
  for (const line of extension.err) process.stderr.write(`${line}\n`);
  for (const line of extension.out) process.stdout.write(`${line}\n`);
  process.stdout.write(`Listening on ${running.url}\n`);
}

if (import.meta.main) await main();
