import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';
import { historyOf, seedRecords } from './helpers/records.ts';

/** R8, R15: what becomes of a contact's primary company when its associations are removed. */
const t = useTestApp();
const hub = useHubSpotClient(t);

const typesOf = async (from: string, id: number, to: string) => {
  const r = await t.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
  return Object.fromEntries(r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [x.toObjectId, x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b)]));
};
const setting = async (value: 'promote' | 'refuse') => {
  const r = await t.call('PATCH', '/api/workspace', { settings: { primaryCompanyOnRemove: value } });
  expect(r.status).toBe(200);
  expect(r.body.settings.primaryCompanyOnRemove).toBe(value);
};

/** A contact associated with the companies in this order: the first is its primary (R8). */
async function contactWith(email: string, names: string[]) {
  const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email }]);
  const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', names.map((name) => ({ name })));
  for (const co of companies) expect((await t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/companies/${co}`)).status).toBe(200);
  return { contact: contact!, companies };
}

const archive = (from: string, to: string, inputs: Array<{ from: number; to: number[] }>) =>
  t.call('POST', `/crm/v4/associations/${from}/${to}/batch/archive`, { inputs: inputs.map((i) => ({ from: { id: String(i.from) }, to: i.to.map((id) => ({ id: String(id) })) })) });

describe('DELETE of a primary company, default setting (R15)', () => {
  it("R15: promote (the default): the most recently associated company left becomes primary, recorded in history with the caller's source", async () => {
    expect((await t.call('GET', '/api/workspace')).body.settings.primaryCompanyOnRemove).toBeUndefined();
    // associated acme, then initech, then globex: globex is the newest though initech has the larger id
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'promote@delete.example' }]);
    const [acme, globex, initech] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }, { name: 'Initech' }]);
    for (const co of [acme, initech, globex]) await hub.client.crm.associations.v4.basicApi.createDefault('contacts', String(contact), 'companies', String(co));
    await hub.client.crm.associations.v4.basicApi.archive('contacts', String(contact), 'companies', String(acme));
    expect(await typesOf('contacts', contact!, 'companies')).toEqual({ [globex!]: [1, 279], [initech!]: [279] });
    const h = await historyOf(t.db.db, t.workspaceId, contact!);
    const set = h.filter((x) => x.action === 'PRIMARY_SET').at(-1);
    expect(set).toMatchObject({ to_id: globex, source: 'USER' });
    expect(set?.detail).toContain(`replaces company ${acme}`);
  });

});

describe('batch archive: a contact\'s removals are one set, whatever their order (R8, R15)', () => {
  for (const value of ['refuse', 'promote'] as const) {
    it(`R8, R15: removing all of a contact's companies answers 204 with the primary listed first or last (${value})`, async () => {
      await setting(value);
      const first = await contactWith(`first-${value}@set.example`, ['Acme', 'Globex', 'Initech']);
      const [acme, globex, initech] = first.companies;
      expect(await typesOf('contacts', first.contact, 'companies')).toEqual({ [acme!]: [1, 279], [globex!]: [279], [initech!]: [279] });
      // the primary first, in one input
      expect((await archive('contacts', 'companies', [{ from: first.contact, to: [acme!, globex!, initech!] }])).status).toBe(204);
      expect(await typesOf('contacts', first.contact, 'companies')).toEqual({});
      // no company was made primary on the way out
      expect((await historyOf(t.db.db, t.workspaceId, first.contact)).filter((h) => h.action === 'PRIMARY_SET').map((h) => h.to_id)).toEqual([acme]);

      // the primary last, in inputs of their own
      const last = await contactWith(`last-${value}@set.example`, ['Acme', 'Globex']);
      const r = await archive('contacts', 'companies', [
        { from: last.contact, to: [last.companies[1]!] },
        { from: last.contact, to: [last.companies[0]!] },
      ]);
      expect(r.status).toBe(204);
      expect(await typesOf('contacts', last.contact, 'companies')).toEqual({});

      // from the companies' side, the primary company first
      const side = await contactWith(`side-${value}@set.example`, ['Acme', 'Globex']);
      expect((await archive('companies', 'contacts', side.companies.map((co) => ({ from: co, to: [side.contact] })))).status).toBe(204);
      expect(await typesOf('contacts', side.contact, 'companies')).toEqual({});
    });
  }

  it('R15: a batch that removes the primary but leaves another company is refused for that input (refuse)', async () => {
    await setting('refuse');
    const { contact, companies } = await contactWith('leaves@set.example', ['Acme', 'Globex', 'Initech']);
    const [acme, globex, initech] = companies;
    const r = await archive('contacts', 'companies', [{ from: contact, to: [acme!, globex!] }]);
    expect(r.status).toBe(207);
    expect(r.body.errors).toEqual([expect.objectContaining({ subCategory: 'PRIMARY_COMPANY_REQUIRED', context: expect.objectContaining({ inputIndex: ['0'], toObjectId: [String(acme)] }) })]);
    // the other removal applied; the primary stays
    expect(await typesOf('contacts', contact, 'companies')).toEqual({ [acme!]: [1, 279], [initech!]: [279] });
  });

  it('R15: a batch that removes the primary but leaves another company makes that one primary (promote)', async () => {
    await setting('promote');
    const { contact, companies } = await contactWith('promotes@set.example', ['Acme', 'Globex', 'Initech']);
    const [acme, globex, initech] = companies;
    expect((await archive('contacts', 'companies', [{ from: contact, to: [acme!, globex!] }])).status).toBe(204);
    expect(await typesOf('contacts', contact, 'companies')).toEqual({ [initech!]: [1, 279] });
  });
});

describe('DELETE of a primary company while the contact has others, through @hubspot/api-client (R15)', () => {
  it('R15: refuse: the client gets 400 PRIMARY_COMPANY_REQUIRED and nothing changes; newPrimaryCompanyId still works', async () => {
    await setting('refuse');
    const { contact, companies } = await contactWith('refuse@delete.example', ['Acme', 'Globex']);
    const [acme, globex] = companies;
    await expect(hub.client.crm.associations.v4.basicApi.archive('contacts', String(contact), 'companies', String(acme))).rejects.toMatchObject({
      code: 400,
      body: expect.objectContaining({ subCategory: 'PRIMARY_COMPANY_REQUIRED' }),
    });
    expect(await typesOf('contacts', contact, 'companies')).toEqual({ [acme!]: [1, 279], [globex!]: [279] });
    expect((await t.call('DELETE', `/crm/v4/objects/contacts/${contact}/associations/companies/${acme}?newPrimaryCompanyId=${globex}`)).status).toBe(204);
    expect(await typesOf('contacts', contact, 'companies')).toEqual({ [globex!]: [1, 279] });
  });
});
