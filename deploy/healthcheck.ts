/**
 * The service's health check (systemd unit, container HEALTHCHECK): asks the server on this machine
 * for `GET /ready` (its database answers) and exits 0 when it says ready, 1 when not, 2 for a
 * bad command line or environment. It reads the server's own environment (PORT, HOST), so it
 * runs with the same EnvironmentFile or container environment as the server.
 *
 *   node deploy/healthcheck.ts               one check
 *   node deploy/healthcheck.ts --wait 60     checks every second until ready, at most 60 s (start-up)
 *   node deploy/healthcheck.ts --path /health   liveness only: the process answers
 */
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../server/config.ts';

const USAGE = 'usage: node deploy/healthcheck.ts [--wait <seconds, 0-600>] [--path /ready|/health]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let args: { wait?: string; path?: string };
try {
  args = parseArgs({ options: { wait: { type: 'string' }, path: { type: 'string' } }, strict: true, allowPositionals: false }).values;
} catch (err) {
  fail((err as Error).message);
}
const waitSeconds = args.wait === undefined ? 0 : Number(args.wait);
if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 600) fail(`--wait "${args.wait}": must be a whole number of seconds from 0 to 600`);
const path = args.path ?? '/ready';
if (path !== '/ready' && path !== '/health') fail(`--path "${path}": must be /ready or /health`);

const config = loadConfigOrExit();
if (config.port === 0) fail('PORT is 0 (a free port picked at start): the health check needs the fixed port the server listens on');
// a server listening on every interface answers on loopback too
const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}${path}`;

async function once(): Promise<{ ok: boolean; said: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.text()).slice(0, 300);
    return { ok: res.status === 200, said: `${res.status} ${body}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, said: `no answer (${cause ?? (err as Error).message})` };
  }
}

const deadline = Date.now() + waitSeconds * 1000;
for (;;) {
  const result = await once();
  if (result.ok) {
    process.stdout.write(`healthy: GET ${url} answered ${result.said}\n`);
    process.exit(0);
  }
  if (Date.now() >= deadline) {
    process.stderr.write(`unhealthy: GET ${url}: ${result.said}\n`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
