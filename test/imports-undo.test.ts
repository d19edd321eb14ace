import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../server/db/client.ts';
import { useTestApp } from './helpers/app.ts';
import { allEdges, historyOf, seedRecords } from './helpers/records.ts';
import { importCsv } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });

const live = async (ids: number[]) =>
  rowsOf<{ id: number }>(await t.db.db.execute(sql`select id from records where workspace_id = ${t.workspaceId} and archived_at is null and id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`)).map((r) => Number(r.id));

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
