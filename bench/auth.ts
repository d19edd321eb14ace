/**
 * Wrong-token throttling and the permission table cost a valid caller nothing measurable.
 *
 * In process (app.request, no sockets: what is measured is the middleware, not the network), on an
 * in-memory PGlite: a valid caller reads GET /crm/v3/objects/contacts?limit=1 in rounds, and each
 * scenario is run in alternation with the baseline of the same run:
 * - baseline: the valid caller alone;
 * - guesser, same address: between two valid requests, one wrong token from the caller's own
 *   address (blocked after the burst: 429);
 * - guesser, other address: the same from another address.
 * Prints requests per second and latency of the valid caller only.
 *
 *   node bench/auth.ts [--requests 2000] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { createApp } from '../server/app.ts';
import { openDatabase } from '../server/db/client.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { int, markdownTable, ms, summarize } from './stats.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const requests = Number(values.requests);
const rounds = Number(values.rounds);

const database = await openDatabase({ dataDir: 'memory://' });
const boot = (await bootstrapInstance(database.db, { plan: 'enterprise' }))!;
const app = createApp({ db: database.db });
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
const valid = { headers: { authorization: `Bearer ${boot.token}` } };
const wrong = { headers: { authorization: 'Bearer crm_not_a_real_token_at_all_000000' } };
const path = '/crm/v3/objects/contacts?limit=1';

type Scenario = 'baseline' | 'guesser, same address' | 'guesser, other address';
const scenarios: Scenario[] = ['baseline', 'guesser, same address', 'guesser, other address'];

async function run(scenario: Scenario): Promise<{ perSecond: number; latencies: number[]; refused: number }> {
  const latencies: number[] = [];
  let refused = 0;
  let busy = 0;
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    if (scenario !== 'baseline') {
      const t0 = performance.now();
      const res = await app.request(path, wrong, from(scenario === 'guesser, same address' ? '10.1.1.1' : '10.2.2.2'));
      await res.arrayBuffer();
      if (res.status === 429) refused++;
      busy += performance.now() - t0;
    }
    const t0 = performance.now();
    const res = await app.request(path, valid, from('10.1.1.1'));
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`valid caller got ${res.status}`);
    latencies.push(performance.now() - t0);
  }
  // the valid caller's own time: the guesser's requests are left out
  return { perSecond: requests / ((performance.now() - started - busy) / 1000), latencies, refused };
}

// warm-up
await run('baseline');
const results = new Map<Scenario, { perSecond: number[]; latencies: number[]; refused: number }>();
for (let r = 0; r < rounds; r++) {
  for (const s of scenarios) {
    const out = await run(s);
    const acc = results.get(s) ?? { perSecond: [], latencies: [], refused: 0 };
    acc.perSecond.push(out.perSecond);
    acc.latencies.push(...out.latencies);
    acc.refused += out.refused;
    results.set(s, acc);
  }
}
const base = summarize(results.get('baseline')!.perSecond).p50;
const rows = scenarios.map((s) => {
  const r = results.get(s)!;
  const rate = summarize(r.perSecond).p50;
  const lat = summarize(r.latencies);
  return [s, int(rate), `${((rate / base) * 100).toFixed(0)}%`, ms(lat.p50), ms(lat.p99), int(r.refused)];
});
process.stdout.write(`valid caller, ${requests} requests x ${rounds} rounds per scenario (median round)\n`);
process.stdout.write(`${markdownTable(['scenario', 'valid req/s', 'of baseline', 'p50 ms', 'p99 ms', 'guesses answered 429'], rows)}\n`);
await database.close();
