import { expect } from 'vitest';
import type { createApp } from '../../server/app.ts';
import type { Database } from '../../server/db/client.ts';
import { claimJob, runJob } from '../../server/domain/imports/runner.ts';

export type App = ReturnType<typeof createApp>;

/** A JSON request to the app with a bearer token; `replayed` is the Idempotent-Replayed header. */
export async function call(app: App, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, replayed: res.headers.get('idempotent-replayed') };
}

/** A workspace with some of everything: records of four types and a custom one, associations with labels and primaries, limits, a merge, an archive, an import, users and tokens, an idempotency key. */
export async function generateWorkspace(app: App, db: Database, token: string, workspaceId: string) {
  const ids: Record<string, string[]> = {};
  const batch = async (type: string, inputs: Array<Record<string, string>>) => {
    const r = await call(app, token, 'POST', `/crm/v3/objects/${type}/batch/create`, { inputs: inputs.map((properties) => ({ properties })) });
    expect(r.status).toBe(201);
    ids[type] = r.body.results.map((x: { id: string }) => x.id).sort((a: string, b: string) => Number(a) - Number(b));
  };
  await batch('companies', Array.from({ length: 8 }, (_, i) => ({ name: `Company ${i}`, domain: `company${i}.example` })));
  await batch('contacts', Array.from({ length: 30 }, (_, i) => ({ email: `person${i}@company${i % 8}.example`, firstname: `Person ${i}`, lastname: 'Ünïcødé \\ "quoted"\ttab' })));
  await batch('deals', Array.from({ length: 10 }, (_, i) => ({ dealname: `Deal ${i}`, amount: String(1000 * i) })));
  await batch('tickets', Array.from({ length: 5 }, (_, i) => ({ subject: `Ticket ${i}\nsecond line` })));
  expect((await call(app, token, 'POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Decision maker', name: 'decision_maker' })).status).toBeLessThan(300);
  const labels = await call(app, token, 'GET', '/crm/v4/associations/contacts/deals/labels');
  const decider = labels.body.results.find((l: { label: string | null }) => l.label === 'Decision maker').typeId;
  expect((await call(app, token, 'POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 3 }] })).status).toBeLessThan(300);
  for (let i = 0; i < 30; i++) {
    const contact = ids.contacts![i]!;
    expect((await call(app, token, 'PUT', `/crm/v4/objects/contacts/${contact}/associations/default/companies/${ids.companies![(i * 3) % 8]}`)).status).toBe(200);
    expect((await call(app, token, 'PUT', `/crm/v4/objects/contacts/${contact}/associations/deals/${ids.deals![i % 10]}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: decider }])).status).toBe(201);
    if (i < 3) expect((await call(app, token, 'PUT', `/crm/v4/objects/contacts/${contact}/associations/default/tickets/${ids.tickets![0]}`)).status).toBe(200);
  }
  const schema = await call(app, token, 'POST', '/crm/v3/schemas', {
    name: 'machines', labels: { singular: 'Machine', plural: 'Machines' }, primaryDisplayProperty: 'serial', requiredProperties: ['serial'],
    properties: [{ name: 'serial', label: 'Serial', type: 'string', fieldType: 'text' }], associatedObjects: ['CONTACT'],
  });
  expect(schema.status).toBe(201);
  expect((await call(app, token, 'POST', '/crm/v3/objects/machines', { properties: { serial: 'M-1' } })).status).toBe(201);
  const pipeline = await call(app, token, 'POST', '/crm/v3/pipelines/deals', { label: 'Renewals', displayOrder: 1, stages: [{ label: 'Due', displayOrder: 0, metadata: { probability: '0.5' } }, { label: 'Renewed', displayOrder: 1, metadata: { probability: '1.0', isClosed: 'true' } }] });
  expect(pipeline.status).toBe(201);
  expect((await call(app, token, 'POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: ids.contacts![0], objectIdToMerge: ids.contacts![1] })).status).toBe(200);
  expect((await call(app, token, 'DELETE', `/crm/v3/objects/deals/${ids.deals![9]}`)).status).toBe(204);
  expect((await call(app, token, 'POST', '/api/users', { name: 'Rita Rep', email: 'rita@example.com', role: 'rep' })).status).toBe(201);
  const keyed = await call(app, token, 'POST', '/crm/v3/objects/contacts', { properties: { firstname: 'Keyed' } }, { 'idempotency-key': 'copy-key-1' });
  expect(keyed.status).toBe(201);
  // an import, run to its end
  const form = new FormData();
  form.set('file', new File([['Email,First Name', ...Array.from({ length: 20 }, (_, i) => `imported${i}@company${i % 8}.example,Imported ${i}`)].join('\n')], 'people.csv'));
  form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
  const upload = await app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(upload.status).toBe(202);
  const importId = ((await upload.json()) as { id: string }).id;
  const job = await claimJob(db.db, workspaceId, importId);
  expect((await runJob(db.db, job!)).state).toBe('done');
  return { ids, importId, keyed: keyed.body };
}


/** GET paths that read back what generateWorkspace wrote. */
export function workspaceReads(ids: Record<string, string[]>, importId: string): string[] {
  const paths = [
    '/api/workspace',
    '/crm/v3/objects/contacts?limit=100&properties=email,firstname,lastname',
    '/crm/v3/objects/companies?limit=100&properties=name,domain',
    '/crm/v3/objects/deals?limit=100&archived=true',
    '/crm/v3/objects/tickets?limit=100&properties=subject',
    '/crm/v3/objects/machines?properties=serial',
    '/crm/v3/schemas',
    '/crm/v3/pipelines/deals',
    '/crm/v3/pipelines/tickets',
    '/crm/v3/owners',
    '/crm/v4/associations/contacts/deals/labels',
    '/crm/v4/associations/definitions/configurations/all',
    '/api/changes?limit=1000',
    `/api/imports/${importId}`,
    '/api/imports',
  ];
  for (const c of ids.contacts!.slice(0, 12)) {
    paths.push(`/crm/v4/objects/contacts/${c}/associations/companies`, `/crm/v4/objects/contacts/${c}/associations/deals`, `/api/objects/contacts/${c}/association-history`);
  }
  paths.push(`/crm/v4/objects/tickets/${ids.tickets![0]}/associations/contacts`, `/crm/v4/objects/companies/${ids.companies![0]}/associations/contacts`);
  return paths;
}
