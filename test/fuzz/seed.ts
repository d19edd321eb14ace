import type { OpenAPIV3_1 } from 'openapi-types';

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/**
 * A workspace with something in it for the fuzzer to reach: contacts, companies, a deal and a
 * ticket associated, a label, a custom object type with a record, a merge. Answers the values
 * a fuzzed parameter should often take (these ids, type names, label ids).
 */
export async function seedForFuzz(call: Call): Promise<{ known: string[]; knownBy: Record<string, string[]> }> {
  const ids: string[] = [];
  const make = async (type: string, properties: Record<string, string>) => {
    const r = await call('POST', `/crm/v3/objects/${type}`, { properties });
    if (r.status !== 201) throw new Error(`seed ${type}: ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(String(r.body.id));
    return String(r.body.id);
  };
  const ann = await make('contacts', { email: 'ann@fuzz.example', firstname: 'Ann' });
  const bob = await make('contacts', { email: 'bob@fuzz.example', firstname: 'Bob' });
  const acme = await make('companies', { name: 'Acme', domain: 'fuzz.example' });
  const deal = await make('deals', { dealname: 'Fuzz deal', amount: '100' });
  const ticket = await make('tickets', { subject: 'Fuzz ticket' });
  await call('PUT', `/crm/v4/objects/contacts/${ann}/associations/default/companies/${acme}`);
  await call('PUT', `/crm/v4/objects/deals/${deal}/associations/default/contacts/${bob}`);
  await call('PUT', `/crm/v4/objects/tickets/${ticket}/associations/default/companies/${acme}`);
  const label = await call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
  const labelIds = label.status < 300 ? (label.body.results ?? []).map((r: { typeId: number }) => String(r.typeId)) : [];
  const schema = await call('POST', '/crm/v3/schemas', {
    name: 'fuzzpets',
    labels: { singular: 'Pet', plural: 'Pets' },
    primaryDisplayProperty: 'petname',
    requiredProperties: ['petname'],
    properties: [{ name: 'petname', label: 'Name', type: 'string', fieldType: 'text' }],
    associatedObjects: ['CONTACT'],
  });
  const custom = schema.status < 300 ? [String(schema.body.objectTypeId), 'fuzzpets'] : [];
  if (schema.status < 300) await make('fuzzpets', { petname: 'Rex' });
  const carl = await make('contacts', { email: 'carl@fuzz.example' });
  const merged = await call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: bob, objectIdToMerge: carl });
  const mergeIds = merged.status < 300 && merged.body?.mergeId ? [String(merged.body.mergeId)] : [];
  const types = ['contacts', 'companies', 'deals', 'tickets', '0-1', '0-2', ...custom];
  const propertyNames = ['email', 'firstname', 'amount', 'createdate', 'hs_lastmodifieddate', 'closedate', 'dealname', 'name', 'domain', 'hs_object_id', 'petname'];
  const knownBy = {
    type: types,
    id: ids,
    objectType: types,
    toObjectType: [...types, 'emails', 'calls', 'notes'],
    propertyName: propertyNames,
    idProperty: ['email', 'domain', 'hs_object_id'],
    mergeId: mergeIds,
    associationTypeId: [...labelIds, '279', '1', '4', '3'],
    typeId: [...labelIds, '279', '1', '4'],
    email: ['ann@fuzz.example', 'new@fuzz.example'],
    value: ['Ann', '100', '1', '2026-01-01T00:00:00Z', 'fuzz.example', 'ann@fuzz.example'],
    highValue: ['200', '2027-01-01T00:00:00Z', 'Zed'],
    values: ['Ann', '100', '1'],
    after: ['1', '2', '1001'],
    query: ['Ann', 'fuzz'],
    domain: ['fuzz.example'],
  };
  return { known: [...ids, ...types, ...propertyNames, ...labelIds, ...mergeIds, 'ann@fuzz.example', 'fuzz.example', 'emails'], knownBy };
}

/** Bodies the server accepts, so the systematic pass puts each sharp value into an otherwise good request. */
export const FUZZ_BODIES: Record<string, unknown> = {
  'POST /crm/v3/objects/{objectType}/search': { filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'GT', value: 'Ann' }, { propertyName: 'createdate', operator: 'BETWEEN', value: '2020-01-01T00:00:00Z', highValue: '2030-01-01T00:00:00Z' }] }], sorts: ['firstname'], limit: 10 },
  'POST /crm/v3/objects/{objectType}': { properties: { email: 'new@fuzz.example', firstname: 'New' } },
  'POST /crm/v3/objects/{objectType}/batch/create': { inputs: [{ properties: { email: 'b1@fuzz.example', firstname: 'B' } }] },
  'POST /crm/v3/objects/{objectType}/batch/read': { properties: ['firstname'], inputs: [{ id: '1001' }] },
  'PATCH /api/workspace': { settings: { internalDomains: ['fuzz.example'] } },
};

/** Operations the fuzzer leaves out, and why (none today: an event stream is closed after its headers). */
export const FUZZ_SKIP = new Set<string>();

export type FuzzDocument = OpenAPIV3_1.Document;
