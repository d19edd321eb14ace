import { createSseParser, type SseEvent } from '../../extension/sync/sse.ts';

/** A change stream held open on a running server: events with the time each arrived. */
export interface LiveStream {
  events: Array<SseEvent & { at: number }>;
  /** Resolves once `n` events of kind `event` have arrived (rejects after `ms`). */
  waitFor(event: string, n: number, ms?: number): Promise<Array<SseEvent & { at: number }>>;
  close(): Promise<void>;
}

/** GET `path` (an event stream) with the bearer token, read in the background. */
export async function openLiveStream(url: string, token: string, path = '/api/changes/stream'): Promise<LiveStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  const events: LiveStream['events'] = [];
  const waiters = new Set<() => void>();
  const parser = createSseParser((e) => {
    events.push({ ...e, at: performance.now() });
    for (const w of [...waiters]) w();
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      parser.push(decoder.decode(value, { stream: true }));
    }
  })();
  return {
    events,
    waitFor: (event, n, ms = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const got = events.filter((e) => e.event === event);
          if (got.length < n) return;
          cleanup();
          resolve(got);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`waited ${ms} ms for ${n} "${event}" events, got ${events.filter((e) => e.event === event).length}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: async () => {
      abort.abort();
      await pump;
    },
  };
}
