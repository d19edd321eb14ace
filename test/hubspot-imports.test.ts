import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDate } from '../server/domain/imports/dates.ts';
import { JobRunner, claimJob, runJob } from '../server/domain/imports/runner.ts';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';
import { defineProperties } from './helpers/properties.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { historyOf, seedRecords } from './helpers/records.ts';
import { until } from './helpers/until.ts';
import { workbook } from './fixtures/imports/xlsx.ts';

/** X5, R16, R17: HubSpot's imports API (`/crm/v3/imports`) on our import engine, through HubSpot's own client and plain HTTP. */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);

// the server's job runner, polling often: imports run in the background as in production
let runner: JobRunner | undefined;
const startRunner = () => {
  runner = new JobRunner(t.db.db, { pollMs: 10, batchSize: 50 });
  runner.start({ exclusive: false });
};
const stopRunner = async () => {
  await runner?.stop();
  runner = undefined;
};
beforeAll(startRunner);
afterAll(stopRunner);

type Mapping = { columnObjectTypeId: string; columnName: string; propertyName: string | null; columnType?: string; idColumnType?: string; toColumnObjectTypeId?: string };
const col = (columnObjectTypeId: string, columnName: string, propertyName: string | null, extra: Partial<Mapping> = {}): Mapping => ({ columnObjectTypeId, columnName, propertyName, ...extra });

function importRequest(fileName: string, columnMappings: Mapping[], extra: Record<string, unknown> = {}) {
  return { name: `Import of ${fileName}`, files: [{ fileName, fileFormat: 'CSV', fileImportPage: { hasHeader: true, columnMappings } }], ...extra };
}

/** POST /crm/v3/imports as plain HTTP: the form's parts in the order given. */
async function post(parts: Array<['importRequest', string] | ['files', string | Uint8Array, string]>, token: string | null = t.token, headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const p of parts) {
    if (p[0] === 'files') form.append('files', new File([p[1] as BlobPart], p[2], { type: 'text/csv' }));
    else form.append('importRequest', p[1]);
  }
  const res = await t.app.request('/crm/v3/imports', { method: 'POST', headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: form });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const start = (csv: string, fileName: string, request: object) => hub.client.crm.imports.coreApi.create({ data: Buffer.from(csv), name: fileName }, JSON.stringify(request));
const finished = (id: string) =>
  until(
    () => hub.client.crm.imports.coreApi.getById(Number(id)),
    (r) => ['DONE', 'FAILED', 'CANCELED'].includes(r.state),
    20_000,
    20,
  );

const contactsByEmail = async (emails: string[]) =>
  rowsOf<{ id: number; email: string; properties: Record<string, string> }>(
    await t.db.db.execute(sql`select id, properties->>'email' as email, properties from records where workspace_id = ${t.workspaceId} and type_id = '0-1'
      and archived_at is null and lower(properties->>'email') in (${sql.join(emails.map((e) => sql`${e}`), sql`, `)}) order by id`),
  );
const companiesByDomain = async (domain: string) =>
  rowsOf<{ id: number; properties: Record<string, string> }>(
    await t.db.db.execute(sql`select id, properties from records where workspace_id = ${t.workspaceId} and type_id = '0-2' and archived_at is null and properties->>'domain' = ${domain} order by id`),
  );
const changeSources = async (ids: number[]) =>
  rowsOf<{ object_id: number; action: string; source: string | null }>(
    await t.db.db.execute(sql`select object_id, action, source from record_changes where workspace_id = ${t.workspaceId} and object_id = any(${`{${ids.join(',')}}`}::bigint[]) order by id`),
  );
const countRecords = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId}`))[0]!.n;
const countJobs = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from import_jobs where workspace_id = ${t.workspaceId}`))[0]!.n;
const countChunks = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from import_chunks where workspace_id = ${t.workspaceId}`))[0]!.n;

describe('HubSpot imports API through @hubspot/api-client (X5, R16, R17)', () => {
  it('X5, R16: a contacts import starts, runs to DONE; counters, records and their change history (source IMPORT) are right', async () => {
    const csv = ['First Name,Last Name,Email,Favourite', 'Ada,Lovelace,ada@hsimp-one.example,tea', 'Bob,Builder,bob@hsimp-one.example,', 'Cy,Young,CY@hsimp-one.example,coffee'].join('\n');
    const request = importRequest('contacts.csv', [
      col('0-1', 'First Name', 'firstname'),
      col('0-1', 'Last Name', 'lastname'),
      col('0-1', 'Email', 'email', { columnType: 'HUBSPOT_ALTERNATE_ID' }),
    ], { importOperations: { '0-1': 'CREATE' }, dateFormat: 'YEAR_MONTH_DAY' });
    const started = await start(csv, 'contacts.csv', request);
    expect(started.id).toMatch(/^\d+$/);
    expect(started.state).toBe('STARTED');
    expect(started.importName).toBe('Import of contacts.csv');
    expect(started.importSource).toBe('API');
    expect(started.optOutImport).toBe(false);
    expect(started.createdAt).toBeInstanceOf(Date);
    expect(started.mappedObjectTypeIds).toEqual(['0-1']);
    expect(started.importRequestJson).toEqual(request);

    const done = await finished(started.id);
    expect(done.state).toBe('DONE');
    expect(done.id).toBe(started.id);
    expect(done.metadata.counters).toMatchObject({ TOTAL_ROWS: 3, PROCESSED_ROWS: 3, CREATED_OBJECTS: 3, UPDATED_OBJECTS: 0, UNIQUE_OBJECTS_WRITTEN: 3, ERRORS: 0 });
    expect(done.metadata.fileIds).toEqual([started.id]);
    expect(done.updatedAt.getTime()).toBeGreaterThanOrEqual(done.createdAt.getTime());

    const rows = await contactsByEmail(['ada@hsimp-one.example', 'bob@hsimp-one.example', 'cy@hsimp-one.example']);
    expect(rows.map((r) => [r.email, r.properties.firstname, r.properties.lastname])).toEqual([
      ['ada@hsimp-one.example', 'Ada', 'Lovelace'],
      ['bob@hsimp-one.example', 'Bob', 'Builder'],
      ['cy@hsimp-one.example', 'Cy', 'Young'],
    ]);
    // the unmapped column is not imported
    expect(rows[0]!.properties.favourite).toBeUndefined();
    const changes = await changeSources(rows.map((r) => r.id));
    expect(changes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(changes.map((c) => c.source))).toEqual(new Set(['IMPORT']));
  });

  it('R16, R8, R20: contacts and companies in one file are created and associated; the company is primary; history source IMPORT with the import', async () => {
    const csv = ['Email,First Name,Company,Domain', 'ann@hsimp-co.example,Ann,HS Co,hsimp-co.example', 'ben@hsimp-co.example,Ben,HS Co,hsimp-co.example', 'cat@hsimp-two.example,Cat,Two Co,hsimp-two.example'].join('\n');
    const request = importRequest('people-and-companies.csv', [
      col('0-1', 'Email', 'email', { idColumnType: 'HUBSPOT_ALTERNATE_ID', associationIdentifierColumn: true } as Partial<Mapping>),
      col('0-1', 'First Name', 'firstname'),
      col('0-2', 'Company', 'name'),
      col('0-2', 'Domain', 'domain', { columnType: 'HUBSPOT_ALTERNATE_ID' }),
    ]);
    const started = await start(csv, 'people-and-companies.csv', request);
    expect(started.mappedObjectTypeIds).toEqual(['0-1', '0-2']);
    const done = await finished(started.id);
    expect(done.state).toBe('DONE');
    expect(done.metadata.counters).toMatchObject({ TOTAL_ROWS: 3, CREATED_OBJECTS: 5, ERRORS: 0, CREATED_ASSOCIATIONS: 3 });
    const [co] = await companiesByDomain('hsimp-co.example');
    expect(co).toBeDefined();
    const [ann] = await contactsByEmail(['ann@hsimp-co.example']);
    const page = await hub.client.crm.associations.v4.basicApi.getPage('contacts', String(ann!.id), 'companies');
    expect(page.results.map((r) => [String(r.toObjectId), r.associationTypes.map((x) => x.typeId).sort((a, b) => a - b)])).toEqual([[String(co!.id), [1, 279]]]);
    const history = await historyOf(t.db.db, t.workspaceId, ann!.id);
    expect(history.map((h) => `${h.action}:${h.source}`)).toEqual(['CREATED:IMPORT', 'PRIMARY_SET:IMPORT']);
    const api = await t.call('GET', `/api/objects/contacts/${ann!.id}/association-history`);
    const job = rowsOf<{ id: string }>(await t.db.db.execute(sql`select id from import_jobs where workspace_id = ${t.workspaceId} and number = ${Number(started.id)}`))[0]!;
    expect(api.body.results[0]).toMatchObject({ source: 'IMPORT', sourceId: job.id });
  });

  it('R17: UPDATE and UPSERT match contacts by email; UPDATE refuses unknown emails (UPDATE_ONLY_IMPORT), listed with their line numbers', async () => {
    const [dee] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'dee@hsimp-up.example', firstname: 'Dee' }]);
    const mappings = [col('0-1', 'Email', 'email', { columnType: 'HUBSPOT_ALTERNATE_ID' }), col('0-1', 'Job', 'jobtitle')];
    const update = await start('Email,Job\nDEE@hsimp-up.example,CTO\nnobody@hsimp-up.example,CEO', 'update.csv', importRequest('update.csv', mappings, { importOperations: { '0-1': 'UPDATE' } }));
    const updated = await finished(update.id);
    expect(updated.metadata.counters).toMatchObject({ TOTAL_ROWS: 2, UPDATED_OBJECTS: 1, CREATED_OBJECTS: 0, ERRORS: 1 });
    expect((await contactsByEmail(['dee@hsimp-up.example']))[0]).toMatchObject({ id: dee, properties: { firstname: 'Dee', jobtitle: 'CTO' } });
    expect(await contactsByEmail(['nobody@hsimp-up.example'])).toEqual([]);
    const errors = await hub.client.crm.imports.publicImportsApi.getErrors(Number(update.id), undefined, undefined, true, true);
    expect(errors.results).toHaveLength(1);
    expect(errors.results[0]).toMatchObject({
      errorType: 'UPDATE_ONLY_IMPORT',
      extraContext: 'NOT_FOUND',
      errorMessage: expect.stringContaining('nobody@hsimp-up.example'),
      invalidValue: 'nobody@hsimp-up.example',
      knownColumnNumber: 0,
      objectType: 'CONTACT',
      objectTypeId: '0-1',
      sourceData: { lineNumber: 3, rowData: ['nobody@hsimp-up.example', 'CEO'], fileId: Number(update.id), containsEncryptedProperties: false },
    });

    const upsert = await start('Email,Job\ndee@hsimp-up.example,CFO\neve@hsimp-up.example,COO', 'upsert.csv', importRequest('upsert.csv', mappings, { importOperations: { '0-1': 'UPSERT' } }));
    expect((await finished(upsert.id)).metadata.counters).toMatchObject({ CREATED_OBJECTS: 1, UPDATED_OBJECTS: 1, ERRORS: 0 });
    expect((await contactsByEmail(['dee@hsimp-up.example', 'eve@hsimp-up.example'])).map((r) => [r.id === dee, r.properties.jobtitle])).toEqual([
      [true, 'CFO'],
      [false, 'COO'],
    ]);
  });

  it('R17: refused rows are paged through /errors in file order with their line numbers; without includeRowData/includeErrorMessage they are left out', async () => {
    await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'taken@hsimp-err.example' }]);
    const lines = ['Email,First Name'];
    for (let i = 0; i < 6; i++) lines.push(i % 2 === 0 ? `not-an-email-${i},X${i}` : `ok${i}@hsimp-err.example,Y${i}`);
    lines.push('taken@hsimp-err.example,Z');
    const started = await start(lines.join('\n'), 'errors.csv', importRequest('errors.csv', [col('0-1', 'Email', 'email'), col('0-1', 'First Name', 'firstname')], { importOperations: { '0-1': 'CREATE' } }));
    const done = await finished(started.id);
    expect(done.metadata.counters).toMatchObject({ TOTAL_ROWS: 7, CREATED_OBJECTS: 3, ERRORS: 4 });
    const first = await hub.client.crm.imports.publicImportsApi.getErrors(Number(started.id), undefined, 3);
    expect(first.results.map((e) => [e.sourceData.lineNumber, e.errorType])).toEqual([
      [2, 'INVALID_EMAIL'],
      [4, 'INVALID_EMAIL'],
      [6, 'INVALID_EMAIL'],
    ]);
    expect(first.results[0]!.errorMessage).toBeUndefined();
    expect(first.results[0]!.sourceData.rowData).toEqual([]);
    expect(first.results[0]!.invalidValue).toBe('not-an-email-0');
    expect(first.results[0]!.createdAt).toBeGreaterThan(0);
    expect(first.paging?.next?.after).toEqual(expect.any(String));
    const second = await hub.client.crm.imports.publicImportsApi.getErrors(Number(started.id), first.paging!.next!.after, 3, true);
    expect(second.results.map((e) => [e.sourceData.lineNumber, e.errorType])).toEqual([[8, 'CREATE_ONLY_IMPORT']]);
    expect(second.results[0]!.errorMessage).toEqual(expect.any(String));
    expect(second.paging).toBeUndefined();
  });

  it('R16: an association label column (FLEXIBLE_ASSOCIATION_LABEL) labels the association of the row', async () => {
    await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Advisor', name: 'hsimp_advisor' });
    const csv = 'Email,Domain,Label\nlab@hsimp-lab.example,hsimp-lab.example,Advisor';
    const started = await start(csv, 'labels.csv', importRequest('labels.csv', [
      col('0-1', 'Email', 'email'),
      col('0-2', 'Domain', 'domain'),
      col('0-1', 'Label', null, { columnType: 'FLEXIBLE_ASSOCIATION_LABEL', toColumnObjectTypeId: '0-2' }),
    ]));
    const done = await finished(started.id);
    expect(done.metadata.counters).toMatchObject({ ERRORS: 0 });
    const [lab] = await contactsByEmail(['lab@hsimp-lab.example']);
    const page = await hub.client.crm.associations.v4.basicApi.getPage('contacts', String(lab!.id), 'companies');
    expect(page.results[0]!.associationTypes.map((x) => x.label)).toContain('Advisor');
  });

  it('SPREADSHEET: a one-sheet .xlsx workbook is read as its rows (numbers, booleans, dates as ISO dates); line numbers are the sheet\'s rows', async () => {
    await defineProperties(t.call, 'contacts', [{ name: 'age', type: 'number' }, { name: 'subscribed', type: 'bool' }, { name: 'customer_since', type: 'date' }]);
    const book = workbook({
      1: ['Email', 'First Name', 'Age', 'Subscribed', 'Since'],
      2: ['xa@hsimp-xlsx.example', 'Xa', 42, true, { date: '2024-03-01' }],
      // row 3 is not in the sheet; row 4 has a bad email
      4: ['not-an-email', 'Xb', 7, false, null],
      5: ['xc@hsimp-xlsx.example', 'Say "hi", <b>', null, null, null],
    });
    const request = {
      ...importRequest('people.xlsx', [
        col('0-1', 'Email', 'email'),
        col('0-1', 'First Name', 'firstname'),
        col('0-1', 'Age', 'age'),
        col('0-1', 'Subscribed', 'subscribed'),
        col('0-1', 'Since', 'customer_since'),
      ]),
    };
    request.files[0]!.fileFormat = 'SPREADSHEET';
    const started = await hub.client.crm.imports.coreApi.create({ data: book, name: 'people.xlsx' }, JSON.stringify(request));
    const done = await finished(started.id);
    expect(done.state).toBe('DONE');
    expect(done.metadata.counters).toMatchObject({ TOTAL_ROWS: 3, CREATED_OBJECTS: 2, ERRORS: 1 });
    const rows = await contactsByEmail(['xa@hsimp-xlsx.example', 'xc@hsimp-xlsx.example']);
    expect(rows.map((r) => r.properties)).toEqual([
      expect.objectContaining({ firstname: 'Xa', age: '42', subscribed: 'true', customer_since: '2024-03-01' }),
      expect.objectContaining({ firstname: 'Say "hi", <b>' }),
    ]);
    const errors = await hub.client.crm.imports.publicImportsApi.getErrors(Number(started.id), undefined, undefined, false, true);
    expect(errors.results.map((e) => [e.sourceData.lineNumber, e.errorType, e.sourceData.rowData])).toEqual([[4, 'INVALID_EMAIL', ['not-an-email', 'Xb', '7', 'false']]]);
  });

  it('dateFormat: dates of date properties are read in the order the request names and stored as ISO 8601; a day the month lacks is refused on its line', async () => {
    const schema = await t.call('POST', '/crm/v3/schemas', {
      name: 'hsimp_visits',
      labels: { singular: 'Visit', plural: 'Visits' },
      primaryDisplayProperty: 'place',
      requiredProperties: ['place'],
      properties: [
        { name: 'place', label: 'Place', type: 'string', fieldType: 'text' },
        { name: 'visited', label: 'Visited', type: 'date', fieldType: 'date' },
        { name: 'note', label: 'Note', type: 'string', fieldType: 'text' },
      ],
      associatedObjects: ['contacts'],
    });
    expect(schema.status, JSON.stringify(schema.body)).toBe(201);
    const typeId = schema.body.objectTypeId as string;
    const csv = ['Place,Visited,Note', 'Paris,25/12/2024,25/12/2024', 'Rome,1.2.2025 09:30,x', 'Oslo,2024-03-01,y', 'Nowhere,31/02/2024,z'].join('\n');
    const started = await start(csv, 'visits.csv', {
      ...importRequest('visits.csv', [col(typeId, 'Place', 'place'), col(typeId, 'Visited', 'visited'), col(typeId, 'Note', 'note')], { importOperations: { [typeId]: 'CREATE' } }),
      dateFormat: 'DAY_MONTH_YEAR',
    });
    const done = await finished(started.id);
    expect(done.metadata.counters).toMatchObject({ CREATED_OBJECTS: 3, ERRORS: 1 });
    const visits = rowsOf<{ properties: Record<string, string> }>(await t.db.db.execute(sql`select properties from records where workspace_id = ${t.workspaceId} and type_id = ${typeId} order by id`));
    // the text column keeps what was written
    expect(visits.map((v) => [v.properties.place, v.properties.visited, v.properties.note])).toEqual([
      ['Paris', '2024-12-25', '25/12/2024'],
      ['Rome', '2025-02-01T09:30:00', 'x'],
      ['Oslo', '2024-03-01', 'y'],
    ]);
    const errors = await hub.client.crm.imports.publicImportsApi.getErrors(Number(started.id));
    expect(errors.results.map((e) => [e.sourceData.lineNumber, e.errorType, e.invalidValue, e.objectTypeId])).toEqual([[5, 'INVALID_PROPERTY_VALUE_FORMAT', '31/02/2024', typeId]]);
  });

  it('dateFormat: each order, times, and what is left for the property check', () => {
    expect(isoDate('12/25/2024', 'MONTH_DAY_YEAR')).toBe('2024-12-25');
    expect(isoDate('25-12-2024', 'DAY_MONTH_YEAR')).toBe('2024-12-25');
    expect(isoDate('2024/12/25 7:05:09', 'YEAR_MONTH_DAY')).toBe('2024-12-25T07:05:09');
    expect(isoDate('2024-12-25', 'MONTH_DAY_YEAR')).toBe('2024-12-25');
    expect(isoDate('1735084800000', 'MONTH_DAY_YEAR')).toBe('1735084800000');
    expect(isoDate('12/25/24', 'MONTH_DAY_YEAR')).toBe('12/25/24');
    expect(isoDate('02/29/2023', 'MONTH_DAY_YEAR')).toBe('02/29/2023');
    expect(isoDate('02/29/2024', 'MONTH_DAY_YEAR')).toBe('2024-02-29');
    expect(isoDate('12/25/2024 24:00', 'MONTH_DAY_YEAR')).toBe('12/25/2024 24:00');
  });

  it('GDPR delete: an import whose name or request quotes the erased contact keeps neither', async () => {
    const fileName = 'gdpr-erin@hsimp-gdpr.example.csv';
    const started = await start('Email\nerin@hsimp-gdpr.example', fileName, { ...importRequest(fileName, [col('0-1', 'Email', 'email')]), name: 'Erin erin@hsimp-gdpr.example' });
    await finished(started.id);
    const [erin] = await contactsByEmail(['erin@hsimp-gdpr.example']);
    const erased = await t.call('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: String(erin!.id) });
    expect(erased.status).toBe(204);
    const after = await hub.client.crm.imports.coreApi.getById(Number(started.id));
    expect(after.importName).toBeUndefined();
    expect(after.importRequestJson).toBeUndefined();
    expect(JSON.stringify(await t.call('GET', `/crm/v3/imports/${started.id}`))).not.toContain('erin@');
  });

  it('list: newest first, paged with after and before', async () => {
    const all = await hub.client.crm.imports.coreApi.getPage(undefined, undefined, 100);
    expect(all.results.length).toBeGreaterThanOrEqual(5);
    const ids = all.results.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const p1 = await hub.client.crm.imports.coreApi.getPage(undefined, undefined, 2);
    expect(p1.results.map((r) => r.id)).toEqual(all.results.slice(0, 2).map((r) => r.id));
    expect(p1.paging?.next?.after).toBe(p1.results[1]!.id);
    const p2 = await hub.client.crm.imports.coreApi.getPage(p1.paging!.next!.after, undefined, 2);
    expect(p2.results.map((r) => r.id)).toEqual(all.results.slice(2, 4).map((r) => r.id));
    expect(p2.paging?.prev?.before).toBe(p2.results[0]!.id);
    const back = await hub.client.crm.imports.coreApi.getPage(undefined, p2.paging!.prev!.before, 2);
    expect(back.results.map((r) => r.id)).toEqual(p1.results.map((r) => r.id));
    const bad = await t.call('GET', '/crm/v3/imports?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].in).toBe('query:limit');
  });

  it('cancel: a queued import and a running one become CANCELED and stop; a finished one answers 409', async () => {
    await stopRunner();
    try {
      const mappings = [col('0-1', 'Email', 'email')];
      const queued = await start('Email\nq1@hsimp-cancel.example\nq2@hsimp-cancel.example', 'queued.csv', importRequest('queued.csv', mappings));
      const action = await hub.client.crm.imports.coreApi.cancel(Number(queued.id));
      expect(action.status).toBe('COMPLETE');
      expect(action.completedAt).toBeInstanceOf(Date);
      expect((await hub.client.crm.imports.coreApi.getById(Number(queued.id))).state).toBe('CANCELED');
      expect(await contactsByEmail(['q1@hsimp-cancel.example'])).toEqual([]);

      const lines = ['Email', ...Array.from({ length: 6 }, (_, i) => `r${i}@hsimp-cancel.example`)];
      const running = await start(lines.join('\n'), 'running.csv', importRequest('running.csv', mappings));
      const job = rowsOf<{ id: string }>(await t.db.db.execute(sql`select id from import_jobs where workspace_id = ${t.workspaceId} and number = ${Number(running.id)}`))[0]!;
      let batches = 0;
      const claimed = await claimJob(t.db.db, t.workspaceId, job.id);
      await runJob(t.db.db, claimed!, { batchSize: 2, onProgress: () => batches++, shouldStop: () => batches >= 1 });
      expect((await hub.client.crm.imports.coreApi.getById(Number(running.id))).state).toBe('PROCESSING');
      await hub.client.crm.imports.coreApi.cancel(Number(running.id));
      const canceled = await hub.client.crm.imports.coreApi.getById(Number(running.id));
      expect(canceled.state).toBe('CANCELED');
      expect(canceled.metadata.counters).toMatchObject({ TOTAL_ROWS: 6, PROCESSED_ROWS: 2, CREATED_OBJECTS: 2 });
      // no runner takes it up again
      expect(await claimJob(t.db.db, t.workspaceId, job.id)).toBeNull();

      const again = await hub.client.crm.imports.coreApi.cancel(Number(running.id)).catch((e: { code: number; body: { category: string; subCategory?: string } }) => e);
      expect(again).toMatchObject({ code: 409 });
    } finally {
      startRunner();
    }
  });
});

describe('HubSpot imports API: bad requests write nothing and say where (plain HTTP)', () => {
  const good = (fileName = 'bad.csv') => importRequest(fileName, [col('0-1', 'Email', 'email')]);
  const sheet = () => ({ ...good('bad.xlsx'), files: [{ ...good('bad.xlsx').files[0], fileFormat: 'SPREADSHEET' }] });
  const csv = 'Email\nnever@hsimp-bad.example';
  const cases: Array<[string, Array<['importRequest', string] | ['files', string | Uint8Array, string]>, number, string, RegExp]> = [
    ['malformed JSON', [['importRequest', '{"name": '], ['files', csv, 'bad.csv']], 400, 'importRequest', /not valid JSON/],
    ['unknown column', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'E-mail', 'email')]))], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[0].columnName', /"E-mail" is not a column/],
    ['unknown object type', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-99', 'Email', 'email')]))], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[0].columnObjectTypeId', /0-99 is not an object type/],
    ['missing file part', [['importRequest', JSON.stringify(good())]], 400, 'files', /must be the CSV file/],
    ['missing importRequest', [['files', csv, 'bad.csv']], 400, 'importRequest', /is required/],
    ['file name mismatch (request first)', [['importRequest', JSON.stringify(good('other.csv'))], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileName', /must match/],
    ['file name mismatch (file first)', [['files', csv, 'bad.csv'], ['importRequest', JSON.stringify(good('other.csv'))]], 400, 'importRequest.files[0].fileName', /must match/],
    ['unknown field', [['importRequest', JSON.stringify({ ...good(), colour: 'blue' })], ['files', csv, 'bad.csv']], 400, 'importRequest', /unknown field colour/],
    ['bad operation', [['importRequest', JSON.stringify({ ...good(), importOperations: { '0-1': 'MERGE' } })], ['files', csv, 'bad.csv']], 400, 'importRequest.importOperations.0-1', /Invalid option/],
    ['SPREADSHEET declared, CSV sent', [['importRequest', JSON.stringify({ ...good(), files: [{ ...good().files[0], fileFormat: 'SPREADSHEET' }] })], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileFormat', /not a workbook.*must match/],
    ['CSV declared, workbook sent', [['files', workbook({ 1: ['Email'], 2: ['wb@hsimp-bad.example'] }), 'bad.csv'], ['importRequest', JSON.stringify(good())]], 400, 'importRequest.files[0].fileFormat', /\.xlsx workbook.*must match/],
    ['a workbook of two sheets', [['importRequest', JSON.stringify(sheet())], ['files', workbook({ 1: ['Email'], 2: ['two@hsimp-bad.example'] }, { sheets: 2 }), 'bad.xlsx']], 400, 'files', /2 sheets/],
    ['a damaged workbook', [['importRequest', JSON.stringify(sheet())], ['files', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]), 'bad.xlsx']], 400, 'files', /cannot be read/],
    ['a workbook row past the row limit', [['importRequest', JSON.stringify(sheet())], ['files', workbook({}, { sheetXml: '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row><row r="2000000000"><c r="A2000000000" t="inlineStr"><is><t>x@y.z</t></is></c></row>' }), 'bad.xlsx']], 400, 'files', /rows past row 1,000,001/],
    ['a workbook cell past the column limit', [['importRequest', JSON.stringify(sheet())], ['files', workbook({}, { sheetXml: '<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="ZZZZZZ1" t="inlineStr"><is><t>x</t></is></c></row>' }), 'bad.xlsx']], 400, 'files', /past column 1000/],
    ['an old .xls workbook', [['importRequest', JSON.stringify(sheet())], ['files', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.alloc(200, 1)]), 'bad.xlsx']], 400, 'files', /old \.xls/],
    ['two files', [['importRequest', JSON.stringify({ ...good(), files: [good().files[0], good().files[0]] })], ['files', csv, 'bad.csv']], 400, 'importRequest.files[1]', /one file per import/],
    ['no header', [['importRequest', JSON.stringify({ ...good(), files: [{ ...good().files[0], fileImportPage: { hasHeader: false, columnMappings: [col('0-1', 'Email', 'email')] } }] })], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.hasHeader', /header row/],
    ['marketing contacts', [['importRequest', JSON.stringify({ ...good(), marketableContactImport: true })], ['files', csv, 'bad.csv']], 400, 'importRequest.marketableContactImport', /no marketing/],
    ['a required column missing', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'Email', 'jobtitle')]))], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings', /Creating contacts needs a column/],
    ['an operation the second object cannot have', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'Email', 'email'), col('0-2', 'Domain', 'domain')], { importOperations: { '0-1': 'CREATE', '0-2': 'CREATE' } }))], ['files', 'Email,Domain\nx@hsimp-bad.example,hsimp-bad.example', 'bad.csv']], 400, 'importRequest.importOperations.0-2', /can only be UPSERT/],
    ['an alternate id we do not match by', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'Email', 'email'), col('0-1', 'Phone', 'phone', { columnType: 'HUBSPOT_ALTERNATE_ID' })]))], ['files', 'Email,Phone\nx@hsimp-bad.example,123', 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[1].columnType', /found by email or their record ID/],
    ['a column mapped twice', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'Email', 'email'), col('0-1', 'EMAIL', 'firstname')]))], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[1].columnName', /mapped twice/],
    ['a label column without the other object', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'Email', 'email'), col('0-1', 'Label', null, { columnType: 'FLEXIBLE_ASSOCIATION_LABEL' })]))], ['files', 'Email,Label\nx@hsimp-bad.example,A', 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[1].toColumnObjectTypeId', /needs toColumnObjectTypeId/],
    ['same-object associations', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'Email', 'email', { columnType: 'ASSOCIATION_KEYS' })]))], ['files', csv, 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[0].columnType', /ASSOCIATION_KEYS/],
    ['a property column without propertyName', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('0-1', 'Email', 'email'), col('0-1', 'First', null)]))], ['files', 'Email,First\nx@hsimp-bad.example,A', 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[1].propertyName', /propertyName is required/],
    // the custom object defined by the dateFormat test above, named by its name
    ['a property the custom object does not have', [['importRequest', JSON.stringify(importRequest('bad.csv', [col('hsimp_visits', 'Place', 'place'), col('hsimp_visits', 'Colour', 'colour')]))], ['files', 'Place,Colour\nX,red', 'bad.csv']], 400, 'importRequest.files[0].fileImportPage.columnMappings[1]', /colour is not a property of hsimp_visits/],
    ['operation for an object not in the file', [['importRequest', JSON.stringify({ ...good(), importOperations: { '0-3': 'CREATE' } })], ['files', csv, 'bad.csv']], 400, 'importRequest.importOperations.0-3', /no column holds a property of deals/],
  ];
  for (const [what, parts, status, where, message] of cases) {
    it(`${what}: ${status}, HubSpot's error body naming ${where}; nothing stored`, async () => {
      const before = { records: await countRecords(), jobs: await countJobs(), chunks: await countChunks() };
      const r = await post(parts);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) });
      expect(r.body.message).toMatch(message);
      expect(r.body.errors.map((e: { in: string }) => e.in)).toContain(where);
      expect({ records: await countRecords(), jobs: await countJobs(), chunks: await countChunks() }).toEqual(before);
    });
  }

  it('an Idempotency-Key repeated answers the first import again and starts no second one', async () => {
    const parts: Array<['importRequest', string] | ['files', string, string]> = [['importRequest', JSON.stringify(good('once.csv'))], ['files', 'Email\nonce@hsimp-bad.example', 'once.csv']];
    const jobs = await countJobs();
    const first = await post(parts, t.token, { 'idempotency-key': 'hsimp-once-1' });
    const again = await post(parts, t.token, { 'idempotency-key': 'hsimp-once-1' });
    expect(first.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await countJobs()).toBe(jobs + 1);
  });

  it('the HubSpot client sees a refusal as an ApiException with the body', async () => {
    const err = await hub.client.crm.imports.coreApi.create({ data: Buffer.from(csv), name: 'bad.csv' }, JSON.stringify(importRequest('bad.csv', [col('0-1', 'Mail', 'email')]))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 400, body: { category: 'VALIDATION_ERROR', errors: [{ in: 'importRequest.files[0].fileImportPage.columnMappings[0].columnName' }] } });
  });

  it('unknown import: 404; a non-number id: 400; another workspace does not see it; a rep cancels only its own imports; an app token needs crm.import', async () => {
    expect((await t.call('GET', '/crm/v3/imports/999999999')).status).toBe(404);
    expect((await t.call('GET', '/crm/v3/imports/abc')).body.errors[0].in).toBe('param:importId');
    const mine = (await hub.client.crm.imports.coreApi.getPage(undefined, undefined, 1)).results[0]!;
    const other = await t.call('POST', '/api/workspaces', { name: 'Other imports', plan: 'professional' });
    expect((await t.call('GET', `/crm/v3/imports/${mine.id}`, undefined, other.body.adminToken)).status).toBe(404);
    expect((await t.call('GET', '/crm/v3/imports', undefined, other.body.adminToken)).body.results).toEqual([]);
    const rep = await t.call('POST', '/api/users', { name: 'Rex Rep', email: 'rex@hsimp-bad.example', role: 'rep' });
    expect((await t.call('GET', `/crm/v3/imports/${mine.id}`, undefined, rep.body.token)).status).toBe(200);
    const notHis = await t.call('POST', `/crm/v3/imports/${mine.id}/cancel`, undefined, rep.body.token);
    expect(notHis.status).toBe(403);
    expect(notHis.body.category).toBe('MISSING_SCOPES');
    const noScope = await t.call('POST', '/api/tokens', { name: 'no import', scopes: ['crm.objects.contacts.write'] });
    expect((await t.call('GET', '/crm/v3/imports', undefined, noScope.body.token)).status).toBe(403);
    const withScope = await t.call('POST', '/api/tokens', { name: 'importer', scopes: ['crm.import', 'crm.objects.contacts.write'] });
    const r = await post([['importRequest', JSON.stringify(good('app.csv'))], ['files', 'Email\napp@hsimp-bad.example', 'app.csv']], withScope.body.token);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('STARTED');
  });
});
