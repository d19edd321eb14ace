import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Variables of the test runner's own environment that must not leak into a server under test. */
const SERVER_ENV = ['PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'CRM_ADMIN_TOKEN', 'CRM_PLAN', 'CRM_PGLITE_DURABILITY'];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr apart. */
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

export interface ListeningServer extends ServerProcess {
  url: string;
  /** A token printed at start (the owner's generated one, or npm start's sign-in token). */
  printedToken?: string;
  /** SIGTERM (graceful) by default; resolves when the process is gone, with all it printed. */
  stop(signal?: NodeJS.Signals): Promise<Exit & { stdout: string; stderr: string }>;
}

/**
 * The arguments of `node` in an npm script of package.json (`npm run server`, `npm start`): what
 * tests and benchmarks spawn, so that they run the server exactly as npm does.
 */
export function npmScriptArgs(name: 'server' | 'start'): string[] {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = scripts[name]!.split(/\s+/);
  if (command !== 'node') throw new Error(`npm script ${name} does not run node: ${scripts[name]}`);
  return args;
}

/** How npm runs each entry: through the launcher (server/launch.mjs), which runs the server's bundle; `crm` as its bin does. */
const LAUNCHED: Record<string, string[]> = { 'server/index.ts': npmScriptArgs('server'), 'server/cli/start.ts': npmScriptArgs('start'), 'server/cli/crm.ts': [crmBin()] };

/** The `crm` command as package.json's bin names it. */
export function crmBin(): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.crm!;
}

/**
 * `node <script> [args]` with Node 24 (the runner's own), in the repo, with only the given server
 * env. The entries run as `npm run server`, `npm start` and `npx crm` run them (server/launch.mjs);
 * any other script (another checkout's, say) runs directly.
 */
export function spawnServer(env: Record<string, string>, script = 'server/index.ts', args: string[] = []): ServerProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of SERVER_ENV) delete childEnv[name];
  const child = spawn(process.execPath, [...(LAUNCHED[script] ?? [script]), ...args], { cwd: root, env: { ...childEnv, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Spawn a server and wait for its `Listening on <url>` line; throws with its output if it exits first. */
export async function startServerProcess(env: Record<string, string>, script?: string, args: string[] = []): Promise<ListeningServer> {
  const proc = spawnServer(env, script, args);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /^Listening on (http:\/\/\S+) \(started in \d+\.\d s\)$/m.exec(proc.stdout());
      if (match) {
        proc.child.stdout!.off('data', onData);
        resolve(match[1]!);
      }
    };
    proc.child.stdout!.on('data', onData);
    void proc.exited.then((exit) => reject(new Error(`server exited (${exit.code ?? exit.signal}) before listening:\n${proc.stdout()}\n${proc.stderr()}`)));
  });
  const token = /^(?:Owner token|Sign-in token)[^:]*: (crm_\S+)$/m.exec(proc.stdout())?.[1];
  return {
    ...proc,
    url,
    ...(token ? { printedToken: token } : {}),
    stop: async (signal = 'SIGTERM') => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      return { ...(await proc.exited), stdout: proc.stdout(), stderr: proc.stderr() };
    },
  };
}

/** Run a script to its end (for the ones that must refuse to start). */
export async function runToExit(env: Record<string, string>, script?: string, args: string[] = []): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = spawnServer(env, script, args);
  const exit = await proc.exited;
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr() };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `crm-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * A new database on the DATABASE_URL server (postgres project), dropped by `drop()`: empty, or a
 * copy of `template` (a database nobody is connected to).
 */
export async function freshPostgres(base = process.env.DATABASE_URL, options: { template?: string | null } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  if (!base) throw new Error('the postgres project needs DATABASE_URL');
  const name = `crm_proc_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(options.template ? `create database ${name} template ${options.template}` : `create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export { until } from './until.ts';

/** A JSON request to a running server. */
export async function request<T = any>(url: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
