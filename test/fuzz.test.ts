import { expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { describeFailure, fuzzRoutes } from './fuzz/routes.ts';
import { FUZZ_BODIES, FUZZ_SKIP, type FuzzDocument, seedForFuzz } from './fuzz/seed.ts';

/**
 * Issue 13: every route of the OpenAPI document, fuzzed with hostile path parameters, query
 * values, bodies and content types, as the instance owner (admin) of a seeded workspace. Any 5xx,
 * or an answer slower than FUZZ_MAX_MS, fails the test with a reproduction per operation.
 * Each operation gets a systematic pass (every path parameter, query parameter and body field
 * given the sharpest values in turn) and FUZZ_RUNS random requests (bench/fuzz.ts: the long run).
 */
const t = useTestApp({ plan: 'enterprise' });
const runs = Number(process.env.FUZZ_RUNS ?? 15);
const maxMs = Number(process.env.FUZZ_MAX_MS ?? 5_000);

it('issue 13: no fuzzed request to any route answers a 5xx or hangs', async () => {
  const { known, knownBy } = await seedForFuzz(t.call);
  const doc = (await (await t.app.request('/openapi.json')).json()) as FuzzDocument;
  const report = await fuzzRoutes(doc, { request: (path, init) => t.app.request(path, init), token: t.token }, { runs, maxMs, known, knownBy, bodies: FUZZ_BODIES, skip: FUZZ_SKIP, seed: Number(process.env.FUZZ_SEED ?? 13) });
  console.info(`fuzz (${process.env.TEST_DB}): ${report.requests} requests to ${report.operations} operations, ${report.failures.length} failing, slowest ${Math.round(report.slowestMs)} ms; statuses ${JSON.stringify(report.statuses)}`);
  for (const f of report.failures) console.info(describeFailure(f));
  expect(report.operations).toBeGreaterThan(50);
  expect(report.requests).toBeGreaterThanOrEqual(report.operations * runs);
  // most requests reach a route's own checks, and many get past them
  const count = (from: number, to: number) => Object.entries(report.statuses).filter(([s]) => Number(s) >= from && Number(s) < to).reduce((n, [, k]) => n + k, 0);
  expect(count(401, 402)).toBe(0);
  expect(count(200, 300)).toBeGreaterThan(report.requests / 10);
  expect(report.failures.map((f) => `${f.operation} → ${f.status}`)).toEqual([]);
}, 600_000);
