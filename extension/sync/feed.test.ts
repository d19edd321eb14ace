// @vitest-environment node
// The real server over HTTP: happy-dom's fetch would apply a web page's CORS rules to it.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiFailure } from '../api/client.ts';
import { createCache } from '../cache/index.ts';
import { createFeedFollower } from './feed.ts';
import { startTestServer, type TestServer } from '../../test/helpers/extension-server.ts';
import { until } from '../../test/helpers/until.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function contact(email: string, firstname?: string): Promise<{ id: string; properties: Record<string, string | null> }> {
  const r = await server.call('POST', '/crm/v3/objects/contacts', { properties: { email, ...(firstname ? { firstname } : {}) } });
  expect(r.status).toBe(201);
  return r.body;
}

describe('change feed follower (B2, X4)', () => {
  it('B2: a fresh cache starts at the feed\'s end, then each pull applies what changed and stores the cursor', async () => {
    const cache = createCache({ dbName: 'feed-pull-1' });
    const follower = createFeedFollower({ cache, connection: () => server.connection });
    try {
      const ada = await contact('ada@pull.example', 'Ada');
      expect(await follower.pull()).toBe(0);
      const start = await cache.cursor();
      expect(start).toMatch(/^\d+$/);
      // the sidebar read Ada from the server
      await cache.putRecords([{ objectType: 'contacts', id: ada.id, properties: ada.properties }]);
      await cache.putAssociations(ada.id, []);
      expect((await server.call('PATCH', `/crm/v3/objects/contacts/${ada.id}`, { properties: { firstname: 'Ada L.' } })).status).toBe(200);
      const deal = await server.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Pulled deal' } });
      expect((await server.call('PUT', `/crm/v4/objects/contacts/${ada.id}/associations/default/deals/${deal.body.id}`)).status).toBe(200);
      const seen: string[][] = [];
      follower.subscribe((_events, touched) => seen.push(touched));
      expect(await follower.pull()).toBeGreaterThanOrEqual(3);
      expect((await cache.getRecord(ada.id))?.properties.firstname).toBe('Ada L.');
      expect(await cache.associationsOf(ada.id)).toEqual([{ fromId: ada.id, toType: 'deals', toId: String(deal.body.id), typeIds: [4] }]);
      expect(seen.flat()).toContain(ada.id);
      expect(await cache.cursor()).not.toBe(start);
      expect(await follower.pull()).toBe(0);
    } finally {
      cache.close();
    }
  });

  it('B2: the live stream brings another client\'s change into the cache in well under a second', async () => {
    const cache = createCache({ dbName: 'feed-live-1' });
    const follower = createFeedFollower({ cache, connection: () => server.connection });
    try {
      const bo = await contact('bo@live.example', 'Bo');
      await follower.pull();
      await cache.putRecords([{ objectType: 'contacts', id: bo.id, properties: bo.properties }]);
      await cache.putAssociations(bo.id, []);
      expect(await cache.contactByEmail('cy@live.example')).toBeUndefined();
      follower.start();
      await until(() => follower.live(), Boolean, 5_000);

      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const company = await server.call('POST', '/crm/v3/objects/companies', { properties: { name: `Live ${i}` } });
        const started = performance.now();
        expect((await server.call('PUT', `/crm/v4/objects/contacts/${bo.id}/associations/default/companies/${company.body.id}`)).status).toBe(200);
        await until(async () => (await cache.associationsOf(bo.id))?.some((a) => a.toId === String(company.body.id)), Boolean, 5_000);
        latencies.push(performance.now() - started);
      }
      latencies.sort((a, b) => a - b);
      console.log(`feed: write → other client's cache, loopback, ms: median ${latencies[2]!.toFixed(1)}, max ${latencies[4]!.toFixed(1)}`);
      expect(latencies[4]).toBeLessThan(1_000);
      // the first company is primary (R8): the cache has both type ids for it
      const first = (await cache.associationsOf(bo.id))!.find((a) => a.typeIds.includes(1));
      expect(first?.typeIds).toEqual([1, 279]);

      // a contact created elsewhere for an address the rep looked up arrives by itself
      const cy = await contact('cy@live.example', 'Cy');
      const cached = await until(() => cache.contactByEmail('cy@live.example'), (c) => c !== undefined, 5_000);
      expect(cached.id).toBe(cy.id);
    } finally {
      await follower.stop();
      cache.close();
    }
    expect(follower.live()).toBe(false);
  });

  it('X4: a worker that dies while following resumes from the stored cursor and misses nothing', async () => {
    const dbName = 'feed-restart-1';
    const dee = await contact('dee@restart.example', 'Dee');
    const first = createCache({ dbName });
    const firstFollower = createFeedFollower({ cache: first, connection: () => server.connection });
    await firstFollower.pull();
    await first.putRecords([{ objectType: 'contacts', id: dee.id, properties: dee.properties }]);
    firstFollower.start();
    await until(() => firstFollower.live(), Boolean, 5_000);
    await firstFollower.stop();
    first.close();

    // changes while no worker runs
    for (const name of ['Dee 1', 'Dee 2', 'Dee 3']) {
      expect((await server.call('PATCH', `/crm/v3/objects/contacts/${dee.id}`, { properties: { firstname: name } })).status).toBe(200);
    }
    const second = createCache({ dbName });
    const follower = createFeedFollower({ cache: second, connection: () => server.connection });
    try {
      expect((await second.getRecord(dee.id))?.properties.firstname).toBe('Dee');
      follower.start();
      await until(async () => (await second.getRecord(dee.id))?.properties.firstname, (name) => name === 'Dee 3', 5_000);
    } finally {
      await follower.stop();
      second.close();
    }
  });

  it('B2: a page of the feed that does not fit its schema is an error naming the route and the field; nothing of it is applied', async () => {
    const cache = createCache({ dbName: 'feed-shape-1' });
    // the real server's pages, each event's kind dropped on the way
    const drifted = async (input: string, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (new URL(input).pathname !== '/api/changes') return res;
      const page = await res.json();
      return Response.json({ ...page, results: page.results.map(({ kind: _kind, ...e }: Record<string, unknown>) => e) }, { status: res.status });
    };
    const follower = createFeedFollower({ cache, connection: () => server.connection, fetch: drifted });
    try {
      await follower.pull();
      const start = await cache.cursor();
      await contact('eve@shape.example', 'Eve');
      const failure = await follower.pull().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ApiFailure);
      expect(failure).toMatchObject({ code: 'INVALID_RESPONSE', status: 200, route: `GET /api/changes?after=${start}&limit=500` });
      expect((failure as ApiFailure).message).toContain('results[0].kind: ');
      expect(await cache.cursor()).toBe(start);
    } finally {
      cache.close();
    }
  });

  it('B2: an event of the live stream that does not fit its schema ends the connection, named in a warning; the cursor stays before it', async () => {
    const cache = createCache({ dbName: 'feed-shape-2' });
    // a record event whose objectId is a number: every other field as the server sends it
    const event = { kind: 'record', cursor: '999999', committedAt: null, id: '1', action: 'CREATED', occurredAt: new Date().toISOString(), objectType: 'contacts', objectId: 5 };
    const bad = `event: change\nid: 999999\ndata: ${JSON.stringify(event)}\n\n`;
    const streams: string[] = [];
    const drifted = async (input: string, init?: RequestInit) => {
      if (new URL(input).pathname !== '/api/changes/stream') return fetch(input, init);
      streams.push(input);
      return new Response(bad, { headers: { 'content-type': 'text/event-stream' } });
    };
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(' ')));
    const follower = createFeedFollower({ cache, connection: () => server.connection, fetch: drifted, reconnectMs: 10_000 });
    try {
      await follower.pull();
      const start = await cache.cursor();
      follower.start();
      const warning = await until(() => warnings.find((w) => w.includes('event 999999')), (w) => w !== undefined, 5_000);
      expect(warning).toMatch(/^change stream: GET \/api\/changes\/stream\?after=\d+: event 999999 does not fit its schema: /);
      expect(warning).toMatch(/schema: objectId: [^;]*$/);
      expect(await cache.cursor()).toBe(start);
      expect(streams).toHaveLength(1);
    } finally {
      await follower.stop();
      warn.mockRestore();
      cache.close();
    }
  });

  it('X4: without a connection the follower does nothing; a bad token is an error, not an endless success', async () => {
    const cache = createCache({ dbName: 'feed-none-1' });
    try {
      expect(await createFeedFollower({ cache, connection: () => null }).pull()).toBe(0);
      expect(await cache.cursor()).toBeUndefined();
      const denied = createFeedFollower({ cache, connection: () => ({ ...server.connection, token: 'crm_not_a_real_token_at_all' }) });
      const refused = await denied.pull().catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ApiFailure);
      expect(refused).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', route: 'GET /api/changes/latest', message: expect.stringContaining('token') });
    } finally {
      cache.close();
    }
  });
});
