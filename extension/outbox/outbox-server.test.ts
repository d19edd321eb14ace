// @vitest-environment node
// The real server over HTTP: happy-dom's fetch would apply a web page's CORS rules to it.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendOperation } from '../api/operations.ts';
import { startTestServer, type TestServer } from '../../test/helpers/extension-server.ts';
import { until } from '../../test/helpers/until.ts';
import { createOutbox, type Outbox } from './index.ts';
import type { Operation } from './operation.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** A fetch that delivers every request but loses the first `lose` answers, as a dropped connection would. */
function losingAnswers(lose: number) {
  const delivered: string[] = [];
  const fetchImpl = async (input: string, init?: RequestInit) => {
    const res = await fetch(input, init);
    delivered.push(`${init?.method ?? 'GET'} ${new URL(input).pathname}`);
    if (lose-- > 0) {
      await res.body?.cancel();
      throw new TypeError('fetch failed: the connection was reset');
    }
    return res;
  };
  return { fetchImpl, delivered };
}

async function historyOf(objectType: string, id: string) {
  const r = await server.call('GET', `/api/objects/${objectType}/${id}/association-history`);
  expect(r.status).toBe(200);
  return r.body.results as Array<{ action: string; toObjectId: string }>;
}

describe('outbox against the real server (X4)', () => {
  it('X4: an answer lost after the server applied the change: the outbox sends again, the server applies it once', async () => {
    const { fetchImpl, delivered } = losingAnswers(2);
    const outbox: Outbox = createOutbox({
      dbName: 'outbox-real-1',
      timers: false,
      backoff: { baseMs: 1, maxMs: 2 },
      send: (op) => sendOperation(op, server.connection, fetchImpl),
    });
    try {
      const deal = await server.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Lost answer deal' } });
      const create: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'createContact', email: 'lost-answer@outbox.example', firstname: 'Lost' };
      const link: Operation = { opId: crypto.randomUUID(), createdAt: Date.now() + 1, kind: 'associate', from: { objectType: 'contacts', id: `pending:${create.opId}` }, to: { objectType: 'deals', id: deal.body.id } };
      await outbox.submit(create);
      await outbox.submit(link);
      // each drain sends what is due; a lost answer puts the operation back with a 1-2 ms backoff
      await until(async () => (await outbox.drain(), outbox.pendingCount()), (n) => n === 0, 10_000);
      expect(await outbox.entries()).toEqual([]);
      // the create reached the server three times (two answers lost), then the association once
      expect(delivered.slice(0, 3)).toEqual(Array(3).fill('POST /crm/v3/objects/contacts'));
      expect(delivered).toHaveLength(4);

      const found = await server.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'lost-answer@outbox.example' }] }] });
      expect(found.body.total).toBe(1);
      const contactId = String(found.body.results[0].id);
      // the association went with the contact's real id
      expect(delivered[3]).toBe(`PUT /crm/v4/objects/contacts/${contactId}/associations/default/deals/${deal.body.id}`);
      const history = await historyOf('contacts', contactId);
      expect(history.filter((h) => h.toObjectId === deal.body.id).map((h) => h.action)).toEqual(['CREATED']);
    } finally {
      await outbox.close();
    }
  });

  it('X4: a logged email whose answers were lost is one activity on the server, not three', async () => {
    const { fetchImpl, delivered } = losingAnswers(2);
    const outbox = createOutbox({ dbName: 'outbox-real-3', timers: false, backoff: { baseMs: 1, maxMs: 2 }, send: (op) => sendOperation(op, server.connection, fetchImpl) });
    try {
      const contact = await server.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'logged@outbox.example' } });
      const op: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'logEmail', on: { objectType: 'contacts', id: contact.body.id }, alsoAssociate: [], subject: 'Lost answers', messageIds: [] };
      await outbox.submit(op);
      // each drain sends what is due; a lost answer puts the operation back with a 1-2 ms backoff
      await until(async () => (await outbox.drain(), outbox.pendingCount()), (n) => n === 0, 10_000);
      expect(delivered).toEqual(Array(3).fill(`POST /api/objects/contacts/${contact.body.id}/activities`));
      const emails = (await historyOf('contacts', contact.body.id)).filter((h) => h.action === 'CREATED');
      expect(emails).toHaveLength(1);
      const found = await server.call('POST', '/crm/v3/objects/emails/search', { filterGroups: [{ filters: [{ propertyName: 'hs_email_subject', operator: 'EQ', value: 'Lost answers' }] }] });
      expect(found.body.total).toBe(1);
    } finally {
      await outbox.close();
    }
  });

  it('X4: the same operation delivered twice (two outboxes, say a restarted worker) is applied once', async () => {
    const company = await server.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Twice Ltd' } });
    const contact = await server.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'twice@outbox.example' } });
    const op: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'associate', from: { objectType: 'contacts', id: contact.body.id }, to: { objectType: 'companies', id: company.body.id } };
    const first = await sendOperation(op, server.connection);
    const second = await sendOperation(op, server.connection);
    expect(first.outcome).toBe('confirmed');
    expect(second).toEqual(first);
    const history = await historyOf('contacts', contact.body.id);
    // CREATED and, as the contact's first company, PRIMARY_SET (R8): once each
    expect(history.filter((h) => h.toObjectId === company.body.id).map((h) => h.action).sort()).toEqual(['CREATED', 'PRIMARY_SET']);
  });

  it('X4: a refused operation stays in the outbox with the server\'s reason, and the rest still land', async () => {
    const outbox = createOutbox({ dbName: 'outbox-real-2', timers: false, send: (op) => sendOperation(op, server.connection) });
    try {
      const contact = await server.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'refused@outbox.example' } });
      const deal = await server.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Refused deal' } });
      const gone: Operation = { opId: crypto.randomUUID(), createdAt: 1, kind: 'associate', from: { objectType: 'contacts', id: contact.body.id }, to: { objectType: 'deals', id: '999999999' } };
      const fine: Operation = { opId: crypto.randomUUID(), createdAt: 2, kind: 'associate', from: { objectType: 'contacts', id: contact.body.id }, to: { objectType: 'deals', id: deal.body.id } };
      await outbox.submit(gone);
      await outbox.submit(fine);
      await outbox.drain();
      const entries = await outbox.entries();
      expect(entries.map((e) => [e.opId, e.state])).toEqual([[gone.opId, 'refused']]);
      expect(entries[0]!.refusal).toMatchObject({ status: 404, code: 'NOT_FOUND' });
      expect(entries[0]!.refusal!.message).toContain('999999999');
      const history = await historyOf('contacts', contact.body.id);
      expect(history.map((h) => h.toObjectId)).toEqual([deal.body.id]);
    } finally {
      await outbox.close();
    }
  });

  it('R5, R7, B1: createAssociated makes the record already associated (a lost answer does not make it twice); updateRecord changes it; revert undoes a change', async () => {
    const { fetchImpl, delivered } = losingAnswers(1);
    const company = await server.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Made Here Ltd' } });
    const create: Operation = {
      opId: crypto.randomUUID(),
      createdAt: Date.now(),
      kind: 'createAssociated',
      objectType: 'contacts',
      properties: { email: 'made-here@outbox.example', firstname: 'Made' },
      with: { objectType: 'companies', id: company.body.id },
      types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }],
    };
    expect((await sendOperation(create, server.connection, fetchImpl)).outcome).toBe('retry');
    const made = await sendOperation(create, server.connection, fetchImpl);
    expect(made.outcome).toBe('confirmed');
    expect(delivered).toEqual(Array(2).fill('POST /crm/v3/objects/contacts'));
    const contactId = (made as { createdId: string }).createdId;
    const found = await server.call('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'made-here@outbox.example' }] }] });
    expect(found.body.results.map((r: { id: string }) => r.id)).toEqual([contactId]);
    // R7: the company of a contact created with it is its primary (type 1)
    const types = await server.call('GET', `/crm/v4/objects/contacts/${contactId}/associations/companies`);
    expect(types.body.results[0].associationTypes.map((t: { typeId: number }) => t.typeId).sort()).toEqual([1, 279]);

    const update: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'updateRecord', record: { objectType: 'contacts', id: contactId }, properties: { jobtitle: 'Buyer' } };
    expect((await sendOperation(update, server.connection)).outcome).toBe('confirmed');
    expect((await server.call('GET', `/crm/v3/objects/contacts/${contactId}?properties=jobtitle`)).body.properties.jobtitle).toBe('Buyer');

    const deal = await server.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'Undo me' } });
    await sendOperation({ opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'associate', from: { objectType: 'contacts', id: contactId }, to: { objectType: 'deals', id: deal.body.id } }, server.connection);
    const entry = (await historyOf('contacts', contactId)).find((h) => h.toObjectId === deal.body.id && h.action === 'CREATED') as unknown as { id: string };
    const revert: Operation = { opId: crypto.randomUUID(), createdAt: Date.now(), kind: 'revert', entryId: entry.id };
    expect((await sendOperation(revert, server.connection)).outcome).toBe('confirmed');
    expect((await server.call('GET', `/crm/v4/objects/contacts/${contactId}/associations/deals`)).body.results).toEqual([]);
    // the same revert again (a new operation): the association is gone, refused with the reason
    const again = await sendOperation({ ...revert, opId: crypto.randomUUID() }, server.connection);
    expect(again).toMatchObject({ outcome: 'refused', status: 409 });
  });
});
