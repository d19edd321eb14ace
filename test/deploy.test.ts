/**
 * The service files of deploy/: the health check they share (deploy/healthcheck.ts) against a real
 * server process (PGlite here, PostgreSQL in the postgres project: the database is chosen by
 * environment, as in the container); the systemd units through `systemd-analyze verify`; the
 * container file's commands and the compose file's wiring, read (no container runtime runs here).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, type ListeningServer, spawnServer, tempDir } from './helpers/server-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const onPostgres = process.env.TEST_DB === 'postgres';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** `node deploy/healthcheck.ts …` with the server's environment; its exit code and output. */
async function healthcheck(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _, ...rest } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['deploy/healthcheck.ts', ...args], { cwd: root, env: { ...rest, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('deploy/healthcheck.ts against a server process', () => {
  let work: { path: string; remove(): Promise<void> };
  let database: { url: string; drop(): Promise<void> } | undefined;
  let env: Record<string, string>;
  let server: Pick<ListeningServer, 'child' | 'exited' | 'stdout' | 'stderr'>;
  let waited: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    work = await tempDir('deploy');
    database = onPostgres ? await freshPostgres() : undefined;
    const port = String(await freePort());
    env = { PORT: port, HOST: '127.0.0.1', ...(database ? { DATABASE_URL: database.url, CRM_SECRET: 'a'.repeat(16) + 'bcdefghijklmnopq' } : { DATA_DIR: join(work.path, 'data') }) };
    // as systemd runs them: the server starting, and the start-up check (ExecStartPost) waiting for it
    server = spawnServer(env);
    waited = await healthcheck(env, '--wait', '60');
  }, 90_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await database?.drop();
    await work?.remove();
  });

  it('--wait: waits for the starting server until GET /ready answers 200', () => {
    expect(waited.stderr).toBe('');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`^healthy: GET http://127\\.0\\.0\\.1:${env.PORT}/ready answered 200 .*"ready"`));
  });

  it('one check of /ready, and of /health (liveness) as the timer runs it', async () => {
    expect((await healthcheck(env)).code).toBe(0);
    const live = await healthcheck(env, '--path', '/health');
    expect(live.code).toBe(0);
    expect(live.stdout).toContain(`/health answered 200`);
  });

  it('a server listening on every interface is checked on loopback', async () => {
    const result = await healthcheck({ ...env, HOST: '0.0.0.0' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`http://127.0.0.1:${env.PORT}/ready`);
  });

  it('nothing listening: exit 1, saying so', async () => {
    const port = String(await freePort());
    const result = await healthcheck({ ...env, PORT: port }, '--wait', '1');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`unhealthy: GET http://127.0.0.1:${port}/ready: no answer (ECONNREFUSED)\n`);
  });

  it('a bad command line or environment: exit 2 naming what is wrong', async () => {
    const wait = await healthcheck(env, '--wait', 'soon');
    expect(wait.code).toBe(2);
    expect(wait.stderr).toContain('--wait "soon": must be a whole number of seconds from 0 to 600');
    const path = await healthcheck(env, '--path', '/admin');
    expect(path.code).toBe(2);
    expect(path.stderr).toContain('--path "/admin": must be /ready or /health');
    const zero = await healthcheck({ ...env, PORT: '0' });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('PORT is 0');
    const badPort = await healthcheck({ ...env, PORT: 'eighty' });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('PORT="eighty"');
  });
});

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
const UNITS = ['crm.service', 'crm-health.service', 'crm-health.timer', 'crm-restart.service'];

// systemd-analyze comes with systemd; on a machine without it, the units are only read by the container and README checks
describe.runIf(systemdAnalyze)('deploy/*.service and *.timer', () => {
  it('pass `systemd-analyze verify`, installed in this checkout instead of /opt/crm', async () => {
    const units = await tempDir('units');
    const dir = units.path;
    await mkdir(dir, { recursive: true });
    for (const unit of UNITS) {
      const text = await readFile(join(root, 'deploy', unit), 'utf8');
      await writeFile(join(dir, unit), text.replaceAll('/opt/crm', root.replace(/\/$/, '')));
    }
    // verify also checks that every ExecStart* command exists and is executable
    const result = await promisify(execFile)(systemdAnalyze!, ['verify', '--man=no', ...UNITS.map((u) => join(dir, u))], { cwd: dir }).catch((err) => err as { code: number; stdout: string; stderr: string });
    await units.remove();
    expect(result.stderr).toBe('');
    expect('code' in result ? result.code : 0).toBe(0);
  });

  it('crm.service waits for readiness at start and runs the same health check', async () => {
    const unit = await readFile(join(root, 'deploy/crm.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/opt\/crm\/node_modules\/\.bin\/node --expose-gc server\/index\.ts$/m); // gc: memory back when idle (server/idle-reclaim.ts)
    expect(unit).toMatch(/^ExecStartPost=\/opt\/crm\/node_modules\/\.bin\/node deploy\/healthcheck\.ts --wait \d+$/m);
    const health = await readFile(join(root, 'deploy/crm-health.service'), 'utf8');
    expect(health).toMatch(/^ExecStart=\/opt\/crm\/node_modules\/\.bin\/node deploy\/healthcheck\.ts --path \/health$/m);
    expect(health).toMatch(/^OnFailure=crm-restart\.service$/m);
  });
});

describe('deploy/Containerfile and deploy/compose.yaml', () => {
  it('copy only what exists, and run the server and the health check tested above', async () => {
    const file = await readFile(join(root, 'deploy/Containerfile'), 'utf8');
    const copied = [...file.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) expect(existsSync(join(root, source)), source).toBe(true);
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(file)![1]!)).toEqual(['node', '--expose-gc', 'server/index.ts']);
    expect(JSON.parse(/^HEALTHCHECK .* CMD (\[.*\])$/m.exec(file)![1]!)).toEqual(['node', 'deploy/healthcheck.ts']);
    expect(file).toMatch(/^FROM node:24[-\w.]*$/m); // the Node.js the project runs on (package.json engines)
    // the image makes the data directory template while it is built (its install runs no scripts)
    expect(file).toMatch(/^RUN node scripts\/install-template\.mjs\b/m);
    expect(file).toMatch(/^ENV CRM_CACHE_DIR=\S+$/m);
  });

  it('compose runs the image on PostgreSQL alongside, once that database is healthy', async () => {
    const compose = await readFile(join(root, 'deploy/compose.yaml'), 'utf8');
    expect(compose).toMatch(/dockerfile: deploy\/Containerfile/);
    expect(compose).toMatch(/DATABASE_URL: postgres:\/\/crm:\$\{POSTGRES_PASSWORD\}@postgres:5432\/crm/);
    expect(compose).toMatch(/depends_on:\s+postgres:\s+condition: service_healthy/);
    expect(compose).toMatch(/pg_isready/);
  });
});
