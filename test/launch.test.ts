import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { npmScriptArgs, request, startServerProcess } from './helpers/server-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = join(root, '.output/server/inputs.json');
const builtFrom = () => (JSON.parse(readFileSync(manifest, 'utf8')) as { builtFrom: number; inputs: string[] }).builtFrom;

// Issue 18: `npm run server` and `npm start` run the server from one bundled file, built again
// when a file it was made from changed (server/launch.mjs). Every test that spawns a server runs
// it this way (test/helpers/server-process.ts); this file checks the rebuild itself. Runs once, on
// PGlite in memory: the database plays no part (the postgres project skips it).
describe.skipIf(process.env.TEST_DB === 'postgres')('issue 18: the server runs from a bundle that follows its sources', () => {
  it('issue 18: npm runs the launcher; a start without changes reuses the bundle, a changed source makes the next start rebuild it', { timeout: 180_000 }, async () => {
    expect(npmScriptArgs('server')).toEqual(expect.arrayContaining(['server/launch.mjs', 'server']));
    expect(npmScriptArgs('start')).toEqual(expect.arrayContaining(['server/launch.mjs', 'start']));
    const run = async () => {
      const server = await startServerProcess({ DATA_DIR: 'memory://' });
      try {
        const health = await request(server.url, 'GET', '/health');
        expect(health.status).toBe(200);
      } finally {
        const exit = await server.stop();
        expect(exit.code).toBe(0);
      }
    };
    await run();
    const first = builtFrom();
    const inputs = (JSON.parse(readFileSync(manifest, 'utf8')) as { inputs: string[] }).inputs;
    // the bundle is made from the server's sources and its dependencies, PGlite excepted (it loads files beside itself)
    expect(inputs).toEqual(expect.arrayContaining(['server/index.ts', 'server/db/client.ts', 'server/envelope.ts']));
    expect(inputs.some((path) => path.includes('node_modules/drizzle-orm/'))).toBe(true);
    expect(inputs.some((path) => path.includes('@electric-sql/pglite'))).toBe(false);

    await run();
    expect(builtFrom()).toBe(first);

    // a source saved after the build (content as it was, so nothing else notices)
    const source = join(root, 'server/envelope.ts');
    const { atime } = statSync(source);
    utimesSync(source, atime, new Date(Date.now() + 1_000));
    await new Promise((done) => setTimeout(done, 1_100));
    await run();
    expect(builtFrom()).toBeGreaterThan(first);
  });
});
