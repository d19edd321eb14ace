import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';

/**
 * The load generator. It runs in a child process so that making requests does not take CPU from
 * the server under test in the same event loop: the parent sends a spec, the child runs it with
 * `clients` keep-alive connections and sends back every latency.
 */

export interface LoadSpec {
  name: string;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  method: 'GET' | 'PUT' | 'POST';
  /** One path per request, warm-up first; a single path is reused for every request. */
  paths: string[];
  headers?: Record<string, string>;
  body?: string;
  clients: number;
  warmup: number;
  requests: number;
  /** Status a request must answer with to count as a success. */
  expectStatus: number;
  /**
   * Open loop: start requests at this mean rate (Poisson arrivals) whatever the answers take, up
   * to 64 in flight; latency counts from the moment a request is sent. Closed loop when absent:
   * `clients` connections each send the next request as soon as the last one answered.
   */
  ratePerSecond?: number;
}

export interface LoadResult {
  /** Latency of every measured request, in ms, in completion order. */
  latenciesMs: number[];
  seconds: number;
  /** CPU seconds the load generator itself used during the measured requests. */
  cpuSeconds: number;
  errors: number;
  firstError?: string;
}

type ToChild = { kind: 'run'; spec: LoadSpec } | { kind: 'exit' };
type FromChild = { kind: 'measuring' } | { kind: 'done'; result: LoadResult } | { kind: 'failed'; message: string };

/** A load generator child process; `run` one spec at a time. */
export class LoadGenerator {
  readonly #child: ChildProcess;
  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  static start(): LoadGenerator {
    const child = fork(new URL(import.meta.url).pathname, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new LoadGenerator(child);
  }

  /** Runs a spec; `onMeasuring` fires when the warm-up is over and the measured requests start. */
  run(spec: LoadSpec, onMeasuring: () => void = () => {}): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromChild) => {
        if (m.kind === 'measuring') return onMeasuring();
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
        if (m.kind === 'done') resolve(m.result);
        else reject(new Error(`load generator: ${m.message}`));
      };
      const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
      this.#child.send({ kind: 'run', spec } satisfies ToChild);
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.send({ kind: 'exit' } satisfies ToChild);
    await exited;
  }
}

// ---- the child ---------------------------------------------------------------------------------

function send(agent: http.Agent, url: URL, spec: LoadSpec, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method: spec.method, path, headers: { ...spec.headers, ...(spec.body ? { 'content-length': Buffer.byteLength(spec.body) } : {}) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (res.statusCode !== spec.expectStatus) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(spec.body);
  });
}

async function runSpec(spec: LoadSpec, onMeasuring: () => void): Promise<LoadResult> {
  const url = new URL(spec.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.clients });
  if (spec.ratePerSecond) agent.maxSockets = Math.max(spec.clients, 64);
  const pathAt = (i: number) => (spec.paths.length === 1 ? spec.paths[0]! : spec.paths[i]!);
  if (spec.paths.length !== 1 && spec.paths.length < spec.warmup + spec.requests) throw new Error(`${spec.name}: ${spec.paths.length} paths for ${spec.warmup + spec.requests} requests`);
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];

  const one = async (i: number, record: boolean) => {
    const started = performance.now();
    try {
      const r = await send(agent, url, spec, pathAt(i));
      const ms = performance.now() - started;
      if (r.status !== spec.expectStatus) {
        errors++;
        firstError ??= `${r.status} ${r.body.slice(0, 300)}`;
      } else if (record) latencies.push(ms);
    } catch (err) {
      errors++;
      firstError ??= String(err);
    }
  };

  const closedLoop = async (from: number, to: number, record: boolean) => {
    let next = from;
    const worker = async () => {
      while (next < to) await one(next++, record);
    };
    await Promise.all(Array.from({ length: spec.clients }, worker));
  };

  // exponential gaps from a fixed seed, so every run offers the same arrivals
  let seed = 12_345;
  const gap = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return -Math.log(1 - seed / 4_294_967_296) / spec.ratePerSecond!;
  };
  const openLoop = async (from: number, to: number, record: boolean) => {
    const inFlight: Array<Promise<void>> = [];
    let at = performance.now();
    for (let i = from; i < to; i++) {
      at += gap() * 1000;
      const wait = at - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(one(i, record));
    }
    await Promise.all(inFlight);
  };

  const phase = spec.ratePerSecond ? openLoop : closedLoop;
  await phase(0, spec.warmup, false);
  onMeasuring();
  const started = performance.now();
  const cpu = process.cpuUsage();
  await phase(spec.warmup, spec.warmup + spec.requests, true);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return { latenciesMs: latencies, seconds, cpuSeconds: (used.user + used.system) / 1e6, errors, ...(firstError ? { firstError } : {}) };
}

if (process.argv.includes('--child')) {
  // the parent is gone (ended, or interrupted): so is this
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToChild) => {
    if (m.kind === 'exit') {
      process.disconnect();
      return;
    }
    runSpec(m.spec, () => process.send!({ kind: 'measuring' } satisfies FromChild)).then(
      (result) => process.send!({ kind: 'done', result } satisfies FromChild),
      (err: unknown) => process.send!({ kind: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromChild),
    );
  });
}
