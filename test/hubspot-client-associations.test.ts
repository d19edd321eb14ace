import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';

/** X5: HubSpot's own Node client, pointed at our server, works for associations, labels and batches. */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

describe('@hubspot/api-client against our API (X5)', () => {
  it('X5, R8: creates records, associates default and labeled, lists, batch-creates and archives', async () => {
    const contact = await hub.client.crm.contacts.basicApi.create({ properties: { email: 'ada@analytical.example', firstname: 'Ada', lastname: 'Lovelace' }, associations: [] });
    const [acme, globex] = await Promise.all(
      ['acme.example', 'globex.example'].map((domain) => hub.client.crm.companies.basicApi.create({ properties: { name: domain.split('.')[0]!, domain }, associations: [] })),
    );
    const deal = await hub.client.crm.deals.basicApi.create({ properties: { dealname: 'Engine' }, associations: [] });

    const def = await hub.client.crm.associations.v4.basicApi.createDefault('contacts', contact.id, 'companies', acme!.id);
    expect(def.results.map((r) => r.associationSpec.associationTypeId).sort((a, b) => a - b)).toEqual([279, 280]);

    const labeled = await hub.client.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', globex!.id, [
      { associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: 1 },
    ]);
    expect(labeled.labels).toEqual(['Primary']);

    const page = await hub.client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies', undefined, 500);
    const byId = Object.fromEntries(page.results.map((r) => [String(r.toObjectId), r.associationTypes.map((x) => x.typeId).sort((a, b) => a - b)]));
    expect(byId).toEqual({ [acme!.id]: [279], [globex!.id]: [1, 279] });

    const batch = await hub.client.crm.associations.v4.batchApi.create('deals', 'contacts', {
      inputs: [{ _from: { id: deal.id }, to: { id: contact.id }, types: [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: 3 }] }],
    });
    expect(batch.results).toHaveLength(1);
    const read = await hub.client.crm.associations.v4.batchApi.getPage('contacts', 'deals', { inputs: [{ id: contact.id }] });
    expect(read.results[0]!.to.map((x) => String(x.toObjectId))).toEqual([deal.id]);

    await hub.client.crm.associations.v4.batchApi.archive('deals', 'contacts', { inputs: [{ _from: { id: deal.id }, to: [{ id: contact.id }] }] });
    const after = await hub.client.crm.associations.v4.basicApi.getPage('deals', deal.id, 'contacts');
    expect(after.results).toEqual([]);

    await hub.client.crm.associations.v4.basicApi.archive('contacts', contact.id, 'companies', acme!.id);
    const left = await hub.client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(left.results.map((r) => String(r.toObjectId))).toEqual([globex!.id]);
  });

  it('R14: creates a paired label through the schema API and uses it', async () => {
    const created = await hub.client.crm.associations.v4.schema.definitionsApi.create('contacts', 'contacts', { label: 'Mentor', name: 'mentor', inverseLabel: 'Mentee' });
    const mentor = created.results.find((r) => r.label === 'Mentor')!;
    expect(created.results.map((r) => r.label).sort()).toEqual(['Mentee', 'Mentor']);
    const all = await hub.client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'contacts');
    expect(all.results.map((r) => r.label)).toContain('Mentee');
    const [a, b] = await Promise.all(['m1@x.example', 'm2@x.example'].map((email) => hub.client.crm.contacts.basicApi.create({ properties: { email }, associations: [] })));
    const r = await hub.client.crm.associations.v4.basicApi.create('contacts', a!.id, 'contacts', b!.id, [
      { associationCategory: AssociationSpecAssociationCategoryEnum.UserDefined, associationTypeId: mentor.typeId },
    ]);
    expect(r.labels).toEqual(['Mentor']);
    const fromB = await hub.client.crm.associations.v4.basicApi.getPage('contacts', b!.id, 'contacts');
    expect(fromB.results[0]!.associationTypes.map((x) => x.label)).toContain('Mentee');
    await hub.client.crm.associations.v4.schema.definitionsApi.remove('contacts', 'contacts', mentor.typeId);
    const gone = await hub.client.crm.associations.v4.schema.definitionsApi.getAll('contacts', 'contacts');
    expect(gone.results.map((x) => x.label)).not.toContain('Mentor');
  });

  it('errors reach the client as ApiException with our HubSpot-shaped body', async () => {
    const err = await hub.client.crm.associations.v4.basicApi.createDefault('contacts', '999999999', 'companies', '1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 404 });
    expect(JSON.stringify((err as { body: unknown }).body)).toContain('NOT_FOUND');
  });
});
