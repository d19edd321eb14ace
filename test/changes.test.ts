import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { applyChange, type ChangeEvent, emptySyncedState, type SyncedState } from '../shared/history.ts';
import { type Tx } from '../server/db/client.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { associate } from '../server/domain/associations/rules.ts';
import { useTestApp, type TestApp } from './helpers/app.ts';
import { plain, serverState } from './helpers/sync-state.ts';

const t = useTestApp();
const onPostgres = process.env.TEST_DB === 'postgres';

/** A workspace of its own, so its feed holds only what the test wrote. */
async function workspace(name: string): Promise<{ id: string; token: string }> {
  const r = await t.call('POST', '/api/workspaces', { name, plan: 'enterprise' });
  expect(r.status).toBe(201);
  return { id: r.body.id, token: r.body.adminToken };
}

interface Followed {
  events: ChangeEvent[];
  cursor: string | undefined;
  pages: number;
}

/** Follows the feed from `cursor` until it has nothing more now. */
async function follow(app: TestApp, token: string, cursor: string | undefined, limit: number, state?: SyncedState): Promise<Followed> {
  const events: ChangeEvent[] = [];
  let pages = 0;
  for (;;) {
    const r = await app.call('GET', `/api/changes?limit=${limit}${cursor !== undefined ? `&after=${cursor}` : ''}`, undefined, token);
    expect(r.status).toBe(200);
    pages++;
    for (const e of r.body.results as ChangeEvent[]) {
      events.push(e);
      if (state) applyChange(state, e);
    }
    cursor = r.body.paging.next.after;
    if (!r.body.hasMore) return { events, cursor, pages };
  }
}



/** Every event the database holds for a workspace, as `kind:id`. */
async function allEventKeys(app: TestApp, workspaceId: string): Promise<string[]> {
  const rows = rowsOf<{ k: string }>(
    await app.db.db.execute(sql`select 'association:' || id as k from association_history where workspace_id = ${workspaceId}
      union all select 'record:' || id from record_changes where workspace_id = ${workspaceId}`),
  );
  return rows.map((r) => r.k).sort();
}
const keyOf = (e: ChangeEvent) => `${e.kind}:${e.id}`;

/** A little of everything a workspace does, through the API. */
async function scriptedChanges(app: TestApp, token: string): Promise<void> {
  const call = (method: string, path: string, body?: unknown) => app.call(method, path, body, token);
  const label = await call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
  const champion = label.body.results[0].typeId;
  const acme = (await call('POST', '/crm/v3/objects/companies', { properties: { name: 'Acme', domain: 'acme.com' } })).body.id;
  const globex = (await call('POST', '/crm/v3/objects/companies', { properties: { name: 'Globex' } })).body.id;
  const contact = (await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'ann@acme.com', firstname: 'Ann' }, associations: [{ to: { id: acme }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }] })).body.id;
  const batch = await call('POST', '/crm/v3/objects/deals/batch/create', {
    inputs: [
      { properties: { dealname: 'D1' } },
      { properties: { dealname: 'D2' }, associations: [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] }] },
      { properties: { dealname: 'D3' } },
    ],
  });
  expect(batch.status).toBe(201);
  const [d1, d2, d3] = batch.body.results.map((r: { id: string }) => r.id);
  await call('PATCH', `/crm/v3/objects/contacts/${contact}`, { properties: { lastname: 'Smith' } });
  await call('POST', '/crm/v3/objects/deals/batch/update', { inputs: [{ id: d1, properties: { amount: '10' } }, { id: d3, properties: { amount: '30' } }] });
  await call('PUT', `/crm/v4/objects/contacts/${contact}/associations/deals/${d1}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }]);
  await call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${globex}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
  await call('POST', '/crm/v4/associations/contacts/deals/batch/labels/archive', { inputs: [{ from: { id: contact }, to: { id: d1 }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }] }] });
  await call('POST', '/crm/v4/associations/deals/contacts/batch/associate/default', { inputs: [{ from: { id: d3 }, to: { id: contact } }] });
  await call('DELETE', `/crm/v4/objects/contacts/${contact}/associations/deals/${d2}`);
  await call('DELETE', `/crm/v3/objects/companies/${globex}`);
  await call('DELETE', `/crm/v4/associations/contacts/deals/labels/${champion}`);
}

describe('change feed (B2)', () => {
  it('B2: records and associations in commit order; following from the start ends with the server\'s state', async () => {
    const ws = await workspace('Feed one');
    await scriptedChanges(t, ws.token);
    const state = emptySyncedState();
    const followed = await follow(t, ws.token, undefined, 7, state);
    expect(followed.pages).toBeGreaterThan(3);
    expect(plain(state)).toEqual(plain(await serverState(t, ws.id)));
    expect(followed.events.map(keyOf).sort()).toEqual(await allEventKeys(t, ws.id));
    // record events carry the state after the change; a record's creation comes before its associations
    const firstContactEvent = followed.events.findIndex((e) => e.kind === 'record' && e.objectType === 'contacts');
    const contactId = (followed.events[firstContactEvent] as { objectId: string }).objectId;
    expect(followed.events[firstContactEvent]).toMatchObject({ action: 'CREATED', properties: { email: 'ann@acme.com', firstname: 'Ann' } });
    expect(followed.events.findIndex((e) => e.kind === 'association' && e.fromObjectId === contactId)).toBeGreaterThan(firstContactEvent);
    expect(followed.events.some((e) => e.kind === 'record' && e.action === 'UPDATED' && e.properties?.lastname === 'Smith')).toBe(true);
    expect(followed.events.filter((e) => e.kind === 'record' && e.action === 'ARCHIVED')).toHaveLength(1);
    // cursors only grow
    const positions = followed.events.map((e) => e.cursor.split('.').map(Number) as [number, number]);
    for (let i = 1; i < positions.length; i++) {
      const [a, b] = [positions[i - 1]!, positions[i]!];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `${a} before ${b}`).toBe(true);
    }
    // association events have the history entry shape
    expect(followed.events.find((e) => e.kind === 'association')).toMatchObject({ action: 'CREATED', source: 'USER', link: expect.stringMatching(/^\/crm\/v3\/objects\//), committedAt: expect.any(String) });
  });

  it('B2: from any cursor, a client with the state up to it ends with the server\'s state', async () => {
    const ws = await workspace('Feed cursors');
    await scriptedChanges(t, ws.token);
    const all = (await follow(t, ws.token, undefined, 1000)).events;
    const server = plain(await serverState(t, ws.id));
    for (let i = 0; i < all.length; i += 3) {
      const state = emptySyncedState();
      for (const e of all.slice(0, i + 1)) applyChange(state, e);
      const rest = await follow(t, ws.token, all[i]!.cursor, 4, state);
      expect(rest.events.map(keyOf)).toEqual(all.slice(i + 1).map(keyOf));
      expect(plain(state)).toEqual(server);
    }
    // a cursor at the end gives nothing and keeps its place; more changes show up from there
    const end = await follow(t, ws.token, all.at(-1)!.cursor, 10);
    expect(end.events).toEqual([]);
    await t.call('POST', '/crm/v3/objects/tickets', { properties: { subject: 'Later' } }, ws.token);
    const later = await follow(t, ws.token, end.cursor, 10);
    expect(later.events.map((e) => `${e.kind}:${e.action}:${e.kind === 'record' ? e.objectType : ''}`)).toEqual(['record:CREATED:tickets']);
  });

  it('B2: one commit with many events is paged inside the commit and stays in write order', async () => {
    const ws = await workspace('Feed big commit');
    const contact = (await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'big@x.com' } }, ws.token)).body.id;
    const notes = await t.call('POST', '/crm/v3/objects/notes/batch/create', { inputs: Array.from({ length: 25 }, (_, i) => ({ properties: { hs_note_body: `n${i}`, hs_timestamp: '2026-01-01T00:00:00Z' } })) }, ws.token);
    expect(notes.status).toBe(201);
    const linked = await t.call('POST', '/crm/v4/associations/contacts/notes/batch/associate/default', { inputs: notes.body.results.map((n: { id: string }) => ({ from: { id: contact }, to: { id: n.id } })) }, ws.token);
    expect(linked.status).toBe(200);
    const all = await follow(t, ws.token, undefined, 6);
    const assoc = all.events.filter((e) => e.kind === 'association');
    expect(assoc).toHaveLength(50);
    const commits = new Set(assoc.map((e) => e.cursor.split('.')[0]));
    expect(commits.size).toBe(1);
    expect(assoc.map((e) => Number(e.id))).toEqual(assoc.map((e) => Number(e.id)).sort((a, b) => a - b));
    expect(all.pages).toBeGreaterThanOrEqual(Math.ceil(all.events.length / 6));
  });

  it('B2: limits, a bad cursor (400), and tenants: a workspace sees only its own feed', async () => {
    const ws = await workspace('Feed limits');
    await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'mine@x.com' } }, ws.token);
    expect((await t.call('GET', '/api/changes?limit=1001', undefined, ws.token)).status).toBe(400);
    const bad = await t.call('GET', '/api/changes?after=abc', undefined, ws.token);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].in).toBe('query:after');
    const mine = await follow(t, ws.token, undefined, 100);
    expect(mine.events.map((e) => (e.kind === 'record' ? e.properties?.email : null))).toEqual(['mine@x.com']);
    const other = await workspace('Feed other');
    expect((await follow(t, other.token, undefined, 100)).events).toEqual([]);
    expect((await t.call('GET', '/api/changes', undefined, null)).status).toBe(401);
  });

  // Two transactions open at once on one database need PostgreSQL: PGlite runs one at a time, so
  // there a writer can never commit after one that started later.
  it.runIf(onPostgres)('B2: a transaction that wrote first but commits last is not skipped (PostgreSQL)', async () => {
    const ws = await workspace('Feed slow writer');
    const create = async (properties: Record<string, string>) => (await t.call('POST', `/crm/v3/objects/${'dealname' in properties ? 'deals' : 'contacts'}`, { properties }, ws.token)).body.id as string;
    // two pairs of records: the two writers take no lock the other needs
    const [contact, other] = [await create({ email: 'slow@x.com' }), await create({ email: 'fast@x.com' })];
    const [d1, d2] = [await create({ dealname: 'Slow' }), await create({ dealname: 'Fast' })];
    const follower = await follow(t, ws.token, undefined, 50);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    // the slow transaction draws its history ids now and commits only when released
    const slow = t.db.db.transaction(async (tx) => {
      await associate(tx as Tx, { workspaceId: ws.id, plan: 'enterprise', actor: { source: 'JOB' } }, { fromType: '0-1', fromId: Number(contact), toType: '0-3', toId: Number(d1), typeIds: [] });
      wrote();
      await gate;
    });
    await written;
    expect((await t.call('PUT', `/crm/v4/objects/deals/${d2}/associations/default/contacts/${other}`, undefined, ws.token)).status).toBe(200);
    const meanwhile = await follow(t, ws.token, follower.cursor, 50);
    expect(meanwhile.events.map((e) => (e.kind === 'association' ? `${e.action}:${e.fromObjectId}>${e.toObjectId}` : e.kind))).toEqual([`CREATED:${d2}>${other}`, `CREATED:${other}>${d2}`]);
    release();
    await slow;
    const after = await follow(t, ws.token, meanwhile.cursor, 50);
    expect(after.events.map((e) => (e.kind === 'association' ? `${e.action}:${e.source}:${e.fromObjectId}>${e.toObjectId}` : e.kind)).sort()).toEqual([`CREATED:JOB:${contact}>${d1}`, `CREATED:JOB:${d1}>${contact}`].sort());
    // the slow transaction's ids are the smaller ones: id order is not commit order
    expect(Math.max(...after.events.map((e) => Number(e.id)))).toBeLessThan(Math.min(...meanwhile.events.map((e) => Number(e.id))));
  });

  it('B2: concurrent writers and a follower polling during the writes: it misses nothing and ends with the server\'s state', { timeout: 120_000 }, async () => {
    const ws = await workspace('Feed concurrent');
    const call = (method: string, path: string, body?: unknown) => t.call(method, path, body, ws.token);
    const companies: string[] = [];
    for (let i = 0; i < 4; i++) companies.push((await call('POST', '/crm/v3/objects/companies', { properties: { name: `Co${i}` } })).body.id);
    const state = emptySyncedState();
    const seen: ChangeEvent[] = [];
    let cursor: string | undefined;
    let writing = true;
    let polls = 0;
    const follower = (async () => {
      while (writing) {
        const page = await follow(t, ws.token, cursor, 25, state);
        seen.push(...page.events);
        cursor = page.cursor;
        polls += page.pages;
        // a follower that polls (the thing under test), one millisecond between its polls
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    const writer = async (w: number) => {
      const mine: string[] = [];
      for (let step = 0; step < 25; step++) {
        const pick = (list: string[]) => list[(step * 7 + w * 3) % list.length]!;
        switch (step % 5) {
          case 0: {
            const r = await call('POST', '/crm/v3/objects/contacts', { properties: { email: `w${w}s${step}@x.com` }, associations: [{ to: { id: pick(companies) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }] });
            expect(r.status).toBe(201);
            mine.push(r.body.id);
            break;
          }
          case 1: {
            // a long transaction: many inputs, each in a savepoint
            const r = await call('POST', '/crm/v3/objects/deals/batch/create', {
              inputs: Array.from({ length: 8 }, (_, i) => ({ properties: { dealname: `w${w}s${step}d${i}` }, associations: [{ to: { id: pick(mine) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] }] })),
            });
            expect(r.status).toBe(201);
            break;
          }
          case 2:
            await call('PUT', `/crm/v4/objects/contacts/${pick(mine)}/associations/companies/${companies[(step + w) % companies.length]}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
            break;
          case 3:
            await call('PATCH', `/crm/v3/objects/contacts/${pick(mine)}`, { properties: { firstname: `F${w}${step}` } });
            break;
          case 4:
            await call('DELETE', `/crm/v4/objects/companies/${companies[(step + w + 1) % companies.length]}/associations/contacts/${pick(mine)}?newPrimaryCompanyId=${companies[(step + w) % companies.length]}`);
            break;
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    writing = false;
    await follower;
    const last = await follow(t, ws.token, cursor, 25, state);
    seen.push(...last.events);
    // PGlite runs one transaction at a time and may serve the writers first; PostgreSQL interleaves
    if (onPostgres) expect(polls).toBeGreaterThan(3);
    const keys = seen.map(keyOf);
    expect(new Set(keys).size, 'no event twice').toBe(keys.length);
    expect([...keys].sort()).toEqual(await allEventKeys(t, ws.id));
    expect(plain(state)).toEqual(plain(await serverState(t, ws.id)));
  });
});
