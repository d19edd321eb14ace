import { describe, expect, it } from 'vitest';
import { apiPaths } from '../shared/api-paths.ts';
import { timelineResponse } from '../shared/lifecycle.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'professional' });

const log = (objectType: string, id: number, type: string, properties: Record<string, string>) => t.call('POST', apiPaths.logActivity({ objectType, id }), { type, properties });
const read = async (objectType: string, id: number, params: { limit?: number; after?: string } = {}) => {
  const r = await t.call('GET', apiPaths.timeline({ objectType, id }, params));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return timelineResponse.parse(r.body);
};

describe("a record's timeline (R3)", () => {
  it('R3: activities of every type, newest first by their time, each with its owner and associated records', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'tl@acme.com', firstname: 'Tess', lastname: 'Line' }]);
    const [acme] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }]);
    expect((await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/companies/${acme}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }])).status).toBe(201);
    await log('contacts', c!, 'emails', { hs_email_subject: 'Oldest', hs_timestamp: '2026-01-01T10:00:00Z' });
    await log('contacts', c!, 'notes', { hs_note_body: 'Newest', hs_timestamp: '2026-01-05T10:00:00Z' });
    await log('contacts', c!, 'calls', { hs_call_title: 'Middle', hs_timestamp: '2026-01-03T10:00:00Z' });
    await log('contacts', c!, 'tasks', { hs_task_subject: 'Follow up', hs_timestamp: '2026-01-04T10:00:00Z' });
    await log('contacts', c!, 'meetings', { hs_meeting_title: 'Kickoff', hs_timestamp: '2026-01-02T10:00:00Z' });
    const page = await read('contacts', c!);
    expect(page.results.map((a) => a.type)).toEqual(['notes', 'tasks', 'calls', 'meetings', 'emails']);
    expect(page.results[0]!.timestamp).toBe('2026-01-05T10:00:00.000Z');
    expect(page.results[0]!.properties.hs_note_body).toBe('Newest');
    const me = await t.call('GET', '/api/me');
    expect(page.results[0]!.ownerName).toBe(me.body.caller.name);
    // R10: the contact and its primary company
    expect(page.results[0]!.associations).toEqual([
      { objectType: 'contacts', id: String(c), name: 'Tess Line' },
      { objectType: 'companies', id: String(acme), name: 'Acme' },
    ]);
    expect(page.paging).toBeUndefined();
    // the company's timeline has them too
    expect((await read('companies', acme!)).results).toHaveLength(5);
  });

  it('R3: pages follow one another without gaps or repeats, ties on time broken by id', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'pages@acme.com' }]);
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await log('contacts', c!, 'notes', { hs_note_body: `n${i}`, hs_timestamp: i < 4 ? '2026-02-01T00:00:00Z' : `2026-02-0${i}T00:00:00Z` })).body.activity.id);
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await read('contacts', c!, { limit: 3, ...(after ? { after } : {}) });
      seen.push(...page.results.map((a) => a.id));
      after = page.paging?.next.after;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    // 4..6 by time, then the four of 1 February by id, newest id first
    expect(seen).toEqual([made[6], made[5], made[4], made[3], made[2], made[1], made[0]]);
  });

  it("the companion's read of a thread gives each contact its three newest activities, in one statement for all", async () => {
    const [busy, quiet] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'busy@acme.com' }, { email: 'quiet@acme.com' }]);
    for (let i = 1; i <= 4; i++) await log('contacts', busy!, 'notes', { hs_note_body: `b${i}`, hs_timestamp: `2026-05-0${i}T00:00:00Z` });
    const r = await t.call('POST', apiPaths.companionThread(), { participants: [{ email: 'busy@acme.com' }, { email: 'quiet@acme.com' }] });
    expect(r.status).toBe(200);
    expect(r.body.activity[String(busy)].recent.map((a: { properties: Record<string, string> }) => a.properties.hs_note_body)).toEqual(['b4', 'b3', 'b2']);
    // notes are no contact
    expect(r.body.activity[String(busy)].lastContacted).toBeNull();
    expect(r.body.activity[String(quiet)]).toEqual({ lastContacted: null, recent: [] });
  });

  it('deleted activities and deleted associated records are left out', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'gone@acme.com' }]);
    const kept = await log('contacts', c!, 'notes', { hs_note_body: 'kept' });
    const gone = await log('contacts', c!, 'notes', { hs_note_body: 'gone' });
    expect((await t.call('DELETE', `/crm/v3/objects/notes/${gone.body.activity.id}`)).status).toBe(204);
    expect((await read('contacts', c!)).results.map((a) => a.id)).toEqual([kept.body.activity.id]);
  });

  it('bad input is refused with where it was wrong; an unknown record is 404; another workspace cannot read it', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'bad@acme.com' }]);
    const tooMany = await t.call('GET', apiPaths.timeline({ objectType: 'contacts', id: c! }, { limit: 101 }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].in).toBe('query:limit');
    const badCursor = await t.call('GET', `${apiPaths.timeline({ objectType: 'contacts', id: c! })}?after=abc`);
    expect(badCursor.status).toBe(400);
    expect(JSON.stringify(badCursor.body.errors)).toContain('after');
    expect((await t.call('GET', apiPaths.timeline({ objectType: 'contacts', id: 999999999 }))).status).toBe(404);
    const ws = await t.call('POST', '/api/workspaces', { name: 'Timeline other', plan: 'professional' });
    expect((await t.call('GET', apiPaths.timeline({ objectType: 'contacts', id: c! }), undefined, ws.body.adminToken)).status).toBe(404);
  });
});
