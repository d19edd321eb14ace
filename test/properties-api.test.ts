import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';

/** The Properties API's refusals and permissions, as HubSpot answers them. */
const t = useTestApp({ plan: 'professional' });
const P = '/crm/v3/properties';
const text = (name: string, extra: Record<string, unknown> = {}) => ({ name, label: name, type: 'string', fieldType: 'text', groupName: 'contactinformation', ...extra });

describe('Properties API: refusals', () => {
  it('bad definitions are 400 naming the field; a name in use is 409; nothing is written', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [text('score', { type: 'number' }), 'body:fieldType'],
      [text('stage_x', { type: 'enumeration', fieldType: 'select' }), 'body:options'],
      [text('dup_opts', { type: 'enumeration', fieldType: 'select', options: [{ label: 'A', value: 'a', hidden: false }, { label: 'B', value: 'a', hidden: false }] }), 'body:options[1].value'],
      [text('hs_mine'), 'body:name'],
      [text('nowhere', { groupName: 'no_such_group' }), 'body:groupName'],
    ];
    for (const [body, where] of cases) {
      const r = await t.call('POST', `${P}/contacts`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body).toMatchObject({ category: 'VALIDATION_ERROR' });
      expect(r.body.errors.map((e: { in: string }) => e.in)).toContain(where);
    }
    const bad = await t.call('POST', `${P}/contacts`, { name: '1st', label: 'x', type: 'string', fieldType: 'text', groupName: 'contactinformation' });
    expect(bad.status).toBe(400);
    const taken = await t.call('POST', `${P}/contacts`, text('email'));
    expect(taken).toMatchObject({ status: 409, body: { category: 'CONFLICT', errors: [{ in: 'body:name' }] } });
    const names = (await t.call('GET', `${P}/contacts`)).body.results.map((p: { name: string }) => p.name);
    expect(names).not.toContain('score');
    expect(names).not.toContain('hs_mine');
  });

  it('unknown object types and properties are 404; batch read names what it did not find (207)', async () => {
    expect((await t.call('GET', `${P}/unicorns`)).status).toBe(404);
    expect((await t.call('GET', `${P}/contacts/no_such_property`)).body).toMatchObject({ category: 'OBJECT_NOT_FOUND' });
    const read = await t.call('POST', `${P}/deals/batch/read`, { archived: false, inputs: [{ name: 'dealname' }, { name: 'nope' }] });
    expect(read.status).toBe(207);
    expect(read.body.results.map((p: { name: string }) => p.name)).toEqual(['dealname']);
    expect(read.body.errors[0]).toMatchObject({ context: { names: ['nope'] }, errors: [{ in: 'inputs[1].name' }] });
  });

  it('a batch archive naming a standard property archives nothing', async () => {
    expect((await t.call('POST', `${P}/tickets/batch/create`, { inputs: [{ ...text('queue'), groupName: 'ticketinformation' }] })).status).toBe(201);
    const r = await t.call('POST', `${P}/tickets/batch/archive`, { inputs: [{ name: 'queue' }, { name: 'subject' }] });
    expect(r).toMatchObject({ status: 400, body: { errors: [{ in: 'inputs[1].name' }] } });
    expect((await t.call('GET', `${P}/tickets/queue`)).status).toBe(200);
  });

  it('R1: a custom type\'s properties change only on the Enterprise plan', async () => {
    // a custom type made while on Enterprise, the workspace then on Professional
    await t.db.db.execute(sql`update workspaces set plan = 'enterprise' where workspace_id = ${t.workspaceId}`);
    const schema = await t.call('POST', '/crm/v3/schemas', { name: 'rigs', labels: { singular: 'Rig', plural: 'Rigs' }, properties: [{ name: 'rig_name', label: 'Name', type: 'string', fieldType: 'text' }] });
    expect(schema.status, JSON.stringify(schema.body)).toBe(201);
    await t.db.db.execute(sql`update workspaces set plan = 'professional' where workspace_id = ${t.workspaceId}`);
    const r = await t.call('POST', `${P}/rigs`, { name: 'depth', label: 'Depth', type: 'number', fieldType: 'number', groupName: 'rigs_information' });
    expect(r).toMatchObject({ status: 403, body: { subCategory: 'PLAN_REQUIRED' } });
    expect((await t.call('GET', `${P}/${schema.body.objectTypeId}`)).body.results.map((p: { name: string }) => p.name)).toEqual(['rig_name']);
  });
});

describe('Properties API: permissions', () => {
  it('reps and apps with the object read scope read; changes need an admin or the schema write scope', async () => {
    const rep = await t.call('POST', '/api/users', { name: 'Rita', email: 'rita@props.example', role: 'rep' });
    expect(rep.status).toBe(201);
    expect((await t.call('GET', `${P}/contacts`, undefined, rep.body.token)).status).toBe(200);
    expect((await t.call('POST', `${P}/contacts`, text('by_rep'), rep.body.token)).status).toBe(403);

    const reader = await t.call('POST', '/api/tokens', { name: 'reader', scopes: ['crm.objects.companies.read', 'crm.objects.companies.write'] });
    expect((await t.call('GET', `${P}/companies/groups`, undefined, reader.body.token)).status).toBe(200);
    const refused = await t.call('POST', `${P}/companies`, { ...text('by_reader'), groupName: 'companyinformation' }, reader.body.token);
    expect(refused).toMatchObject({ status: 403, body: { category: 'MISSING_SCOPES', context: { requiredScopes: ['crm.schemas.companies.write'] } } });

    const writer = await t.call('POST', '/api/tokens', { name: 'writer', scopes: ['crm.schemas.companies.write'] });
    expect((await t.call('POST', `${P}/companies`, { ...text('by_app'), groupName: 'companyinformation' }, writer.body.token)).status).toBe(201);
    // activities count as contacts
    const notes = await t.call('POST', `${P}/notes/groups`, { name: 'extra', label: 'Extra' }, writer.body.token);
    expect(notes).toMatchObject({ status: 403, body: { context: { requiredScopes: ['crm.schemas.contacts.write'] } } });
  });
});
