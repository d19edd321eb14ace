/**
 * Benchmark of the live change feed between two companions (X4, B2): the time from a change made
 * in one (its outbox sends a one-click association) until the other, following the live stream,
 * has it in its cache and has told its tabs, and until that sidebar's fresh read is done. The real
 * server as a child process, over HTTP on loopback; both companions in this Node process with
 * fake-indexeddb. Baseline in the same run: the same association sent directly (one request).
 *
 *   npx node bench/feed.ts [--changes 60]
 *
 * A benchmark reports; it never fails a run.
 */
import 'fake-indexeddb/auto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createCompanion } from '../extension/background/companion.ts';
import { serve } from '../extension/background/requests.ts';
import type { MailThread } from '../extension/mail/types.ts';
import type { TabMessage } from '../extension/messaging.ts';
import type { LocalStorage } from '../extension/settings.ts';
import { request, startServerProcess, tempDir } from '../test/helpers/server-process.ts';
import { markdownTable, ms, summarize } from './stats.ts';

const { values: args } = parseArgs({ options: { changes: { type: 'string', default: '60' } } });
const CHANGES = Number(args.changes);
if (!Number.isInteger(CHANGES) || CHANGES < 2) {
  console.error('usage: npx node bench/feed.ts [--changes N]');
  process.exit(2);
}

const token = `crm_bench_feed_${'x'.repeat(24)}`;
const dir = await tempDir('bench-feed');
const server = await startServerProcess({ CRM_ADMIN_TOKEN: token, DATA_DIR: dir.path });

function memoryStorage(): LocalStorage {
  const items: Record<string, unknown> = {};
  return {
    get: async (key) => (key in items ? { [key]: items[key] } : {}),
    set: async (next) => void Object.assign(items, next),
  };
}

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const r = await request(server.url, method, path, token, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body;
}

const news: Array<{ at: number; message: TabMessage }> = [];
const make = (name: string, broadcast: (m: TabMessage) => void) =>
  createCompanion({ storage: memoryStorage(), broadcast, hasHostPermission: async () => false, outboxName: `bench-feed-outbox-${name}`, cacheName: `bench-feed-cache-${name}` });
const a = make('a', () => {});
const b = make('b', (message) => news.push({ at: performance.now(), message }));

try {
  for (const c of [a, b]) {
    const r = await serve(c.handlers, { type: 'connect', server: server.url, token }, {});
    if (!r?.ok) throw new Error(`sign-in failed: ${JSON.stringify(r)}`);
  }
  const contact = String((await api('POST', '/crm/v3/objects/contacts', { properties: { email: 'ann@feed-bench.example', firstname: 'Ann' } })).id);
  const deals: string[] = [];
  for (let start = 0; start < CHANGES * 2; start += 100) {
    const inputs = Array.from({ length: Math.min(100, CHANGES * 2 - start) }, (_, k) => ({ properties: { dealname: `Bench deal ${start + k}`, dealstage: 'appointmentscheduled' } }));
    deals.push(...(await api('POST', '/crm/v3/objects/deals/batch/create', { inputs })).results.map((x: { id: string }) => String(x.id)));
  }
  const thread: MailThread = { provider: 'gmail', threadId: 'bench', subject: 'Bench', messageIds: ['m1'], participants: [{ email: 'ann@feed-bench.example', name: 'Ann', roles: ['from'] }] };
  const readThread = async () => {
    const r = await serve(b.handlers, { type: 'threadView', thread }, {});
    if (!r?.ok) throw new Error(`thread read failed: ${JSON.stringify(r)}`);
  };
  await readThread();
  await b.flush();
  const release = b.watch();
  while (!b.feed.live()) await new Promise((r) => setTimeout(r, 5));

  const direct: number[] = [];
  const confirmedToCache: number[] = [];
  const clickToCache: number[] = [];
  const clickToSidebar: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    // baseline: the association sent directly
    let t = performance.now();
    await api('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/deals/${deals[2 * i]}`);
    direct.push(performance.now() - t);

    // the click in companion A, followed until companion B's tabs hear of it and its sidebar has read again
    const deal = deals[2 * i + 1]!;
    const seen = news.length;
    const heard = () => news.slice(seen).find((n) => n.message.type === 'feedChanged' && n.message.ids.includes(deal));
    t = performance.now();
    const r = await serve(a.handlers, { type: 'submit', operation: { opId: `bench-feed-${i}-${Date.now()}`, createdAt: Date.now(), kind: 'associate', from: { objectType: 'contacts', id: contact }, to: { objectType: 'deals', id: deal } } }, {});
    if (!r?.ok) throw new Error(`submit failed: ${JSON.stringify(r)}`);
    await a.outbox.drain({ now: true });
    const confirmed = performance.now();
    while (!heard()) {
      if (performance.now() - t > 10_000) throw new Error(`change ${i} did not reach the other companion within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const at = heard()!.at;
    await readThread();
    clickToCache.push(at - t);
    confirmedToCache.push(at - confirmed); // below 0 when B heard before A's drain returned
    clickToSidebar.push(performance.now() - t);
  }
  release();

  const row = (name: string, values: number[]) => {
    const s = summarize(values);
    return [name, ms(s.p50), ms(s.p90), ms(s.max)];
  };
  console.log(`\nA change in one companion → visible in another through the live feed (PGlite, loopback, ${CHANGES} changes; load average ${loadavg()[0]!.toFixed(2)})\n`);
  console.log(
    markdownTable(
      ['ms', 'p50', 'p90', 'max'],
      [
        row('baseline: the association sent directly', direct),
        row('click in A → B\'s cache has it, tabs told', clickToCache),
        row('A\'s change confirmed → B\'s tabs told', confirmedToCache),
        row('click in A → B\'s sidebar read again', clickToSidebar),
      ],
    ),
  );
} finally {
  await a.close();
  await b.close();
  await server.stop();
  await dir.remove();
}
