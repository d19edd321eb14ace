/**
 * Memory back after a burst of requests. Under load V8 lets its heap grow with garbage rather than
 * collect often, and an idle process collects it only when V8's memory reducer gets round to it: a
 * server on the bench graph went from 173 MB to 351-381 MB in two minutes of 100 associations a
 * second, and stayed there for 30 s to 120 s of idle, or longer (docs/performance-startup.md).
 *
 * So once no request has started for `afterMs`, and some did since the last time, the server runs
 * one full collection of the kind V8 makes when memory runs out: it compacts the heap and gives
 * the freed pages back to the system. A plain full collection frees the garbage but keeps the
 * pages (RSS unchanged, measured). On the bench graph after 90 s of load: 339 MB, then 174 MB
 * 10-15 s later (a restart idles at 173 MB); the collection took about 170 ms, at a moment nobody
 * waits. Open change streams do not count as activity: a rep's sidebar keeps one open all day.
 *
 * It needs `gc`, which Node exposes only with `--expose-gc` (npm start and npm run server pass it,
 * as package.json's scripts show); without it this does nothing.
 */
import type { Server } from 'node:http';

export interface IdleReclaim {
  /** Full collections run so far. */
  readonly collections: number;
  stop(): void;
}

/** Node's `gc` with `--expose-gc`: the options pick the collection. */
type Collect = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export function reclaimWhenIdle(server: Server, afterMs: number, gc = (globalThis as { gc?: Collect }).gc): IdleReclaim | undefined {
  if (typeof gc !== 'function') return undefined;
  let timer: NodeJS.Timeout | undefined;
  let collections = 0;
  const collect = () => {
    timer = undefined;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    collections++;
  };
  const onRequest = () => {
    // one timer per quiet spell: started by a request, pushed back by each later one
    if (timer) timer.refresh();
    else timer = setTimeout(collect, afterMs).unref();
  };
  server.on('request', onRequest);
  return {
    get collections() {
      return collections;
    },
    stop() {
      server.off('request', onRequest);
      if (timer) clearTimeout(timer);
    },
  };
}
