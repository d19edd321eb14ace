import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { seedRecords } from './helpers/records.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';

/**
 * X5, B2: `propertiesWithHistory` on record reads (single, list, batch read) answers each asked
 * property's values newest first, built from the change feed, as HubSpot's ValueWithTimestamp.
 */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

interface Item {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
  sourceLabel?: string;
  updatedByUserId?: number;
}

async function create(properties: Record<string, string>, token?: string): Promise<string> {
  const r = await t.call('POST', '/crm/v3/objects/contacts', { properties }, token);
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function patch(id: string, properties: Record<string, string | null>, token?: string): Promise<void> {
  expect((await t.call('PATCH', `/crm/v3/objects/contacts/${id}`, { properties }, token)).status).toBe(200);
}

async function historyOf(id: string, names: string): Promise<Record<string, Item[]>> {
  const r = await t.call('GET', `/crm/v3/objects/contacts/${id}?propertiesWithHistory=${names}`);
  expect(r.status).toBe(200);
  return r.body.propertiesWithHistory;
}

const values = (items: Item[] | undefined) => (items ?? []).map((i) => i.value);

describe('propertiesWithHistory on reads (X5, B2)', () => {
  it('X5: every value newest first, a cleared value as "", each with its time and the user who wrote it (CRM_UI)', async () => {
    const id = await create({ email: 'hist1@example.com', firstname: 'Ada' });
    await patch(id, { firstname: 'Ada B.' });
    await patch(id, { lastname: 'Lovelace' }); // firstname unchanged: no entry
    await patch(id, { firstname: null });
    await patch(id, { firstname: 'Augusta' });

    const r = await t.call('GET', `/crm/v3/objects/contacts/${id}?properties=firstname&propertiesWithHistory=firstname,email,phone,no_such_property`);
    expect(r.status).toBe(200);
    expect(r.body.properties.firstname).toBe('Augusta');
    const h = r.body.propertiesWithHistory as Record<string, Item[]>;
    expect(values(h.firstname)).toEqual(['Augusta', '', 'Ada B.', 'Ada']);
    expect(values(h.email)).toEqual(['hist1@example.com']);
    // never set, or not a property: left out, as HubSpot ignores them
    expect(Object.keys(h).sort()).toEqual(['email', 'firstname']);
    const times = h.firstname!.map((i) => Date.parse(i.timestamp));
    expect(times.every((x) => Number.isFinite(x))).toBe(true);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const item of h.firstname!) {
      expect(item).toMatchObject({ sourceType: 'CRM_UI', sourceId: `userId:${item.updatedByUserId}`, updatedByUserId: expect.any(Number) });
    }
    // the owner wrote them all
    expect(new Set(h.firstname!.map((i) => i.updatedByUserId)).size).toBe(1);
  });

  it('X5: writes with an app token are API, with the token as source; the list GET carries histories too', async () => {
    const app = await t.call('POST', '/api/tokens', { name: 'sync-app', scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
    expect(app.status).toBe(201);
    const id = await create({ email: 'hist-app@example.com', jobtitle: 'Engineer' }, app.body.token);
    await patch(id, { jobtitle: 'Architect' });
    const h = await historyOf(id, 'jobtitle');
    expect(h.jobtitle).toEqual([
      expect.objectContaining({ value: 'Architect', sourceType: 'CRM_UI' }),
      { value: 'Engineer', timestamp: expect.any(String), sourceType: 'API', sourceId: String(app.body.id), sourceLabel: 'sync-app' },
    ]);

    const page = await t.call('GET', `/crm/v3/objects/contacts?limit=50&propertiesWithHistory=jobtitle`);
    expect(page.status).toBe(200);
    const listed = page.body.results.find((r: { id: string }) => r.id === id);
    expect(values(listed.propertiesWithHistory.jobtitle)).toEqual(['Architect', 'Engineer']);
    // other records without a job title: an empty map, not a missing answer
    expect(page.body.results.every((r: { propertiesWithHistory?: object }) => typeof r.propertiesWithHistory === 'object')).toBe(true);
  });

  it('X5: a list page with propertiesWithHistory holds at most 50 records; more is a 400 naming limit', async () => {
    const r = await t.call('GET', '/crm/v3/objects/contacts?limit=51&propertiesWithHistory=email');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].in).toBe('query:limit');
    expect(r.body.message).toMatch(/50/);
    expect((await t.call('GET', '/crm/v3/objects/contacts?limit=100')).status).toBe(200);
  });

  it('X5: batch read with propertiesWithHistory (HubSpot client): histories per record', async () => {
    const a = await create({ email: 'batch-a@example.com', firstname: 'A1' });
    const b = await create({ email: 'batch-b@example.com', firstname: 'B1' });
    await patch(a, { firstname: 'A2' });
    await patch(b, { firstname: 'B2' });
    await patch(b, { firstname: 'B3' });
    const read = await hub.client.crm.contacts.batchApi.read({ inputs: [{ id: a }, { id: b }], properties: ['firstname'], propertiesWithHistory: ['firstname'] });
    const byId = new Map(read.results.map((r) => [r.id, r]));
    expect(byId.get(a)!.propertiesWithHistory!.firstname!.map((v) => v.value)).toEqual(['A2', 'A1']);
    expect(byId.get(b)!.propertiesWithHistory!.firstname!.map((v) => v.value)).toEqual(['B3', 'B2', 'B1']);
    const first = byId.get(b)!.propertiesWithHistory!.firstname![0]!;
    expect(first.timestamp).toBeInstanceOf(Date);
    expect(first.sourceType).toBe('CRM_UI');

    // by email (idProperty), through plain HTTP: the same histories
    const byEmail = await t.call('POST', '/crm/v3/objects/contacts/batch/read', { idProperty: 'email', inputs: [{ id: 'batch-b@example.com' }], properties: [], propertiesWithHistory: ['firstname'] });
    expect(byEmail.status).toBe(200);
    expect(values(byEmail.body.results[0].propertiesWithHistory.firstname)).toEqual(['B3', 'B2', 'B1']);
    // without propertiesWithHistory: no such key at all
    const plain = await t.call('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: a }], properties: ['firstname'] });
    expect(plain.body.results[0].propertiesWithHistory).toBeUndefined();
  });

  it('X5: getById with propertiesWithHistory (HubSpot client)', async () => {
    const id = await create({ email: 'client-get@example.com', phone: '+31 20 000 0000' });
    await patch(id, { phone: '+31 20 111 1111' });
    const read = await hub.client.crm.contacts.basicApi.getById(id, ['phone'], ['phone']);
    expect(read.properties.phone).toBe('+31 20 111 1111');
    expect(read.propertiesWithHistory!.phone!.map((v) => v.value)).toEqual(['+31 20 111 1111', '+31 20 000 0000']);
    expect(read.propertiesWithHistory!.phone![1]!.timestamp.getTime()).toBeLessThanOrEqual(read.propertiesWithHistory!.phone![0]!.timestamp.getTime());
  });

  it('X5: batch read with propertiesWithHistory takes at most 50 inputs: 400 with HubSpot\'s message, nothing read', async () => {
    const inputs = Array.from({ length: 51 }, (_, i) => ({ id: String(i + 1) }));
    const r = await t.call('POST', '/crm/v3/objects/contacts/batch/read', { inputs, properties: [], propertiesWithHistory: ['email'] });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/maximum number of inputs supported in a batch request for property histories is 50/);
    expect(r.body.errors[0].in).toBe('body:inputs');
    await expect(hub.client.crm.contacts.batchApi.read({ inputs, properties: [], propertiesWithHistory: ['email'] })).rejects.toMatchObject({ code: 400 });
    // the same 51 without histories are fine (ids that match nothing are reported, not refused)
    expect((await t.call('POST', '/crm/v3/objects/contacts/batch/read', { inputs, properties: [], propertiesWithHistory: [] })).status).toBeLessThan(300);
  });

  it('X5: a merged record\'s history comes with the survivor; at the merge the survivor\'s value is entered again (MERGE_OBJECTS)', async () => {
    const keep = await create({ email: 'keep-h@example.com', firstname: 'Keeper', jobtitle: 'CTO' });
    const dupe = await create({ email: 'dupe-h@example.com', firstname: 'Dupe' });
    await patch(dupe, { firstname: 'Dupe 2' }); // newer than Keeper
    const merged = await t.call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: keep, objectIdToMerge: dupe });
    expect(merged.status).toBe(200);

    const h = await historyOf(keep, 'firstname,email,jobtitle');
    expect(values(h.firstname)).toEqual(['Keeper', 'Dupe 2', 'Dupe', 'Keeper']);
    expect(h.firstname![0]).toMatchObject({ sourceType: 'MERGE_OBJECTS' });
    // the current value always leads
    expect(values(h.email)[0]).toBe('keep-h@example.com');
    expect(values(h.email)).toEqual(['keep-h@example.com', 'dupe-h@example.com', 'keep-h@example.com']);
    expect(values(h.jobtitle)).toEqual(['CTO']);
    // the merged id reads as the survivor, history and all
    expect(await historyOf(dupe, 'firstname,email,jobtitle')).toEqual(h);
  });

  it('B2: a record the change feed never saw (older than the feed) answers its current value as UNKNOWN', async () => {
    const [old] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'legacy@example.com', firstname: 'Legacy' }]);
    const h = await historyOf(String(old), 'firstname,email,lastname,createdate,hs_object_id');
    expect(h.firstname).toEqual([{ value: 'Legacy', timestamp: expect.any(String), sourceType: 'UNKNOWN' }]);
    expect(values(h.email)).toEqual(['legacy@example.com']);
    expect(h.lastname).toBeUndefined();
    expect(values(h.hs_object_id)).toEqual([String(old)]);
    expect(h.createdate).toHaveLength(1);
    // once written, the new value leads with its source; the earlier one stays as it was known
    await patch(String(old), { firstname: 'Renewed' });
    const after = await historyOf(String(old), 'firstname');
    expect(values(after.firstname)).toEqual(['Renewed']);
    expect(after.firstname![0]!.sourceType).toBe('UNKNOWN');
    await patch(String(old), { firstname: 'Again' });
    const again = await historyOf(String(old), 'firstname');
    expect(values(again.firstname)).toEqual(['Again', 'Renewed']);
    expect(again.firstname![0]!.sourceType).toBe('CRM_UI');
  });

  it('B2: a history read writes nothing, and needs a token', async () => {
    const id = await create({ email: 'quiet@example.com', firstname: 'Quiet' });
    const before = rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from record_changes where workspace_id = ${t.workspaceId}`))[0]!.n;
    await historyOf(id, 'firstname');
    const after = rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from record_changes where workspace_id = ${t.workspaceId}`))[0]!.n;
    expect(after).toBe(before);
    expect((await t.call('GET', `/crm/v3/objects/contacts/${id}?propertiesWithHistory=firstname`, undefined, null)).status).toBe(401);
  });

  it('X5: an erased contact (GDPR) and the contact merged into it give nothing back through histories', async () => {
    const person = await create({ email: 'zx.erasable@erasure.example', firstname: 'Zyxwv', lastname: 'Erasable' });
    await patch(person, { email: 'zx.erasable.new@erasure.example' });
    const other = await create({ email: 'zx.erasable.alias@erasure.example', firstname: 'Zyxwv' });
    expect((await t.call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: person, objectIdToMerge: other })).status).toBe(200);
    expect(values((await historyOf(person, 'email')).email)).toContain('zx.erasable@erasure.example');

    expect((await t.call('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: person })).status).toBe(204);
    for (const id of [person, other]) {
      const one = await t.call('GET', `/crm/v3/objects/contacts/${id}?propertiesWithHistory=email,firstname,lastname`);
      expect(one.status).toBe(404);
      expect(JSON.stringify(one.body)).not.toMatch(/zx\.erasable|Zyxwv/);
    }
    const batch = await t.call('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: person }, { id: other }], properties: [], propertiesWithHistory: ['email', 'firstname'] });
    expect(batch.body.results).toEqual([]);
    expect(JSON.stringify(batch.body)).not.toMatch(/zx\.erasable|Zyxwv/);
    const listed = await t.call('GET', '/crm/v3/objects/contacts?limit=50&propertiesWithHistory=email,firstname');
    expect(JSON.stringify(listed.body)).not.toMatch(/zx\.erasable|Zyxwv/);
    const archived = await t.call('GET', '/crm/v3/objects/contacts?limit=50&archived=true&propertiesWithHistory=email,firstname');
    expect(JSON.stringify(archived.body)).not.toMatch(/zx\.erasable|Zyxwv/);
  });

  it('X5: values an import wrote are IMPORT, with the user who started it', async () => {
    const form = new FormData();
    form.set('file', new File(['Email,First Name\nimported-h@example.com,Imported'], 'people.csv'));
    form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
    const upload = await t.app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: form });
    expect(upload.status).toBe(202);
    const importId = ((await upload.json()) as { id: string }).id;
    expect((await runJob(t.db.db, (await claimJob(t.db.db, t.workspaceId, importId))!)).state).toBe('done');
    const found = await t.call('GET', '/crm/v3/objects/contacts/imported-h@example.com?idProperty=email');
    expect(found.status).toBe(200);
    await patch(found.body.id, { firstname: 'Edited' });
    const h = await historyOf(found.body.id, 'firstname');
    expect(h.firstname).toEqual([
      expect.objectContaining({ value: 'Edited', sourceType: 'CRM_UI' }),
      expect.objectContaining({ value: 'Imported', sourceType: 'IMPORT', updatedByUserId: h.firstname![0]!.updatedByUserId }),
    ]);
  });

  it('R11, X5: a company stage moved by lifecycle-stage sync is AUTOMATION_PLATFORM', async () => {
    expect((await t.call('PATCH', '/api/workspace', { settings: { lifecycleStageSync: true } })).status).toBe(200);
    const company = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Synced Co', lifecyclestage: 'lead' } });
    const contact = await create({ email: 'stage-h@example.com', lifecyclestage: 'lead' });
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/companies/${company.body.id}`)).status).toBe(200);
    await patch(contact, { lifecyclestage: 'customer' });
    const r = await t.call('GET', `/crm/v3/objects/companies/${company.body.id}?propertiesWithHistory=lifecyclestage`);
    expect(r.body.propertiesWithHistory.lifecyclestage).toEqual([
      { value: 'customer', timestamp: expect.any(String), sourceType: 'AUTOMATION_PLATFORM' },
      expect.objectContaining({ value: 'lead', sourceType: 'CRM_UI' }),
    ]);
  });

  it('X5: an archived record read with archived=true keeps its history', async () => {
    const id = await create({ email: 'archived-h@example.com', firstname: 'Before' });
    await patch(id, { firstname: 'After' });
    expect((await t.call('DELETE', `/crm/v3/objects/contacts/${id}`)).status).toBe(204);
    const r = await t.call('GET', `/crm/v3/objects/contacts/${id}?archived=true&propertiesWithHistory=firstname`);
    expect(r.status).toBe(200);
    expect(values(r.body.propertiesWithHistory.firstname)).toEqual(['After', 'Before']);
  });
});
