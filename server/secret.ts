import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.ts';
import type { DbOrTx } from './db/client.ts';
import { upgradeTokenHashes, useTokenKey } from './domain/tokens.ts';

/** The key file's name inside DATA_DIR. */
export const SECRET_FILE = 'server-secret';

export interface ServerSecret {
  key: Buffer;
  /** Where it came from, for the start lines: `CRM_SECRET`, a file path, or `this process only`. */
  source: string;
  /** Something the operator should know (a file readable by others, several processes). */
  warning?: string;
}

/**
 * The server secret that keys stored token hashes (HMAC): CRM_SECRET when set; otherwise the file
 * DATA_DIR/server-secret, made on first start with mode 0600 (on PostgreSQL too: every server
 * process on one database must then share that file, or all set the same CRM_SECRET). An in-memory
 * PGlite database (DATA_DIR=memory://) keeps nothing, its key neither.
 */
export function loadServerSecret(config: Pick<Config, 'secret' | 'dataDir' | 'databaseUrl'>): ServerSecret {
  if (config.secret) return { key: Buffer.from(config.secret, 'utf8'), source: 'CRM_SECRET' };
  if (config.dataDir.startsWith('memory://')) return { key: randomBytes(32), source: 'this process only (in-memory database)' };
  const path = resolve(join(config.dataDir, SECRET_FILE));
  const key = readOrCreate(path);
  const mode = statSync(path).mode & 0o777;
  const warnings = [
    ...(mode & 0o077 ? [`${path} is readable by other users (mode ${mode.toString(8)}): chmod 600 it`] : []),
    ...(config.databaseUrl ? [`the token key is in ${path}: every server process on this PostgreSQL database needs the same key (copy the file, or set CRM_SECRET everywhere)`] : []),
  ];
  return { key, source: path, ...(warnings.length ? { warning: warnings.join('; ') } : {}) };
}

function readKey(path: string): Buffer {
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  if (key.length < 16) throw new Error(`${path} holds no usable key (expected 64 hex characters): restore it from a backup, or set CRM_SECRET`);
  return key;
}

function readOrCreate(path: string): Buffer {
  try {
    return readKey(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(resolve(path, '..'), { recursive: true });
  try {
    // `wx`: of two processes starting at once, one writes and the other reads what it wrote
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readKey(path);
}

/**
 * Start step of every entry that opens the database: load the secret, key token hashes with it,
 * and upgrade the bare SHA-256 hashes an older version stored.
 */
export async function useServerSecret(db: DbOrTx, config: Pick<Config, 'secret' | 'dataDir' | 'databaseUrl'>): Promise<ServerSecret & { upgraded: number }> {
  const secret = loadServerSecret(config);
  useTokenKey(secret.key);
  return { ...secret, upgraded: await upgradeTokenHashes(db) };
}
