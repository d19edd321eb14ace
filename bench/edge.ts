/**
 * Benchmark of the server's edge (issue 13): what a refused huge body costs the server, and that
 * many open change streams and slow clients leave other callers fast. Runs `node server/index.ts`
 * as a child process (PGlite in a temp directory) and reads its memory from /proc. Prints numbers;
 * never fails a run.
 *
 *   npm run bench:edge -- [--body-mb 600] [--streams 200] [--slow 300] [--baseline <dir>] [--only body|connections]
 *
 * Body: a streamed JSON search body of --body-mb MB (generated chunk by chunk, never held whole by
 * the bench), once chunked and once with a declared Content-Length. The server's resident memory
 * (VmRSS) before, its peak while the body was sent (sampled every 20 ms) and after; how long other
 * callers waited meanwhile. --baseline <dir> runs everything against the server in another
 * checkout too (`git archive <commit> | tar -x -C <dir>`, with node_modules linked), in the same
 * run: the version before these limits parses the whole body (slow, and gigabytes of memory).
 *
 * Streams: p50/p99 of GET /api/workspace with no streams, then with --streams change streams held
 * open, then while --slow sockets trickle their headers (and how long those sockets were held).
 */
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ListeningServer, startServerProcess, tempDir } from '../test/helpers/server-process.ts';
import { markdownTable, ms, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    'body-mb': { type: 'string', default: '600' },
    streams: { type: 'string', default: '200' },
    slow: { type: 'string', default: '300' },
    baseline: { type: 'string' },
    only: { type: 'string' },
  },
});
const BODY_MB = Number(args['body-mb']);
const STREAMS = Number(args.streams);
const SLOW = Number(args.slow);
const TOKEN = 'crm_bench_edge_token_5d8e1f0a2b';

const memory = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
};
const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));

function call(server: ListeningServer, agent: Agent, path: string): Promise<number> {
  const url = new URL(server.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      res.on('error', reject);
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Other callers: one request after another until `until` resolves; their latencies. */
async function otherCallers(server: ListeningServer, until: Promise<unknown>): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    out.push(await call(server, agent, '/api/workspace'));
    await sleep(5);
  }
  agent.destroy();
  return out;
}

async function latencies(server: ListeningServer, n: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await call(server, agent, '/api/workspace'));
  agent.destroy();
  return out;
}

/** POST a JSON search body of `mb` MB, written chunk by chunk (one 1 MB chunk reused): status, ms, MB sent. */
function hugeBody(server: ListeningServer, mb: number, declared: boolean): Promise<{ status: number | string; ms: number; sentMb: number }> {
  const url = new URL(server.url);
  const head = Buffer.from('{"filterGroups":[],"query":"');
  const tail = Buffer.from('"}');
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  const total = mb * 1024 * 1024;
  const started = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number | string) => {
      if (settled) return;
      settled = true;
      resolve({ status, ms: performance.now() - started, sentMb: sent / 1024 / 1024 });
    };
    const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    if (declared) headers['content-length'] = String(total);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/crm/v3/objects/contacts/search', headers }, (res) => {
      // the answer came: stop sending, and drop the connection once it is read
      const status = res.statusCode!;
      res.resume();
      res.on('error', () => finish(status));
      res.on('end', () => {
        finish(status);
        req.destroy();
      });
    });
    req.on('error', (err) => finish(`socket ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    const write = () => {
      while (!settled && sent < total) {
        const piece = sent === 0 ? Buffer.concat([head, chunk.subarray(head.length)]) : sent + chunk.length >= total ? Buffer.concat([chunk.subarray(0, total - sent - tail.length), tail]) : chunk;
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', write);
      }
      if (!settled) req.end();
    };
    write();
  });
}

/** Highest VmRSS seen while `until` runs, sampled every 20 ms. */
async function peakRss(pid: number, until: Promise<unknown>): Promise<number> {
  let peak = 0;
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    peak = Math.max(peak, memory(pid).rssMb);
    await sleep(20);
  }
  return Math.max(peak, memory(pid).rssMb);
}

const scriptOf = (checkout: string | undefined) => (checkout ? join(resolve(checkout), 'server/index.ts') : undefined);

async function bodyRun(label: string, checkout?: string): Promise<Array<Array<string | number>>> {
  const dir = await tempDir('bench-edge');
  const server = await startServerProcess({ DATA_DIR: dir.path, CRM_ADMIN_TOKEN: TOKEN, CRM_REQUEST_TIMEOUT_MS: '600000' }, scriptOf(checkout));
  const rows: Array<Array<string | number>> = [];
  try {
    await latencies(server, 50); // warm up
    for (const declared of [false, true]) {
      const pid = server.child.pid!;
      const before = memory(pid);
      const refused = hugeBody(server, BODY_MB, declared);
      const [others, peak] = await Promise.all([otherCallers(server, refused), peakRss(pid, refused)]);
      const result = await refused;
      await sleep(2_000);
      const after = memory(pid);
      const s = summarize(others);
      rows.push([label, declared ? 'Content-Length' : 'chunked', String(result.status), ms(result.ms), result.sentMb.toFixed(0), before.rssMb.toFixed(0), peak.toFixed(0), after.rssMb.toFixed(0), ms(s.p50), ms(s.max)]);
    }
  } finally {
    await server.stop();
    await dir.remove();
  }
  return rows;
}

/** An open change stream: whether it is still open (not ended by the server), and how to close it. */
function openStream(server: ListeningServer): Promise<{ open(): boolean; close(): void }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/api/changes/stream', agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let seen = '';
      let ended = false;
      res.on('data', (c) => {
        seen += c;
        if (seen.includes('event: ready')) {
          seen = '';
          resolve({ open: () => !ended, close: () => req.destroy() });
        }
      });
      res.on('end', () => (ended = true));
      res.on('error', () => (ended = true));
    });
    req.on('error', reject);
    req.end();
  });
}

function slowClient(server: ListeningServer): Promise<{ socket: Socket; closed: Promise<number> }> {
  const url = new URL(server.url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\n`);
      const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 1_000);
      const closed = new Promise<number>((done) =>
        socket.once('close', () => {
          clearInterval(drip);
          done(performance.now() - started);
        }),
      );
      resolve({ socket, closed });
    });
    socket.on('error', () => {});
  });
}

async function connectionRun(label: string, checkout?: string): Promise<Array<Array<string | number>>> {
  const dir = await tempDir('bench-edge');
  const server = await startServerProcess({ DATA_DIR: dir.path, CRM_ADMIN_TOKEN: TOKEN }, scriptOf(checkout));
  const rows: Array<Array<string | number>> = [];
  try {
    await latencies(server, 50);
    const quiet = summarize(await latencies(server, 300));
    rows.push([label, 'quiet', '-', ms(quiet.p50), ms(quiet.p99), '-']);
    const slow = await Promise.all(Array.from({ length: SLOW }, () => slowClient(server)));
    const during = summarize(await latencies(server, 300));
    const heldFor = summarize(await Promise.all(slow.map((s) => s.closed)));
    rows.push([label, `${SLOW} clients trickling headers`, '-', ms(during.p50), ms(during.p99), `${(heldFor.max / 1000).toFixed(1)} s`]);
    const streams = await Promise.all(Array.from({ length: STREAMS }, () => openStream(server)));
    // past the streams' first reads: what a server with that many companions signed in sees
    await sleep(5_000);
    const held = summarize(await latencies(server, 300));
    rows.push([label, `${STREAMS} change streams open`, String(streams.filter((st) => st.open()).length), ms(held.p50), ms(held.p99), '-']);
    for (const st of streams) st.close();
  } finally {
    await server.stop();
    await dir.remove();
  }
  return rows;
}

if (args.only !== 'connections') {
const bodyRows = [...(args.baseline ? await bodyRun('before (baseline checkout)', args.baseline) : []), ...(await bodyRun('this checkout (4 MiB limit)'))];
console.log(`\nA refused ${BODY_MB} MB JSON body (server's memory from /proc; other callers: GET /api/workspace, one at a time, meanwhile)\n`);
console.log(markdownTable(['server', 'body', 'status', 'answer ms', 'MB sent', 'RSS before MB', 'peak RSS MB', 'RSS after MB', 'others p50 ms', 'others max ms'], bodyRows));
}
if (args.only !== 'body') {
const connRows = [...(args.baseline ? await connectionRun('before', args.baseline) : []), ...(await connectionRun('this checkout'))];
console.log('\nOther callers (GET /api/workspace, one at a time) while slow clients trickle headers, then with many change streams open (counted open at the end)\n');
console.log(markdownTable(['server', 'situation', 'streams still open', 'p50 ms', 'p99 ms', 'slow sockets held at most'], connRows));
}
