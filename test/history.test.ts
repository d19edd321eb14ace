import { beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '../server/db/client.ts';
import type { Actor } from '../server/env.ts';
import { associate } from '../server/domain/associations/rules.ts';
import { useTestApp } from './helpers/app.ts';
import { moment } from './helpers/clock.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();
let champion = 0;

beforeAll(async () => {
  const label = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
  champion = label.body.results[0].typeId;
});

const history = (type: string, id: number, query = '') => t.call('GET', `/api/objects/${type}/${id}/association-history${query}`);
const put = (from: string, fromId: number, to: string, toId: number, types: Array<{ associationCategory: string; associationTypeId: number }> = []) =>
  t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`, types);
const summary = (entries: Array<{ action: string; toObjectType: string; toObjectId: string }>) => entries.map((e) => `${e.action} ${e.toObjectType} ${e.toObjectId}`);

describe('association history of a record (R20, R21, R22)', () => {
  it('R20: a contact lists every associated record and activity, newest first: name, type, id, action, time, source', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h1@acme.com', firstname: 'Hanna' }]);
    const [acme] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }]);
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Acme renewal' }]);
    const [email] = await seedRecords(t.db.db, t.workspaceId, '0-49', [{ hs_email_subject: 'Quote' }]);
    const before = Date.now();
    await put('contacts', c!, 'companies', acme!);
    await put('contacts', c!, 'deals', deal!);
    await put('emails', email!, 'contacts', c!);
    expect((await t.call('DELETE', `/crm/v4/objects/contacts/${c}/associations/deals/${deal}`)).status).toBe(204);
    const r = await history('contacts', c!);
    expect(r.status).toBe(200);
    expect(summary(r.body.results)).toEqual([`DELETED deals ${deal}`, `CREATED emails ${email}`, `CREATED deals ${deal}`, `PRIMARY_SET companies ${acme}`, `CREATED companies ${acme}`]);
    const created = r.body.results[1];
    expect(created).toEqual({
      id: expect.stringMatching(/^\d+$/),
      action: 'CREATED',
      source: 'USER',
      sourceUserId: expect.stringMatching(/^\d+$/),
      sourceUserName: 'Owner',
      occurredAt: expect.any(String),
      fromObjectType: 'contacts',
      fromObjectId: String(c),
      toObjectType: 'emails',
      toObjectId: String(email),
      toName: 'Quote',
      labels: [],
      associationTypeId: 197,
      link: `/crm/v3/objects/emails/${email}`,
    });
    expect(Date.parse(created.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(r.body.results[3]).toMatchObject({ action: 'PRIMARY_SET', labels: ['Primary'], toName: 'Acme', associationTypeId: 1 });
    expect(r.body.paging).toBeUndefined();
    // the other side sees its own entries
    const fromEmail = await history('emails', email!);
    expect(fromEmail.body.results).toEqual([expect.objectContaining({ action: 'CREATED', fromObjectType: 'emails', toObjectType: 'contacts', toObjectId: String(c), toName: 'Hanna' })]);
  });

  it('R20: filters by object type and by activity type (name, type id, or every activity)', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h2@acme.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Co' }]);
    const [email] = await seedRecords(t.db.db, t.workspaceId, '0-49', [{ hs_email_subject: 'Mail' }]);
    const [call] = await seedRecords(t.db.db, t.workspaceId, '0-48', [{ hs_call_title: 'Call' }]);
    for (const [type, id] of [['companies', co], ['emails', email], ['calls', call]] as const) await put('contacts', c!, type, id!);
    expect(summary((await history('contacts', c!, '?toObjectType=emails')).body.results)).toEqual([`CREATED emails ${email}`]);
    expect(summary((await history('contacts', c!, '?toObjectType=0-48')).body.results)).toEqual([`CREATED calls ${call}`]);
    expect(summary((await history('contacts', c!, '?toObjectType=activities')).body.results)).toEqual([`CREATED calls ${call}`, `CREATED emails ${email}`]);
    expect(summary((await history('contacts', c!, '?toObjectType=emails,company')).body.results)).toEqual([`CREATED emails ${email}`, `PRIMARY_SET companies ${co}`, `CREATED companies ${co}`]);
    const bad = await history('contacts', c!, '?toObjectType=widgets');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].in).toBe('query:toObjectType');
  });

  it('R20: filters by action, source and time range (from inclusive, to exclusive)', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h3@acme.com' }]);
    const [d1, d2] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'One' }, { dealname: 'Two' }]);
    await put('contacts', c!, 'deals', d1!);
    const middle = await moment();
    await put('contacts', c!, 'deals', d2!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    expect(summary((await history('contacts', c!, `?from=${middle}`)).body.results)).toEqual([`LABEL_ADDED deals ${d2}`, `CREATED deals ${d2}`]);
    expect(summary((await history('contacts', c!, `?to=${middle}`)).body.results)).toEqual([`CREATED deals ${d1}`]);
    expect(summary((await history('contacts', c!, '?action=LABEL_ADDED')).body.results)).toEqual([`LABEL_ADDED deals ${d2}`]);
    expect((await history('contacts', c!, '?source=USER')).body.results).toHaveLength(3);
    expect((await history('contacts', c!, '?source=IMPORT,JOB')).body.results).toEqual([]);
    const bad = await history('contacts', c!, '?from=yesterday&source=ROBOT');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { in: string }) => e.in).sort()).toEqual(['query:from', 'query:source[0]']);
  });

  it('R21: every source shows by its machine name; User with id and name, Import with the import id', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h4@acme.com' }]);
    const others = await seedRecords(t.db.db, t.workspaceId, '0-3', Array.from({ length: 9 }, (_, i) => ({ dealname: `S${i}` })));
    const actors: Actor[] = [
      { source: 'USER', userId: 77, userName: 'Ada' },
      { source: 'OBJECT_DELETION' },
      { source: 'OBJECT_MERGE', sourceId: 'merge-1' },
      { source: 'OBJECT_RESTORE' },
      { source: 'IMPORT', sourceId: 'import-42' },
      { source: 'AUTO_DOMAIN' },
      { source: 'API', sourceId: '9' },
      { source: 'JOB' },
      { source: 'MIGRATION' },
    ];
    for (const [i, actor] of actors.entries()) {
      await t.db.db.transaction((tx) => associate(tx as Tx, { workspaceId: t.workspaceId, plan: 'enterprise', actor }, { fromType: '0-1', fromId: c!, toType: '0-3', toId: others[i]!, typeIds: [] }));
    }
    const r = await history('contacts', c!);
    const shown = r.body.results.reverse().map((e: Record<string, string>) => ({ source: e.source, sourceUserId: e.sourceUserId, sourceUserName: e.sourceUserName, sourceId: e.sourceId }));
    expect(shown).toEqual([
      { source: 'USER', sourceUserId: '77', sourceUserName: 'Ada', sourceId: undefined },
      { source: 'OBJECT_DELETION', sourceUserId: undefined, sourceUserName: undefined, sourceId: undefined },
      { source: 'OBJECT_MERGE', sourceUserId: undefined, sourceUserName: undefined, sourceId: 'merge-1' },
      { source: 'OBJECT_RESTORE', sourceUserId: undefined, sourceUserName: undefined, sourceId: undefined },
      { source: 'IMPORT', sourceUserId: undefined, sourceUserName: undefined, sourceId: 'import-42' },
      { source: 'AUTO_DOMAIN', sourceUserId: undefined, sourceUserName: undefined, sourceId: undefined },
      { source: 'API', sourceUserId: undefined, sourceUserName: undefined, sourceId: '9' },
      { source: 'JOB', sourceUserId: undefined, sourceUserName: undefined, sourceId: undefined },
      { source: 'MIGRATION', sourceUserId: undefined, sourceUserName: undefined, sourceId: undefined },
    ]);
    // an app token's changes are source API; archiving a record is source Object deletion
    const app = await t.call('POST', '/api/tokens', { name: 'sync', scopes: ['crm.objects.contacts.write'] });
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Gone Inc' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/companies/${co}`, undefined, app.body.token);
    await t.call('DELETE', `/crm/v3/objects/companies/${co}`);
    const last = (await history('contacts', c!, '?toObjectType=companies')).body.results;
    expect(last.map((e: Record<string, string>) => `${e.action}:${e.source}:${e.sourceId ?? ''}`)).toEqual(['DELETED:OBJECT_DELETION:', 'PRIMARY_SET:API:' + app.body.id, 'CREATED:API:' + app.body.id]);
    expect(last[0].detail).toBe(`0-2 ${co} archived`);
  });

  it('R22: each entry links to the associated record; the link answers that record', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h5@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Linked' }]);
    await put('contacts', c!, 'deals', d!);
    const [entry] = (await history('contacts', c!)).body.results;
    expect(entry.link).toBe(`/crm/v3/objects/deals/${d}`);
    const target = await t.call('GET', entry.link);
    expect(target.status).toBe(200);
    expect(target.body).toMatchObject({ id: String(d), properties: { dealname: 'Linked' } });
  });

  it('R22: the full history of one association, newest first; DELETED shows the labels it took away', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h6@acme.com' }]);
    const [d, other] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Toggled' }, { dealname: 'Other' }]);
    await put('contacts', c!, 'deals', d!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    await put('contacts', c!, 'deals', other!);
    await t.call('DELETE', `/crm/v4/objects/deals/${d}/associations/contacts/${c}`);
    await put('contacts', c!, 'deals', d!);
    const r = await t.call('GET', `/api/objects/contacts/${c}/association-history/deals/${d}`);
    expect(r.status).toBe(200);
    expect(r.body.results.map((e: { action: string; labels: string[] }) => `${e.action}[${e.labels.join(',')}]`)).toEqual(['CREATED[]', 'DELETED[Champion]', 'LABEL_ADDED[Champion]', 'CREATED[]']);
    const ids = r.body.results.map((e: { id: string }) => Number(e.id));
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    // by type id as well, and from the other side
    expect((await t.call('GET', `/api/objects/0-3/${d}/association-history/0-1/${c}`)).body.results).toHaveLength(4);
  });

  it('section 4: pages of at most 500 follow the after cursor; a cursor link is given', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h7@acme.com' }]);
    const notes = await seedRecords(t.db.db, t.workspaceId, '0-46', Array.from({ length: 5 }, (_, i) => ({ hs_note_body: `n${i}` })));
    for (const n of notes) await put('contacts', c!, 'notes', n);
    const p1 = await history('contacts', c!, '?limit=2');
    expect(p1.body.results).toHaveLength(2);
    const p2 = await t.call('GET', p1.body.paging.next.link);
    const p3 = await history('contacts', c!, `?limit=2&after=${p2.body.paging.next.after}`);
    expect(p3.body.paging).toBeUndefined();
    expect([...p1.body.results, ...p2.body.results, ...p3.body.results].map((e: { toObjectId: string }) => Number(e.toObjectId))).toEqual([...notes].reverse());
    expect((await history('contacts', c!, '?limit=501')).status).toBe(400);
    expect((await history('contacts', c!, '?after=x')).status).toBe(400);
  });

  it('errors and security: unknown record, wrong type, other workspace, no token', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h8@acme.com' }]);
    expect((await history('contacts', 999999999)).status).toBe(404);
    expect((await history('deals', c!)).status).toBe(404);
    expect((await history('widgets', c!)).body.subCategory).toBe('OBJECT_TYPE_NOT_FOUND');
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'enterprise' });
    expect((await t.call('GET', `/api/objects/contacts/${c}/association-history`, undefined, other.body.adminToken)).status).toBe(404);
    expect((await t.call('GET', `/api/objects/contacts/${c}/associations`, undefined, other.body.adminToken)).status).toBe(404);
    expect((await t.call('GET', `/api/objects/contacts/${c}/association-history`, undefined, null)).status).toBe(401);
  });
});

describe('associations at a moment (B3)', () => {
  const view = (type: string, id: number, at?: string) => t.call('GET', `/api/objects/${type}/${id}/associations${at ? `?at=${encodeURIComponent(at)}` : ''}`);

  it('B3: the associations as they were, rebuilt from history, grouped by type with type ids and labels', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'b3@acme.com', firstname: 'Bea' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Big deal' }]);
    const t0 = await moment();
    await put('contacts', c!, 'companies', acme!);
    await put('contacts', c!, 'deals', d!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    const t1 = await moment();
    await put('contacts', c!, 'companies', globex!, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    await t.call('DELETE', `/crm/v4/objects/contacts/${c}/associations/deals/${d}`);
    const t2 = await moment();

    expect((await view('contacts', c!, t0)).body).toEqual({ objectType: 'contacts', objectId: String(c), at: t0, associations: {} });
    const at1 = (await view('contacts', c!, t1)).body;
    expect(at1.associations).toEqual({
      companies: {
        results: [
          {
            toObjectId: String(acme),
            toName: 'Acme',
            link: `/crm/v3/objects/companies/${acme}`,
            labels: ['Primary'],
            associationTypes: [
              { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
              { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
            ],
          },
        ],
      },
      deals: {
        results: [
          {
            toObjectId: String(d),
            toName: 'Big deal',
            link: `/crm/v3/objects/deals/${d}`,
            labels: ['Champion'],
            associationTypes: [
              { category: 'HUBSPOT_DEFINED', typeId: 4, label: null },
              { category: 'USER_DEFINED', typeId: champion, label: 'Champion' },
            ],
          },
        ],
      },
    });
    const at2 = (await view('contacts', c!, t2)).body.associations;
    expect(Object.keys(at2)).toEqual(['companies']);
    expect(at2.companies.results.map((r: { toObjectId: string; labels: string[] }) => `${r.toObjectId}:${r.labels.join(',')}`)).toEqual([`${acme}:`, `${globex}:Primary`]);
    // without `at`: the current associations, the same shape
    const now = await view('contacts', c!);
    expect(now.body.at).toBeNull();
    expect(now.body.associations).toEqual(at2);
  });

  it('B3: an archived record still shows what it had before; its partners lose it from then on', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'b3b@acme.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Short-lived' }]);
    await put('contacts', c!, 'companies', co!);
    const before = await moment();
    expect((await t.call('DELETE', `/crm/v3/objects/companies/${co}`)).status).toBe(204);
    const after = await moment();
    expect(Object.keys((await view('companies', co!, before)).body.associations)).toEqual(['contacts']);
    expect((await view('companies', co!, after)).body.associations).toEqual({});
    expect((await view('contacts', c!, before)).body.associations.companies.results[0].toObjectId).toBe(String(co));
    expect((await view('contacts', c!, after)).body.associations).toEqual({});
  });

  it('B3: a bad time is a 400 naming the parameter; an unknown record a 404', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'b3c@acme.com' }]);
    const bad = await t.call('GET', `/api/objects/contacts/${c}/associations?at=tuesday`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].in).toBe('query:at');
    expect((await view('contacts', 999999999, new Date().toISOString())).status).toBe(404);
  });
});

describe('revert one change (B1)', () => {
  const revert = (entryId: string | number, query = '') => t.call('POST', `/api/history/${entryId}/revert${query}`);
  const entryOf = async (type: string, id: number, action: string, toId: number) =>
    ((await history(type, id)).body.results as Array<{ id: string; action: string; toObjectId: string }>).find((e) => e.action === action && e.toObjectId === String(toId))!;
  const typesBetween = async (from: string, id: number, to: string) => {
    const r = await t.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
    return Object.fromEntries(r.body.results.map((x: { toObjectId: number; associationTypes: Array<{ typeId: number }> }) => [x.toObjectId, x.associationTypes.map((a) => a.typeId).sort((a, b) => a - b)]));
  };

  it('B1: reverting CREATED removes the association, recorded as the caller with the reverted entry id', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r1@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Undo me' }]);
    await put('contacts', c!, 'deals', d!);
    const created = await entryOf('contacts', c!, 'CREATED', d!);
    const r = await revert(created.id);
    expect(r.status).toBe(200);
    expect(r.body.revertedEntryId).toBe(created.id);
    expect(r.body.results.map((e: { action: string; fromObjectId: string; source: string; detail: string }) => `${e.action}:${e.fromObjectId}:${e.source}:${e.detail}`).sort()).toEqual(
      [`DELETED:${c}:USER:revert of entry ${created.id}`, `DELETED:${d}:USER:revert of entry ${created.id}`].sort(),
    );
    expect(await typesBetween('contacts', c!, 'deals')).toEqual({});
    expect((await history('deals', d!)).body.results[0]).toMatchObject({ action: 'DELETED', sourceUserName: 'Owner', detail: `revert of entry ${created.id}` });
  });

  it('B1: reverting DELETED brings the association back with the labels it had', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r2@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Back' }]);
    await put('contacts', c!, 'deals', d!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    await t.call('DELETE', `/crm/v4/objects/contacts/${c}/associations/deals/${d}`);
    const deleted = await entryOf('deals', d!, 'DELETED', c!);
    expect((await revert(deleted.id)).status).toBe(200);
    expect(await typesBetween('contacts', c!, 'deals')).toEqual({ [d!]: [4, champion].sort((a, b) => a - b) });
  });

  it('B1: reverting DELETED of a primary company makes it primary again, taking it from its successor', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r3@acme.com' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    await put('contacts', c!, 'companies', acme!);
    await put('contacts', c!, 'companies', globex!);
    await t.call('DELETE', `/crm/v4/objects/contacts/${c}/associations/companies/${acme}?newPrimaryCompanyId=${globex}`);
    expect(await typesBetween('contacts', c!, 'companies')).toEqual({ [globex!]: [1, 279] });
    const deleted = await entryOf('contacts', c!, 'DELETED', acme!);
    expect((await revert(deleted.id)).status).toBe(200);
    expect(await typesBetween('contacts', c!, 'companies')).toEqual({ [acme!]: [1, 279], [globex!]: [279] });
  });

  it('B1: reverting a label added or removed does the inverse', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r4@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Labels' }]);
    await put('contacts', c!, 'deals', d!, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
    const added = await entryOf('contacts', c!, 'LABEL_ADDED', d!);
    expect((await revert(added.id)).status).toBe(200);
    expect(await typesBetween('contacts', c!, 'deals')).toEqual({ [d!]: [4] });
    const removed = await entryOf('contacts', c!, 'LABEL_REMOVED', d!);
    expect(removed).toBeDefined();
    expect((await revert(removed.id)).status).toBe(200);
    expect(await typesBetween('contacts', c!, 'deals')).toEqual({ [d!]: [4, champion].sort((a, b) => a - b) });
  });

  it('B1: reverting PRIMARY_SET moves the primary back to the company it replaced; PRIMARY_UNSET likewise', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r5@acme.com' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    await put('contacts', c!, 'companies', acme!);
    await put('companies', globex!, 'contacts', c!, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 2 }]);
    expect(await typesBetween('contacts', c!, 'companies')).toEqual({ [acme!]: [279], [globex!]: [1, 279] });
    // seen from the company side, the entry is type 2
    const set = await entryOf('companies', globex!, 'PRIMARY_SET', c!);
    expect((await revert(set.id)).status).toBe(200);
    expect(await typesBetween('contacts', c!, 'companies')).toEqual({ [acme!]: [1, 279], [globex!]: [279] });
    // that revert unset Globex's primary: reverting the unset makes Globex primary again
    const unset = (await history('contacts', c!, '?action=PRIMARY_UNSET')).body.results[0];
    expect(unset.toObjectId).toBe(String(globex));
    expect((await revert(unset.id)).status).toBe(200);
    expect(await typesBetween('contacts', c!, 'companies')).toEqual({ [acme!]: [279], [globex!]: [1, 279] });
  });

  it('B1: a revert that breaks a rule is refused with the rule\'s error and writes nothing (R4 limit, R8 primary)', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r6@acme.com' }]);
    const [ticketA, ticketB] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'A' }, { subject: 'B' }]);
    const limit = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/tickets/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 15, maxToObjectIds: 1 }] });
    expect(limit.status).toBe(201);
    await put('contacts', c!, 'tickets', ticketA!);
    await t.call('DELETE', `/crm/v4/objects/contacts/${c}/associations/tickets/${ticketA}`);
    await put('contacts', c!, 'tickets', ticketB!);
    const deleted = await entryOf('contacts', c!, 'DELETED', ticketA!);
    const before = (await history('contacts', c!)).body.results.length;
    const refused = await revert(deleted.id);
    expect(refused.status).toBe(400);
    expect(refused.body.subCategory).toBe('ASSOCIATION_LIMIT_EXCEEDED');
    expect((await history('contacts', c!)).body.results.length).toBe(before);
    // R8: the only company's automatic primary cannot be taken back
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Only' }]);
    await put('contacts', c!, 'companies', co!);
    const primary = await entryOf('contacts', c!, 'PRIMARY_SET', co!);
    const r8 = await revert(primary.id);
    expect(r8.status).toBe(400);
    expect(r8.body.subCategory).toBe('PRIMARY_COMPANY_REQUIRED');
  });

  it('B1: when the state already differs, 409 with a clear message; a revert cannot be applied twice', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r7@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Changed since' }]);
    await put('contacts', c!, 'deals', d!);
    const created = await entryOf('contacts', c!, 'CREATED', d!);
    await t.call('DELETE', `/crm/v4/objects/contacts/${c}/associations/deals/${d}`);
    const deleted = await entryOf('contacts', c!, 'DELETED', d!);
    const later = await revert(created.id);
    expect(later.status).toBe(409);
    expect(later.body.message).toContain(`changed again later (entry ${deleted.id}, DELETED)`);
    expect((await revert(deleted.id)).status).toBe(200);
    const twice = await revert(deleted.id);
    expect(twice.status).toBe(409);
    expect(twice.body.message).toContain(`History entry ${deleted.id}`);
  });

  it('B1: a rep reverts their own change (Undo); another user\'s change is refused with the reason and writes nothing', async () => {
    const made = await t.call('POST', '/api/users', { name: 'Uma Undo', email: 'uma.undo@acme.com', role: 'rep' });
    expect(made.status).toBe(201);
    const rep = made.body.token as string;
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'own@acme.com' }]);
    const [mine, theirs] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Mine' }, { dealname: 'Theirs' }]);
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/deals/${mine}`, undefined, rep)).status).toBe(200);
    await put('contacts', c!, 'deals', theirs!); // by the owner (an admin)
    const own = await entryOf('contacts', c!, 'CREATED', mine!);
    const foreign = await entryOf('contacts', c!, 'CREATED', theirs!);
    const refused = await t.call('POST', `/api/history/${foreign.id}/revert`, undefined, rep);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('a rep reverts only their own changes');
    expect(refused.body.errors[0]).toMatchObject({ in: 'path:entryId', code: 'OWN_CHANGES_ONLY' });
    expect(Object.keys(await typesBetween('contacts', c!, 'deals')).sort()).toEqual([String(mine), String(theirs)].sort());
    const undone = await t.call('POST', `/api/history/${own.id}/revert`, undefined, rep);
    expect(undone.status).toBe(200);
    expect(undone.body.results[0]).toMatchObject({ action: 'DELETED', sourceUserName: 'Uma Undo' });
    expect(Object.keys(await typesBetween('contacts', c!, 'deals'))).toEqual([String(theirs)]);
    // an admin reverts anyone's change
    expect((await revert(foreign.id)).status).toBe(200);
  });

  it('B1: an entry of an archived record is 409 (restore it first); unknown or foreign entries are 404', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r8@acme.com' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Archived' }]);
    await put('contacts', c!, 'deals', d!);
    await t.call('DELETE', `/crm/v3/objects/deals/${d}`);
    const deleted = await entryOf('contacts', c!, 'DELETED', d!);
    const r = await revert(deleted.id);
    expect(r.status).toBe(409);
    expect(r.body.message).toContain('restore it first');
    expect((await revert(987654321)).status).toBe(404);
    const other = await t.call('POST', '/api/workspaces', { name: 'Other B1', plan: 'enterprise' });
    expect((await t.call('POST', `/api/history/${deleted.id}/revert`, undefined, other.body.adminToken)).status).toBe(404);
  });
});
