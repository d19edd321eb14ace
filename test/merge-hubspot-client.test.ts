import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';

/** X5: HubSpot's own Node client merges records here as it does at HubSpot. */
const t = useTestApp({ plan: 'professional' });
let server: ServerType;
let client: Client;

beforeAll(async () => {
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  client = new Client({ accessToken: t.token, basePath: `http://127.0.0.1:${port}`, numberOfApiCallRetries: 0 });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('@hubspot/api-client merge (X5)', () => {
  it('X5: contacts basicApi.merge answers the survivor; the merged id then reads as the survivor', async () => {
    const keep = await client.crm.contacts.basicApi.create({ properties: { email: 'keep@client.example', firstname: 'Keep' }, associations: [] });
    const dupe = await client.crm.contacts.basicApi.create({ properties: { email: 'dupe@client.example', firstname: 'Dupe' }, associations: [] });
    const merged = await client.crm.contacts.basicApi.merge({ primaryObjectId: keep.id, objectIdToMerge: dupe.id });
    expect(merged.id).toBe(keep.id);
    expect(merged.properties).toMatchObject({ email: 'keep@client.example', firstname: 'Keep', hs_merged_object_ids: dupe.id });
    expect((await client.crm.contacts.basicApi.getById(dupe.id)).id).toBe(keep.id);
  });

  it('X5: companies basicApi.merge of a record with itself is an ApiException with status 400', async () => {
    const co = await client.crm.companies.basicApi.create({ properties: { name: 'Self' }, associations: [] });
    await expect(client.crm.companies.basicApi.merge({ primaryObjectId: co.id, objectIdToMerge: co.id })).rejects.toMatchObject({ code: 400, body: { subCategory: 'MERGE_INVALID' } });
  });
});
