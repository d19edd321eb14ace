import { type Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { changesQuery, latestCursor } from '../../shared/history.ts';
import { type ChangeCursor, formatCursor, latestChange, parseCursor, readChanges } from '../domain/history/changes.ts';
import { nextWrite } from '../domain/history/live.ts';
import type { AppEnv } from '../env.ts';
import type { Revocations } from '../middleware/revocations.ts';
import { validate } from '../validate.ts';

export interface ChangeStreamOptions {
  /** A comment line this often keeps proxies and the client's idle timers from closing the stream (ms). */
  heartbeatMs?: number;
  /** Without a wake-up (a write here, or a NOTIFY from another process), read the feed again this often anyway (ms). */
  pollMs?: number;
  /** The `retry:` the client's EventSource waits before reconnecting (ms). */
  retryMs?: number;
  /** At least this long between two reads of one stream (ms): a burst of writes is read as one page. */
  minGapMs?: number;
  /** Closes a stream when its token is revoked (or its user deactivated or removed). */
  revocations?: Revocations;
}

const streamQuery = changesQuery.extend({ limit: z.coerce.number().int().min(1).max(1000).default(500) });

/** Where a stream starts: the Last-Event-ID of a reconnecting client wins over `after`. */
function startCursor(c: Context<AppEnv>, after: string | undefined): ChangeCursor {
  const lastEventId = c.req.header('last-event-id');
  return parseCursor(lastEventId !== undefined && lastEventId !== '' ? lastEventId : after);
}

/**
 * /api/changes/stream: the change feed (B2) live, as server-sent events. The same events and
 * cursors as GET /api/changes: each event is `event: change`, `id: <cursor>`, `data: <the event
 * as JSON>`. It needs the bearer token in the Authorization header like every route (the
 * extension reads it with fetch streaming; an EventSource cannot send headers).
 */
export function changeStreamRoutes(options: ChangeStreamOptions = {}) {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const pollMs = options.pollMs ?? 2_000;
  const retryMs = options.retryMs ?? 1_000;
  const minGapMs = options.minGapMs ?? 50;
  return new Hono<AppEnv>()
    .get(
      '/changes/latest',
      describeRoute({
        summary: "The change feed's end now",
        description: 'A cursor after every change committed so far: a client that has just read the state it needs follows the feed (GET /api/changes, /api/changes/stream) from here and skips the history before.',
        tags: ['History'],
        responses: { 200: { description: 'The cursor', content: { 'application/json': { schema: resolver(latestCursor) } } } },
      }),
      async (c) => {
        return c.json({ after: await latestChange(c.get('db'), c.get('auth').workspaceId) }, 200);
      },
    )
    .get(
      '/changes/stream',
      describeRoute({
        summary: 'The change feed, live (server-sent events)',
        description:
          'Server-sent events of the change feed (B2), from `after` or, when reconnecting, from the `Last-Event-ID` header: first `event: ready` with the starting cursor, then one `event: change` per change (its `id` is the event\'s cursor, its `data` the same JSON as in GET /api/changes), in commit order, as they commit. A comment line every 15 s keeps the connection open. Needs `Authorization: Bearer <token>`.',
        tags: ['History'],
        responses: { 200: { description: 'A text/event-stream of change events', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
      }),
      validate('query', streamQuery),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const q = c.req.valid('query');
        let cursor = startCursor(c, q.after);
        return streamSSE(c, async (stream) => {
          const aborts = new Set<() => void>();
          stream.onAbort(() => {
            for (const f of [...aborts]) f();
          });
          const unwatch = options.revocations?.watch(auth.workspaceId, auth.principal.tokenId, () => stream.abort());
          const heartbeat = setInterval(() => {
            if (!stream.aborted && !stream.closed) void stream.write(': heartbeat\n\n').catch(() => {});
          }, heartbeatMs);
          try {
            await stream.writeSSE({ event: 'ready', data: JSON.stringify({ after: formatCursor(cursor) }), id: formatCursor(cursor), retry: retryMs });
            while (!stream.aborted && !stream.closed) {
              // armed before reading: a write that lands while the page is read still wakes the next wait
              const woken = nextWrite(auth.workspaceId, pollMs, aborts);
              const page = await readChanges(db, auth.workspaceId, cursor, q.limit);
              const readAt = Date.now();
              for (const event of page.results) {
                if (stream.aborted) break;
                await stream.writeSSE({ event: 'change', id: event.cursor, data: JSON.stringify(event) });
              }
              cursor = page.next;
              if (page.hasMore) continue;
              await woken;
              const gap = minGapMs - (Date.now() - readAt);
              if (gap > 0 && !stream.aborted) await stream.sleep(gap);
            }
          } finally {
            unwatch?.();
            clearInterval(heartbeat);
            for (const f of [...aborts]) f();
          }
        });
      },
    );
}
