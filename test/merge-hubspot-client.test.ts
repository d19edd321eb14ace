import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';

/** X5: HubSpot's own Node client merges records here as it does at HubSpot. */
const t = useTestApp({ plan: 'professional' });
const hub = useHubSpotClient(t);

describe('@hubspot/api-client merge (X5)', () => {
  it('X5: contacts basicApi.merge answers the survivor; the merged id then reads as the survivor', async () => {
    const keep = await hub.client.crm.contacts.basicApi.create({ properties: { email: 'keep@hub.client.example', firstname: 'Keep' }, associations: [] });
    const dupe = await hub.client.crm.contacts.basicApi.create({ properties: { email: 'dupe@hub.client.example', firstname: 'Dupe' }, associations: [] });
    const merged = await hub.client.crm.contacts.basicApi.merge({ primaryObjectId: keep.id, objectIdToMerge: dupe.id });
    expect(merged.id).toBe(keep.id);
    expect(merged.properties).toMatchObject({ email: 'keep@hub.client.example', firstname: 'Keep', hs_merged_object_ids: dupe.id });
    expect((await hub.client.crm.contacts.basicApi.getById(dupe.id)).id).toBe(keep.id);
  });

  it('X5: companies basicApi.merge of a record with itself is an ApiException with status 400', async () => {
    const co = await hub.client.crm.companies.basicApi.create({ properties: { name: 'Self' }, associations: [] });
    await expect(hub.client.crm.companies.basicApi.merge({ primaryObjectId: co.id, objectIdToMerge: co.id })).rejects.toMatchObject({ code: 400, body: { subCategory: 'MERGE_INVALID' } });
  });
});
