import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';

const t = useTestApp();

async function create(type: string, properties: Record<string, string>): Promise<string> {
  const r = await t.call('POST', `/crm/v3/objects/${type}`, { properties });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}
async function link(from: string, fromId: string, to: string, toId: string, typeId?: number) {
  const r =
    typeId === undefined
      ? await t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`)
      : await t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }]);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
}
const render = (template: string, objectType: string, id: string | number, token?: string) => t.call('POST', '/api/render', { template, objectType, id }, token);
async function rendered(template: string, objectType: string, id: string) {
  const r = await render(template, objectType, id);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { rendered: string; missing: Array<{ token: string; reason: string; defaulted: boolean }> };
}

const ids = {} as Record<'acme' | 'globex' | 'ada' | 'nameless' | 'deal' | 'ticket', string>;

beforeAll(async () => {
  ids.acme = await create('companies', { name: 'Acme', domain: 'acme.com', city: 'Delft' });
  ids.globex = await create('companies', { name: 'Globex', domain: 'globex.com' });
  ids.ada = await create('contacts', { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@acme.com', company: 'Typed-in Co' });
  ids.nameless = await create('contacts', { email: 'x@nowhere.org' });
  ids.deal = await create('deals', { dealname: 'Acme renewal', amount: '5000' });
  ids.ticket = await create('tickets', { subject: 'Outage' });
  await link('contacts', ids.ada, 'companies', ids.globex); // primary (R8)
  await link('contacts', ids.ada, 'companies', ids.acme);
  await link('contacts', ids.ada, 'companies', ids.acme, 1); // R6: acme becomes primary, globex stays
  await link('deals', ids.deal, 'companies', ids.acme, 5);
  await link('tickets', ids.ticket, 'companies', ids.globex);
});

describe('personalization tokens (R12)', () => {
  it("R12: {{company.name}} is the contact's PRIMARY company, not another of its companies", async () => {
    const r = await rendered('Hi {{contact.firstname}} {{ contact.lastname }}, how is {{company.name}} in {{company.city}}?', 'contacts', ids.ada);
    expect(r).toEqual({ rendered: 'Hi Ada Lovelace, how is Acme in Delft?', missing: [] });
    // the contact's own "company" text property is just a property
    expect((await rendered('{{contact.company}}', 'contacts', ids.ada)).rendered).toBe('Typed-in Co');
  });

  it("R12: deals and tickets: their own properties and their primary company's", async () => {
    expect((await rendered('{{deal.dealname}} for {{company.name}} ({{company.domain}}): {{deal.amount}}', 'deals', ids.deal)).rendered).toBe('Acme renewal for Acme (acme.com): 5000');
    const ticket = await rendered('{{ticket.subject}} at {{company.name | default: "your company"}}', 'tickets', ids.ticket);
    // the ticket has a company but no primary one: the token is missing, its default used
    expect(ticket).toEqual({ rendered: 'Outage at your company', missing: [{ token: 'company.name', reason: 'NO_PRIMARY_COMPANY', defaulted: true }] });
  });

  it('for a company, {{company.x}} is the company itself; names by type id and plural work', async () => {
    expect((await rendered('{{company.name}} / {{companies.domain}}', '0-2', ids.acme)).rendered).toBe('Acme / acme.com');
    expect((await rendered('{{contacts.firstname}}', 'contact', ids.ada)).rendered).toBe('Ada');
  });

  it('missing values render empty or as their default, and are listed once each with the reason', async () => {
    const r = await rendered(
      'Hi {{contact.firstname | default: "there"}}{{contact.firstname}}, {{deal.dealname}} {{company.name}} {{contact.jobtitle | default: \'friend\'}} {{contact.jobtitle}} {{ nonsense }} {{contact.firstname | default: "there"}}',
      'contacts',
      ids.nameless,
    );
    expect(r.rendered).toBe('Hi there,   friend   there');
    expect(r.missing).toEqual([
      { token: 'contact.firstname', reason: 'NO_VALUE', defaulted: true },
      { token: 'deal.dealname', reason: 'UNKNOWN_OBJECT', defaulted: false },
      { token: 'company.name', reason: 'NO_PRIMARY_COMPANY', defaulted: false },
      { token: 'contact.jobtitle', reason: 'NO_VALUE', defaulted: true },
      { token: 'nonsense', reason: 'INVALID_TOKEN', defaulted: false },
    ]);
  });

  it('defaults may hold quotes, braces are not tokens unless doubled, and system properties resolve', async () => {
    const r = await rendered('{{contact.jobtitle | default: "the \\"boss\\""}}|{single}|{{contact.hs_object_id}}|{{contact.createdate}}', 'contacts', ids.ada);
    const [quoted, single, id, created] = r.rendered.split('|');
    expect([quoted, single, id]).toEqual(['the "boss"', '{single}', ids.ada]);
    expect(new Date(created!).toISOString()).toBe(created);
  });

  it('plain text: values are inserted as stored, never HTML-escaped, and never re-read as tokens', async () => {
    const id = await create('contacts', { firstname: '<b>Tom & "Jerry"</b>', lastname: '{{contact.email}}', email: 'tom@cartoon.com' });
    expect((await rendered('{{contact.firstname}} {{contact.lastname}}', 'contacts', id)).rendered).toBe('<b>Tom & "Jerry"</b> {{contact.email}}');
  });

  it('a template without tokens comes back as it is; an empty one too', async () => {
    expect(await rendered('No tokens here.', 'deals', ids.deal)).toEqual({ rendered: 'No tokens here.', missing: [] });
    expect(await rendered('', 'deals', ids.deal)).toEqual({ rendered: '', missing: [] });
  });
});

describe('errors and security', () => {
  it('unknown record: 404; unknown object type: 400 naming objectType; bad id: 400', async () => {
    expect((await render('x', 'contacts', 999_999_999)).status).toBe(404);
    expect((await render('x', 'deals', ids.ada)).status).toBe(404); // a contact's id is not a deal
    expect((await render('x', 'spaceships', ids.ada)).body).toMatchObject({ subCategory: 'VALIDATION_ERROR', errors: [{ in: 'body:objectType' }] });
    expect((await render('x', 'contacts', 'abc')).body.errors[0].in).toBe('body:id');
    const huge = await render('x'.repeat(100_001), 'contacts', ids.ada);
    expect(huge.body.errors[0].in).toBe('body:template');
    const tooMany = await render('{{contact.firstname}}'.repeat(1001), 'contacts', ids.ada);
    expect(tooMany).toMatchObject({ status: 400, body: { errors: [{ in: 'body:template' }] } });
  });

  it("security: another workspace's record ids are 404 there, and no token is 401", async () => {
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'starter' });
    const r = await render('{{contact.firstname}} {{company.name}}', 'contacts', ids.ada, other.body.adminToken);
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toContain('Ada');
    expect((await render('x', 'contacts', ids.ada, null as never)).status).toBe(401);
  });
});
