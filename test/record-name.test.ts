import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordName } from '../shared/record-name.ts';
import { col, parseRows } from '../server/db/rows.ts';
import { objectSchemas } from '../server/db/schema/index.ts';
import { dropObjectTypeCache } from '../server/domain/object-types.ts';
import { nameOf, recordNameSql } from '../server/domain/record-name.ts';
import { useTestApp } from './helpers/app.ts';
import { historyOf, seedRecords } from './helpers/records.ts';

// A record's name has one rule (shared/record-name.ts) spelled twice: in TypeScript for what the
// server computes in code and the companion shows, and as crm_record_name (migration 0015) for
// statements that write names in bulk. These tests hold the two to the same answers on both
// databases, and history to one name per record whichever path wrote the entry.

const t = useTestApp();

type Props = Record<string, string | null>;
interface Case {
  type: string;
  props: Props;
  display?: string;
  name: string | null;
}

const CASES: Case[] = [
  { type: '0-1', props: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@x.io' }, name: 'Ada Lovelace' },
  { type: '0-1', props: { firstname: '  Ada ', lastname: '\tLovelace\n' }, name: 'Ada Lovelace' },
  { type: '0-1', props: { firstname: 'Ada' }, name: 'Ada' },
  { type: '0-1', props: { lastname: 'Lovelace', email: 'ada@x.io' }, name: 'Lovelace' },
  { type: '0-1', props: { firstname: '', lastname: ' ', email: 'only@mail.io' }, name: 'only@mail.io' },
  { type: '0-1', props: { email: 'only@mail.io' }, name: 'only@mail.io' },
  { type: '0-1', props: { firstname: null, lastname: null, email: null }, name: null },
  { type: '0-1', props: { firstname: '\u00a0\u2003', email: '\u3000 x@y.io \ufeff' }, name: 'x@y.io' },
  { type: '0-1', props: {}, name: null },
  { type: '0-2', props: { name: 'Acme', domain: 'acme.com' }, name: 'Acme' },
  { type: '0-2', props: { domain: 'acme.com' }, name: 'acme.com' },
  { type: '0-2', props: { name: '', domain: 'acme.com' }, name: 'acme.com' },
  { type: '0-2', props: { name: '   ', domain: ' acme.com ' }, name: 'acme.com' },
  { type: '0-2', props: { firstname: 'Not', lastname: 'Mine', email: 'a@b.c' }, name: null },
  { type: '0-3', props: { dealname: 'Renewal 2027' }, name: 'Renewal 2027' },
  { type: '0-3', props: { dealname: '', name: 'not a deal name', subject: 'nor this' }, name: null },
  { type: '0-5', props: { subject: 'Printer on fire' }, name: 'Printer on fire' },
  { type: '0-5', props: { subject: '', content: 'Printer on fire' }, name: 'Printer on fire' },
  { type: '0-5', props: { subject: ' \r\n', content: 'Printer on fire' }, name: 'Printer on fire' },
  { type: '0-5', props: { name: 'Acme', dealname: 'Deal' }, name: null },
  { type: '0-49', props: { hs_email_subject: 'Quote' }, name: 'Quote' },
  { type: '0-48', props: { hs_call_title: 'Intro call' }, name: 'Intro call' },
  { type: '0-47', props: { hs_meeting_title: 'Kick-off' }, name: 'Kick-off' },
  { type: '0-46', props: { hs_note_body: 'Met at the fair' }, name: 'Met at the fair' },
  { type: '0-27', props: { hs_task_subject: 'Send the offer' }, name: 'Send the offer' },
  { type: '0-27', props: { hs_note_body: 'not a task subject' }, name: null },
  { type: '2-77', props: { vin: 'WVW 123', model: 'Golf' }, display: 'vin', name: 'WVW 123' },
  { type: '2-77', props: { vin: ' ', model: 'Golf' }, display: 'vin', name: null },
  { type: '2-77', props: { vin: 'WVW 123' }, name: null },
  { type: '2-77', props: { vin: 'WVW 123' }, display: 'missing', name: null },
  { type: '0-3', props: { dealname: 'O\'Brien & "Sons" \\ é 名前 🚀' }, name: 'O\'Brien & "Sons" \\ é 名前 🚀' },
];

const nameRow = z.object({ i: col.id, name: col.textOrNull });

/** crm_record_name for many inputs in one statement, in input order. */
async function sqlNames(inputs: Array<{ type: string; props: Props; display?: string | undefined }>): Promise<Array<string | null>> {
  const json = JSON.stringify(inputs.map((c, i) => ({ i, type: c.type, props: c.props, display: c.display ?? null })));
  const rows = parseRows(
    'test: crm_record_name',
    nameRow,
    await t.db.db.execute(sql`select x.i, crm_record_name(x.type, x.props, x.display) as name
      from jsonb_to_recordset(${json}::jsonb) as x(i int, type text, props jsonb, display text) order by x.i`),
  );
  return rows.map((r) => r.name);
}

describe('a record\'s name: one rule in TypeScript and SQL (R20)', () => {
  it('R20: the TypeScript rule and crm_record_name give the expected name for every case', async () => {
    const expected = CASES.map((c) => c.name);
    expect(CASES.map((c) => recordName(c.type, c.props, c.display))).toEqual(expected);
    expect(await sqlNames(CASES)).toEqual(expected);
  });

  it('R20: they agree on any properties, white space of every kind included', async () => {
    const blank = fc.constantFrom(' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u00a0', '\u1680', '\u2000', '\u2007', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u200b', '\u0085');
    const padded = fc.tuple(fc.array(blank, { maxLength: 3 }), fc.constantFrom('', 'a', 'Ada', 'x y', 'acme.com', '名前'), fc.array(blank, { maxLength: 3 })).map(([a, s, b]) => a.join('') + s + b.join(''));
    const value = fc.option(padded, { nil: null });
    const keys = ['firstname', 'lastname', 'email', 'name', 'domain', 'dealname', 'subject', 'content', 'hs_email_subject', 'hs_note_body', 'vin'];
    const input = fc.record({
      type: fc.constantFrom('0-1', '0-2', '0-3', '0-5', '0-49', '0-46', '2-9'),
      props: fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 5 }),
      display: fc.constantFrom(undefined, 'vin', 'name'),
    });
    const samples = fc.sample(fc.array(input, { minLength: 200, maxLength: 200 }), { numRuns: 1, seed: 20261201 })[0]!;
    expect(await sqlNames(samples)).toEqual(samples.map((s) => recordName(s.type, s.props, s.display)));
  });

  it('R20: a custom record is named by its type\'s primary display property, in SQL as in code', async () => {
    const typeId = '2-4242';
    await t.db.db.insert(objectSchemas).values({
      workspaceId: t.workspaceId,
      typeId,
      name: 'cars',
      definition: {
        labels: { singular: 'Car', plural: 'Cars' },
        requiredProperties: ['vin'],
        searchableProperties: ['vin'],
        primaryDisplayProperty: 'vin',
        secondaryDisplayProperties: ['model'],
      },
    });
    dropObjectTypeCache(t.workspaceId);
    const [car] = await seedRecords(t.db.db, t.workspaceId, typeId, [{ vin: ' WVW 123 ', model: 'Golf' }]);
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ firstname: 'Cas', email: 'cas@x.io' }]);
    const rows = parseRows(
      'test: recordNameSql',
      z.object({ id: col.id, name: col.textOrNull }),
      await t.db.db.execute(sql`select r.id, ${recordNameSql(t.workspaceId, 'r')} as name from records r where r.workspace_id = ${t.workspaceId} and r.id in (${car!}, ${contact!}) order by r.id`),
    );
    expect(rows).toEqual([
      { id: car, name: 'WVW 123' },
      { id: contact, name: 'Cas' },
    ]);
    expect(await nameOf(t.db.db, t.workspaceId, { type_id: typeId, properties: { vin: ' WVW 123 ', model: 'Golf' } })).toBe('WVW 123');
  });
});

describe('one name per record in its association history (R20)', () => {
  const history = async (type: string, id: number) => {
    const r = await t.call('GET', `/api/objects/${type}/${id}/association-history`);
    expect(r.status).toBe(200);
    return r.body.results as Array<{ action: string; toObjectId: string; toName: string | null; source: string }>;
  };

  it('R20: a ticket associated, then archived, has the same name in both entries', async () => {
    // a ticket without a subject (stored blank by an earlier version) is named by its content
    const [ticket] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: '', content: 'Printer on fire' }]);
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'ops@printers.io' }]);
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/tickets/${ticket}`)).status).toBe(200);
    expect((await t.call('DELETE', `/crm/v3/objects/tickets/${ticket}`)).status).toBe(204);
    const entries = (await history('contacts', contact!)).filter((e) => e.toObjectId === String(ticket));
    expect(entries.map((e) => `${e.action} ${e.source} ${e.toName}`)).toEqual(['DELETED OBJECT_DELETION Printer on fire', 'CREATED USER Printer on fire']);
  });

  it('R20: a company with a domain and no name is its domain in every entry (associated, primary, label, archived)', async () => {
    const [company] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: '', domain: 'acme.com' }]);
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ firstname: 'Dora', email: 'dora@acme.com' }]);
    const label = await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Supplier', name: 'supplier_rn' });
    expect(label.status, JSON.stringify(label.body)).toBeLessThan(300);
    const supplier = label.body.results.find((x: { label: string }) => x.label === 'Supplier').typeId;
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${company}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: supplier }])).status).toBe(201);
    // deleting the label writes its removal in one statement, as archiving does
    expect((await t.call('DELETE', `/crm/v4/associations/contacts/companies/labels/${supplier}`)).status).toBe(204);
    expect((await t.call('DELETE', `/crm/v3/objects/companies/${company}`)).status).toBe(204);
    const entries = await history('contacts', contact!);
    expect(entries.map((e) => e.action).sort()).toEqual(['CREATED', 'DELETED', 'LABEL_ADDED', 'LABEL_REMOVED', 'PRIMARY_SET'].sort());
    expect(entries.map((e) => e.toName)).toEqual(entries.map(() => 'acme.com'));
    // and the (archived) company's own entries name the contact one way too
    const fromCompany = await historyOf(t.db.db, t.workspaceId, company!);
    expect(fromCompany).toHaveLength(5);
    expect(new Set(fromCompany.map((e) => e.to_name))).toEqual(new Set(['Dora']));
  });
});
