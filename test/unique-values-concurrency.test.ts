import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Tx } from '../server/db/client.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import { insertRecord } from '../server/domain/records.ts';

/**
 * Unique values (a contact's email, a custom object's property defined with hasUniqueValue) stay
 * unique on every write path: create, batch create, update, batch update, batch upsert. The
 * writes lock the values they write before checking them, so concurrent writers of one new value
 * run one after the other.
 */
const t = useTestApp({ plan: 'enterprise' });
const onPostgres = process.env.TEST_DB === 'postgres';

beforeAll(async () => {
  const schema = await t.call('POST', '/crm/v3/schemas', {
    name: 'gadgets',
    labels: { singular: 'Gadget', plural: 'Gadgets' },
    primaryDisplayProperty: 'serial',
    requiredProperties: [],
    properties: [
      { name: 'serial', label: 'Serial', type: 'string', fieldType: 'text', hasUniqueValue: true },
      { name: 'colour', label: 'Colour', type: 'string', fieldType: 'text' },
    ],
  });
  expect(schema.status).toBe(201);
});

async function countWith(typeId: string, property: string, value: string): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await t.db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and type_id = ${typeId} and archived_at is null and merged_into is null and lower(properties->>${property}::text) = lower(${value})`),
  );
  return rows[0]!.n;
}

async function gadgetType(): Promise<string> {
  return (await t.call('GET', '/crm/v3/schemas/gadgets')).body.objectTypeId as string;
}

describe('unique values on every write path', () => {
  it('X5: a custom unique value taken by another record is a 409 naming the property and the holder, on create and update', async () => {
    const first = await t.call('POST', '/crm/v3/objects/gadgets', { properties: { serial: 'G-1' } });
    expect(first.status).toBe(201);
    const again = await t.call('POST', '/crm/v3/objects/gadgets', { properties: { serial: 'G-1', colour: 'red' } });
    expect(again.status).toBe(409);
    expect(again.body.category).toBe('CONFLICT');
    expect(again.body.message).toContain(`Existing ID: ${first.body.id}`);
    expect(again.body.context.id).toEqual([first.body.id]);
    expect(again.body.errors[0].in).toBe('properties.serial');

    const other = await t.call('POST', '/crm/v3/objects/gadgets', { properties: { serial: 'G-2' } });
    const taken = await t.call('PATCH', `/crm/v3/objects/gadgets/${other.body.id}`, { properties: { serial: 'G-1' } });
    expect(taken.status).toBe(409);
    expect(taken.body.context.id).toEqual([first.body.id]);
    // its own value is no conflict
    expect((await t.call('PATCH', `/crm/v3/objects/gadgets/${first.body.id}`, { properties: { serial: 'G-1', colour: 'blue' } })).status).toBe(200);
    expect(await countWith(await gadgetType(), 'serial', 'G-1')).toBe(1);
  });

  it('X5: batch create and batch update refuse a taken or repeated unique value for that input only (207)', async () => {
    const made = await t.call('POST', '/crm/v3/objects/gadgets/batch/create', {
      inputs: [{ properties: { serial: 'B-1' } }, { properties: { serial: 'B-1' } }, { properties: { serial: 'G-1' } }, { properties: { serial: 'B-2' } }],
    });
    expect(made.status).toBe(207);
    expect(made.body.results.map((r: { properties: { serial: string } }) => r.properties.serial).sort()).toEqual(['B-1', 'B-2']);
    expect(made.body.errors.map((e: { context: { index: string[] } }) => e.context.index[0]).sort()).toEqual(['1', '2']);
    expect(made.body.errors.every((e: { category: string }) => e.category === 'CONFLICT')).toBe(true);

    const [b1, b2] = ['B-1', 'B-2'].map((s) => made.body.results.find((r: { properties: { serial: string } }) => r.properties.serial === s).id as string);
    const updated = await t.call('POST', '/crm/v3/objects/gadgets/batch/update', {
      inputs: [
        { id: b1, properties: { serial: 'B-3' } },
        { id: b2, properties: { serial: 'G-1' } },
      ],
    });
    expect(updated.status).toBe(207);
    expect(updated.body.results.map((r: { id: string }) => r.id)).toEqual([b1]);
    expect(updated.body.errors[0].context.index).toEqual(['1']);
    // swapping two values in one batch: each is still held by the other when checked, refused
    expect(await countWith(await gadgetType(), 'serial', 'G-1')).toBe(1);
  });

  it('X5: batch upsert that would give a record a unique value another record holds fails that input', async () => {
    const a = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'holder@unique.example' } });
    expect(a.status).toBe(201);
    const r = await t.call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        { id: 'mover@unique.example', idProperty: 'email', properties: { firstname: 'Mover' } },
        { id: a.body.id, idProperty: 'hs_object_id', properties: { firstname: 'Holder' } },
      ],
    });
    expect(r.status).toBe(200);
    const moved = await t.call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ id: 'mover@unique.example', idProperty: 'email', properties: { email: 'HOLDER@unique.example' } }],
    });
    expect(moved.status).toBe(207);
    expect(moved.body.errors[0]).toMatchObject({ category: 'CONFLICT', context: { id: [a.body.id], index: ['0'] } });
    expect(await countWith('0-1', 'email', 'holder@unique.example')).toBe(1);
  });

  it('X5: restoring an archived record whose unique value another record took since is a 409 naming that record', async () => {
    const gone = await t.call('POST', '/crm/v3/objects/gadgets', { properties: { serial: 'R-1' } });
    expect((await t.call('DELETE', `/crm/v3/objects/gadgets/${gone.body.id}`)).status).toBe(204);
    const taker = await t.call('POST', '/crm/v3/objects/gadgets', { properties: { serial: 'R-1' } });
    expect(taker.status).toBe(201);
    const back = await t.call('POST', `/api/objects/gadgets/${gone.body.id}/restore`);
    expect(back.status).toBe(409);
    expect(back.body.context.id).toEqual([taker.body.id]);
    expect(await countWith(await gadgetType(), 'serial', 'R-1')).toBe(1);
    // once the value is free again, it comes back
    expect((await t.call('PATCH', `/crm/v3/objects/gadgets/${taker.body.id}`, { properties: { serial: 'R-2' } })).status).toBe(200);
    expect((await t.call('POST', `/api/objects/gadgets/${gone.body.id}/restore`)).status).toBe(200);
  });
});

// Requests that really run at once need PostgreSQL: PGlite runs one transaction at a time, so
// there concurrent writers queue and can never race.
describe.runIf(onPostgres)('unique values under concurrency (PostgreSQL)', () => {
  const N = 16;

  it('X5: concurrent batch upserts of one new email create one contact; every other upsert updates it', async () => {
    const replies = await Promise.all(
      Array.from({ length: N }, (_, i) => t.call('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: 'Race.Upsert@unique.example', idProperty: 'email', properties: { firstname: `n${i}` } }] })),
    );
    expect(replies.map((r) => r.status), JSON.stringify(replies.map((r) => r.body))).toEqual(Array(N).fill(200));
    const results = replies.map((r) => r.body.results[0] as { id: string; new: boolean; properties: { email: string } });
    expect(results.filter((r) => r.new)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.every((r) => r.properties.email === 'race.upsert@unique.example')).toBe(true);
    expect(await countWith('0-1', 'email', 'race.upsert@unique.example')).toBe(1);
  });

  it('X5: concurrent creates of one new email (single, batch, upsert mixed) leave one contact; the rest answer 409 with its id or update it', async () => {
    const email = 'race.create@unique.example';
    const calls = Array.from({ length: N }, (_, i) =>
      i % 3 === 0
        ? t.call('POST', '/crm/v3/objects/contacts', { properties: { email, firstname: `single${i}` } })
        : i % 3 === 1
          ? t.call('POST', '/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { email, firstname: `batch${i}` } }, { properties: { email: `other${i}@unique.example` } }] })
          : t.call('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: email, idProperty: 'email', properties: { firstname: `upsert${i}` } }] }),
    );
    const replies = await Promise.all(calls);
    expect(replies.every((r) => r.status < 500), JSON.stringify(replies.map((r) => r.body))).toBe(true);
    expect(await countWith('0-1', 'email', email)).toBe(1);
    const id = rowsOf<{ id: number }>(await t.db.db.execute(sql`select id from records where workspace_id = ${t.workspaceId} and type_id = '0-1' and lower(properties->>'email') = ${email}`))[0]!.id;
    let created = 0;
    replies.forEach((r, i) => {
      if (i % 3 === 0) {
        if (r.status === 201) created++;
        else expect(r).toMatchObject({ status: 409, body: { context: { id: [String(id)] } } });
      } else if (i % 3 === 1) {
        // the other input of the batch always lands
        const mine = r.body.results.filter((x: { properties: { email: string } }) => x.properties.email === email);
        expect(r.body.results.some((x: { properties: { email: string } }) => x.properties.email === `other${i}@unique.example`)).toBe(true);
        if (mine.length === 1) created++;
        else expect(r).toMatchObject({ status: 207, body: { errors: [{ category: 'CONFLICT', context: { id: [String(id)], index: ['0'] } }] } });
      } else {
        expect(r.status).toBe(200);
        expect(r.body.results[0].id).toBe(String(id));
        if (r.body.results[0].new) created++;
      }
    });
    expect(created).toBe(1);
  });

  it('X5: concurrent upserts and creates of one new custom unique value leave one record', async () => {
    const upserts = await Promise.all(
      Array.from({ length: N }, (_, i) => t.call('POST', '/crm/v3/objects/gadgets/batch/upsert', { inputs: [{ id: 'RACE-U', idProperty: 'serial', properties: { colour: `c${i}` } }] })),
    );
    expect(upserts.map((r) => r.status), JSON.stringify(upserts.map((r) => r.body))).toEqual(Array(N).fill(200));
    expect(upserts.filter((r) => r.body.results[0].new)).toHaveLength(1);
    expect(new Set(upserts.map((r) => r.body.results[0].id)).size).toBe(1);
    const type = await gadgetType();
    expect(await countWith(type, 'serial', 'RACE-U')).toBe(1);

    const creates = await Promise.all(Array.from({ length: N }, () => t.call('POST', '/crm/v3/objects/gadgets', { properties: { serial: 'RACE-C' } })));
    const made = creates.filter((r) => r.status === 201);
    expect(made).toHaveLength(1);
    expect(creates.filter((r) => r.status === 409).map((r) => r.body.context.id[0])).toEqual(Array(N - 1).fill(made[0]!.body.id));
    expect(await countWith(type, 'serial', 'RACE-C')).toBe(1);
  });

  it('X5: concurrent upserts of companies by one new domain create one company (a domain is not unique, but an upsert names one record)', async () => {
    const replies = await Promise.all(
      Array.from({ length: N }, (_, i) => t.call('POST', '/crm/v3/objects/companies/batch/upsert', { inputs: [{ id: `https://www.race-domain.example/${i}`, idProperty: 'domain', properties: { name: `Race ${i}` } }] })),
    );
    expect(replies.map((r) => r.status), JSON.stringify(replies.map((r) => r.body))).toEqual(Array(N).fill(200));
    expect(replies.filter((r) => r.body.results[0].new)).toHaveLength(1);
    expect(new Set(replies.map((r) => r.body.results[0].id)).size).toBe(1);
    expect(await countWith('0-2', 'domain', 'race-domain.example')).toBe(1);
  });

  it('R17: an import running while another transaction creates the same new email ends with one contact, its row matched to that contact', async () => {
    const email = 'race.import@unique.example';
    const form = new FormData();
    form.set('file', new File([`Email,First Name\n${email},Imported`], 'race.csv'));
    form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create_and_update' }));
    const upload = await t.app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${t.token}` }, body: form });
    expect(upload.status).toBe(202);
    const importId = ((await upload.json()) as { id: string }).id;
    const job = await claimJob(t.db.db, t.workspaceId, importId);
    // a create as the API does it (lock, check, insert), held open while the import runs
    let running: Promise<{ state: string }> | undefined;
    const contact = await t.db.db.transaction(async (tx) => {
      const contacts = await resolveObjectType(tx, t.workspaceId, 'contacts');
      const row = await insertRecord(tx as Tx, { workspaceId: t.workspaceId, plan: 'enterprise', actor: { source: 'UNKNOWN' } }, contacts, { properties: { email, lastname: 'Api' } });
      running = runJob(t.db.db, job!);
      await sleep(300);
      return row;
    });
    expect((await running!).state).toBe('done');
    expect(await countWith('0-1', 'email', email)).toBe(1);
    const report = await t.call('GET', `/api/imports/${importId}`);
    expect(report.body.errors).toEqual([]);
    const read = await t.call('GET', `/crm/v3/objects/contacts/${contact.id}?properties=firstname,lastname`);
    expect(read.body.properties).toMatchObject({ firstname: 'Imported', lastname: 'Api' });
  });

  it('X5: concurrent updates giving different records one new unique value: one wins, the others 409', async () => {
    const made = await t.call('POST', '/crm/v3/objects/gadgets/batch/create', { inputs: Array.from({ length: N }, (_, i) => ({ properties: { serial: `RACE-P${i}` } })) });
    expect(made.status).toBe(201);
    const ids = made.body.results.map((r: { id: string }) => r.id as string);
    const replies = await Promise.all(
      ids.map((id: string, i: number) =>
        i % 2 === 0
          ? t.call('PATCH', `/crm/v3/objects/gadgets/${id}`, { properties: { serial: 'RACE-SAME' } })
          : t.call('POST', '/crm/v3/objects/gadgets/batch/update', { inputs: [{ id, properties: { serial: 'RACE-SAME' } }] }),
      ),
    );
    expect(replies.every((r) => r.status < 500), JSON.stringify(replies.map((r) => r.body))).toBe(true);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    const winner = rowsOf<{ id: number }>(await t.db.db.execute(sql`select id from records where workspace_id = ${t.workspaceId} and properties->>'serial' = 'RACE-SAME'`))[0]!.id;
    replies.forEach((r, i) => {
      if (r.status === 200) expect(i % 2 === 0 ? r.body.id : r.body.results[0].id).toBe(String(winner));
      // the losers are told who holds the value: a 409, or in a batch a 207 with the input's CONFLICT
      else if (i % 2 === 0) expect(r).toMatchObject({ status: 409, body: { context: { id: [String(winner)] } } });
      else expect(r).toMatchObject({ status: 207, body: { results: [], errors: [{ category: 'CONFLICT', context: { id: [String(winner)], index: ['0'] } }] } });
    });
    expect(await countWith(await gadgetType(), 'serial', 'RACE-SAME')).toBe(1);
  });
});
