import { defineConfig } from 'vitest/config';

// The server suite runs on PGlite always and, when DATABASE_URL is set, on PostgreSQL as well.
const dbTests = ['server/**/*.test.ts', 'test/**/*.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['shared/**/*.test.ts'] } },
      { extends: true, test: { name: 'pglite', include: dbTests, env: { TEST_DB: 'pglite' } } },
      ...(process.env.DATABASE_URL
        ? [{ extends: true, test: { name: 'postgres', include: dbTests, env: { TEST_DB: 'postgres' } } }]
        : []),
    ],
  },
});
