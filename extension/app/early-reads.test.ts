// @vitest-environment node
import { beforeAll, describe, expect, it } from 'vitest';
import { apiPaths } from '../../shared/api-paths.ts';
import { associationsView, historyPage } from '../../shared/history.ts';
import { simplePublicObject } from '../../shared/records.ts';
import { meView } from '../../shared/workspace.ts';
import { useTestApp } from '../../test/helpers/app.ts';
import { createApiClient, type FetchLike } from '../api/client.ts';
import { bootApp } from './App.tsx';
import { EARLY_MS, type EarlyReads, firstReads, leaveEarlyReads, startEarlyReads, takeEarlyReads } from './early-reads.ts';
import { routeOf } from './routes.ts';

// the app page's early reads against the real server in process: what goes over the wire, and when
const t = useTestApp();
const SERVER = 'http://127.0.0.1:4996';
const asked: string[] = [];
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  asked.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
  return t.app.request(`${url.pathname}${url.search}`, init);
};
let contact: string;
const connection = () => ({ server: SERVER, token: t.token });
const signedIn = async () => connection();

beforeAll(async () => {
  contact = (await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'early@reads.example', firstname: 'Early' } })).body.id;
});

describe("the app page's early reads", () => {
  it("a record page: /api/me and the page's reads go out once, before the app's code; the app's client takes their answers", async () => {
    asked.length = 0;
    const early = await startEarlyReads(signedIn, `#/contacts/${contact}`, { fetch: appFetch });
    const reads = firstReads(routeOf(`#/contacts/${contact}`));
    expect(asked).toEqual([`GET ${apiPaths.me()}`, ...reads.map((path) => `GET ${path}`)]);
    // the app's client, and what the record page asks for, built as the page builds it
    const client = createApiClient(early.connection!, { fetch: early.fetch });
    const me = await client.request(apiPaths.me(), { method: 'GET', schema: meView });
    const record = await client.request(reads[0]!, { method: 'GET', schema: simplePublicObject });
    const view = await client.request(apiPaths.associationsAt({ objectType: 'contacts', id: contact }), { method: 'GET', schema: associationsView });
    expect(me.workspace.name).toBeTruthy();
    expect(record.properties.firstname).toBe('Early');
    expect(view.associations).toBeDefined();
    expect(asked).toHaveLength(3);
    // taken once: the next read of the same address asks the server again
    await client.request(reads[0]!, { method: 'GET', schema: simplePublicObject });
    expect(asked).toHaveLength(4);
  });

  it('another token, a write, or an early answer older than EARLY_MS goes to the server', async () => {
    asked.length = 0;
    let clock = 0;
    const route = routeOf(`#/contacts/${contact}/history`);
    const reads = firstReads(route);
    expect(reads).toEqual([apiPaths.associationHistory({ objectType: 'contacts', id: contact }, { limit: 50 }), apiPaths.record('contacts', contact, { properties: ['firstname', 'lastname', 'email'] })]);
    const early = await startEarlyReads(signedIn, `#/contacts/${contact}/history`, { fetch: appFetch, now: () => clock });
    expect(asked).toHaveLength(3);
    const other = createApiClient({ server: SERVER, token: 'someone-else' }, { fetch: early.fetch });
    await expect(other.request(reads[1]!, { method: 'GET', schema: simplePublicObject })).rejects.toMatchObject({ status: 401 });
    expect(asked).toHaveLength(4);
    const client = createApiClient(connection(), { fetch: early.fetch });
    await client.request(reads[1]!, { method: 'GET', schema: simplePublicObject });
    expect(asked).toHaveLength(4);
    clock = EARLY_MS + 1;
    const page = await client.request(reads[0]!, { method: 'GET', schema: historyPage });
    expect(page.results).toBeDefined();
    expect(asked).toHaveLength(5);
  });

  it("an early read that fails fails the page's request with the server's error", async () => {
    const early = await startEarlyReads(signedIn, '#/contacts/999999999', { fetch: appFetch });
    const client = createApiClient(early.connection!, { fetch: early.fetch });
    await expect(client.request(firstReads(routeOf('#/contacts/999999999'))[0]!, { method: 'GET', schema: simplePublicObject })).rejects.toMatchObject({ status: 404 });
  });

  it("the request's own abort still ends a request that took an early answer", async () => {
    let answer!: (r: Response) => void;
    const slow: FetchLike = () => new Promise((resolve) => (answer = resolve));
    const early = await startEarlyReads(signedIn, '#/', { fetch: slow });
    const controller = new AbortController();
    const taken = early.fetch(`${SERVER}${apiPaths.me()}`, { method: 'GET', headers: { authorization: `Bearer ${t.token}`, accept: 'application/json' }, signal: controller.signal });
    controller.abort(new Error('the page left'));
    await expect(taken).rejects.toThrow('the page left');
    answer(new Response('{}'));
  });

  it('signed out: nothing is sent, and the app says so', async () => {
    asked.length = 0;
    const early = startEarlyReads(async () => null, `#/contacts/${contact}`, { fetch: appFetch });
    expect(await bootApp(early)).toEqual({ state: 'signedOut' });
    expect(asked).toEqual([]);
  });

  it('the app signs in with the early /api/me', async () => {
    asked.length = 0;
    const boot = await bootApp(startEarlyReads(signedIn, '#/', { fetch: appFetch }));
    expect(boot.state).toBe('ready');
    expect(asked).toEqual([`GET ${apiPaths.me()}`]);
  });

  it('pages without first reads: only /api/me', () => {
    expect(firstReads(routeOf('#/'))).toEqual([]);
    expect(firstReads(routeOf('#/contacts'))).toEqual([]);
  });

  it('the early script and the app meet once, whichever runs first', async () => {
    const started: string[] = [];
    const start = (who: string) => () => {
      started.push(who);
      return Promise.resolve({ connection: null, fetch: appFetch } as EarlyReads);
    };
    // the early script first: the app takes its reads and starts none
    leaveEarlyReads(start('early script'));
    await takeEarlyReads(start('app'));
    expect(started).toEqual(['early script']);
    // the app first (the script still loading): the app starts them, the script then sends nothing
    started.length = 0;
    await takeEarlyReads(start('app'));
    leaveEarlyReads(start('early script'));
    expect(started).toEqual(['app']);
  });
});
