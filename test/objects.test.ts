import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { associations, records } from '../server/db/schema/index.ts';
import { useTestApp } from './helpers/app.ts';
import { defineProperties } from './helpers/properties.ts';

const V3 = '/crm/v3/objects';

describe('CRM v3 objects', () => {
  const t = useTestApp();
  /** Live records of a type in the test workspace, straight from the table. */
  const countOf = async (typeId: string) =>
    (await t.db.db.select().from(records).where(and(eq(records.workspaceId, t.workspaceId), eq(records.typeId, typeId)))).filter((r) => r.archivedAt === null).length;

  describe('happy paths', () => {
    it('POST creates a contact: 201, string id, string properties, system properties, archived false', async () => {
      await defineProperties(t.call, 'contacts', [{ name: 'age', type: 'number' }, { name: 'vip', type: 'bool' }, { name: 'note', type: 'string' }]);
      const r = await t.call('POST', `${V3}/contacts`, { properties: { email: 'Ada@Example.com', firstname: 'Ada', age: 36, vip: true, note: null } });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ id: expect.stringMatching(/^\d+$/), archived: false, createdAt: expect.any(String), updatedAt: expect.any(String) });
      expect(r.body.properties).toMatchObject({ email: 'ada@example.com', firstname: 'Ada', age: '36', vip: 'true', hs_object_id: r.body.id });
      expect(r.body.properties.createdate).toBe(r.body.createdAt);
      expect(r.body.properties.lastmodifieddate).toBe(r.body.updatedAt);
      expect(r.body.properties).not.toHaveProperty('note');
    });

    it('GET by id answers the record; by type id 0-1 too; `properties` picks (null when unset)', async () => {
      const created = await t.call('POST', `${V3}/contacts`, { properties: { email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper' } });
      const r = await t.call('GET', `${V3}/contacts/${created.body.id}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id: created.body.id, properties: { firstname: 'Grace', lastname: 'Hopper' } });
      const byTypeId = await t.call('GET', `${V3}/0-1/${created.body.id}?properties=firstname,phone`);
      expect(byTypeId.body.properties).toEqual({
        firstname: 'Grace',
        phone: null,
        hs_object_id: created.body.id,
        createdate: created.body.createdAt,
        lastmodifieddate: created.body.updatedAt,
      });
      const repeated = await t.call('GET', `${V3}/contacts/${created.body.id}?properties=lastname&properties=email`);
      expect(repeated.body.properties).toMatchObject({ lastname: 'Hopper', email: 'grace@example.com' });
      expect(repeated.body.properties).not.toHaveProperty('firstname');
    });

    it('GET with idProperty=email (contacts) and idProperty=domain (companies)', async () => {
      await t.call('POST', `${V3}/contacts`, { properties: { email: 'linus@example.com' } });
      const byEmail = await t.call('GET', `${V3}/contacts/LINUS@example.com?idProperty=email`);
      expect(byEmail.status).toBe(200);
      expect(byEmail.body.properties.email).toBe('linus@example.com');
      const co = await t.call('POST', `${V3}/companies`, { properties: { name: 'Initech', domain: 'initech.com' } });
      const byDomain = await t.call('GET', `${V3}/companies/www.initech.com?idProperty=domain`);
      expect(byDomain.body.id).toBe(co.body.id);
      const wrong = await t.call('GET', `${V3}/deals/x?idProperty=email`);
      expect(wrong.status).toBe(400);
      expect(wrong.body.errors[0].in).toBe('idProperty');
    });

    it('GET list pages in id order with limit and the after cursor', async () => {
      const ids: string[] = [];
      for (const name of ['Tickets A', 'Tickets B', 'Tickets C']) ids.push((await t.call('POST', `${V3}/tickets`, { properties: { subject: name } })).body.id);
      const first = await t.call('GET', `${V3}/tickets?limit=2&properties=subject`);
      expect(first.status).toBe(200);
      expect(first.body.results.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, 2));
      expect(first.body.paging.next).toMatchObject({ after: ids[1], link: expect.stringContaining(`after=${ids[1]}`) });
      const second = await t.call('GET', `${V3}/tickets?limit=2&after=${first.body.paging.next.after}`);
      expect(second.body.results.map((r: { id: string }) => r.id)).toEqual([ids[2]]);
      expect(second.body.paging).toBeUndefined();
      expect((await t.call('GET', `${V3}/tickets?limit=101`)).status).toBe(400);
    });

    it('PATCH changes the given properties only; null and "" clear', async () => {
      const c = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Big one', amount: '100', pipeline: 'default' } });
      const r = await t.call('PATCH', `${V3}/deals/${c.body.id}`, { properties: { amount: 250, pipeline: null, dealstage: '' } });
      expect(r.status).toBe(200);
      expect(r.body.properties).toMatchObject({ dealname: 'Big one', amount: '250' });
      expect(r.body.properties).not.toHaveProperty('pipeline');
      expect(new Date(r.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(c.body.updatedAt).getTime());
      const byEmail = await t.call('POST', `${V3}/contacts`, { properties: { email: 'patch-me@example.com' } });
      const patched = await t.call('PATCH', `${V3}/contacts/patch-me@example.com?idProperty=email`, { properties: { firstname: 'Pat' } });
      expect(patched.body).toMatchObject({ id: byEmail.body.id, properties: { firstname: 'Pat' } });
    });

    it('DELETE archives: 204, then 404 and out of lists; archived=true shows it', async () => {
      const c = await t.call('POST', `${V3}/companies`, { properties: { name: 'Gone Ltd' } });
      const del = await t.call('DELETE', `${V3}/companies/${c.body.id}`);
      expect(del.status).toBe(204);
      expect((await t.call('GET', `${V3}/companies/${c.body.id}`)).status).toBe(404);
      const archived = await t.call('GET', `${V3}/companies/${c.body.id}?archived=true`);
      expect(archived.body).toMatchObject({ id: c.body.id, archived: true, archivedAt: expect.any(String) });
      const list = await t.call('GET', `${V3}/companies?limit=100`);
      expect(list.body.results.map((r: { id: string }) => r.id)).not.toContain(c.body.id);
      const archivedList = await t.call('GET', `${V3}/companies?archived=true`);
      expect(archivedList.body.results.map((r: { id: string }) => r.id)).toContain(c.body.id);
    });

    it('archiving a contact frees its email for a new contact', async () => {
      const c = await t.call('POST', `${V3}/contacts`, { properties: { email: 'reuse@example.com' } });
      await t.call('DELETE', `${V3}/contacts/${c.body.id}`);
      expect((await t.call('POST', `${V3}/contacts`, { properties: { email: 'reuse@example.com' } })).status).toBe(201);
    });

    it('R3: activities are objects too (emails, calls, meetings, notes, tasks)', async () => {
      for (const type of ['emails', 'calls', 'meetings', 'notes', 'tasks']) {
        const r = await t.call('POST', `${V3}/${type}`, { properties: { hs_timestamp: '2024-05-01T10:00:00Z' } });
        expect(r.status, type).toBe(201);
      }
      const note = await t.call('POST', `${V3}/0-46`, { properties: { hs_note_body: 'Called back' } });
      expect((await t.call('GET', `${V3}/notes/${note.body.id}`)).body.properties.hs_note_body).toBe('Called back');
    });

    it('GET ?associations=companies answers the associated ids once each, v3 shape', async () => {
      const contact = await t.call('POST', `${V3}/contacts`, { properties: { email: 'linked@example.com' } });
      const a = await t.call('POST', `${V3}/companies`, { properties: { name: 'A' } });
      const b = await t.call('POST', `${V3}/companies`, { properties: { name: 'B' } });
      const edge = (fromId: string, fromType: string, toId: string, toType: string, typeId: number) => ({
        workspaceId: t.workspaceId, fromId: Number(fromId), fromType, toId: Number(toId), toType, typeId,
      });
      await t.db.db.insert(associations).values([
        edge(contact.body.id, '0-1', a.body.id, '0-2', 279),
        edge(contact.body.id, '0-1', a.body.id, '0-2', 1),
        edge(a.body.id, '0-2', contact.body.id, '0-1', 280),
        edge(a.body.id, '0-2', contact.body.id, '0-1', 2),
        edge(contact.body.id, '0-1', b.body.id, '0-2', 279),
        edge(b.body.id, '0-2', contact.body.id, '0-1', 280),
      ]);
      const r = await t.call('GET', `${V3}/contacts/${contact.body.id}?associations=companies,deals`);
      expect(r.body.associations).toEqual({
        companies: { results: [{ id: a.body.id, type: 'contact_to_company' }, { id: b.body.id, type: 'contact_to_company' }] },
      });
      const list = await t.call('GET', `${V3}/companies?associations=contacts&limit=100`);
      const listedA = list.body.results.find((x: { id: string }) => x.id === a.body.id);
      expect(listedA.associations).toEqual({ contacts: { results: [{ id: contact.body.id, type: 'company_to_contact' }] } });
      expect((await t.call('GET', `${V3}/contacts/${contact.body.id}?associations=unicorns`)).status).toBe(400);
    });
  });

  describe('associations while creating (HubSpot `associations` array)', () => {
    it('R7: a contact created with an association to a company (type 279) gets it as primary (types 279 and 1)', async () => {
      const company = await t.call('POST', `${V3}/companies`, { properties: { name: 'Primary Co', domain: 'primary.co' } });
      const r = await t.call('POST', `${V3}/contacts`, {
        properties: { email: 'new-with-company@example.com' },
        associations: [{ to: { id: company.body.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }],
      });
      expect(r.status).toBe(201);
      const v4 = await t.call('GET', `/crm/v4/objects/contacts/${r.body.id}/associations/companies`);
      expect(v4.status).toBe(200);
      expect(v4.body.results).toHaveLength(1);
      const typeIds = v4.body.results[0].associationTypes.map((x: { typeId: number }) => x.typeId).sort((a: number, b: number) => a - b);
      expect(typeIds).toEqual([1, 279]);
      const v3 = await t.call('GET', `${V3}/contacts/${r.body.id}?associations=companies`);
      expect(v3.body.associations.companies.results).toEqual([{ id: company.body.id, type: 'contact_to_company' }]);
    });

    it('R2: a refused association means the record is not created either, naming associations[i]', async () => {
      const company = await t.call('POST', `${V3}/companies`, { properties: { name: 'Refuser' } });
      const before = await countOf('0-1');
      const unknownType = await t.call('POST', `${V3}/contacts`, {
        properties: { email: 'refused@example.com' },
        associations: [
          { to: { id: company.body.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] },
          { to: { id: company.body.id }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: 987654 }] },
        ],
      });
      expect(unknownType.status).toBe(400);
      expect(unknownType.body.message).toMatch(/^associations\[1\]/);
      expect(unknownType.body.errors[0].in).toMatch(/^associations\[1\]/);
      const missing = await t.call('POST', `${V3}/contacts`, {
        properties: { email: 'refused@example.com' },
        associations: [{ to: { id: '999999999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }],
      });
      expect(missing.status).toBe(404);
      expect(missing.body.errors[0].in).toBe('associations[0].to.id');
      const badId = await t.call('POST', `${V3}/contacts`, { properties: { email: 'refused@example.com' }, associations: [{ to: { id: 'abc' }, types: [] }] });
      expect(badId.body.errors[0].in).toBe('associations[0].to.id');
      expect(await countOf('0-1')).toBe(before);
      expect((await t.call('GET', `${V3}/contacts/refused@example.com?idProperty=email`)).status).toBe(404);
    });

    it('batch/create with associations: a refused association fails only its input (207)', async () => {
      const company = await t.call('POST', `${V3}/companies`, { properties: { name: 'Batch Co' } });
      const spec = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 };
      const r = await t.call('POST', `${V3}/contacts/batch/create`, {
        inputs: [
          { properties: { email: 'b-linked@example.com' }, associations: [{ to: { id: company.body.id }, types: [spec] }] },
          { properties: { email: 'b-refused@example.com' }, associations: [{ to: { id: '999999999' }, types: [spec] }] },
          { properties: { email: 'b-plain@example.com' } },
        ],
      });
      expect(r.status).toBe(207);
      expect(r.body.results.map((x: { properties: { email: string } }) => x.properties.email)).toEqual(['b-linked@example.com', 'b-plain@example.com']);
      expect(r.body.errors[0]).toMatchObject({ context: { index: ['1'] } });
      expect(r.body.errors[0].errors[0].in).toMatch(/^inputs\[1\]\.associations\[0\]/);
      const linked = r.body.results[0].id;
      const v4 = await t.call('GET', `/crm/v4/objects/contacts/${linked}/associations/companies`);
      expect(v4.body.results.map((x: { toObjectId: number | string }) => String(x.toObjectId))).toEqual([company.body.id]);
    });
  });

  describe('bad input: clear error naming the field, nothing written', () => {
    it('an invalid contact email is INVALID_EMAIL naming properties.email', async () => {
      const before = await countOf('0-1');
      const r = await t.call('POST', `${V3}/contacts`, { properties: { email: 'not-an-email', firstname: 'X' } });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', subCategory: 'INVALID_EMAIL' });
      expect(r.body.errors[0]).toMatchObject({ in: 'properties.email', code: 'INVALID_EMAIL' });
      expect(await countOf('0-1')).toBe(before);
    });

    it('a second contact with the same email (any case) is 409 "Contact already exists. Existing ID: <id>"', async () => {
      const first = await t.call('POST', `${V3}/contacts`, { properties: { email: 'dup@example.com' } });
      const before = await countOf('0-1');
      const r = await t.call('POST', `${V3}/contacts`, { properties: { email: 'DUP@example.com' } });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ category: 'CONFLICT', message: `Contact already exists. Existing ID: ${first.body.id}` });
      expect(await countOf('0-1')).toBe(before);
      const other = await t.call('POST', `${V3}/contacts`, { properties: { email: 'other@example.com' } });
      const patch = await t.call('PATCH', `${V3}/contacts/${other.body.id}`, { properties: { email: 'Dup@Example.com' } });
      expect(patch.status).toBe(409);
    });

    it('R17: company domains are normalised; a non-domain is INVALID_DOMAIN', async () => {
      const r = await t.call('POST', `${V3}/companies`, { properties: { name: 'Acme', domain: 'HTTPS://www.Acme.com/about?x=1' } });
      expect(r.body.properties.domain).toBe('acme.com');
      const before = await countOf('0-2');
      const bad = await t.call('POST', `${V3}/companies`, { properties: { name: 'Nope', domain: 'not a domain' } });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ subCategory: 'INVALID_DOMAIN', errors: [{ in: 'properties.domain' }] });
      expect(await countOf('0-2')).toBe(before);
    });

    it('property names, read-only properties and value length are checked', async () => {
      const names = await t.call('POST', `${V3}/deals`, { properties: { '1bad': 'x', 'has-dash': 'y', hs_object_id: '5' } });
      expect(names.status).toBe(400);
      expect(names.body.subCategory).toBe('PROPERTY_INVALID');
      expect(names.body.errors.map((e: { in: string }) => e.in)).toEqual(['properties.1bad', 'properties.has-dash', 'properties.hs_object_id']);
      const long = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'x'.repeat(65_537) } });
      expect(long.status).toBe(400);
      expect(long.body.errors[0].in).toBe('properties.dealname');
      const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`p${i}`, 'v']));
      expect((await t.call('POST', `${V3}/deals`, { properties: many })).body.subCategory).toBe('PROPERTY_INVALID');
    });

    it('a body that is not the right shape is VALIDATION_ERROR naming the field', async () => {
      const r = await t.call('POST', `${V3}/contacts`, { properties: { firstname: { nested: true } } });
      expect(r.status).toBe(400);
      expect(r.body.errors[0].in).toBe('body:properties.firstname');
      expect((await t.call('POST', `${V3}/contacts`, { props: {} })).body.errors[0].in).toBe('body:properties');
    });

    it('unknown object types and ids are 404; non-numeric ids too', async () => {
      const type = await t.call('GET', `${V3}/unicorns/1`);
      expect(type).toMatchObject({ status: 404, body: { subCategory: 'OBJECT_TYPE_NOT_FOUND' } });
      expect((await t.call('GET', `${V3}/contacts/999999999`)).status).toBe(404);
      expect((await t.call('GET', `${V3}/contacts/abc`)).status).toBe(404);
      expect((await t.call('PATCH', `${V3}/contacts/999999999`, { properties: { a: '1' } })).status).toBe(404);
      expect((await t.call('DELETE', `${V3}/contacts/999999999`)).status).toBe(404);
    });

    it('a record of another type under this id is not found', async () => {
      const deal = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'typed' } });
      expect((await t.call('GET', `${V3}/contacts/${deal.body.id}`)).status).toBe(404);
    });
  });

  describe('batch', () => {
    it('batch/create answers 201 COMPLETE with results in input order', async () => {
      const r = await t.call('POST', `${V3}/companies/batch/create`, { inputs: [{ properties: { name: 'B1' } }, { properties: { name: 'B2', domain: 'b2.io' } }] });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ status: 'COMPLETE', startedAt: expect.any(String), completedAt: expect.any(String) });
      expect(r.body.results.map((x: { properties: { name: string } }) => x.properties.name)).toEqual(['B1', 'B2']);
      expect(r.body.numErrors).toBeUndefined();
    });

    it('batch/create with one bad input answers 207: the good inputs are created, the bad one named', async () => {
      await t.call('POST', `${V3}/contacts`, { properties: { email: 'taken@example.com' } });
      const before = await countOf('0-1');
      const r = await t.call('POST', `${V3}/contacts/batch/create`, {
        inputs: [
          { properties: { email: 'good1@example.com' } },
          { properties: { email: 'bad-email' } },
          { properties: { email: 'taken@example.com' } },
          { properties: { email: 'good2@example.com' } },
          { properties: { email: 'GOOD2@example.com' } },
        ],
      });
      expect(r.status).toBe(207);
      expect(r.body.numErrors).toBe(3);
      expect(r.body.results.map((x: { properties: { email: string } }) => x.properties.email)).toEqual(['good1@example.com', 'good2@example.com']);
      expect(r.body.errors[0]).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', subCategory: 'INVALID_EMAIL', context: { index: ['1'] }, errors: [{ in: 'inputs[1].properties.email' }] });
      expect(r.body.errors[1]).toMatchObject({ category: 'CONFLICT', message: expect.stringMatching(/^Contact already exists\. Existing ID: \d+$/), context: { index: ['2'] } });
      expect(r.body.errors[2]).toMatchObject({ category: 'CONFLICT', context: { index: ['4'] } });
      expect(await countOf('0-1')).toBe(before + 2);
    });

    it('batches take at most 1,000 inputs (TOO_MANY_INPUTS), nothing written', async () => {
      const before = await countOf('0-3');
      const inputs = Array.from({ length: 1001 }, (_, i) => ({ properties: { dealname: `d${i}` } }));
      const r = await t.call('POST', `${V3}/deals/batch/create`, { inputs });
      expect(r).toMatchObject({ status: 400, body: { subCategory: 'TOO_MANY_INPUTS' } });
      expect(await countOf('0-3')).toBe(before);
      expect((await t.call('POST', `${V3}/deals/batch/read`, { inputs: inputs.map((_, i) => ({ id: String(i + 1) })) })).body.subCategory).toBe('TOO_MANY_INPUTS');
    });

    it('batch/create of 1,000 records lands in one go', async () => {
      const before = await countOf('0-3');
      const inputs = Array.from({ length: 1000 }, (_, i) => ({ properties: { dealname: `bulk ${i}`, amount: i } }));
      const r = await t.call('POST', `${V3}/deals/batch/create`, { inputs });
      expect(r.status).toBe(201);
      expect(r.body.results).toHaveLength(1000);
      expect(r.body.results[999].properties).toMatchObject({ dealname: 'bulk 999', amount: '999' });
      expect(await countOf('0-3')).toBe(before + 1000);
    });

    it('batch/read answers found records (chosen properties) and 207 naming the missing ids', async () => {
      const a = await t.call('POST', `${V3}/contacts`, { properties: { email: 'read-a@example.com', firstname: 'A' } });
      const ok = await t.call('POST', `${V3}/contacts/batch/read`, { inputs: [{ id: a.body.id }], properties: ['firstname'] });
      expect(ok.status).toBe(200);
      expect(ok.body.results[0].properties).toMatchObject({ firstname: 'A', hs_object_id: a.body.id });
      expect(ok.body.results[0].properties).not.toHaveProperty('email');
      const some = await t.call('POST', `${V3}/contacts/batch/read`, { inputs: [{ id: a.body.id }, { id: '999999999' }], properties: [] });
      expect(some.status).toBe(207);
      expect(some.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999999999'] } });
      const byEmail = await t.call('POST', `${V3}/contacts/batch/read`, { inputs: [{ id: 'READ-A@example.com' }], properties: [], idProperty: 'email' });
      expect(byEmail.body.results.map((x: { id: string }) => x.id)).toEqual([a.body.id]);
    });

    it('batch/update applies the good inputs and reports unknown ids and bad values (207)', async () => {
      const created = await t.call('POST', `${V3}/contacts/batch/create`, { inputs: [{ properties: { email: 'u1@example.com' } }, { properties: { email: 'u2@example.com' } }] });
      const [u1, u2] = created.body.results.map((x: { id: string }) => x.id);
      const ok = await t.call('POST', `${V3}/contacts/batch/update`, { inputs: [{ id: u1, properties: { firstname: 'One' } }, { id: u2, properties: { firstname: 'Two' } }] });
      expect(ok.status).toBe(200);
      expect(ok.body.results.map((x: { properties: { firstname: string } }) => x.properties.firstname)).toEqual(['One', 'Two']);
      const mixed = await t.call('POST', `${V3}/contacts/batch/update`, {
        inputs: [
          { id: u1, properties: { lastname: 'Uno' } },
          { id: '999999999', properties: { lastname: 'Nobody' } },
          { id: u2, properties: { email: 'broken' } },
          { id: 'u1@example.com', idProperty: 'email', properties: { phone: '123' } },
        ],
      });
      expect(mixed.status).toBe(207);
      expect(mixed.body.errors.map((e: { context: { index: string[] } }) => e.context.index[0])).toEqual(['1', '2', '3']);
      expect(mixed.body.errors[2].message).toContain('same record');
      expect(mixed.body.results.map((x: { id: string }) => x.id)).toEqual([u1]);
      const after = await t.call('GET', `${V3}/contacts/${u2}`);
      expect(after.body.properties.email).toBe('u2@example.com');
      expect((await t.call('GET', `${V3}/contacts/${u1}`)).body.properties).toMatchObject({ firstname: 'One', lastname: 'Uno' });
      const conflict = await t.call('POST', `${V3}/contacts/batch/update`, { inputs: [{ id: u2, properties: { email: 'u1@example.com' } }] });
      expect(conflict.status).toBe(207);
      expect(conflict.body.errors[0]).toMatchObject({ category: 'CONFLICT', message: `Contact already exists. Existing ID: ${u1}` });
    });

    it('batch/archive answers 204 and archives the records it finds', async () => {
      const created = await t.call('POST', `${V3}/tickets/batch/create`, { inputs: [{ properties: { subject: 'x1' } }, { properties: { subject: 'x2' } }] });
      const ids = created.body.results.map((x: { id: string }) => x.id);
      const r = await t.call('POST', `${V3}/tickets/batch/archive`, { inputs: [...ids.map((id: string) => ({ id })), { id: '999999999' }] });
      expect(r.status).toBe(204);
      for (const id of ids) expect((await t.call('GET', `${V3}/tickets/${id}`)).status).toBe(404);
    });
  });

  describe('custom object records are checked against their definition', () => {
    let typeId = '';
    beforeAll(async () => {
      const r = await t.call('POST', '/crm/v3/schemas', {
        name: 'cars',
        labels: { singular: 'Car', plural: 'Cars' },
        primaryDisplayProperty: 'model',
        requiredProperties: ['model'],
        properties: [
          { name: 'model', label: 'Model', type: 'string', fieldType: 'text' },
          { name: 'year', label: 'Year', type: 'number', fieldType: 'number' },
          { name: 'colour', label: 'Colour', type: 'enumeration', fieldType: 'select', options: [{ label: 'Red', value: 'red' }, { label: 'Blue', value: 'blue' }] },
          { name: 'electric', label: 'Electric', type: 'bool', fieldType: 'booleancheckbox' },
        ],
        associatedObjects: ['CONTACT'],
      });
      expect(r.status).toBe(201);
      typeId = r.body.objectTypeId;
    });

    it('R1: a valid car is created by name and read by type id', async () => {
      const r = await t.call('POST', `${V3}/cars`, { properties: { model: 'Model T', year: 1908, colour: 'red', electric: 'FALSE' } });
      expect(r.status).toBe(201);
      expect(r.body.properties).toMatchObject({ model: 'Model T', year: '1908', colour: 'red', electric: 'false' });
      expect((await t.call('GET', `${V3}/${typeId}/${r.body.id}`)).body.properties.model).toBe('Model T');
      expect((await t.call('GET', `${V3}/p_cars/${r.body.id}`)).status).toBe(200);
    });

    it('unknown property, bad number, bad option and a missing required property are named; nothing written', async () => {
      const before = await countOf(typeId);
      const r = await t.call('POST', `${V3}/cars`, { properties: { model: 'X', wheels: '4', year: 'old', colour: 'green' } });
      expect(r.status).toBe(400);
      expect(r.body.subCategory).toBe('PROPERTY_INVALID');
      expect(r.body.errors.map((e: { in: string }) => e.in)).toEqual(['properties.wheels', 'properties.year', 'properties.colour']);
      expect(r.body.errors[0].message).toContain('wheels');
      const missing = await t.call('POST', `${V3}/cars`, { properties: { year: 2020 } });
      expect(missing.body).toMatchObject({ subCategory: 'PROPERTY_INVALID', errors: [{ in: 'properties.model' }] });
      expect(await countOf(typeId)).toBe(before);
    });

    it('a required property cannot be cleared by PATCH', async () => {
      const car = await t.call('POST', `${V3}/cars`, { properties: { model: 'Beetle' } });
      const r = await t.call('PATCH', `${V3}/cars/${car.body.id}`, { properties: { model: null } });
      expect(r.status).toBe(400);
      expect(r.body.errors[0].in).toBe('properties.model');
      expect((await t.call('GET', `${V3}/cars/${car.body.id}`)).body.properties.model).toBe('Beetle');
    });
  });

  describe('security', () => {
    it("another workspace's record id is not found for read, update, archive, batch and search", async () => {
      const mine = await t.call('POST', `${V3}/contacts`, { properties: { email: 'secret@example.com', firstname: 'Secret' } });
      const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'enterprise' });
      const token = other.body.adminToken;
      expect((await t.call('GET', `${V3}/contacts/${mine.body.id}`, undefined, token)).status).toBe(404);
      expect((await t.call('GET', `${V3}/contacts/secret@example.com?idProperty=email`, undefined, token)).status).toBe(404);
      expect((await t.call('PATCH', `${V3}/contacts/${mine.body.id}`, { properties: { firstname: 'Hacked' } }, token)).status).toBe(404);
      expect((await t.call('DELETE', `${V3}/contacts/${mine.body.id}`, undefined, token)).status).toBe(404);
      const read = await t.call('POST', `${V3}/contacts/batch/read`, { inputs: [{ id: mine.body.id }], properties: [] }, token);
      expect(read.body.results).toEqual([]);
      const upd = await t.call('POST', `${V3}/contacts/batch/update`, { inputs: [{ id: mine.body.id, properties: { firstname: 'Hacked' } }] }, token);
      expect(upd.status).toBe(207);
      await t.call('POST', `${V3}/contacts/batch/archive`, { inputs: [{ id: mine.body.id }] }, token);
      const list = await t.call('GET', `${V3}/contacts?limit=100`, undefined, token);
      expect(list.body.results).toEqual([]);
      const search = await t.call('POST', `${V3}/contacts/search`, { query: 'secret' }, token);
      expect(search.body.total).toBe(0);
      // their own contact with the same email is fine: uniqueness is per workspace
      expect((await t.call('POST', `${V3}/contacts`, { properties: { email: 'secret@example.com' } }, token)).status).toBe(201);
      const still = await t.call('GET', `${V3}/contacts/${mine.body.id}`);
      expect(still.body).toMatchObject({ archived: false, properties: { firstname: 'Secret' } });
      // the custom type of this workspace does not exist there
      expect((await t.call('GET', `${V3}/cars`, undefined, token)).status).toBe(404);
    });

    it('no token is 401', async () => {
      expect((await t.call('GET', `${V3}/contacts`, undefined, null)).status).toBe(401);
    });
  });
});
