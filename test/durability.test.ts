import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/client.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { request, startServerProcess, tempDir } from './helpers/server-process.ts';

// The embedded database's promise to an operator: a write the API confirmed is there after the
// process dies, and the next process on the directory starts without help. PGlite only: on
// PostgreSQL, durability is the PostgreSQL server's business, not this process's, so the
// postgres project skips this file.
//
// What a SIGKILL proves: the commit reached the files before the response went out (the OS still
// holds what it had not flushed). What fsync adds, surviving an OS crash or power loss, cannot be
// shown without crashing the machine; the test checks that fsync is on in the running server
// (its start line comes from `SHOW fsync` on its own connection) and off only on request.
// (PGlite's Node file system turns PostgreSQL's fsync calls into no-ops: see docs/running.md, Durability.)
const SLOW = 90_000;

async function showFsync(dataDir: string, durable?: boolean): Promise<string> {
  const database = await openDatabase({ dataDir, migrate: false, ...(durable === undefined ? {} : { durable }) });
  try {
    return rowsOf<{ fsync: string }>(await database.db.execute(sql`show fsync`))[0]!.fsync;
  } finally {
    await database.close();
  }
}

// PGlite's durability only: with PostgreSQL, durability is the server's own (the postgres project skips this)
describe.skipIf(process.env.TEST_DB === 'postgres')('durability of the embedded database', () => {
  it('every write confirmed before a SIGKILL is there after a restart on the same directory, whose stale lock is taken over', { timeout: SLOW }, async () => {
    const dir = await tempDir('durable');
    try {
      const first = await startServerProcess({ DATA_DIR: dir.path });
      const owner = first.printedToken!;
      const confirmed: { id: string; name: string }[] = [];
      try {
        expect(first.stdout()).toMatch(/^Database: PGlite in .+ \(fsync on\)$/m);
        const create = (name: string) => request(first.url, 'POST', '/crm/v3/objects/companies', owner, { properties: { name } });
        const confirm = (r: { status: number; body: { id: string } }, name: string) => {
          expect(r.status).toBe(201);
          confirmed.push({ id: r.body.id, name });
        };

        // one at a time, then a burst in parallel (PGlite serialises them; each commit is its own)
        for (let i = 0; i < 15; i++) confirm(await create(`Serial ${i}`), `Serial ${i}`);
        const burst = await Promise.all(Array.from({ length: 15 }, (_, i) => create(`Burst ${i}`)));
        burst.forEach((r, i) => confirm(r, `Burst ${i}`));
        // writes still in flight when the process dies: their fate is unknown, but they must not
        // keep the directory from opening again
        const inFlight = Array.from({ length: 10 }, (_, i) => create(`In flight ${i}`).catch(() => null));
        first.child.kill('SIGKILL');
        expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
        await Promise.all(inFlight);
      } finally {
        if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      }

      const lock = join(dir.path, '.crm-server.lock');
      expect(readFileSync(lock, 'utf8').trim()).toBe(String(first.child.pid));

      const second = await startServerProcess({ DATA_DIR: dir.path });
      try {
        expect(second.printedToken).toBeUndefined();
        expect(readFileSync(lock, 'utf8').trim()).toBe(String(second.child.pid));
        for (const { id, name } of confirmed) {
          const r = await request(second.url, 'GET', `/crm/v3/objects/companies/${id}?properties=name`, owner);
          expect({ id, status: r.status, name: r.body?.properties?.name }).toEqual({ id, status: 200, name });
        }
        expect((await request(second.url, 'GET', '/health')).status).toBe(200);
      } finally {
        expect(await second.stop()).toMatchObject({ code: 0, signal: null });
      }
      expect(existsSync(lock)).toBe(false);
    } finally {
      await dir.remove();
    }
  });

  it('fsync is on by default and off only with CRM_PGLITE_DURABILITY=relaxed, which warns at every start', { timeout: SLOW }, async () => {
    const dir = await tempDir('relaxed');
    try {
      const relaxed = await startServerProcess({ DATA_DIR: dir.path, CRM_PGLITE_DURABILITY: 'relaxed' });
      try {
        expect(relaxed.stdout()).toMatch(/^Database: PGlite in .+ \(fsync off\)$/m);
        expect(relaxed.stderr()).toMatch(/^WARNING: CRM_PGLITE_DURABILITY=relaxed: fsync is off\. .*power loss/m);
        const r = await request(relaxed.url, 'POST', '/crm/v3/objects/companies', relaxed.printedToken, { properties: { name: 'Relaxed' } });
        expect(r.status).toBe(201);
      } finally {
        expect(await relaxed.stop()).toMatchObject({ code: 0, signal: null });
      }

      const durable = await startServerProcess({ DATA_DIR: dir.path });
      try {
        expect(durable.stdout()).toMatch(/^Database: PGlite in .+ \(fsync on\)$/m);
        expect(durable.stderr()).toBe('');
      } finally {
        expect(await durable.stop()).toMatchObject({ code: 0, signal: null });
      }

      // fsync is a start parameter of whoever opens the directory, not a property of the
      // directory: openDatabase, which the server uses, asks for it unless told otherwise
      expect(await showFsync(dir.path)).toBe('on');
      expect(await showFsync(dir.path, false)).toBe('off');
    } finally {
      await dir.remove();
    }
  });
});
