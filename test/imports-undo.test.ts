import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { cancelImport, claimJob, runJob } from '../server/domain/imports/runner.ts';
import { useTestApp } from './helpers/app.ts';
import { allEdges, historyOf, seedRecords } from './helpers/records.ts';
import { importCsv, upload } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });

const live = async (ids: number[]) =>
  rowsOf<{ id: number }>(await t.db.db.execute(sql`select id from records where workspace_id = ${t.workspaceId} and archived_at is null and id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`)).map((r) => Number(r.id));

const propertiesOf = async (id: number) =>
  rowsOf<{ properties: Record<string, string> }>(await t.db.db.execute(sql`select properties from records where workspace_id = ${t.workspaceId} and id = ${id}`))[0]!.properties;
const feedOf = async (id: number) =>
  rowsOf<{ action: string; source: string | null; properties: Record<string, string> }>(
    await t.db.db.execute(sql`select action, source, properties from record_changes where workspace_id = ${t.workspaceId} and object_id = ${id} order by id`),
  );

describe('import undo (B1)', () => {
  it('B1: undo archives the records an import created and removes the associations it made between existing records, recorded in history; a second undo is refused', async () => {
    const [oldContact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'old@undo.com' }]);
    const [oldCompany, other] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Undo Co', domain: 'undo.com' }, { name: 'Kept Co', domain: 'kept-undo.com' }]);
    // an association that was there before the import stays
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${oldContact}/associations/default/companies/${other}`)).status).toBe(200);
    const before = await allEdges(t.db.db, t.workspaceId);
    const csv = ['Email,First Name,Company Domain Name', 'old@undo.com,Olga,undo.com', 'new1@undo.com,New,undo.com', 'new2@undo-fresh.com,Fresh,undo-fresh.com'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create_and_update' });
    expect(view).toMatchObject({ state: 'done', created: { contacts: 2, companies: 1 }, updated: { contacts: 1 }, associations: 3 });
    const createdIds = rowsOf<{ record_id: number }>(await t.db.db.execute(sql`select record_id from import_records where import_id = ${view.id} and action = 'CREATED'`)).map((r) => Number(r.record_id));
    expect(createdIds).toHaveLength(3);
    // the existing contact got a second company, not primary (it had one: R8)
    const oldTypes = (await allEdges(t.db.db, t.workspaceId)).filter((e) => Number(e.from_id) === oldContact && Number(e.to_id) === oldCompany).map((e) => Number(e.type_id));
    expect(oldTypes).toEqual([279]);

    const undo = await t.call('POST', `/api/imports/${view.id}/undo`);
    expect(undo.status).toBe(200);
    expect(undo.body).toMatchObject({ id: view.id, state: 'undone', undoneAt: expect.any(String) });
    expect(await live(createdIds)).toEqual([]);
    expect(await live([oldContact!, oldCompany!, other!])).toHaveLength(3);
    expect(await allEdges(t.db.db, t.workspaceId)).toEqual(before);
    const h = await historyOf(t.db.db, t.workspaceId, oldContact!);
    expect(h.filter((x) => x.to_id === oldCompany).map((x) => `${x.action}:${x.source}`)).toEqual(['CREATED:IMPORT', 'DELETED:IMPORT']);
    const again = await t.call('POST', `/api/imports/${view.id}/undo`);
    expect(again.status).toBe(409);
    expect(again.body.subCategory).toBe('IMPORT_NOT_UNDOABLE');
  });

  it('B1, R8: undoing the association that made a primary company hands the primary back to the remaining company', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'prim@undo2.com' }]);
    const [a, b] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'A', domain: 'a-undo2.com' }, { name: 'B', domain: 'b-undo2.com' }]);
    // the import gives the contact its first company (primary), then the user adds a second one
    const view = await importCsv(t, `Email,associations.companies.domain\nprim@undo2.com,a-undo2.com`, { objectType: 'contacts', mode: 'update' });
    expect(view.associations).toBe(1);
    await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${b}`);
    const undo = await t.call('POST', `/api/imports/${view.id}/undo`);
    expect(undo.status).toBe(200);
    const left = await t.call('GET', `/crm/v4/objects/contacts/${c}/associations/companies`);
    expect(left.body.results.map((r: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [Number(r.toObjectId), r.associationTypes.map((x) => x.typeId).sort((x, y) => x - y)])).toEqual([[b, [1, 279]]]);
    expect(a).toBeDefined();
  });

  it('B1: undo puts back the property values an import changed on existing records, except those changed since; a row that changed nothing writes nothing', async () => {
    const [vera, same] = await seedRecords(t.db.db, t.workspaceId, '0-1', [
      { email: 'vera@undo4.com', firstname: 'Vera', lastname: 'Old' },
      { email: 'same@undo4.com', firstname: 'Sam' },
    ]);
    const csv = ['Email,First Name,Last Name,Job Title', 'vera@undo4.com,Valerie,New,CTO', 'same@undo4.com,Sam,,'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'update' });
    expect(view).toMatchObject({ state: 'done', errors: [] });
    expect(await propertiesOf(vera!)).toMatchObject({ firstname: 'Valerie', lastname: 'New', jobtitle: 'CTO' });
    // the row for Sam gives him the values he has: no change event
    expect(await feedOf(same!)).toEqual([]);
    // a rep edits one of the imported values afterwards: that edit is kept
    expect((await t.call('PATCH', `/crm/v3/objects/contacts/${vera}`, { properties: { lastname: 'Userset' } })).status).toBe(200);

    expect((await t.call('POST', `/api/imports/${view.id}/undo`)).status).toBe(200);
    const back = await propertiesOf(vera!);
    expect(back).toMatchObject({ email: 'vera@undo4.com', firstname: 'Vera', lastname: 'Userset' });
    expect(back).not.toHaveProperty('jobtitle');
    expect(await propertiesOf(same!)).toEqual({ email: 'same@undo4.com', firstname: 'Sam' });
    // the import, the rep and the undo: three change events
    expect((await feedOf(vera!)).map((f) => `${f.action}:${f.source ?? 'API'}:${f.properties.firstname}`)).toEqual(['UPDATED:IMPORT:Valerie', 'UPDATED:API:Valerie', 'UPDATED:IMPORT:Vera']);
  });

  it('B1: an email the import replaced is not put back when another contact has it by now; the other values are', async () => {
    const [moved] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'orig@undo5.com', firstname: 'Mona' }]);
    const view = await importCsv(t, `Record ID,Email,First Name\n${moved},moved@undo5.com,Mo`, { objectType: 'contacts', mode: 'update' });
    expect(view).toMatchObject({ state: 'done', errors: [], updated: { contacts: 1 } });
    const taken = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'orig@undo5.com', firstname: 'Newcomer' } });
    expect(taken.status).toBe(201);
    expect((await t.call('POST', `/api/imports/${view.id}/undo`)).status).toBe(200);
    expect(await propertiesOf(moved!)).toMatchObject({ email: 'moved@undo5.com', firstname: 'Mona' });
    expect(await propertiesOf(Number(taken.body.id))).toMatchObject({ email: 'orig@undo5.com', firstname: 'Newcomer' });
  });

  it('B1: cancel stops a queued import before it starts, and a stopped one before its next batch; what was done stays until undone; a finished import cannot be canceled', async () => {
    const queued = await upload(t, 'Email\nq1@cancel1.com', { objectType: 'contacts', mode: 'create' });
    const canceled = await t.call('POST', `/api/imports/${queued.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ state: 'failed', failure: expect.stringMatching(/^CANCELED:/), rowsDone: 0, finishedAt: expect.any(String) });
    expect(await claimJob(t.db.db, t.workspaceId, queued.body.id)).toBeNull();
    const again = await t.call('POST', `/api/imports/${queued.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.subCategory).toBe('IMPORT_NOT_CANCELABLE');

    // a job that ran one batch of two rows and was let go (as a stopped server leaves it)
    const csv = ['Email', ...Array.from({ length: 6 }, (_, i) => `s${i}@cancel2.com`)].join('\n');
    const up = await upload(t, csv, { objectType: 'contacts', mode: 'create' });
    let batches = 0;
    const stopped = await runJob(t.db.db, (await claimJob(t.db.db, t.workspaceId, up.body.id))!, { batchSize: 2, onProgress: () => batches++, shouldStop: () => batches >= 1 });
    expect(stopped).toMatchObject({ state: 'running', rowsDone: 2 });
    expect((await t.call('POST', `/api/imports/${up.body.id}/cancel`)).body).toMatchObject({ state: 'failed', rowsDone: 2, created: { contacts: 2 } });
    expect(await claimJob(t.db.db, t.workspaceId, up.body.id)).toBeNull();
    const made = rowsOf<{ record_id: number }>(await t.db.db.execute(sql`select record_id from import_records where import_id = ${up.body.id}`)).map((r) => Number(r.record_id));
    expect(made).toHaveLength(2);
    expect((await t.call('POST', `/api/imports/${up.body.id}/undo`)).body.state).toBe('undone');
    expect(await live(made)).toEqual([]);
    expect((await t.call('POST', `/api/imports/${up.body.id}/cancel`)).status).toBe(409);
  });

  it('B1: a runner stops at the batch after a cancel, with every row before it applied once', async () => {
    const csv = ['Email', ...Array.from({ length: 20 }, (_, i) => `r${i}@cancel3.com`)].join('\n');
    const up = await upload(t, csv, { objectType: 'contacts', mode: 'create' });
    let cancel: Promise<void> | undefined;
    const job = await runJob(t.db.db, (await claimJob(t.db.db, t.workspaceId, up.body.id))!, {
      batchSize: 1,
      onProgress: (j) => {
        if (j.rowsDone === 1) cancel = cancelImport(t.db.db, t.workspaceId, up.body.id);
      },
    });
    await cancel;
    const view = (await t.call('GET', `/api/imports/${up.body.id}`)).body;
    expect(view).toMatchObject({ state: 'failed', failure: expect.stringMatching(/^CANCELED:/) });
    expect(view.rowsDone).toBeLessThan(20);
    expect(view.rowsDone).toBe(job.rowsDone);
    const count = rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'email' like '%@cancel3.com'`))[0]!;
    expect(Number(count.n)).toBe(view.rowsDone);
    expect(view.created).toEqual({ contacts: view.rowsDone });
  });

  it('B1: an import still queued cannot be undone', async () => {
    const form = new FormData();
    form.set('file', new File(['Email\nq@undo3.com'], 'q.csv'));
    form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
    const up = await t.app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: form });
    const { id } = (await up.json()) as { id: string };
    const r = await t.call('POST', `/api/imports/${id}/undo`);
    expect(r.status).toBe(409);
    expect(r.body.subCategory).toBe('IMPORT_NOT_UNDOABLE');
  });
});
