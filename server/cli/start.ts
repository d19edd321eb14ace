/**
 * `npm start`: the quick start. Runs the server on the embedded database (PGlite in DATA_DIR)
 * and prints its address and a sign-in token at every start.
 *
 * The server itself shows a generated owner token only once, on first start. So that a later
 * `npm start` can still show one, this entry (and only this one) keeps the owner token in
 * DATA_DIR/owner-token, readable by its owner only.
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigOrExit } from '../config.ts';
import { closeOnSignals, startLines, startServerOrExit } from '../index.ts';

export const OWNER_TOKEN_FILE = 'owner-token';

/**
 * Where the browser extension will be built (`wxt build`) so that `npm start` hands the rep a
 * ready extension. The extension is a placeholder for now: there is nothing to build yet.
 */
async function buildExtension(): Promise<void> {}

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
  await buildExtension();
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
  process.stdout.write(`Listening on ${running.url}\n`);
}

if (import.meta.main) await main();
