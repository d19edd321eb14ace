/**
 * A new PGlite data directory without initdb: PGlite's initdb costs several CPU seconds and about a
 * gigabyte at its peak, for a result that is the same for every directory made with one PGlite
 * version and one set of migrations. So the first initdb on a machine is kept as a template (a
 * tarball of the migrated directory), and later new directories are unpacked from it.
 *
 * A template is found by its key (the PGlite version and a hash of every migration file), and its
 * bytes are checked against the sha256 stored beside them: one made by another PGlite or for other
 * migrations has another name, and a damaged one is removed, never loaded. Without a usable
 * template the directory is made by initdb, as PGlite does on its own.
 *
 * The test suite's global setup makes its template with the same `makeTemplate` and stores it the
 * same way, so servers the tests spawn start from it too.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { createGunzip, gzipSync } from 'node:zlib';

/** Bumped when the way templates are made or unpacked changes: older ones are then not used. */
const FORMAT = 2;
/** Templates kept in the cache folder (other branches or versions may need theirs); the newest stay. */
const KEEP = 6;
/** Files in a data directory that belong to the server, not to PostgreSQL: never part of a template. */
const NOT_POSTGRES = new Set(['.crm-server.lock', 'owner-token', 'postmaster.pid']);

/** Where templates are kept: CRM_CACHE_DIR, else the user's cache folder. */
export function templateCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CRM_CACHE_DIR) return resolve(env.CRM_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'crm-associations');
}

/** The PGlite release in use, from its package.json. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Names a template: the PGlite version and a hash over every file of the migrations folder. */
export function templateKey(migrationsFolder: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else hash.update(`${prefix}${entry.name}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(migrationsFolder, '');
  return `pglite-${pgliteVersion()}-f${FORMAT}-${hash.digest('hex').slice(0, 20)}`;
}

/**
 * The template made of a PGlite data directory that was migrated and then closed (a clean
 * shutdown: its control file says so, and a directory unpacked from it opens without recovery;
 * one copied from a running instance would make PostgreSQL flush every file of it again at its
 * first start, a few seconds of fsync calls). A gzipped ustar archive of the directory, the
 * server's own files left out; PGlite's `loadDataDir` reads it too (the tests' databases).
 */
export function templateOfDirectory(dataDir: string): Buffer {
  const root = resolve(dataDir);
  const blocks: Buffer[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const name = `${prefix}${entry.name}`;
      if (NOT_POSTGRES.has(name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        blocks.push(tarHeader(`${name}/`, 0, '5'));
        walk(path, `${name}/`);
      } else if (entry.isFile()) {
        const data = readFileSync(path);
        blocks.push(tarHeader(name, data.length, '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
    }
  };
  walk(root, '');
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function tarHeader(name: string, size: number, type: '0' | '5'): Buffer {
  const header = Buffer.alloc(512);
  let [prefix, base] = ['', name];
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    [prefix, base] = [name.slice(0, cut), name.slice(cut + 1)];
    if (Buffer.byteLength(base) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`name too long for a template: ${name}`);
  }
  const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, '0')}\0`;
  header.write(base, 0, 100, 'utf8');
  header.write(octal(type === '5' ? 0o700 : 0o600, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write(type, 156, 'ascii');
  header.write('ustar\0' + '00', 257, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** Stores a template under its key: written to a temporary name, then renamed (readers never see half). */
export function saveTemplate(cacheDir: string, key: string, template: Buffer): string {
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, `${key}.tar.gz`);
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, template);
  writeFileSync(`${path}.sha256`, `${createHash('sha256').update(template).digest('hex')}\n`);
  renameSync(partial, path);
  prune(cacheDir);
  return path;
}

/** Keeps the KEEP most recently used templates. */
function prune(cacheDir: string): void {
  const templates = readdirSync(cacheDir)
    .filter((name) => name.endsWith('.tar.gz'))
    .map((name) => ({ name, used: statSync(join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const { name } of templates.slice(KEEP)) {
    rmSync(join(cacheDir, name), { force: true });
    rmSync(join(cacheDir, `${name}.sha256`), { force: true });
  }
}

/** The template stored under `key`, when there is one whose bytes match their sha256; a damaged one is removed. */
export function readTemplate(cacheDir: string, key: string): Buffer | undefined {
  const path = join(cacheDir, `${key}.tar.gz`);
  let bytes: Buffer;
  let expected: string;
  try {
    bytes = readFileSync(path);
    expected = readFileSync(`${path}.sha256`, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (createHash('sha256').update(bytes).digest('hex') !== expected) {
    rmSync(path, { force: true });
    return undefined;
  }
  return bytes;
}

/** True when `dataDir` holds no PostgreSQL data directory yet (PGlite would run initdb there). */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * Unpacks a template (from `templateOfDirectory`) into `dataDir`. When `durable`, every file
 * and folder is flushed to disk (fsync) before PG_VERSION, by which PostgreSQL and PGlite tell a
 * data directory from an empty folder, is written (and flushed) last: an unpacking cut short leaves
 * a folder that the next start unpacks again, never a half directory that opens. The flushes run
 * many at a time: one after the other, each waits for its own journal commit (seconds for the
 * ~1,100 files of a template on a busy disk, against a tenth of that together).
 */
export async function unpackTemplate(template: Buffer, dataDir: string, durable: boolean): Promise<void> {
  const root = resolve(dataDir);
  const written: string[] = [];
  try {
    const dirs = new Set<string>([root]);
    let pgVersion: Buffer | undefined;
    const archive = createGunzip();
    archive.end(template);
    try {
      for await (const entry of tarEntries(archive)) {
        const path = resolve(root, `.${sep}${entry.name}`);
        if (!path.startsWith(root + sep)) throw new Error(`template entry outside the data directory: ${entry.name}`);
        const relative = path.slice(root.length + 1);
        if (NOT_POSTGRES.has(relative)) continue;
        if (relative === 'PG_VERSION') {
          pgVersion = entry.data;
          continue;
        }
        const dir = entry.type === 'dir' ? path : dirname(path);
        if (!dirs.has(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
        dirs.add(dir);
        if (entry.type === 'file') {
          written.push(path);
          writeFileSync(path, entry.data, { mode: 0o600 });
        }
      }
    } finally {
      archive.destroy();
    }
    if (!pgVersion) throw new Error('the template holds no PG_VERSION');
    if (durable) await flushAll([...written, ...dirs]);
    const partial = join(root, 'PG_VERSION.partial');
    written.push(partial);
    writeFileSync(partial, pgVersion, { mode: 0o600 });
    if (durable) await flushAll([partial]);
    renameSync(partial, join(root, 'PG_VERSION'));
    if (durable) await flushAll([root]);
  } catch (err) {
    // the folder held no database before: leave it as it was, for initdb
    for (const path of written) rmSync(path, { force: true });
    throw err;
  }
}

/**
 * Flushes every file and folder of a directory to disk: the one PGlite's initdb made, whose files
 * PGlite writes without fsync (its initdb runs in memory and is then copied out).
 */
export async function flushDirectory(dir: string): Promise<void> {
  const paths: string[] = [resolve(dir)];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        paths.push(path);
        walk(path);
      } else if (entry.isFile()) {
        paths.push(path);
      }
    }
  };
  walk(paths[0]!);
  await flushAll(paths);
}

/** fsync of every path (files and folders), 32 at a time. */
async function flushAll(paths: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const handle = await open(paths[next++]!, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, paths.length) }, worker));
}

interface TarEntry {
  name: string;
  type: 'file' | 'dir';
  data: Buffer;
}

/**
 * The entries of a ustar archive (`templateOfDirectory`'s), read as it streams out of gunzip: only
 * one file's bytes are held at a time, never the whole archive (42 MB unpacked, against 4.8 MB
 * gzipped). Holding it whole left a new directory's server idling at 202 MB, against 191 MB
 * streamed (a restart: 173 MB): the buffer was garbage, but an idle server collects nothing.
 */
async function* tarEntries(archive: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const read = exactReader(archive);
  for (;;) {
    const header = await read(512);
    if (!header) throw new Error('template archive ends without its end marker');
    if (header.every((b) => b === 0)) return;
    const text = (from: number, length: number) => {
      const field = header.subarray(from, from + length);
      const end = field.indexOf(0);
      return field.subarray(0, end === -1 ? length : end).toString('utf8');
    };
    const prefix = text(345, 155);
    const name = (prefix ? `${prefix}/` : '') + text(0, 100);
    const size = Number.parseInt(text(124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(header[156]!);
    if (!Number.isFinite(size) || size < 0) throw new Error(`template entry ${name}: bad size`);
    const data = size === 0 ? Buffer.alloc(0) : await read(size);
    const padding = (512 - (size % 512)) % 512;
    if (!data || (padding > 0 && !(await read(padding)))) throw new Error(`template entry ${name}: bad size`);
    if (flag === '5') yield { name, type: 'dir', data };
    else if (flag === '0' || flag === '\0') yield { name, type: 'file', data };
    else throw new Error(`template entry ${name}: unsupported type ${JSON.stringify(flag)}`);
  }
}

/** Reads exactly `length` bytes at a time from a stream of chunks; undefined when it ends first. */
function exactReader(source: AsyncIterable<Buffer>): (length: number) => Promise<Buffer | undefined> {
  const chunks = source[Symbol.asyncIterator]();
  let rest: Buffer = Buffer.alloc(0);
  return async (length) => {
    if (rest.length >= length) {
      const out = rest.subarray(0, length);
      rest = rest.subarray(length);
      return out;
    }
    const out = Buffer.allocUnsafe(length);
    let filled = rest.copy(out);
    rest = Buffer.alloc(0);
    while (filled < length) {
      const next = await chunks.next();
      if (next.done) return undefined;
      const chunk = next.value;
      const taken = Math.min(chunk.length, length - filled);
      chunk.copy(out, filled, 0, taken);
      filled += taken;
      rest = chunk.subarray(taken);
    }
    return out;
  };
}
