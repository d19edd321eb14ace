import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../extension/sync/sse.ts';
import type { AppEnv } from '../server/env.ts';
import { onError } from '../server/errors.ts';
import { bearerAuth, TokenCache } from '../server/middleware/auth.ts';
import { changeStreamRoutes } from '../server/routes/changes-stream.ts';
import { useTestApp } from './helpers/app.ts';
import { until } from './helpers/server-process.ts';

const t = useTestApp();

/** An open event stream: events as they arrive, and a way to wait for some. */
interface Stream {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  comments: number;
  /** Resolves once `n` events of kind `event` have arrived (or rejects after `ms`). */
  waitFor(event: string, n: number, ms?: number): Promise<SseEvent[]>;
  close(): Promise<void>;
}

async function open(path: string, headers: Record<string, string> = {}, app: { request: (p: string, init: RequestInit) => Response | Promise<Response> } = t.app): Promise<Stream> {
  const res = await app.request(path, { headers: { authorization: `Bearer ${t.token}`, ...headers } });
  const events: SseEvent[] = [];
  const stream: Stream = {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    comments: 0,
    waitFor: (event, n, ms = 5_000) =>
      until(
        async () => events.filter((e) => e.event === event),
        (got) => got.length >= n,
        ms,
      ),
    close: async () => {},
  };
  if (!res.body || res.status !== 200) return stream;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser((e) => events.push(e));
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      const text = decoder.decode(value, { stream: true });
      stream.comments += (text.match(/^:/gm) ?? []).length;
      parser.push(text);
    }
  })();
  stream.close = async () => {
    await reader.cancel();
    await pump;
  };
  return stream;
}

async function newContact(email: string): Promise<string> {
  const r = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email } });
  expect(r.status).toBe(201);
  return r.body.id;
}

describe('GET /api/changes/stream (B2, X4)', () => {
  it('B2: the stream carries the same events and cursors as GET /api/changes, in order, then the new ones live', async () => {
    await newContact('before-1@stream.example');
    await newContact('before-2@stream.example');
    const page = await t.call('GET', '/api/changes');
    expect(page.status).toBe(200);
    const stream = await open('/api/changes/stream');
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toContain('text/event-stream');
      const [ready] = await stream.waitFor('ready', 1);
      expect(JSON.parse(ready!.data)).toEqual({ after: '0' });
      const backlog = await stream.waitFor('change', page.body.results.length);
      expect(backlog.map((e) => JSON.parse(e.data))).toEqual(page.body.results);
      expect(backlog.map((e) => e.id)).toEqual(page.body.results.map((r: { cursor: string }) => r.cursor));

      // a write now reaches the open stream at once (no polling wait: the write wakes it)
      const started = performance.now();
      const id = await newContact('live@stream.example');
      const live = await stream.waitFor('change', page.body.results.length + 1);
      const elapsed = performance.now() - started;
      const last = JSON.parse(live.at(-1)!.data);
      expect(last).toMatchObject({ kind: 'record', action: 'CREATED', objectType: 'contacts', objectId: id });
      expect(elapsed).toBeLessThan(1_000);
    } finally {
      await stream.close();
    }
  });

  it('B2: a reconnecting client resumes after its Last-Event-ID, and `after` works the same', async () => {
    const a = await newContact('resume-a@stream.example');
    const b = await newContact('resume-b@stream.example');
    const all = (await t.call('GET', '/api/changes?limit=1000')).body.results as Array<{ cursor: string; objectId?: string }>;
    const atA = all.findIndex((e) => e.objectId === a);
    expect(atA).toBeGreaterThanOrEqual(0);
    const rest = all.slice(atA + 1);
    expect(rest.some((e) => e.objectId === b)).toBe(true);

    // the Last-Event-ID header wins over `after`
    const ways: Array<[string, Record<string, string>]> = [
      ['/api/changes/stream?after=0', { 'last-event-id': all[atA]!.cursor }],
      [`/api/changes/stream?after=${all[atA]!.cursor}`, {}],
    ];
    for (const [path, headers] of ways) {
      const stream = await open(path, headers);
      try {
        const got = await stream.waitFor('change', rest.length);
        expect(got.map((e) => e.id)).toEqual(rest.map((e) => e.cursor));
      } finally {
        await stream.close();
      }
    }
  });

  it('B2: /api/changes/latest is the end of the feed: from there only what comes next', async () => {
    await newContact('old@stream.example');
    const latest = await t.call('GET', '/api/changes/latest');
    expect(latest.status).toBe(200);
    expect(latest.body.after).toMatch(/^\d+$/);
    expect((await t.call('GET', `/api/changes?after=${latest.body.after}`)).body.results).toEqual([]);
    const id = await newContact('next@stream.example');
    const after = (await t.call('GET', `/api/changes?after=${latest.body.after}`)).body.results;
    expect(after.map((e: { objectId?: string }) => e.objectId)).toEqual([id]);
    expect((await t.call('GET', '/api/changes/latest', undefined, null)).status).toBe(401);
  });

  it('B2: POST /api/companion/thread says the feed\'s end it read before its answer (x-changes-after), as /api/changes/latest would', async () => {
    const thread = async () => {
      const res = await t.app.request('/api/companion/thread', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ participants: [{ email: 'reader@stream.example' }], subject: 'Hello', ownAddresses: [] }),
      });
      expect(res.status).toBe(200);
      return { after: res.headers.get('x-changes-after'), body: await res.json() };
    };
    const before = await thread();
    expect(before.after).toMatch(/^\d+$/);
    expect(before.after).toBe((await t.call('GET', '/api/changes/latest')).body.after);
    expect(before.body.participants[0].contact).toBeNull();
    // a change after that position: the next answer shows it, and says a later position
    const id = await newContact('reader@stream.example');
    const next = await thread();
    expect(next.body.participants[0].contact.id).toBe(id);
    expect(Number(next.after)).toBeGreaterThan(Number(before.after));
    expect((await t.call('GET', `/api/changes?after=${next.after}`)).body.results).toEqual([]);
    expect((await t.call('GET', `/api/changes?after=${before.after}`)).body.results.map((e: { objectId?: string }) => e.objectId)).toEqual([id]);
  });

  it('B2: heartbeats keep an idle stream open', async () => {
    const cache = new TokenCache(0);
    const app = new Hono<AppEnv>().use('*', bearerAuth({ db: t.db.db, cache })).route('/api', changeStreamRoutes({ heartbeatMs: 30, pollMs: 50 }));
    app.onError(onError);
    const latest = (await t.call('GET', '/api/changes?limit=1000')).body.paging.next.after as string;
    const stream = await open(`/api/changes/stream?after=${latest}`, {}, app);
    try {
      await stream.waitFor('ready', 1);
      // three heartbeats (every 30 ms) arrive while nothing is written
      await until(async () => stream.comments, (n) => n >= 3, 5_000);
      // with polling only (this app has no write notifier), a write still arrives, and it is the
      // first change the stream carries: the heartbeats brought none
      const id = await newContact('polled@stream.example');
      const changes = await stream.waitFor('change', 1);
      expect(changes.map((e) => JSON.parse(e.data).objectId)).toEqual([id]);
    } finally {
      await stream.close();
    }
  });

  it('B2 security: no token, 401; a bad cursor, 400; another workspace sees none of these events', async () => {
    const res = await t.app.request('/api/changes/stream');
    expect(res.status).toBe(401);
    const bad = await open('/api/changes/stream?after=nope');
    expect(bad.status).toBe(400);
    const badResume = await open('/api/changes/stream', { 'last-event-id': 'x.y' });
    expect(badResume.status).toBe(400);

    const ws = await t.call('POST', '/api/workspaces', { name: 'Stream other', plan: 'enterprise' });
    const other = await open('/api/changes/stream', { authorization: `Bearer ${ws.body.adminToken}` });
    expect(other.status).toBe(200);
    try {
      await other.waitFor('ready', 1);
      await newContact('private@stream.example');
      // then a write of the other workspace: once its event is there, the first write's would be
      // too (one feed, in commit order), had it leaked
      const mine = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'mine@stream.example' } }, ws.body.adminToken);
      expect(mine.status).toBe(201);
      await other.waitFor('change', 1);
      expect(other.events.map((e) => [e.event, e.event === 'change' ? JSON.parse(e.data).objectId : null])).toEqual([['ready', null], ['change', mine.body.id]]);
    } finally {
      await other.close();
    }
  });
});
