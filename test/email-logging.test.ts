import { describe, expect, it } from 'vitest';
import { apiPaths } from '../shared/api-paths.ts';
import { companionThreadResponse } from '../shared/companion.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const onPostgres = process.env.TEST_DB === 'postgres';
const t = useTestApp({ plan: 'professional' });

const log = (objectType: string, id: number, body: unknown, token?: string) => t.call('POST', `/api/objects/${objectType}/${id}/activities`, body, token);
const emailCount = async (messageId: string) => {
  const r = await t.call('POST', '/crm/v3/objects/emails/search', { filterGroups: [{ filters: [{ propertyName: 'hs_email_message_id', operator: 'EQ', value: messageId }] }], properties: ['hs_email_message_id'] });
  expect(r.status).toBe(200);
  return r.body.total as number;
};

const message = (id: string, extra: Record<string, string> = {}) => ({
  type: 'emails',
  properties: {
    hs_email_subject: 'Renewal',
    hs_email_text: 'Hi Rita,\nthe renewal is attached.',
    hs_email_headers: JSON.stringify({ from: { email: 'rep@us.com', firstName: 'Rob', lastName: 'Rep' }, to: [{ email: 'rita@acme.com', firstName: 'Rita', lastName: '' }], cc: [] }),
    hs_email_direction: 'EMAIL',
    hs_timestamp: '2026-03-02T09:15:00.000Z',
    hs_email_thread_id: 'thread-1',
    hs_email_message_id: id,
    ...extra,
  },
});

describe('logging an email for real (R3, B8)', () => {
  it('R3: a logged email keeps its text, headers, direction and the message\'s send time, owned by the rep who logged it', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'rita@acme.com' }]);
    const r = await log('contacts', c!, message('msg-r3'));
    expect(r.status).toBe(201);
    expect(r.body.existing).toBeUndefined();
    const props = r.body.activity.properties;
    expect(props).toMatchObject({ hs_email_text: 'Hi Rita,\nthe renewal is attached.', hs_email_direction: 'EMAIL', hs_email_message_id: 'msg-r3', hs_email_thread_id: 'thread-1' });
    expect(new Date(props.hs_timestamp).toISOString()).toBe('2026-03-02T09:15:00.000Z');
    expect(JSON.parse(props.hs_email_headers).to[0]).toEqual({ email: 'rita@acme.com', firstName: 'Rita', lastName: '' });
    const me = await t.call('GET', '/api/me');
    expect(props.hubspot_owner_id).toBe(String(me.body.caller.id));
  });

  it('R3: the calculated hs_email_from_email and hs_email_to_email come from the logged headers, follow them on update, and no client sets them', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'rita.calc@acme.com' }]);
    const headers = { from: { email: 'rep@us.com', firstName: 'Rob', lastName: 'Rep' }, to: [{ email: 'rita.calc@acme.com' }, { email: 'sam@acme.com' }], cc: [{ email: 'cc@acme.com' }] };
    const r = await log('contacts', c!, message('msg-calc', { hs_email_headers: JSON.stringify(headers) }));
    expect(r.status).toBe(201);
    const id = r.body.activity.id as string;
    const read = async () => (await t.call('GET', `/crm/v3/objects/emails/${id}?properties=hs_email_from_email,hs_email_to_email`)).body.properties;
    expect(await read()).toMatchObject({ hs_email_from_email: 'rep@us.com', hs_email_to_email: 'rita.calc@acme.com;sam@acme.com' });
    // through the HubSpot-compatible API too, and they follow the headers when those change
    const patched = await t.call('PATCH', `/crm/v3/objects/emails/${id}`, { properties: { hs_email_headers: JSON.stringify({ ...headers, from: { email: 'other@us.com' }, to: [] }) } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const after = await read();
    expect(after.hs_email_from_email).toBe('other@us.com');
    expect(after.hs_email_to_email ?? '').toBe('');
    const refused = await t.call('PATCH', `/crm/v3/objects/emails/${id}`, { properties: { hs_email_from_email: 'forged@evil.example' } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('READ_ONLY_VALUE');
    expect((await read()).hs_email_from_email).toBe('other@us.com');
  });

  it('B8: logging the same message again answers the email logged first (200, existing) and writes nothing, even on another record', async () => {
    const [a, b] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'twice@acme.com' }, { email: 'other@acme.com' }]);
    const first = await log('contacts', a!, message('msg-twice'));
    expect(first.status).toBe(201);
    const again = await log('contacts', a!, message('msg-twice', { hs_email_subject: 'Changed' }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ existing: true, associations: [], associationsRefused: [] });
    expect(again.body.activity.id).toBe(first.body.activity.id);
    expect(again.body.activity.properties.hs_email_subject).toBe('Renewal');
    expect((await log('contacts', b!, message('msg-twice'))).body.activity.id).toBe(first.body.activity.id);
    expect(await emailCount('msg-twice')).toBe(1);
    // another message of the same thread is another email
    expect((await log('contacts', a!, message('msg-twice-2'))).status).toBe(201);
  });

  it('B8: the message id is unique per workspace: another workspace logs the same message as its own email', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'ws@acme.com' }]);
    const first = await log('contacts', c!, message('msg-ws'));
    const other = await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'professional' });
    expect(other.status).toBe(201);
    const token = other.body.adminToken as string;
    const contact = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ws@acme.com' } }, token);
    const theirs = await log('contacts', Number(contact.body.id), message('msg-ws'), token);
    expect(theirs.status).toBe(201);
    expect(theirs.body.activity.id).not.toBe(first.body.activity.id);
  });

  it('B8: a message id is checked like any unique value: writing it on another email directly is a 409', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'direct@acme.com' }]);
    await log('contacts', c!, message('msg-direct'));
    const r = await t.call('POST', '/crm/v3/objects/emails', { properties: { hs_timestamp: '2026-03-02T09:15:00Z', hs_email_message_id: 'msg-direct' } });
    expect(r.status).toBe(409);
    expect(r.body.errors[0].in).toBe('properties.hs_email_message_id');
  });

  it('B8: the companion\'s one read of a thread says which messages are logged, when and by whom, and each contact\'s last contact and newest activities', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'sidebar@acme.com', firstname: 'Sid' }]);
    await log('contacts', c!, message('msg-side-1', { hs_timestamp: '2026-03-01T08:00:00Z' }));
    await t.call('POST', `/api/objects/contacts/${c}/activities`, { type: 'notes', properties: { hs_note_body: 'Prefers calls', hs_timestamp: '2026-03-03T08:00:00Z' } });
    expect((await t.call('PATCH', '/api/workspace', { settings: { neverLogAddresses: ['legal@acme.com'] } })).status).toBe(200);
    const r = await t.call('POST', apiPaths.companionThread(), { participants: [{ email: 'sidebar@acme.com' }], subject: 'Renewal', messageIds: ['msg-side-1', 'msg-side-2'] });
    expect(r.status).toBe(200);
    const view = companionThreadResponse.parse(r.body);
    const me = await t.call('GET', '/api/me');
    expect(Object.keys(view.logged!)).toEqual(['msg-side-1']);
    expect(view.logged!['msg-side-1']).toMatchObject({ by: me.body.caller.name, loggedAt: expect.any(String) });
    const activity = view.activity![String(c)]!;
    // a note is no contact: last contacted is the email's time
    expect(activity.lastContacted).toBe('2026-03-01T08:00:00.000Z');
    expect(activity.recent.map((a) => a.type)).toEqual(['notes', 'emails']);
    expect(view.neverLog).toEqual(['legal@acme.com']);
  });

  // a real race needs two connections; PGlite has one and runs requests one after the other
  it.runIf(onPostgres)('B8: ten concurrent loggings of one message make one email (PostgreSQL)', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'race@acme.com' }]);
    const answers = await Promise.all(Array.from({ length: 10 }, () => log('contacts', c!, message('msg-race'))));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.body.activity.id)).size).toBe(1);
    expect(await emailCount('msg-race')).toBe(1);
  });
});
