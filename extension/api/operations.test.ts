// @vitest-environment node
// (the server under test resolves its files from file: URLs, which the DOM environment's URL does not)
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers/app.ts';
import { seedRecords } from '../../test/helpers/records.ts';
import type { Operation, SendResult } from '../outbox/operation.ts';
import type { FetchLike } from './client.ts';
import { sendOperation } from './operations.ts';

const t = useTestApp();
const SERVER = 'http://127.0.0.1:4998';
const requests: Array<{ method: string; path: string; key: string | null }> = [];
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  requests.push({ method: init?.method ?? 'GET', path: `${url.pathname}${url.search}`, key: new Headers(init?.headers).get('idempotency-key') });
  return t.app.request(`${url.pathname}${url.search}`, init);
};
const conn = () => ({ server: SERVER, token: t.token });
/** The real server's answer, its JSON body changed by `edit` on the way. */
const tampered =
  (edit: (body: any) => unknown): FetchLike =>
  async (input, init) => {
    const res = await appFetch(input, init);
    return new Response(JSON.stringify(edit(await res.json())), { status: res.status, headers: res.headers });
  };
const base = () => ({ opId: crypto.randomUUID(), createdAt: Date.now() });
const send = (op: Operation, fetchImpl: FetchLike = appFetch) => sendOperation(op, conn(), fetchImpl);
const seed = (type: string, props: Array<Record<string, string>>) => seedRecords(t.db.db, t.workspaceId, type, props);

async function companiesOf(contactId: number | string) {
  const r = await t.call('GET', `/crm/v4/objects/contacts/${contactId}/associations/companies`);
  return r.body.results as Array<{ toObjectId: number; associationTypes: Array<{ typeId: number }> }>;
}

describe('sendOperation: every operation against the real server (X4)', () => {
  it('X4: createContact answers the new id; every request carries the opId as Idempotency-Key', async () => {
    requests.length = 0;
    const op: Operation = { ...base(), kind: 'createContact', email: 'op.create@ops.example', firstname: 'Op', lastname: 'Create' };
    const r = await send(op);
    expect(r).toEqual({ outcome: 'confirmed', createdId: expect.stringMatching(/^\d+$/) });
    expect(requests).toEqual([{ method: 'POST', path: '/crm/v3/objects/contacts', key: op.opId }]);
  });

  it('X4: a contact that already exists (a retry whose answer was lost) confirms with its id', async () => {
    const [existing] = await seed('0-1', [{ email: 'twice@ops.example' }]);
    const r = await send({ ...base(), kind: 'createContact', email: 'twice@ops.example' });
    expect(r).toMatchObject({ outcome: 'confirmed', createdId: String(existing) });
  });

  it('X4: the existing contact\'s id comes from the 409\'s context, in one request, whatever the message says', async () => {
    const [existing] = await seed('0-1', [{ email: 'context@ops.example' }]);
    requests.length = 0;
    // the server's message is HubSpot's ("Existing ID: <id>"); a message worded otherwise changes nothing
    const reworded = tampered((body) => ({ ...body, message: 'Es gibt diesen Kontakt schon' }));
    const r = await send({ ...base(), kind: 'createContact', email: 'Context@OPS.example' }, reworded);
    expect(r).toEqual({ outcome: 'confirmed', createdId: String(existing) });
    expect(requests.map((x) => `${x.method} ${x.path}`)).toEqual(['POST /crm/v3/objects/contacts']);
  });

  it('X4: a 409 without the existing id in its context is refused, never confirmed with an id read from its message', async () => {
    await seed('0-1', [{ email: 'nocontext@ops.example' }]);
    const withoutContext = tampered(({ context: _context, ...body }) => body);
    const r = await send({ ...base(), kind: 'createContact', email: 'nocontext@ops.example' }, withoutContext);
    expect(r).toMatchObject({ outcome: 'refused', status: 409, code: 'CONFLICT', message: expect.stringContaining('Existing ID') });
  });

  it('X4: an answer outside the contract is refused with a message naming the route and the field, not confirmed without an id', async () => {
    const noId = tampered(({ id: _id, ...body }) => body);
    const r = await send({ ...base(), kind: 'createContact', email: 'shape@ops.example' }, noId);
    expect(r).toMatchObject({ outcome: 'refused', status: 201, code: 'INVALID_RESPONSE' });
    expect((r as Extract<SendResult, { outcome: 'refused' }>).message).toMatch(/^POST \/crm\/v3\/objects\/contacts: the 201 answer does not fit its schema: id: /);
  });

  it('R14: associate with a label, then removeLabels keeps the association; R8: removing the only company\'s primary label is refused with the server\'s code (a 207\'s error)', async () => {
    const label = await t.call('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Billing contact', name: 'billing_contact' });
    expect(label.status).toBe(200);
    const typeId: number = label.body.results.find((x: { label: string }) => x.label === 'Billing contact').typeId;
    const labels = [{ associationCategory: 'USER_DEFINED' as const, associationTypeId: typeId }];
    const [contact] = await seed('0-1', [{ email: 'labels@ops.example' }]);
    const [company] = await seed('0-2', [{ name: 'Labelled Co' }]);
    const c = { objectType: 'contacts', id: String(contact) };
    const co = { objectType: 'companies', id: String(company) };
    expect(await send({ ...base(), kind: 'associate', from: c, to: co, labels })).toEqual({ outcome: 'confirmed' });
    const typesOf = async () => (await companiesOf(contact!)).flatMap((a) => a.associationTypes.map((x) => x.typeId)).sort((a, b) => a - b);
    expect(await typesOf()).toContain(typeId);
    expect(await send({ ...base(), kind: 'removeLabels', from: c, to: co, labels })).toEqual({ outcome: 'confirmed' });
    expect(await typesOf()).not.toContain(typeId);
    expect((await companiesOf(contact!)).map((a) => a.toObjectId)).toEqual([company]);
    const primary = await send({ ...base(), kind: 'removeLabels', from: c, to: co, labels: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] });
    expect(primary).toEqual({ outcome: 'refused', status: 400, code: 'PRIMARY_COMPANY_REQUIRED', message: expect.stringContaining('must stay its primary') });
    expect(await typesOf()).toContain(1);
  });

  it('R8: associate (default) makes the first company primary; setPrimary moves it, the old one stays', async () => {
    const [contact] = await seed('0-1', [{ email: 'prim@ops.example' }]);
    const [first, second] = await seed('0-2', [{ name: 'First' }, { name: 'Second' }]);
    const c = { objectType: 'contacts', id: String(contact) };
    expect((await send({ ...base(), kind: 'associate', from: c, to: { objectType: 'companies', id: String(first) } })).outcome).toBe('confirmed');
    expect((await send({ ...base(), kind: 'associate', from: c, to: { objectType: 'companies', id: String(second) } })).outcome).toBe('confirmed');
    const primaryOf = async () => (await companiesOf(contact!)).filter((a) => a.associationTypes.some((x) => x.typeId === 1)).map((a) => a.toObjectId);
    expect(await primaryOf()).toEqual([first]);
    expect((await send({ ...base(), kind: 'setPrimary', contact: c, company: { objectType: 'companies', id: String(second) } })).outcome).toBe('confirmed');
    expect(await primaryOf()).toEqual([second]);
    expect((await companiesOf(contact!)).map((a) => a.toObjectId).sort()).toEqual([first, second].sort());
  });

  it('R15: remove with a new primary; the association is gone', async () => {
    const [contact] = await seed('0-1', [{ email: 'remove@ops.example' }]);
    const [a, b] = await seed('0-2', [{ name: 'A' }, { name: 'B' }]);
    const c = { objectType: 'contacts', id: String(contact) };
    for (const id of [a, b]) await send({ ...base(), kind: 'associate', from: c, to: { objectType: 'companies', id: String(id) } });
    const r = await send({ ...base(), kind: 'remove', from: c, to: { objectType: 'companies', id: String(a) }, newPrimaryCompanyId: String(b) });
    expect(r.outcome).toBe('confirmed');
    expect((await companiesOf(contact!)).map((x) => x.toObjectId)).toEqual([b]);
  });

  it('R10: logEmail logs on the record, the server adds the primary company, the rest follows with its own keys', async () => {
    const [contact] = await seed('0-1', [{ email: 'log@ops.example' }]);
    const [primary, other] = await seed('0-2', [{ name: 'Primary Co' }, { name: 'Other Co' }]);
    const [deal] = await seed('0-3', [{ dealname: 'Logged deal' }]);
    const c = { objectType: 'contacts', id: String(contact) };
    await send({ ...base(), kind: 'associate', from: c, to: { objectType: 'companies', id: String(primary) } });
    await send({ ...base(), kind: 'associate', from: c, to: { objectType: 'companies', id: String(other) } });
    requests.length = 0;
    const op: Operation = {
      ...base(),
      kind: 'logEmail',
      on: c,
      alsoAssociate: [{ objectType: 'deals', id: String(deal) }, { objectType: 'companies', id: String(primary) }],
      subject: 'Re: pricing',
      threadId: 'thread-f:9',
      messageIds: ['msg-f:1', 'msg-f:2'],
    };
    const r = await send(op);
    expect(r).toMatchObject({ outcome: 'confirmed', createdId: expect.stringMatching(/^\d+$/) });
    const emailId = (r as Extract<SendResult, { outcome: 'confirmed' }>).createdId!;
    // the primary company came with the activity: only the deal needed a request of its own
    expect(requests.map((x) => [x.method, x.key])).toEqual([
      ['POST', op.opId],
      ['PUT', `${op.opId}:1`],
    ]);
    const companies = (await t.call('GET', `/crm/v4/objects/emails/${emailId}/associations/companies`)).body.results.map((a: any) => a.toObjectId);
    expect(companies).toEqual([primary]); // R10: not the other company
    expect((await t.call('GET', `/crm/v4/objects/emails/${emailId}/associations/deals`)).body.results.map((a: any) => a.toObjectId)).toEqual([deal]);
    const email = await t.call('GET', `/crm/v3/objects/emails/${emailId}?properties=hs_email_subject,hs_email_thread_id`);
    expect(email.body.properties).toMatchObject({ hs_email_subject: 'Re: pricing', hs_email_thread_id: 'thread-f:9' });
  });

  it('R3, B8: a thread\'s messages are logged one email each, with text, headers, direction and send time; a message logged before is not logged again', async () => {
    const [contact] = await seed('0-1', [{ email: 'msgs@ops.example' }]);
    const on = { objectType: 'contacts', id: String(contact) };
    const m1 = { id: 'ops-msg-1', from: { email: 'msgs@ops.example', name: 'Mia Sender' }, to: [{ email: 'rep@us.example', name: 'Rob Rep' }], cc: [], sentAt: '2026-04-01T08:00:00.000Z', outgoing: false, text: 'Question about the quote' };
    const m2 = { ...m1, id: 'ops-msg-2', from: { email: 'rep@us.example', name: 'Rob Rep' }, to: [{ email: 'msgs@ops.example', name: 'Mia Sender' }], sentAt: '2026-04-01T09:00:00.000Z', outgoing: true, text: 'Here it is' };
    const first = await send({ ...base(), kind: 'logEmail', on, alsoAssociate: [], subject: 'Quote', threadId: 't-ops', messageIds: [m1.id], messages: [m1] });
    expect(first.outcome).toBe('confirmed');
    // the thread again: the first message is answered by the server as logged, the second is new
    const again = await send({ ...base(), kind: 'logEmail', on, alsoAssociate: [], subject: 'Quote', threadId: 't-ops', messageIds: [m1.id, m2.id], messages: [m1, m2] });
    expect(again).toMatchObject({ outcome: 'confirmed', createdId: (first as Extract<SendResult, { outcome: 'confirmed' }>).createdId });
    const emails = (await t.call('GET', `/api/objects/contacts/${contact}/activities`)).body.results;
    expect(emails.map((e: any) => e.properties.hs_email_message_id)).toEqual(['ops-msg-2', 'ops-msg-1']);
    const [reply, question] = emails;
    expect(reply.properties).toMatchObject({ hs_email_direction: 'EMAIL', hs_email_text: 'Here it is', hs_email_thread_id: 't-ops' });
    expect(question.properties.hs_email_direction).toBe('INCOMING_EMAIL');
    expect(question.timestamp).toBe('2026-04-01T08:00:00.000Z');
    expect(JSON.parse(question.properties.hs_email_headers)).toEqual({ from: { email: 'msgs@ops.example', firstName: 'Mia', lastName: 'Sender' }, to: [{ email: 'rep@us.example', firstName: 'Rob', lastName: 'Rep' }], cc: [], bcc: [] });
  });

  it('X4: an operation sent twice (its answer lost) is applied once: one email, one association', async () => {
    const [contact] = await seed('0-1', [{ email: 'twice.log@ops.example' }]);
    const [deal] = await seed('0-3', [{ dealname: 'Once deal' }]);
    const op: Operation = { ...base(), kind: 'logEmail', on: { objectType: 'contacts', id: String(contact) }, alsoAssociate: [{ objectType: 'deals', id: String(deal) }], subject: 'Once', messageIds: [] };
    const first = await send(op);
    const second = await send(op);
    expect(first.outcome).toBe('confirmed');
    expect(second).toMatchObject({ outcome: 'confirmed', createdId: (first as Extract<SendResult, { outcome: 'confirmed' }>).createdId });
    const emails = (await t.call('GET', `/crm/v4/objects/contacts/${contact}/associations/emails`)).body.results;
    expect(emails).toHaveLength(1);
    const history = (await t.call('GET', `/api/objects/deals/${deal}/association-history`)).body.results.filter((e: any) => e.toObjectType === 'emails' && e.action === 'CREATED');
    expect(history).toHaveLength(1);
  });

  it('X4: refused: a record that does not exist, with the server\'s code and message', async () => {
    const r = await send({ ...base(), kind: 'associate', from: { objectType: 'contacts', id: '999999991' }, to: { objectType: 'companies', id: '999999992' } });
    expect(r).toMatchObject({ outcome: 'refused', status: 404, code: expect.any(String), message: expect.stringContaining('999999991') });
  });

  it('X4: an unreachable server, 5xx, 429 and a revoked token are retried later, with Retry-After', async () => {
    const op: Operation = { ...base(), kind: 'createContact', email: 'retry@ops.example' };
    const offline: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    expect(await send(op, offline)).toEqual({
      outcome: 'retry',
      reason: expect.stringContaining('fetch failed'),
      // no answer: the client's own words, as a notice the screens write in the rep's language
      notice: { kind: 'noticeCannotReach', values: [expect.any(String), 'fetch failed'] },
    });
    const busy: FetchLike = async () => new Response(JSON.stringify({ message: 'busy', category: 'RATE_LIMITS' }), { status: 429, headers: { 'retry-after': '7' } });
    expect(await send(op, busy)).toEqual({ outcome: 'retry', reason: expect.stringContaining('429'), retryAfterMs: 7000 });
    const down: FetchLike = async () => new Response('bad gateway', { status: 502 });
    expect((await send(op, down)).outcome).toBe('retry');
    const revoked = await sendOperation(op, { server: SERVER, token: 'crm_revoked' }, appFetch);
    expect(revoked).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('401') });
    expect((await t.call('POST', '/crm/v3/objects/contacts/search', { query: 'retry@ops.example' })).body.total).toBe(0);
  });
});

describe("sendOperation: the workspace's never-log list (B8)", () => {
  it('B8: the companion logging an email with a never-logged contact is refused with the reason, nothing logged; a follow-up to one is refused by name', async () => {
    const [hidden, open] = await seed('0-1', [{ email: 'ceo@never.example' }, { email: 'pa@open-ops.example' }]);
    expect((await t.call('PATCH', '/api/workspace', { settings: { neverLogAddresses: ['never.example'] } })).status).toBe(200);
    try {
      const refused = await send({ ...base(), kind: 'logEmail', on: { objectType: 'contacts', id: String(hidden) }, alsoAssociate: [], subject: 'Secret', messageIds: [] });
      expect(refused).toMatchObject({ outcome: 'refused', status: 400, code: 'NEVER_LOGGED', message: expect.stringContaining('ceo@never.example') });
      expect((await t.call('GET', `/crm/v4/objects/contacts/${hidden}/associations/emails`)).body.results).toHaveLength(0);

      const partly = await send({ ...base(), kind: 'logEmail', on: { objectType: 'contacts', id: String(open) }, alsoAssociate: [{ objectType: 'contacts', id: String(hidden) }], subject: 'Cc the CEO', messageIds: [] });
      expect(partly).toMatchObject({ outcome: 'refused', code: 'NEVER_LOGGED', message: expect.stringMatching(/^The email was logged, but not associated with contacts \d+: .*ceo@never\.example/) });
      expect((await t.call('GET', `/crm/v4/objects/contacts/${hidden}/associations/emails`)).body.results).toHaveLength(0);
    } finally {
      await t.call('PATCH', '/api/workspace', { settings: { neverLogAddresses: [] } });
    }
  });
});

