import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/client.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { describeFailure, fuzzRoutes } from '../test/fuzz/routes.ts';
import { FUZZ_BODIES, FUZZ_SKIP, type FuzzDocument, seedForFuzz } from '../test/fuzz/seed.ts';

/**
 * The long route fuzz (issue 13): what test/fuzz.test.ts runs in CI, with many more requests.
 *   node bench/fuzz.ts                 PGlite in memory, FUZZ_RUNS=300 random requests per operation
 *   DATABASE_URL=postgres://… node bench/fuzz.ts   on that (empty, migrated on open) database
 * FUZZ_RUNS, FUZZ_SEED and FUZZ_MAX_MS (slower is a failure, default 5,000 ms) as in the test.
 * Exits 1 when any request answered a 5xx or was too slow, printing a curl line for each.
 */
const runs = Number(process.env.FUZZ_RUNS ?? 300);
const maxMs = Number(process.env.FUZZ_MAX_MS ?? 5_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

const database = await openDatabase(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory://' });
const boot = await bootstrapInstance(database.db, { plan: 'enterprise' });
if (!boot) throw new Error('bench/fuzz.ts needs an empty database');
const app = createApp({ db: database.db, tokenCacheMs: 0 });
const call = async (method: string, path: string, body?: unknown) => {
  const res = await app.request(path, { method, headers: { authorization: `Bearer ${boot.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const { known, knownBy } = await seedForFuzz(call);
const doc = (await (await app.request('/openapi.json')).json()) as FuzzDocument;
const started = performance.now();
const report = await fuzzRoutes(doc, { request: (path, init) => app.request(path, init), token: boot.token }, { runs, maxMs, seed, known, knownBy, bodies: FUZZ_BODIES, skip: FUZZ_SKIP });
const seconds = (performance.now() - started) / 1000;
console.log(`fuzz (${database.kind}, seed ${seed}): ${report.requests} requests to ${report.operations} operations in ${seconds.toFixed(1)} s (${Math.round(report.requests / seconds)}/s); ${report.failures.length} failing; slowest ${Math.round(report.slowestMs)} ms`);
console.log(`statuses: ${JSON.stringify(report.statuses)}`);
for (const f of report.failures) console.log(describeFailure(f));
await database.close();
process.exit(report.failures.length > 0 ? 1 : 0);
