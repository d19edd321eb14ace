import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshPostgres, request, runToExit, startServerProcess, tempDir } from './helpers/server-process.ts';

// `node server/index.ts` as a real child process, as an operator runs it. The start-up cases run
// in both projects: on PGlite in a temp DATA_DIR, and on PostgreSQL with a fresh database passed
// as DATABASE_URL. The cases about the data directory and the environment run once, on PGlite.
const onPostgres = process.env.TEST_DB === 'postgres';
const SLOW = 60_000;

/** The server environment of one fresh instance, and how to throw it away. */
async function freshInstance(): Promise<{ env: Record<string, string>; dataDir: string; remove(): Promise<void> }> {
  const dir = await tempDir('proc');
  if (!onPostgres) return { env: { DATA_DIR: dir.path }, dataDir: dir.path, remove: dir.remove };
  const pgdb = await freshPostgres();
  return {
    env: { DATA_DIR: dir.path, DATABASE_URL: pgdb.url },
    dataDir: dir.path,
    remove: async () => {
      await pgdb.drop();
      await dir.remove();
    },
  };
}

describe('server process', () => {
  it('starts, answers /health, prints the database, how long the start took (issue 18) and an owner token that signs in; the token is printed on first start only', { timeout: SLOW }, async () => {
    const instance = await freshInstance();
    try {
      const first = await startServerProcess(instance.env);
      let token: string;
      try {
        expect(first.stdout()).toMatch(onPostgres ? /^Database: PostgreSQL at postgres:\/\/.*\/crm_proc_/m : /^Database: PGlite in .+ \(fsync on\)$/m);
        // on PostgreSQL the start reminds that every process needs the same token key; nothing else
        expect(first.stderr()).toBe(onPostgres ? `WARNING: the token key is in ${instance.dataDir}/server-secret: every server process on this PostgreSQL database needs the same key (copy the file, or set CRM_SECRET everywhere)\n` : '');
        expect(first.stdout()).toMatch(/^Listening on http:\/\/\S+ \(started in \d+\.\d s\)$/m);
        expect(await request(first.url, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
        expect(first.printedToken).toMatch(/^crm_/);
        token = first.printedToken!;
        const ws = await request(first.url, 'GET', '/api/workspace', token);
        expect(ws.status).toBe(200);
        expect(ws.body).toMatchObject({ name: 'My workspace', plan: 'enterprise' });
        expect((await request(first.url, 'GET', '/api/workspace')).status).toBe(401);
      } finally {
        expect(await first.stop()).toMatchObject({ code: 0, signal: null });
      }

      const again = await startServerProcess(instance.env);
      try {
        expect(again.printedToken).toBeUndefined();
        expect(again.stdout()).not.toContain(token);
        expect((await request(again.url, 'GET', '/api/workspace', token)).status).toBe(200);
      } finally {
        expect(await again.stop('SIGINT')).toMatchObject({ code: 0, signal: null });
      }
    } finally {
      await instance.remove();
    }
  });

  it('CRM_ADMIN_TOKEN and CRM_PLAN set the owner token and the first workspace plan on first start', { timeout: SLOW }, async () => {
    const instance = await freshInstance();
    const chosen = 'crm_operator-chosen-token-0123456789';
    try {
      const server = await startServerProcess({ ...instance.env, CRM_ADMIN_TOKEN: chosen, CRM_PLAN: 'starter' });
      try {
        // a token the operator chose is not echoed back
        expect(server.printedToken).toBeUndefined();
        expect(server.stdout()).not.toContain(chosen);
        const ws = await request(server.url, 'GET', '/api/workspace', chosen);
        expect(ws.status).toBe(200);
        expect(ws.body.plan).toBe('starter');
      } finally {
        expect(await server.stop()).toMatchObject({ code: 0, signal: null });
      }
    } finally {
      await instance.remove();
    }
  });

  // Lock files, DATA_DIR and environment parsing do not depend on the database: once, on PGlite.
  describe.skipIf(onPostgres)('data directory and environment (PGlite only)', () => {
    it('a second process on the same DATA_DIR exits 1 with a clear message; the first keeps serving and releases the lock when stopped', { timeout: SLOW }, async () => {
      const dir = await tempDir('lock');
      try {
        const first = await startServerProcess({ DATA_DIR: dir.path });
        try {
          const second = await runToExit({ DATA_DIR: dir.path });
          expect(second.code).toBe(1);
          expect(second.stderr.trim()).toBe(
            `The data directory ${dir.path} is in use by another server process (pid ${first.child.pid}). Stop it first, or point DATA_DIR elsewhere.`,
          );
          expect(second.stdout).toBe('');
          expect((await request(first.url, 'GET', '/health')).status).toBe(200);
        } finally {
          expect(await first.stop()).toMatchObject({ code: 0, signal: null });
        }
        expect(existsSync(join(dir.path, '.crm-server.lock'))).toBe(false);
      } finally {
        await dir.remove();
      }
    });

    it('a bad environment value exits 2 with a message naming the variable, before touching DATA_DIR', { timeout: SLOW }, async () => {
      const dir = await tempDir('env');
      try {
        const dataDir = join(dir.path, 'data');
        const bad = await runToExit({ DATA_DIR: dataDir, CRM_PLAN: 'gold' });
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain('CRM_PLAN="gold"');
        expect(bad.stderr).toMatch(/starter.*professional.*enterprise/);
        expect(existsSync(dataDir)).toBe(false);
        const secret = await runToExit({ DATA_DIR: dataDir, DATABASE_URL: 'mysql://root:hunter2@localhost/crm', PORT: 'eighty' });
        expect(secret.code).toBe(2);
        expect(secret.stderr).toContain('DATABASE_URL');
        expect(secret.stderr).toContain('PORT="eighty"');
        expect(secret.stderr).not.toContain('hunter2');
        // issue 13: a weak owner token is refused the same way, saying why without echoing it
        const weak = await runToExit({ DATA_DIR: dataDir, CRM_ADMIN_TOKEN: 'passwordpasswordpassword' });
        expect(weak.code).toBe(2);
        expect(weak.stderr).toMatch(/CRM_ADMIN_TOKEN: is weak: must have at least 10 distinct characters/);
        expect(weak.stderr).not.toContain('passwordpassword');
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        await dir.remove();
      }
    });

    it('npm start prints a working sign-in token at every start, kept in DATA_DIR/owner-token (mode 0600)', { timeout: SLOW }, async () => {
      const dir = await tempDir('start');
      try {
        const tokens: string[] = [];
        for (let run = 0; run < 2; run++) {
          const server = await startServerProcess({ DATA_DIR: dir.path }, 'server/cli/start.ts');
          try {
            expect(server.printedToken).toMatch(/^crm_/);
            expect((await request(server.url, 'GET', '/api/workspace', server.printedToken)).status).toBe(200);
            tokens.push(server.printedToken!);
          } finally {
            expect(await server.stop()).toMatchObject({ code: 0, signal: null });
          }
        }
        expect(tokens[1]).toBe(tokens[0]);
        const file = join(dir.path, 'owner-token');
        expect((await readFile(file, 'utf8')).trim()).toBe(tokens[0]);
        expect(statSync(file).mode & 0o777).toBe(0o600);
      } finally {
        await dir.remove();
      }
    });
  });
});
