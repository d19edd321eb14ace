import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';

/** X5: HubSpot's CRM v3 owners API over the workspace's users, through HubSpot's own client 14.0.1 and by hand. */
const t = useTestApp();
const hub = useHubSpotClient(t);
const owners = () => hub.client.crm.owners.ownersApi;

async function addUser(name: string, email: string, role: 'admin' | 'rep' = 'rep') {
  const r = await t.call('POST', '/api/users', { name, email, role });
  expect(r.status).toBe(201);
  return { id: Number(r.body.id), token: r.body.token as string };
}

describe('owners through @hubspot/api-client 14.0.1 (X5)', () => {
  it('X5: the users are the owners: owner id = user id, names split, active, deactivated and removed users', async () => {
    const ada = await addUser('Ada King Lovelace', 'Ada@Owners.example');
    const cher = await addUser('Cher', 'cher@owners.example');
    const gone = await addUser('Gone Person', 'gone@owners.example');
    expect((await t.call('PATCH', `/api/users/${cher.id}`, { active: false })).status).toBe(200);
    expect((await t.call('DELETE', `/api/users/${gone.id}`)).status).toBe(204);

    const page = await owners().getPage();
    expect(page.results.map((o) => o.email)).toEqual(['owner@localhost', 'Ada@Owners.example', 'cher@owners.example']);
    const [first, adaOwner, cherOwner] = page.results;
    expect(first).toMatchObject({ firstName: 'Owner', lastName: '', type: 'PERSON', archived: false, teams: [] });
    expect(adaOwner).toMatchObject({ id: String(ada.id), userId: ada.id, userIdIncludingInactive: ada.id, firstName: 'Ada', lastName: 'King Lovelace', archived: false });
    expect(adaOwner!.createdAt).toBeInstanceOf(Date);
    expect(adaOwner!.updatedAt.getTime()).toBe(adaOwner!.createdAt.getTime());
    // deactivated: still an owner, without userId; changed when deactivated
    expect(cherOwner).toMatchObject({ id: String(cher.id), userIdIncludingInactive: cher.id, firstName: 'Cher', lastName: '', archived: false });
    expect(cherOwner!.userId).toBeUndefined();
    expect(cherOwner!.updatedAt.getTime()).toBeGreaterThanOrEqual(cherOwner!.createdAt.getTime());

    // removed: an archived owner, listed only with archived=true
    const archived = await owners().getPage(undefined, undefined, undefined, true);
    expect(archived.results.map((o) => [o.id, o.archived, o.email])).toEqual([[String(gone.id), true, 'gone@owners.example']]);
  });

  it('X5: getPage filters by email (any case) and pages with limit and after', async () => {
    await addUser('Paged One', 'paged1@owners.example');
    await addUser('Paged Two', 'paged2@owners.example');
    const byEmail = await owners().getPage('PAGED2@owners.EXAMPLE');
    expect(byEmail.results.map((o) => o.email)).toEqual(['paged2@owners.example']);
    expect(byEmail.paging).toBeUndefined();
    expect((await owners().getPage('nobody@owners.example')).results).toEqual([]);

    const all = (await owners().getPage(undefined, undefined, 500)).results.map((o) => o.id);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await owners().getPage(undefined, after, 2);
      expect(page.results.length).toBeLessThanOrEqual(2);
      seen.push(...page.results.map((o) => o.id));
      after = page.paging?.next?.after;
      if (after) expect(page.paging!.next!.link).toContain(`after=${after}`);
    } while (after);
    expect(seen).toEqual(all);
    expect(all.map(Number)).toEqual([...all.map(Number)].sort((a, b) => a - b));
  });

  it('X5: getById by owner id and by user id (the same number), archived as asked', async () => {
    const bea = await addUser('Bea Byid', 'bea@owners.example');
    expect(await owners().getById(bea.id)).toMatchObject({ id: String(bea.id), email: 'bea@owners.example', firstName: 'Bea', lastName: 'Byid' });
    expect((await owners().getById(bea.id, 'userId')).id).toBe(String(bea.id));
    await expect(owners().getById(bea.id, 'id', true)).rejects.toMatchObject({ code: 404 });
    expect((await t.call('DELETE', `/api/users/${bea.id}`)).status).toBe(204);
    await expect(owners().getById(bea.id)).rejects.toMatchObject({ code: 404, body: { category: 'OBJECT_NOT_FOUND' } });
    expect(await owners().getById(bea.id, 'id', true)).toMatchObject({ id: String(bea.id), archived: true });
  });
});

describe('owners: errors, permissions, workspaces', () => {
  it('the list answers with and without the trailing slash; a bad id or query is a 400, an unknown owner a 404', async () => {
    const plain = await t.call('GET', '/crm/v3/owners?limit=1');
    const slash = await t.call('GET', '/crm/v3/owners/?limit=1');
    expect(plain.status).toBe(200);
    expect(slash.body).toEqual({ ...plain.body, paging: { next: { after: plain.body.paging.next.after, link: expect.stringContaining('/crm/v3/owners/?') } } });
    const bad = await t.call('GET', '/crm/v3/owners/abc');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', errors: [{ in: 'param:ownerId' }] });
    expect((await t.call('GET', '/crm/v3/owners?limit=0')).body.errors[0].in).toBe('query:limit');
    expect((await t.call('GET', '/crm/v3/owners/1?idProperty=email')).body.errors[0].in).toBe('query:idProperty');
    const unknown = await t.call('GET', '/crm/v3/owners/999999999');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND', correlationId: expect.any(String), errors: [{ in: 'path:ownerId' }] });
  });

  it('a rep reads owners; an app token needs crm.objects.owners.read', async () => {
    const rep = await addUser('Rita Reader', 'rita@owners.example');
    expect((await t.call('GET', '/crm/v3/owners', undefined, rep.token)).status).toBe(200);
    expect((await t.call('GET', `/crm/v3/owners/${rep.id}`, undefined, rep.token)).body.email).toBe('rita@owners.example');
    const none = (await t.call('POST', '/api/tokens', { name: 'no scopes', scopes: [] })).body.token;
    const refused = await t.call('GET', '/crm/v3/owners/', undefined, none);
    expect(refused.status).toBe(403);
    expect(refused.body.context).toEqual({ requiredScopes: ['crm.objects.owners.read'] });
    const reader = (await t.call('POST', '/api/tokens', { name: 'owners', scopes: ['crm.objects.owners.read'] })).body.token;
    expect((await t.call('GET', `/crm/v3/owners/${rep.id}`, undefined, reader)).status).toBe(200);
  });

  it('another workspace\'s users are not owners here', async () => {
    const other = await t.call('POST', '/api/workspaces', { name: 'Elsewhere', plan: 'starter' });
    const theirs = await t.call('GET', '/crm/v3/owners', undefined, other.body.adminToken);
    expect(theirs.body.results.map((o: { email: string }) => o.email)).toEqual(['admin@localhost']);
    const theirAdmin = Number(theirs.body.results[0].id);
    expect((await t.call('GET', `/crm/v3/owners/${theirAdmin}`)).status).toBe(404);
    expect((await t.call('GET', '/crm/v3/owners?email=admin@localhost')).body.results).toEqual([]);
    const mine = (await t.call('GET', '/crm/v3/owners?limit=500')).body.results.map((o: { id: string }) => o.id);
    expect(mine).not.toContain(String(theirAdmin));
  });

  it('X5: hubspot_owner_id on a write must name an owner of the workspace: create, update and batch (per input); a record keeps an owner who is removed later', async () => {
    const rita = await addUser('Rita Owner', 'rita@owners-check.example');
    const other = await t.call('POST', '/api/workspaces', { name: 'Elsewhere too', plan: 'starter' });
    const foreign = (await t.call('GET', '/crm/v3/owners', undefined, other.body.adminToken)).body.results[0].id as string;

    const ok = await t.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Owned', hubspot_owner_id: String(rita.id) } });
    expect(ok.status).toBe(201);
    for (const bad of [foreign, '999999999', 'rita']) {
      const r = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: `x${bad}@owners-check.example`, hubspot_owner_id: bad } });
      expect(r.status, bad).toBe(400);
      expect(r.body.errors).toEqual([expect.objectContaining({ in: 'properties.hubspot_owner_id', message: expect.stringContaining('must be the id of an owner of this workspace') })]);
    }
    const patch = await t.call('PATCH', `/crm/v3/objects/deals/${ok.body.id}`, { properties: { hubspot_owner_id: foreign } });
    expect(patch.status).toBe(400);

    const batch = await t.call('POST', '/crm/v3/objects/companies/batch/create', {
      inputs: [{ properties: { name: 'Good owner', hubspot_owner_id: String(rita.id) } }, { properties: { name: 'Bad owner', hubspot_owner_id: foreign } }],
    });
    expect(batch.status).toBe(207);
    expect(batch.body.results.map((r: { properties: { name: string } }) => r.properties.name)).toEqual(['Good owner']);
    expect(batch.body.errors[0].context).toEqual({ index: ['1'] });
    expect(batch.body.errors[0].errors[0].in).toBe('inputs[1].properties.hubspot_owner_id');

    // removed later: the deal keeps its owner through other edits; assigning the removed owner anew is refused
    expect((await t.call('DELETE', `/api/users/${rita.id}`)).status).toBe(204);
    const edit = await t.call('PATCH', `/crm/v3/objects/deals/${ok.body.id}`, { properties: { dealname: 'Owned, renamed' } });
    expect(edit.status).toBe(200);
    expect(edit.body.properties.hubspot_owner_id).toBe(String(rita.id));
    const again = await t.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Owned again', hubspot_owner_id: String(rita.id) } });
    expect(again.status).toBe(400);
  });
});
