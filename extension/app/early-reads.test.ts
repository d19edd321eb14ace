// @vitest-environment node
import { beforeAll, describe, expect, it } from 'vitest';
import { apiPaths } from '../../shared/api-paths.ts';
import { associationsView, historyPage } from '../../shared/history.ts';
import { simplePublicObject } from '../../shared/records.ts';
import { useTestApp } from '../../test/helpers/app.ts';
import { createApiClient, type FetchLike } from '../api/client.ts';
import { EARLY_MS, firstReads, withEarlyReads } from './early-reads.ts';
import { routeOf } from './routes.ts';

// the app shell's early reads against the real server in process: what goes over the wire, and when
const t = useTestApp();
const asked: string[] = [];
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  asked.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
  return t.app.request(`${url.pathname}${url.search}`, init);
};
let contact: string;
const connection = () => ({ server: 'http://127.0.0.1:4996', token: t.token });

beforeAll(async () => {
  contact = (await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'early@reads.example', firstname: 'Early' } })).body.id;
});

describe("the app's early reads", () => {
  it("a record page's reads go out once: started beside /api/me, the page's own requests take their answers", async () => {
    asked.length = 0;
    const client = withEarlyReads(createApiClient(connection(), { fetch: appFetch }));
    const route = routeOf(`#/contacts/${contact}`);
    client.start(firstReads(route));
    expect(asked).toHaveLength(2);
    // what the record page asks for, built as the page builds it
    const reads = firstReads(route);
    const record = await client.request(reads[0]!.path, { method: 'GET', schema: simplePublicObject });
    const view = await client.request(apiPaths.associationsAt({ objectType: 'contacts', id: contact }), { method: 'GET', schema: associationsView });
    expect(record.properties.firstname).toBe('Early');
    expect(view.associations).toBeDefined();
    expect(asked).toHaveLength(2);
    // taken once: the next read of the same path asks the server again
    await client.request(reads[0]!.path, { method: 'GET', schema: simplePublicObject });
    expect(asked).toHaveLength(3);
  });

  it('a different schema, or an early answer older than EARLY_MS, goes to the server', async () => {
    asked.length = 0;
    let clock = 0;
    const client = withEarlyReads(createApiClient(connection(), { fetch: appFetch }), () => clock);
    const route = routeOf(`#/contacts/${contact}/history`);
    const reads = firstReads(route);
    expect(reads.map((r) => r.path)).toEqual([apiPaths.associationHistory({ objectType: 'contacts', id: contact }, { limit: 50 }), apiPaths.record('contacts', contact, { properties: ['firstname', 'lastname', 'email'] })]);
    client.start(reads);
    expect(asked).toHaveLength(2);
    await client.request(reads[1]!.path, { method: 'GET', schema: historyPage.or(simplePublicObject) });
    expect(asked).toHaveLength(3);
    clock = EARLY_MS + 1;
    await client.request(reads[0]!.path, { method: 'GET', schema: historyPage });
    expect(asked).toHaveLength(4);
  });

  it('an early read that fails fails the page\'s request with the server\'s error, and nothing else', async () => {
    const client = withEarlyReads(createApiClient(connection(), { fetch: appFetch }));
    const route = routeOf('#/contacts/999999999');
    client.start(firstReads(route));
    await expect(client.request(firstReads(route)[0]!.path, { method: 'GET', schema: simplePublicObject })).rejects.toMatchObject({ status: 404 });
  });

  it('pages without early reads: none start', () => {
    expect(firstReads(routeOf('#/'))).toEqual([]);
    expect(firstReads(routeOf('#/contacts'))).toEqual([]);
  });
});
