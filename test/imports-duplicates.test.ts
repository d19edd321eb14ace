import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { useTestApp } from './helpers/app.ts';
import { importCsv, upload } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });

const count = async (typeId: string, property: string, value: string) =>
  Number(
    rowsOf<{ n: number }>(
      await t.db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and type_id = ${typeId} and archived_at is null and properties->>${property} = ${value}`),
    )[0]!.n,
  );

describe('CSV import: rows without a key that repeat an earlier row (R17)', () => {
  it('R17: a deals file with only Deal Name: an exact repeat (in the same batch or a later one) is DUPLICATE_ROW_CONTENT and creates nothing; a different row still lands', async () => {
    const csv = ['Deal Name,Amount', 'Keyless deal,100', ' Keyless deal ,100', 'Keyless deal,200', ...Array.from({ length: 60 }, (_, i) => `Filler ${i},1`), 'Keyless deal,100'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'deals', mode: 'create' });
    expect(view.created).toEqual({ deals: 62 });
    expect(view.errors).toEqual([
      { row: 3, column: null, code: 'DUPLICATE_ROW_CONTENT', message: expect.stringContaining('repeats row 2') },
      { row: 65, column: null, code: 'DUPLICATE_ROW_CONTENT', message: expect.stringContaining('repeats row 2') },
    ]);
    expect(await count('0-3', 'dealname', 'Keyless deal')).toBe(2);
  });

  it('R17: contacts without email collapse the same way; an unmapped column does not make rows different', async () => {
    const csv = ['First Name,Last Name,Ignored', 'Nomail,Person,a', 'Nomail,Person,b', 'Nomail,Other,a'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create', columnMapping: { 'First Name': 'contacts.firstname', 'Last Name': 'contacts.lastname', Ignored: null } });
    expect(view.created).toEqual({ contacts: 2 });
    expect(view.errors).toEqual([{ row: 3, column: null, code: 'DUPLICATE_ROW_CONTENT', message: expect.stringContaining('repeats row 2') }]);
    expect(await count('0-1', 'lastname', 'Person')).toBe(1);
  });

  it('R17: an import stopped mid-file and resumed still knows the rows before the stop', async () => {
    const csv = ['Deal Name', 'Resume A', 'Resume B', 'Resume C', 'Resume D', 'Resume A', 'Resume B'].join('\n');
    const up = await upload(t, csv, { objectType: 'deals', mode: 'create' });
    expect(up.status).toBe(202);
    const first = await claimJob(t.db.db, t.workspaceId, up.body.id);
    let batches = 0;
    // stop after the first two batches of two rows: the runner and everything it held in memory are gone
    const stopped = await runJob(t.db.db, first!, { batchSize: 2, onProgress: () => batches++, shouldStop: () => batches >= 2 });
    expect(stopped).toMatchObject({ state: 'running', rowsDone: 4 });
    const again = await claimJob(t.db.db, t.workspaceId, up.body.id);
    expect(again).not.toBeNull();
    const done = await runJob(t.db.db, again!, { batchSize: 2 });
    expect(done).toMatchObject({ state: 'done', rowsDone: 6 });
    const view = await t.call('GET', `/api/imports/${up.body.id}`);
    expect(view.body.created).toEqual({ deals: 4 });
    expect(view.body.errors.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual(['6:DUPLICATE_ROW_CONTENT', '7:DUPLICATE_ROW_CONTENT']);
    for (const name of ['Resume A', 'Resume B']) expect(await count('0-3', 'dealname', name)).toBe(1);
  });
  it('R17: a company given by name without a domain is created once per import and shared by the rows with the same values, across batches and a resume; other values make another', async () => {
    const csv = ['Email,Company Name', 'a@keyless-co1.com,Keyless Co', 'b@keyless-co2.com,Keyless Co', 'c@keyless-co3.com,Other Keyless', 'd@keyless-co4.com,Keyless Co', 'e@keyless-co5.com,Keyless Co'].join('\n');
    const up = await upload(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(up.status).toBe(202);
    let batches = 0;
    const stopped = await runJob(t.db.db, (await claimJob(t.db.db, t.workspaceId, up.body.id))!, { batchSize: 2, onProgress: () => batches++, shouldStop: () => batches >= 1 });
    expect(stopped).toMatchObject({ state: 'running', rowsDone: 2 });
    const done = await runJob(t.db.db, (await claimJob(t.db.db, t.workspaceId, up.body.id))!, { batchSize: 2 });
    expect(done).toMatchObject({ state: 'done', rowsDone: 5, created: { contacts: 5, companies: 2 }, associations: 5 });
    expect(await count('0-2', 'name', 'Keyless Co')).toBe(1);
    expect(await count('0-2', 'name', 'Other Keyless')).toBe(1);
    const pairs = rowsOf<{ email: string; name: string }>(
      await t.db.db.execute(sql`select c.properties->>'email' as email, co.properties->>'name' as name from associations a
        join records c on c.workspace_id = a.workspace_id and c.id = a.from_id join records co on co.workspace_id = a.workspace_id and co.id = a.to_id
        where a.workspace_id = ${t.workspaceId} and a.type_id = 279 and c.properties->>'email' like '%@keyless-co%' order by 1`),
    );
    expect(pairs.map((p) => `${p.email}>${p.name}`)).toEqual(['a@keyless-co1.com>Keyless Co', 'b@keyless-co2.com>Keyless Co', 'c@keyless-co3.com>Other Keyless', 'd@keyless-co4.com>Keyless Co', 'e@keyless-co5.com>Keyless Co']);
  });

  // last: the association limit it sets holds for the whole workspace
  it('R17, R4: when a refused row makes its batch run row by row, a repeat of a keyless row that landed still collapses', async () => {
    const set = await t.call('POST', '/crm/v4/associations/definitions/configurations/companies/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 280, maxToObjectIds: 1 }] });
    expect(set.status).toBeLessThan(300);
    const csv = ['First Name,Last Name,Company Domain Name', 'Redo,Repeated,redo-limit.com', 'Over,Limit,redo-limit.com', 'Redo,Repeated,redo-limit.com'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view.errors.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual(['3:ASSOCIATION_LIMIT_EXCEEDED', '4:DUPLICATE_ROW_CONTENT']);
    expect(view.created).toEqual({ contacts: 1, companies: 1 });
    expect(await count('0-1', 'lastname', 'Repeated')).toBe(1);
  });
});
