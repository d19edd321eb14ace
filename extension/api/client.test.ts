// @vitest-environment node
// (the server under test resolves its files from file: URLs, which the DOM environment's URL does not)
import { describe, expect, it } from 'vitest';
import { apiPaths } from '../../shared/api-paths.ts';
import { importIdParam, importView } from '../../shared/imports.ts';
import { simplePublicObject } from '../../shared/records.ts';
import { useTestApp } from '../../test/helpers/app.ts';
import { ApiFailure, createApiClient, type FetchLike } from './client.ts';
import { searchAll } from './reads.ts';

const t = useTestApp();
const SERVER = 'http://127.0.0.1:4997';
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  return t.app.request(`${url.pathname}${url.search}`, init);
};
const conn = () => ({ server: SERVER, token: t.token });

/** The real server's answer, with its JSON body changed by `edit` on the way: a server that answers outside the contract. */
function tampered(edit: (body: any) => unknown): FetchLike {
  return async (input, init) => {
    const res = await appFetch(input, init);
    const body = edit(await res.json());
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
}

/** What a promise rejected with (fails the test when it resolved). */
async function failureOf(promise: Promise<unknown>): Promise<ApiFailure> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.err).toBeInstanceOf(ApiFailure);
  return outcome.err as ApiFailure;
}

describe('the API client: paths, schemas and errors shared with the server', () => {
  it('an answer is parsed with its route\'s shared schema and typed by it', async () => {
    const client = createApiClient(conn(), { fetch: appFetch });
    const created = await client.request(apiPaths.createRecord('companies'), { method: 'POST', body: { properties: { name: 'Parsed Ltd' } }, schema: simplePublicObject });
    expect(created).toMatchObject({ id: expect.stringMatching(/^\d+$/), properties: { name: 'Parsed Ltd' }, archived: false });
  });

  it('an answer that does not fit its schema is an INVALID_RESPONSE naming the route and each bad field', async () => {
    await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'shape@client.example', firstname: 'Shape' } });
    // ids as numbers and no total: a server that drifted from the contract
    const drifted = tampered((body) => (body.results ? { results: body.results.map((r: any) => ({ ...r, id: Number(r.id) })) } : body));
    const failure = await failureOf(searchAll(conn(), 'shape', Promise.resolve(null), 5, drifted));
    expect(failure).toMatchObject({ code: 'INVALID_RESPONSE', status: 200, route: expect.stringMatching(/^POST \/crm\/v3\/objects\/\w+\/search$/) });
    expect(failure.message).toMatch(/^POST \/crm\/v3\/objects\/\w+\/search: the 200 answer does not fit its schema: /);
    expect(failure.message).toContain('total: ');
  });

  it('a field deep in an answer is named by its path', async () => {
    await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'deep@client.example' } });
    const drifted = tampered((body) => ({ ...body, results: body.results.map((r: any) => ({ ...r, properties: { ...r.properties, email: 42 } })) }));
    const failure = await failureOf(searchAll(conn(), 'deep@client.example', Promise.resolve(null), 5, drifted));
    expect(failure.message).toContain('results[0].properties.email: ');
  });

  it('the server\'s error: its ErrorCode, status, message and context', async () => {
    const client = createApiClient(conn(), { fetch: appFetch });
    const create = () => client.request(apiPaths.createRecord('contacts'), { method: 'POST', body: { properties: { email: 'dup@client.example' } }, schema: simplePublicObject });
    const first = await create();
    const failure = await failureOf(create());
    expect(failure).toMatchObject({ status: 409, code: 'CONFLICT', route: 'POST /crm/v3/objects/contacts', context: { id: [first.id] } });
    expect(failure.message).toContain(first.id);
  });

  it('path parameters are encoded: a type name with a slash reaches its route and is refused as a type, not as a path', async () => {
    const client = createApiClient(conn(), { fetch: appFetch });
    const failure = await failureOf(client.request(apiPaths.searchRecords('no/such type'), { method: 'POST', body: {}, schema: simplePublicObject }));
    expect(failure).toMatchObject({ status: 404, code: 'OBJECT_TYPE_NOT_FOUND', message: expect.stringContaining('no/such type') });
  });

  it('no answer is UNREACHABLE (status 0); an error page that is not the server\'s, or a body that is not JSON, is INVALID_RESPONSE with its status', async () => {
    const offline = createApiClient(conn(), {
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    expect(await failureOf(offline.request(apiPaths.workspace(), { method: 'GET', schema: simplePublicObject }))).toMatchObject({ status: 0, code: 'UNREACHABLE', message: expect.stringContaining('fetch failed') });

    const proxy = createApiClient(conn(), { fetch: async () => new Response('<html><body>502 Bad Gateway</body></html>', { status: 502, headers: { 'retry-after': '3' } }) });
    expect(await failureOf(proxy.request(apiPaths.workspace(), { method: 'GET', schema: simplePublicObject }))).toMatchObject({
      status: 502,
      code: 'INVALID_RESPONSE',
      retryAfterMs: 3000,
      message: expect.stringMatching(/^GET \/api\/workspace answered 502 without the server's error body: .*502 Bad Gateway/),
    });

    const text = createApiClient(conn(), { fetch: async () => new Response('OK', { status: 200 }) });
    expect(await failureOf(text.request(apiPaths.workspace(), { method: 'GET', schema: simplePublicObject }))).toMatchObject({ status: 200, code: 'INVALID_RESPONSE', message: expect.stringContaining('not JSON') });
  });

  it('a caller that gives up gets its abort, not an unreachable server', async () => {
    const gaveUp = new AbortController();
    const client = createApiClient(conn(), {
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason), { once: true });
        }),
    });
    const pending = client.request(apiPaths.workspace(), { method: 'GET', schema: simplePublicObject, signal: gaveUp.signal });
    gaveUp.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a form is sent as multipart with the browser\'s own content type (a file in it streams); timeoutMs null means no timeout, a number its own', async () => {
    let sent: { type: string | null; signal: AbortSignal | undefined } | undefined;
    const client = createApiClient(conn(), {
      timeoutMs: 1,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent = { type: request.headers.get('content-type'), signal: init?.signal ?? undefined };
        return appFetch(input, init);
      },
    });
    const form = new FormData();
    form.append('options', JSON.stringify({ objectType: 'contacts' }));
    form.append('file', new File(['Email\nform.sent@example.com\n'], 'people.csv', { type: 'text/csv' }));
    const { id } = await client.request(apiPaths.imports(), { method: 'POST', form, schema: importIdParam, timeoutMs: null });
    expect(sent?.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent?.signal).toBeUndefined();
    const view = await client.request(apiPaths.importJob(id), { method: 'GET', schema: importView, timeoutMs: 15_000 });
    expect(view.fileName).toBe('people.csv');
    expect(view.rowsTotal).toBe(1);
  });
});
