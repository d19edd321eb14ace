import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { historyOf, seedRecords } from './helpers/records.ts';
import { errorsCsv, importCsv, upload } from './fixtures/imports/upload.ts';

const t = useTestApp({ plan: 'professional' });

const contactsByEmail = async (emails: string[]) =>
  rowsOf<{ id: number; email: string; properties: Record<string, string> }>(
    await t.db.db.execute(sql`select id, properties->>'email' as email, properties from records where workspace_id = ${t.workspaceId} and type_id = '0-1'
      and archived_at is null and lower(properties->>'email') in (${sql.join(emails.map((e) => sql`${e}`), sql`, `)}) order by id`),
  );
const companiesByDomain = async (domain: string) =>
  rowsOf<{ id: number; properties: Record<string, string> }>(
    await t.db.db.execute(sql`select id, properties from records where workspace_id = ${t.workspaceId} and type_id = '0-2' and archived_at is null and properties->>'domain' = ${domain} order by id`),
  );
const companiesOf = async (contactId: number) => {
  const r = await t.call('GET', `/crm/v4/objects/contacts/${contactId}/associations/companies`);
  return r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => ({ id: Number(x.toObjectId), types: x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b) }));
};

describe('CSV import: the job API (R16, R17)', () => {
  it('R16, R8: HubSpot headers map by themselves; a contacts file with company columns creates each company once, associates it and makes it primary; history source IMPORT with the id', async () => {
    const csv = [
      'Email,First Name,Last Name,Company Name,Company Domain Name',
      'ada@hs-one.com,Ada,Lovelace,HS One,hs-one.com',
      'bob@hs-one.com,Bob,Builder,HS One,https://www.HS-One.com/about',
      'cy@hs-two.com,Cy,Young,HS Two,hs-two.com',
    ].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view).toMatchObject({ state: 'done', objectType: 'contacts', mode: 'create', rowsTotal: 3, rowsDone: 3, created: { contacts: 3, companies: 2 }, updated: {}, associations: 3, errorCount: 0, errors: [] });
    expect(view.columns.map((c: { target: string }) => c.target)).toEqual(['contacts.email', 'contacts.firstname', 'contacts.lastname', 'companies.name', 'companies.domain']);
    const [one] = await companiesByDomain('hs-one.com');
    const contacts = await contactsByEmail(['ada@hs-one.com', 'bob@hs-one.com', 'cy@hs-two.com']);
    expect(contacts.map((c) => c.properties.firstname)).toEqual(['Ada', 'Bob', 'Cy']);
    expect(await companiesOf(contacts[0]!.id)).toEqual([{ id: one!.id, types: [1, 279] }]);
    expect(await companiesOf(contacts[1]!.id)).toEqual([{ id: one!.id, types: [1, 279] }]);
    const h = await historyOf(t.db.db, t.workspaceId, contacts[0]!.id);
    expect(h.map((x) => `${x.action}:${x.source}`)).toEqual(['CREATED:IMPORT', 'PRIMARY_SET:IMPORT']);
    const api = await t.call('GET', `/api/objects/contacts/${contacts[0]!.id}/association-history`);
    expect(api.body.results[0]).toMatchObject({ source: 'IMPORT', sourceId: view.id });
  });

  it('R17: contacts match by email (any case), companies by normalised domain, in the file and in the database; rows of one record collapse into it', async () => {
    const [existing] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'dee@dedupe.com', firstname: 'Dee' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Dedupe Inc', domain: 'dedupe.com' }]);
    const csv = [
      'contacts.email,contacts.firstname,contacts.jobtitle,companies.domain',
      'DEE@Dedupe.com,Deirdre,,http://www.dedupe.com',
      'eve@dedupe.com,Eve,,DEDUPE.com',
      'EVE@dedupe.com,,CTO,dedupe.com',
    ].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create_and_update' });
    expect(view).toMatchObject({ state: 'done', created: { contacts: 1 }, updated: { contacts: 1 }, errors: [] });
    expect(view.created.companies).toBeUndefined();
    const rows = await contactsByEmail(['dee@dedupe.com', 'eve@dedupe.com']);
    expect(rows.map((r) => r.id)).toContain(existing);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.id === existing)!.properties.firstname).toBe('Deirdre');
    expect(rows.find((r) => r.id !== existing)!.properties).toMatchObject({ firstname: 'Eve', jobtitle: 'CTO' });
    for (const r of rows) expect((await companiesOf(r.id)).map((c: { id: number }) => c.id)).toEqual([co]);
    expect(await companiesByDomain('dedupe.com')).toHaveLength(1);
  });

  it('R17: a row that repeats an earlier row exactly is DUPLICATE_ROW_CONTENT and not applied twice', async () => {
    const csv = ['Email,First Name', 'twin@dup-row.com,Tw', 'twin@dup-row.com,Tw', 'other@dup-row.com,Ot'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view.created).toEqual({ contacts: 2 });
    expect(view.errors).toEqual([{ row: 3, column: null, code: 'DUPLICATE_ROW_CONTENT', message: expect.stringContaining('row 2') }]);
  });

  it('R17: modes: create refuses existing records, update refuses unknown ones, create_and_update does both; Record ID matches any object', async () => {
    const [a] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'mode-a@modes.com', firstname: 'A' }]);
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Old name' }]);
    const create = await importCsv(t, 'Email,First Name\nmode-a@modes.com,A2\nmode-b@modes.com,B', { objectType: 'contacts', mode: 'create' });
    expect(create.created).toEqual({ contacts: 1 });
    expect(create.errors).toEqual([{ row: 2, column: 'Email', code: 'RECORD_ALREADY_EXISTS', message: expect.stringContaining(String(a)) }]);
    const update = await importCsv(t, 'Email,First Name\nmode-a@modes.com,A3\nmode-c@modes.com,C', { objectType: 'contacts', mode: 'update' });
    expect(update).toMatchObject({ created: {}, updated: { contacts: 1 } });
    expect(update.errors).toEqual([{ row: 3, column: 'Email', code: 'NOT_FOUND', message: expect.any(String) }]);
    expect((await contactsByEmail(['mode-c@modes.com']))).toEqual([]);
    const both = await importCsv(t, 'Email,First Name\nmode-a@modes.com,A4\nmode-c@modes.com,C', { objectType: 'contacts', mode: 'create_and_update' });
    expect(both).toMatchObject({ created: { contacts: 1 }, updated: { contacts: 1 }, errors: [] });
    expect((await contactsByEmail(['mode-a@modes.com']))[0]!.properties.firstname).toBe('A4');
    const byId = await importCsv(t, `Record ID,Deal Name\n${deal},New name\n999999999,Ghost`, { objectType: 'deals', mode: 'update' });
    expect(byId.updated).toEqual({ deals: 1 });
    expect(byId.errors).toEqual([{ row: 3, column: 'Record ID', code: 'NOT_FOUND', message: expect.stringContaining('999999999') }]);
    expect((await t.call('GET', `/crm/v3/objects/deals/${deal}`)).body.properties.dealname).toBe('New name');
  });

  it('R16: association columns point at existing records by record ID, email or domain; unknown ones and ambiguous domains are refused, the good rows land', async () => {
    const [c1, c2] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Col One', domain: 'col-one.com' }, { name: 'Col Two', domain: 'col-two.com' }]);
    await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Shared A', domain: 'shared-col.com' }, { name: 'Shared B', domain: 'shared-col.com' }]);
    const [person] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'buyer@col-one.com' }]);
    const csv = [
      'Deal Name,Associated Company IDs,associations.contacts.email,associations.companies.domain',
      `Deal one,${c1};${c2},buyer@col-one.com,`,
      'Deal two,,,col-two.com',
      'Deal three,888888888,,',
      'Deal four,,nobody@col-one.com,',
      'Deal five,,,shared-col.com',
    ].join('\n');
    const view = await importCsv(t, csv, { objectType: 'deals', mode: 'create' });
    expect(view.created).toEqual({ deals: 2 });
    expect(view.errors.map((e: { row: number; column: string; code: string }) => `${e.row}:${e.column}:${e.code}`)).toEqual([
      '4:Associated Company IDs:UNKNOWN_ASSOCIATION_RECORD_ID',
      '5:associations.contacts.email:UNKNOWN_ASSOCIATION_RECORD_ID',
      '6:associations.companies.domain:MULTIPLE_COMPANIES_WITH_THIS_DOMAIN',
    ]);
    const deals = rowsOf<{ id: number; name: string }>(await t.db.db.execute(sql`select id, properties->>'dealname' as name from records where workspace_id = ${t.workspaceId} and type_id = '0-3' and properties->>'dealname' like 'Deal %' order by id`));
    expect(deals.map((d) => d.name)).toEqual(['Deal one', 'Deal two']);
    const one = await t.call('GET', `/crm/v4/objects/deals/${deals[0]!.id}/associations/companies`);
    // R7: the first company of a deal created by the import is its primary
    expect(one.body.results.map((r: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [Number(r.toObjectId), r.associationTypes.map((x) => x.typeId).sort((a, b) => a - b)])).toEqual([[c1, [5, 341]], [c2, [341]]]);
    const contacts = await t.call('GET', `/crm/v4/objects/deals/${deals[0]!.id}/associations/contacts`);
    expect(contacts.body.results.map((r: { toObjectId: number }) => Number(r.toObjectId))).toEqual([person]);
  });

  it('R14: labels by name from either side of a paired label, on a two-object row; an unknown label refuses its row', async () => {
    const made = await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Manager', name: 'manager_imp', inverseLabel: 'Managed company' });
    expect(made.status).toBe(200);
    const manager = made.body.results.find((r: { label: string }) => r.label === 'Manager').typeId as number;
    const csv = [
      'Email,Company Domain Name,Company Name,Association Label',
      'boss@label-co.com,label-co.com,Label Co,Manager',
      'boss2@label-co.com,label-co.com,Label Co,Managed company',
      'boss3@label-co.com,label-co.com,Label Co,Chief Wizard',
    ].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view.created).toEqual({ contacts: 2, companies: 1 });
    expect(view.errors).toEqual([{ row: 4, column: 'Association Label', code: 'ASSOCIATION_LABEL_NOT_FOUND', message: expect.stringContaining('Chief Wizard') }]);
    expect(await contactsByEmail(['boss3@label-co.com'])).toEqual([]);
    const [co] = await companiesByDomain('label-co.com');
    for (const c of await contactsByEmail(['boss@label-co.com', 'boss2@label-co.com'])) {
      expect(await companiesOf(c.id)).toEqual([{ id: co!.id, types: [1, 279, manager].sort((a, b) => a - b) }]);
    }
    // the same label named from the company side, in a companies file with contact columns
    const back = await importCsv(t, 'companies.domain,contacts.email,association_label\nlabel-co.com,boss4@label-co.com,Managed company', { objectType: 'companies', mode: 'create_and_update' });
    expect(back.errors).toEqual([]);
    const [boss4] = await contactsByEmail(['boss4@label-co.com']);
    expect(await companiesOf(boss4!.id)).toEqual([{ id: co!.id, types: [1, 279, manager].sort((a, b) => a - b) }]);
  });

  it('R4: a row that would pass a per-record limit is refused with ASSOCIATION_LIMIT_EXCEEDED and writes nothing; the others land', async () => {
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Tiny', domain: 'tiny-limit.com' }]);
    const set = await t.call('POST', '/crm/v4/associations/definitions/configurations/companies/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 280, maxToObjectIds: 2 }] });
    expect(set.status).toBeLessThan(300);
    const csv = ['Email,Company Domain Name', 'l1@tiny-limit.com,tiny-limit.com', 'l2@tiny-limit.com,tiny-limit.com', 'l3@tiny-limit.com,tiny-limit.com', 'l4@elsewhere-limit.com,'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view.created).toEqual({ contacts: 3 });
    expect(view.errors).toEqual([{ row: 4, column: 'Company Domain Name', code: 'ASSOCIATION_LIMIT_EXCEEDED', message: expect.any(String) }]);
    expect(await contactsByEmail(['l3@tiny-limit.com'])).toEqual([]);
    const linked = await t.call('GET', `/crm/v4/objects/companies/${co}/associations/contacts`);
    expect(linked.body.results).toHaveLength(2);
  });

  it('R4: a company the import creates counts its associations from this file: the row past its limit is refused; the created records are in the change feed once each', async () => {
    const set = await t.call('POST', '/crm/v4/associations/definitions/configurations/companies/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 280, maxToObjectIds: 2 }] });
    expect(set.status).toBeLessThan(300);
    const csv = ['Email,Company Name,Company Domain Name', 'n1@new-limit.com,New Limit,new-limit.com', 'n2@new-limit.com,New Limit,new-limit.com', 'n3@new-limit.com,New Limit,new-limit.com'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view.created).toEqual({ contacts: 2, companies: 1 });
    expect(view.errors).toEqual([{ row: 4, column: 'Company Domain Name', code: 'ASSOCIATION_LIMIT_EXCEEDED', message: expect.any(String) }]);
    const [co] = await companiesByDomain('new-limit.com');
    const linked = await t.call('GET', `/crm/v4/objects/companies/${co!.id}/associations/contacts`);
    expect(linked.body.results).toHaveLength(2);
    const contacts = await contactsByEmail(['n1@new-limit.com', 'n2@new-limit.com', 'n3@new-limit.com']);
    expect(contacts.map((c) => c.email)).toEqual(['n1@new-limit.com', 'n2@new-limit.com']);
    for (const c of contacts) expect(await companiesOf(c.id)).toEqual([{ id: co!.id, types: [1, 279] }]);
    const feed = rowsOf<{ object_id: number; action: string; source: string }>(
      await t.db.db.execute(sql`select object_id, action, source from record_changes where workspace_id = ${t.workspaceId}
        and object_id in (${sql.join([co!.id, ...contacts.map((c) => c.id)].map((id) => sql`${id}::bigint`), sql`, `)}) order by object_id`),
    );
    expect(feed.map((f) => [Number(f.object_id), f.action, f.source])).toEqual([...contacts.map((c) => c.id), co!.id].sort((a, b) => a - b).map((id) => [id, 'CREATED', 'IMPORT']));
  });

  it('R17: every refused row is in errors.csv with row, column and code, after the file\'s own values; formula-like cells are escaped', async () => {
    const csv = ['Email,First Name', 'not-an-email,"=HYPERLINK(""http://evil.example"",""click"")"', 'ok@csv-err.com,Fine', '@bad@,+cmd'].join('\n');
    const view = await importCsv(t, csv, { objectType: 'contacts', mode: 'create' });
    expect(view.errors.map((e: { row: number; column: string; code: string }) => `${e.row}:${e.column}:${e.code}`)).toEqual(['2:Email:INVALID_EMAIL', '4:Email:INVALID_EMAIL']);
    const file = await errorsCsv(t, view.id);
    expect(file.status).toBe(200);
    expect(file.type).toMatch(/^text\/csv/);
    const lines = file.text.trim().split('\r\n');
    expect(lines[0]).toBe('Row,Column,Error code,Message,Email,First Name');
    expect(lines[1]).toMatch(/^2,Email,INVALID_EMAIL,.*,not-an-email,"'=HYPERLINK\(""http:\/\/evil\.example"",""click""\)"$/);
    expect(lines[2]).toMatch(/^4,Email,INVALID_EMAIL,.*,'@bad@,'\+cmd$/);
    expect(lines).toHaveLength(3);
  });

  it('the job API: 202 {id}, then state and progress; bad options are 400 naming the field; other workspaces and no token see nothing', async () => {
    const bad = await upload(t, 'Email\nx@y.com', { objectType: 'contacts', mode: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].in).toBe('body:options.mode');
    const unknown = await upload(t, 'Email\nx@y.com', { objectType: 'planets', mode: 'create' });
    expect(unknown.status).toBe(404);
    const up = await upload(t, 'Email\nqueued@job-api.com', { objectType: 'contacts', mode: 'create' });
    expect(up.status).toBe(202);
    expect(up.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const queued = await t.call('GET', `/api/imports/${up.body.id}`);
    expect(queued.body).toMatchObject({ id: up.body.id, state: 'queued', rowsTotal: 1, rowsDone: 0, created: {}, updated: {}, associations: 0, errors: [] });
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'professional' });
    expect((await t.call('GET', `/api/imports/${up.body.id}`, undefined, other.body.adminToken)).status).toBe(404);
    expect((await t.call('GET', `/api/imports/${up.body.id}`, undefined, null)).status).toBe(401);
    expect((await t.call('GET', '/api/imports/not-a-uuid')).status).toBe(400);
    // a record of another workspace is no record here
    const foreign = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Foreign', domain: 'foreign-ws.com' } }, other.body.adminToken);
    expect(foreign.status).toBe(201);
    const view = await importCsv(t, `Email,Associated Company IDs\nlocal@foreign-ws.com,${foreign.body.id}`, { objectType: 'contacts', mode: 'create' });
    expect(view.created).toEqual({});
    expect(view.errors).toEqual([{ row: 2, column: 'Associated Company IDs', code: 'UNKNOWN_ASSOCIATION_RECORD_ID', message: expect.any(String) }]);
    const tooMany = await upload(t, 'Email\nx@y.com', { objectType: 'contacts', mode: 'create', columnMapping: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`h${i}`, null])) });
    expect(tooMany.status).toBe(400);
  });

  it('R16: POST /api/imports/mapping shows the mapping a header gets before importing, edited by columnMapping; a header the import would refuse is the same 400; nothing is stored', async () => {
    const jobsBefore = (await t.call('GET', '/api/imports')).body.results.length;
    const header = ['Email', ' First Name ', 'Company Domain Name', 'companies.name', 'Associated Deal IDs', 'Association Label', 'Shoe size', 'Notes'];
    const preview = await t.call('POST', '/api/imports/mapping', { objectType: 'contacts', header, columnMapping: { 'Shoe size': 'contacts.jobtitle', Notes: null } });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      objectType: 'contacts',
      mode: 'create_and_update',
      withObjectType: 'companies',
      associatedObjectTypes: ['deals'],
      columns: [
        { header: 'Email', target: 'contacts.email' },
        { header: 'First Name', target: 'contacts.firstname' },
        { header: 'Company Domain Name', target: 'companies.domain' },
        { header: 'companies.name', target: 'companies.name' },
        { header: 'Associated Deal IDs', target: 'associations.deals.hs_object_id' },
        { header: 'Association Label', target: 'association_label' },
        { header: 'Shoe size', target: 'contacts.jobtitle' },
        { header: 'Notes', target: null },
      ],
    });
    // the mapping shown is the one the import then uses
    const up = await upload(t, `${header.join(',')}\n`, { objectType: 'contacts', mode: 'create_and_update', columnMapping: { 'Shoe size': 'contacts.jobtitle', Notes: null } });
    expect(up.status).toBe(202);
    expect((await t.call('GET', `/api/imports/${up.body.id}`)).body.columns).toEqual(preview.body.columns);

    const twice = await t.call('POST', '/api/imports/mapping', { objectType: 'contacts', mode: 'create', header: ['Email', 'email'] });
    const twiceImport = await upload(t, 'Email,email\nx@twice.com,y@twice.com', { objectType: 'contacts', mode: 'create' });
    expect(twice.status).toBe(400);
    const { correlationId: _a, ...shown } = twice.body;
    const { correlationId: _b, ...refused } = twiceImport.body;
    expect(shown).toEqual(refused);
    expect(twice.body.message).toMatch(/appears twice/);
    const missing = await t.call('POST', '/api/imports/mapping', { objectType: 'contacts', mode: 'create' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].in).toBe('body:header');
    const unknownType = await t.call('POST', '/api/imports/mapping', { objectType: 'planets', header: ['Name'] });
    expect(unknownType.status).toBe(404);
    expect((await t.call('POST', '/api/imports/mapping', { objectType: 'contacts', header: ['Email'] }, null)).status).toBe(401);
    // only the upload above made a job
    expect((await t.call('GET', '/api/imports')).body.results.length).toBe(jobsBefore + 1);
  });
});

describe('CSV import: the list and who may manage an import (R16, B1)', () => {
  it('GET /api/imports names each import\'s object type and who started it; a rep cancels or undoes only their own', async () => {
    const rep = await t.call('POST', '/api/users', { name: 'Rita Rep', email: 'rita.imports@example.com', role: 'rep' });
    expect(rep.status).toBe(201);
    const repToken = rep.body.token as string;
    const mine = await importCsv(t, 'Company Name,Company Domain Name\nListed Co,listed.example\n', { objectType: 'companies' });
    const theirs = await importCsv(t, 'Email\nrita.row@listed.example\n', { objectType: 'contacts' }, repToken);
    const me = (await t.call('GET', '/api/me')).body;
    const list = (await t.call('GET', '/api/imports')).body.results as Array<Record<string, unknown>>;
    expect(list.find((i) => i.id === mine.id)).toMatchObject({ state: 'done', objectType: 'companies', fileName: 'import.csv', startedBy: { source: 'USER', userId: String(me.caller.id), name: me.caller.name } });
    expect(list.find((i) => i.id === theirs.id)).toMatchObject({ state: 'done', objectType: 'contacts', startedBy: { source: 'USER', name: 'Rita Rep' } });
    // the list is the workspace's: a rep sees the admin's import too
    expect(((await t.call('GET', '/api/imports', undefined, repToken)).body.results as Array<{ id: string }>).map((i) => i.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    const refused = await t.call('POST', `/api/imports/${mine.id}/undo`, undefined, repToken);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/Only an admin or whoever started this import/);
    expect((await t.call('GET', `/api/imports/${mine.id}`)).body.state).toBe('done');
    expect((await t.call('POST', `/api/imports/${theirs.id}/undo`, undefined, repToken)).body.state).toBe('undone');
    const after = (await t.call('GET', '/api/imports')).body.results as Array<Record<string, unknown>>;
    expect(after.find((i) => i.id === theirs.id)).toMatchObject({ state: 'undone' });
    expect(after.find((i) => i.id === mine.id)).not.toHaveProperty('failure');
  });
});
