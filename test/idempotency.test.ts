import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db } from '../server/db/client.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import type { AppEnv, Auth } from '../server/env.ts';
import { onError } from '../server/errors.ts';
import { idempotency, purgeExpiredKeys } from '../server/middleware/idempotency.ts';
import { useTestApp } from './helpers/app.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();

interface Sent {
  status: number;
  body: any;
  replayed: boolean;
}

/** A JSON request with an Idempotency-Key (and the owner's token unless given). */
async function send(method: string, path: string, key: string | null, body?: unknown, token?: string): Promise<Sent> {
  const headers: Record<string, string> = { authorization: `Bearer ${token ?? t.token}` };
  if (key !== null) headers['idempotency-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await t.app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await t.db.db.execute(query));
  return Number(row!.n);
}

const contactsWithEmail = (email: string) => count(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'email' = ${email}`);
const historyBetween = (fromId: string | number, toId: string | number) =>
  count(sql`select count(*)::int as n from association_history where workspace_id = ${t.workspaceId} and from_id = ${Number(fromId)} and to_id = ${Number(toId)}`);

async function company(name: string): Promise<string> {
  const r = await send('POST', '/crm/v3/objects/companies', null, { properties: { name } });
  expect(r.status).toBe(201);
  return r.body.id;
}

describe('Idempotency-Key (X4)', () => {
  it('X4: a create sent twice with one key creates one record; the repeat answers the first response', async () => {
    const body = { properties: { email: 'once@idem.example', firstname: 'Once' } };
    const first = await send('POST', '/crm/v3/objects/contacts', 'key-create-once', body);
    expect(first.status).toBe(201);
    expect(first.replayed).toBe(false);
    const again = await send('POST', '/crm/v3/objects/contacts', 'key-create-once', body);
    expect(again).toEqual({ status: 201, body: first.body, replayed: true });
    expect(await contactsWithEmail('once@idem.example')).toBe(1);
    expect(await count(sql`select count(*)::int as n from record_changes where workspace_id = ${t.workspaceId} and object_id = ${Number(first.body.id)} and action = 'CREATED'`)).toBe(1);
  });

  it('X4: an association sent three times with one key is one change in history and in the change feed', async () => {
    const contact = await send('POST', '/crm/v3/objects/contacts', null, { properties: { email: 'assoc@idem.example' } });
    const deal = await send('POST', '/crm/v3/objects/deals', null, { properties: { dealname: 'Idem deal' } });
    const path = `/crm/v4/objects/contacts/${contact.body.id}/associations/default/deals/${deal.body.id}`;
    const replies = [await send('PUT', path, 'key-assoc-1'), await send('PUT', path, 'key-assoc-1'), await send('PUT', path, 'key-assoc-1')];
    expect(replies.map((r) => [r.status, r.replayed])).toEqual([
      [200, false],
      [200, true],
      [200, true],
    ]);
    expect(replies[1]!.body).toEqual(replies[0]!.body);
    // one history row per direction
    expect(await historyBetween(contact.body.id, deal.body.id)).toBe(1);
    expect(await historyBetween(deal.body.id, contact.body.id)).toBe(1);
  });

  it('X4: the same key with another body is refused with 422 in HubSpot\'s error shape, and nothing is applied', async () => {
    const first = await send('POST', '/crm/v3/objects/companies', 'key-reused-1', { properties: { name: 'Reused A' } });
    expect(first.status).toBe(201);
    const other = await send('POST', '/crm/v3/objects/companies', 'key-reused-1', { properties: { name: 'Reused B' } });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      subCategory: 'IDEMPOTENCY_KEY_REUSED',
      correlationId: expect.any(String),
      errors: [{ in: 'header:idempotency-key', code: 'IDEMPOTENCY_KEY_REUSED' }],
    });
    expect(other.body.message).toContain('POST /crm/v3/objects/companies');
    expect(await count(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'name' = 'Reused B'`)).toBe(0);
    // another path or method with the same key is another request too
    const elsewhere = await send('POST', '/crm/v3/objects/deals', 'key-reused-1', { properties: { name: 'Reused A' } });
    expect(elsewhere.status).toBe(422);
  });

  it('X4: a refused request is remembered: a retry gets the same refusal even once the cause is gone', async () => {
    const taken = await send('POST', '/crm/v3/objects/contacts', null, { properties: { email: 'taken@idem.example' } });
    expect(taken.status).toBe(201);
    const refused = await send('POST', '/crm/v3/objects/contacts', 'key-refused-1', { properties: { email: 'taken@idem.example' } });
    expect(refused.status).toBe(409);
    expect(refused.body.category).toBe('CONFLICT');
    // the cause goes away: the first contact is archived
    expect((await send('DELETE', `/crm/v3/objects/contacts/${taken.body.id}`, null)).status).toBe(204);
    const retried = await send('POST', '/crm/v3/objects/contacts', 'key-refused-1', { properties: { email: 'taken@idem.example' } });
    expect(retried).toEqual({ status: 409, body: refused.body, replayed: true });
    expect(await count(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'email' = 'taken@idem.example' and archived_at is null`)).toBe(0);
    // a new key is a new request
    const fresh = await send('POST', '/crm/v3/objects/contacts', 'key-refused-2', { properties: { email: 'taken@idem.example' } });
    expect(fresh.status).toBe(201);
  });

  it('X4: a replayed delete changes nothing: the record restored since stays restored', async () => {
    const id = await company('Deleted once');
    const removed = await send('DELETE', `/crm/v3/objects/companies/${id}`, 'key-delete-1');
    expect(removed.status).toBe(204);
    expect((await send('POST', `/api/objects/companies/${id}/restore`, null)).status).toBe(200);
    const again = await send('DELETE', `/crm/v3/objects/companies/${id}`, 'key-delete-1');
    expect(again).toEqual({ status: 204, body: null, replayed: true });
    expect((await send('GET', `/crm/v3/objects/companies/${id}`, null)).status).toBe(200);
  });

  it('X4: a batch sent twice with one key creates its records once', async () => {
    const inputs = [{ properties: { name: 'Batch idem 1' } }, { properties: { name: 'Batch idem 2' } }];
    const first = await send('POST', '/crm/v3/objects/companies/batch/create', 'key-batch-1', { inputs });
    const again = await send('POST', '/crm/v3/objects/companies/batch/create', 'key-batch-1', { inputs });
    expect(first.status).toBe(201);
    expect(again).toEqual({ status: first.status, body: first.body, replayed: true });
    expect(await count(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'name' like 'Batch idem %'`)).toBe(2);
  });

  it('X4: concurrent duplicates (same key at once) apply once and all get the same answer', async () => {
    const body = { properties: { email: 'race@idem.example' } };
    const replies = await Promise.all(Array.from({ length: 6 }, () => send('POST', '/crm/v3/objects/contacts', 'key-race-1', body)));
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(replies.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await contactsWithEmail('race@idem.example')).toBe(1);

    const contactId = replies[0]!.body.id;
    const companyId = await company('Race company');
    const path = `/crm/v4/objects/contacts/${contactId}/associations/default/companies/${companyId}`;
    const puts = await Promise.all(Array.from({ length: 6 }, () => send('PUT', path, 'key-race-2')));
    expect(puts.map((r) => r.status)).toEqual(Array(6).fill(200));
    // CREATED and PRIMARY_SET (the contact's first company, R8), once
    expect(await historyBetween(contactId, companyId)).toBe(2);
  });

  it('X4: without a key nothing changes: two identical creates make two records', async () => {
    await company('No key twin');
    await company('No key twin');
    expect(await count(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'name' = 'No key twin'`)).toBe(2);
  });

  it('X4: a key on a read is ignored', async () => {
    const id = await company('Read with key');
    const a = await send('GET', `/crm/v3/objects/companies/${id}`, 'key-read-1');
    const b = await send('GET', `/crm/v3/objects/companies/${id}`, 'key-read-1');
    expect([a.status, a.replayed, b.status, b.replayed]).toEqual([200, false, 200, false]);
    expect(await count(sql`select count(*)::int as n from idempotency_keys where key = 'key-read-1'`)).toBe(0);
  });

  it('X4: a malformed key is refused with 400 naming the header, and nothing is written', async () => {
    for (const bad of ['has space', 'x'.repeat(201), 'naïve']) {
      const r = await send('POST', '/crm/v3/objects/companies', bad, { properties: { name: 'Bad key company' } });
      expect(r.status).toBe(400);
      expect(r.body.subCategory).toBe('VALIDATION_ERROR');
      expect(r.body.errors[0].in).toBe('header:idempotency-key');
    }
    expect(await count(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'name' = 'Bad key company'`)).toBe(0);
  });

  it('X4 security: keys are per workspace; another workspace\'s key is unrelated and never replays its answer', async () => {
    const ws = await send('POST', '/api/workspaces', null, { name: 'Idem other', plan: 'enterprise' });
    expect(ws.status).toBe(201);
    const mine = await send('POST', '/crm/v3/objects/companies', 'key-shared-1', { properties: { name: 'Mine' } });
    const theirs = await send('POST', '/crm/v3/objects/companies', 'key-shared-1', { properties: { name: 'Theirs' } }, ws.body.adminToken);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.replayed).toBe(false);
    expect(theirs.body.properties.name).toBe('Theirs');
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('X4 security: an answer holding a new token is kept sealed: the table never has it in clear, and only its caller gets it replayed', async () => {
    const first = await send('POST', '/api/tokens', 'key-token-1', { name: 'Sealed app' });
    expect(first.status).toBe(201);
    const secret: string = first.body.token;
    expect(secret).toMatch(/^crm_/);
    const again = await send('POST', '/api/tokens', 'key-token-1', { name: 'Sealed app' });
    expect(again).toEqual({ status: 201, body: first.body, replayed: true });
    expect(await count(sql`select count(*)::int as n from api_tokens where workspace_id = ${t.workspaceId} and name = 'Sealed app'`)).toBe(1);
    const [row] = rowsOf<{ body: string }>(await t.db.db.execute(sql`select body from idempotency_keys where workspace_id = ${t.workspaceId} and key = 'key-token-1'`));
    expect(row!.body).not.toContain(secret);
    expect(row!.body).not.toContain('Sealed app');
    // another caller of the same workspace (another admin) cannot have it replayed
    const otherAdmin = await t.call('POST', '/api/users', { name: 'Other admin', email: 'other-admin@sealed.example', role: 'admin' });
    const other = await send('POST', '/api/tokens', 'key-token-1', { name: 'Sealed app' }, otherAdmin.body.token);
    expect(other.status).toBe(422);
    expect(other.body.subCategory).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(JSON.stringify(other.body)).not.toContain(secret);
  });

  it('X4 security: without a token a keyed write is refused before the key is looked at', async () => {
    const r = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'No token' } }, null);
    expect(r.status).toBe(401);
  });

  it('X4: keys expire after 24 hours: an expired key is new again, and purging deletes the old ones', async () => {
    const first = await send('POST', '/crm/v3/objects/companies', 'key-expiring-1', { properties: { name: 'Expiring A' } });
    expect(first.status).toBe(201);
    await t.db.db.execute(sql`update idempotency_keys set created_at = now() - interval '25 hours' where workspace_id = ${t.workspaceId} and key = 'key-expiring-1'`);
    const reused = await send('POST', '/crm/v3/objects/companies', 'key-expiring-1', { properties: { name: 'Expiring B' } });
    expect(reused.status).toBe(201);
    expect(reused.replayed).toBe(false);

    await send('POST', '/crm/v3/objects/companies', 'key-expiring-2', { properties: { name: 'Expiring C' } });
    await t.db.db.execute(sql`update idempotency_keys set created_at = now() - interval '25 hours' where workspace_id = ${t.workspaceId} and key = 'key-expiring-2'`);
    const purged = await purgeExpiredKeys(t.db.db);
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await count(sql`select count(*)::int as n from idempotency_keys where key = 'key-expiring-2'`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from idempotency_keys where key = 'key-expiring-1'`)).toBe(1);
  });
});

describe('Idempotency-Key: one transaction with the write (X4)', () => {
  let db: TestDatabase;
  let workspaceId: string;
  let calls = 0;
  let app: Hono<AppEnv>;

  beforeAll(async () => {
    db = await testDatabase();
    const [row] = rowsOf<{ id: string }>(await db.db.execute(sql`insert into workspaces (name, plan) values ('Tx test', 'enterprise') returning workspace_id as id`));
    workspaceId = row!.id;
    const auth = { workspaceId, plan: 'enterprise', settings: {}, principal: { kind: 'app', tokenId: 1, name: 'test' } } as Auth;
    // a route that writes through the db it is given, then fails or refuses as told
    app = new Hono<AppEnv>()
      .use('*', async (c, next) => {
        c.set('auth', auth);
        c.set('db', db.db as Db);
        await next();
      })
      .use('*', idempotency())
      .post('/write/:outcome', async (c) => {
        calls++;
        await seedRecords(c.get('db'), workspaceId, '0-2', [{ name: `tx ${c.req.param('outcome')} ${calls}` }]);
        if (c.req.param('outcome') === 'crash') throw new Error('the write failed half way');
        if (c.req.param('outcome') === 'unavailable') return c.json({ message: 'try later' }, 503);
        return c.json({ ok: true, call: calls }, 200);
      });
    app.onError(onError);
  });
  afterAll(() => db?.destroy());

  const post = (outcome: string, key: string) => app.request(`/write/${outcome}`, { method: 'POST', headers: { 'idempotency-key': key } });
  const rows = async (like: string) => Number(rowsOf<{ n: number }>(await db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${workspaceId} and properties->>'name' like ${like}`))[0]!.n);
  const keyRows = async (key: string) => Number(rowsOf<{ n: number }>(await db.db.execute(sql`select count(*)::int as n from idempotency_keys where key = ${key}`))[0]!.n);

  it('X4: a 5xx rolls back the write and keeps no key, so a retry runs again', async () => {
    const before = calls;
    expect((await post('crash', 'tx-key-crash')).status).toBe(500);
    expect(await rows('tx crash %')).toBe(0);
    expect(await keyRows('tx-key-crash')).toBe(0);
    expect((await post('unavailable', 'tx-key-503')).status).toBe(503);
    expect((await post('unavailable', 'tx-key-503')).status).toBe(503);
    expect(calls - before).toBe(3);
    expect(await rows('tx unavailable %')).toBe(0);
    expect(await keyRows('tx-key-503')).toBe(0);
  });

  it('X4: a success commits the write and the key together; a repeat is rolled back whole and answers the first answer', async () => {
    const before = calls;
    const first = await post('ok', 'tx-key-ok');
    const again = await post('ok', 'tx-key-ok');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    // the repeat ran (its write was rolled back): one row
    expect(calls - before).toBe(2);
    expect(await rows('tx ok %')).toBe(1);
    expect(await keyRows('tx-key-ok')).toBe(1);
  });
});
