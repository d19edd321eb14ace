import { defineConfig } from 'vitest/config';

// The server suite runs on PGlite always and, when DATABASE_URL is set, on PostgreSQL as well.
// The extension's own tests run in a DOM (happy-dom, fake-indexeddb); the end-to-end tests load the
// built extension into Chromium once, against a server on PGlite.
const dbTests = ['server/**/*.test.ts', 'test/**/*.test.ts'];
const e2eTests = ['test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // Three files at a time on 2 cores (vitest's default there is one): many tests spend their
    // time waiting on child processes, Chromium, fsync or PostgreSQL rather than on the CPU (with
    // two, the whole run kept 1.4 of the 2 cores busy).
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['shared/**/*.test.ts'], isolate: false } },
      {
        extends: true,
        // a process per file, as the other projects: in worker threads, files that run the server on
        // PGlite share V8's WebAssembly code across threads, and a CI run once ended with V8 aborting
        // the whole test process while freeing that code (`jit_page_->allocations_.erase(addr) == 1`)
        test: { name: 'extension', include: ['extension/**/*.test.{ts,tsx}'], environment: 'happy-dom', env: { TEST_DB: 'pglite' } },
      },
      // the server's files share one worker's modules (isolate: false): importing the server's ~450
      // modules again for each file was a third of the run
      { extends: true, test: { name: 'pglite', include: dbTests, exclude: e2eTests, isolate: false, env: { TEST_DB: 'pglite' } } },
      ...(process.env.DATABASE_URL
        ? [{ extends: true, test: { name: 'postgres', include: dbTests, exclude: e2eTests, isolate: false, env: { TEST_DB: 'postgres' } } }]
        : []),
      { extends: true, test: { name: 'e2e', include: e2eTests, globalSetup: ['./test/global-setup.ts', './test/e2e/global-setup.ts'], env: { TEST_DB: 'pglite' }, testTimeout: 120_000, hookTimeout: 300_000 } },
    ],
  },
});
