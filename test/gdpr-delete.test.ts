import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_HEADER } from '../shared/idempotency.ts';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { seedRecords } from './helpers/records.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { importCsv, upload } from './fixtures/imports/upload.ts';

/** HubSpot's GDPR delete: the person is gone from every table, the fact of associations stays. */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

/** Every table and column of the public schema that can hold text: text, varchar, json, jsonb, bytea. */
async function textColumns(): Promise<Array<{ table_name: string; column_name: string; data_type: string }>> {
  return rowsOf(
    await t.db.db.execute(sql`
      select c.table_name, c.column_name, c.data_type from information_schema.columns c
      join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
      where c.table_schema = 'public' and c.data_type in ('text', 'character varying', 'json', 'jsonb', 'bytea', 'ARRAY')
      order by c.table_name, c.column_name`),
  );
}

/** `table.column` of every value anywhere in the database that holds one of the needles. */
async function hits(needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const c of await textColumns()) {
    const column = sql.raw(`"${c.column_name}"`);
    const asText = c.data_type === 'bytea' ? sql`encode(${column}, 'escape')` : sql`${column}::text`;
    const [row] = rowsOf<{ n: number }>(
      await t.db.db.execute(sql`select count(*)::int as n from ${sql.raw(`"${c.table_name}"`)} where ${sql.join(needles.map((n) => sql`${asText} ilike ${`%${n}%`}`), sql` or `)}`),
    );
    if (row!.n > 0) found.push(`${c.table_name}.${c.column_name}`);
  }
  return found;
}

async function raw(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.request(path, { method, headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

// a surname and first name that appear nowhere else
const NEEDLES = ['quixotrix', 'zebulon'];

describe('GDPR delete of a contact', () => {
  it('erases the contact, the contact merged into it and every copy of their data; the other sides keep that an association existed', async () => {
    const [company] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Erasure Holding', domain: 'erasure-holding.example' }]);
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Erasure deal' }]);
    // created with an idempotency key: the stored answer holds the properties
    const created = await raw('POST', '/crm/v3/objects/contacts', { properties: { email: 'zq.quixotrix.old@erasure.example', firstname: 'Zebulon', lastname: 'Quixotrix' } }, { [IDEMPOTENCY_HEADER]: 'gdpr-create-1' });
    expect(created.status).toBe(201);
    const id = Number(created.body.id);
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${id}/associations/default/companies/${company}`)).status).toBe(200);
    // the old email stays in the change feed's rows after this update
    await hub.client.crm.contacts.basicApi.update(String(id), { properties: { email: 'zq.quixotrix@erasure.example', phone: '+31 6 9911 2288' } });
    const logged = await t.call('POST', `/api/objects/contacts/${id}/activities`, { type: 'emails', properties: { hs_email_subject: 'Proposal', hs_email_direction: 'EMAIL' } });
    expect(logged.status).toBe(201);
    const activity = Number(logged.body.activity.id);
    const view = await importCsv(t, 'Email,First Name,Job Title\nzq.quixotrix@erasure.example,Zebulon,Quixotrix expert\nother.person@erasure.example,Olivia,Analyst', { objectType: 'contacts', mode: 'create_and_update' });
    expect(view).toMatchObject({ state: 'done', updated: { contacts: 1 }, created: { contacts: 1 } });
    // a file that spells the email in capitals, named after the person; its row is refused (the contact exists)
    const refusedUpload = await upload(t, 'Email,Job Title\nZQ.QUIXOTRIX@ERASURE.EXAMPLE,Pilot\nthird.person@erasure.example,Pilot', { objectType: 'contacts', mode: 'create' }, t.token, 'quixotrix-leads.csv');
    expect(refusedUpload.status).toBe(202);
    await runJob(t.db.db, (await claimJob(t.db.db, t.workspaceId, refusedUpload.body.id))!, { batchSize: 50 });
    expect((await t.call('GET', `/api/imports/${refusedUpload.body.id}`)).body).toMatchObject({ state: 'done', created: { contacts: 1 }, errors: [expect.objectContaining({ row: 2, code: 'RECORD_ALREADY_EXISTS' })] });
    // a second record of the same person, merged into the first
    const dupe = await hub.client.crm.contacts.basicApi.create({ properties: { email: 'zebulon.q@erasure.example', firstname: 'Zebulon', lastname: 'Quixotrix' }, associations: [] });
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${dupe.id}/associations/default/deals/${deal}`)).status).toBe(200);
    const merge = await raw('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: String(id), objectIdToMerge: dupe.id });
    expect(merge.status).toBe(200);
    const mergeId = merge.headers.get('x-merge-id')!;
    // the data is there before (the check below can find it)
    expect(await hits(NEEDLES)).toEqual(expect.arrayContaining(['records.properties', 'record_changes.properties', 'association_history.to_name', 'idempotency_keys.body', 'import_chunks.data', 'import_records.after']));

    await hub.client.crm.contacts.basicApi.purge({ objectId: 'zq.quixotrix@erasure.example', idProperty: 'email' });

    expect(await hits(NEEDLES)).toEqual([]);
    // the file that held the person went whole; the other person it created is untouched
    expect(rowsOf(await t.db.db.execute(sql`select 1 from import_chunks where import_id in (${view.id}, ${refusedUpload.body.id})`))).toEqual([]);
    expect((await t.call('GET', '/crm/v3/objects/contacts/other.person@erasure.example?idProperty=email')).status).toBe(200);
    const left = rowsOf(await t.db.db.execute(sql`select id from records where workspace_id = ${t.workspaceId} and id in (${id}, ${Number(dupe.id)})`));
    expect(left).toEqual([]);
    // gone for good: no restore, no undo of the merge, no read
    const restore = await t.call('POST', `/api/objects/contacts/${id}/restore`);
    expect(restore).toMatchObject({ status: 410, body: { subCategory: 'RECORD_PURGED' } });
    expect((await t.call('POST', `/api/objects/contacts/${dupe.id}/restore`)).status).toBe(410);
    expect((await t.call('POST', `/api/merges/${mergeId}/undo`)).status).toBe(404);
    expect((await t.call('GET', `/crm/v3/objects/contacts/${id}`)).status).toBe(404);
    // the other sides: the association existed and ended, without the name
    for (const [type, otherId] of [['companies', company], ['emails', activity], ['deals', deal]] as const) {
      const h = await t.call('GET', `/api/objects/${type}/${otherId}/association-history`);
      expect(h.status).toBe(200);
      const withContact = h.body.results.filter((e: { toObjectType: string }) => e.toObjectType === 'contacts');
      expect(withContact.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['CREATED', 'DELETED']));
      expect(JSON.stringify(withContact)).not.toMatch(/quixotrix|zebulon/i);
    }
    expect((await t.call('GET', `/crm/v4/objects/companies/${company}/associations/contacts`)).body.results).toEqual([]);
    // who erased it is in the audit, by id only
    const audit = await t.call('GET', `/api/audit?action=record.erased`);
    expect(audit.body.results).toEqual([expect.objectContaining({ action: 'record.erased', targetId: String(id), details: { erasedIds: [String(id), dupe.id] } })]);
  });

  it('answers 404 for an unknown contact and 400 for an idProperty other than email; a rep may not erase', async () => {
    await expect(hub.client.crm.contacts.basicApi.purge({ objectId: '999999999' })).rejects.toMatchObject({ code: 404 });
    expect((await t.call('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: 'x', idProperty: 'firstname' })).status).toBe(400);
    const rep = await t.call('POST', '/api/users', { name: 'Rep', email: 'rep@gdpr-test.example', role: 'rep' });
    expect(rep.status).toBe(201);
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'keep@gdpr-test.example' }]);
    expect((await t.call('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: String(c) }, rep.body.token)).status).toBe(403);
    expect((await t.call('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: String(c) })).status).toBe(204);
    expect((await t.call('GET', `/crm/v3/objects/contacts/${c}`)).status).toBe(404);
  });
});
