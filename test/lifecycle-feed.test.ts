import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { applyChange, type ChangeEvent, emptySyncedState, type SyncedState } from '../shared/history.ts';
import { rowsOf } from '../server/db/client.ts';
import { typeNameSql } from '../server/domain/history/entries.ts';
import { useTestApp } from './helpers/app.ts';

/** B2 with the record lifecycle: a client following the change feed ends with the server's state. */
const t = useTestApp();

async function followAll(token: string): Promise<{ state: SyncedState; events: ChangeEvent[] }> {
  const state = emptySyncedState();
  const events: ChangeEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const r = await t.call('GET', `/api/changes?limit=50${cursor !== undefined ? `&after=${cursor}` : ''}`, undefined, token);
    expect(r.status).toBe(200);
    for (const e of r.body.results as ChangeEvent[]) {
      events.push(e);
      applyChange(state, e);
    }
    cursor = r.body.paging.next.after;
    if (!r.body.hasMore) return { state, events };
  }
}

async function serverState(workspaceId: string): Promise<SyncedState> {
  const state = emptySyncedState();
  const records = rowsOf<{ id: number; type_name: string; properties: Record<string, string | null>; archived: boolean; merged_into: number | null }>(
    await t.db.db.execute(sql`select id, ${typeNameSql(workspaceId, sql`type_id`)} as type_name, properties, archived_at is not null as archived, merged_into from records where workspace_id = ${workspaceId}`),
  );
  for (const r of records) {
    state.records.set(String(r.id), {
      objectType: r.type_name,
      properties: r.properties,
      status: r.merged_into !== null ? 'merged' : r.archived ? 'archived' : 'live',
      ...(r.merged_into !== null ? { mergedIntoObjectId: String(r.merged_into) } : {}),
    });
  }
  const edges = rowsOf<{ from_id: number; to_name: string; to_id: number; type_id: number }>(
    await t.db.db.execute(sql`select from_id, ${typeNameSql(workspaceId, sql`to_type`)} as to_name, to_id, type_id from associations where workspace_id = ${workspaceId}`),
  );
  for (const e of edges) {
    const key = `${e.from_id}>${e.to_name}:${e.to_id}`;
    state.associations.set(key, (state.associations.get(key) ?? new Set<number>()).add(Number(e.type_id)));
  }
  return state;
}

const plain = (s: SyncedState) => ({
  records: Object.fromEntries([...s.records].sort(([a], [b]) => a.localeCompare(b))),
  associations: Object.fromEntries([...s.associations].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort((a, b) => a - b)])),
});

describe('the change feed follows restore, merge, undo, activities and lifecycle sync (B2)', () => {
  it('B2, B1, R11: a follower of the feed holds exactly the server\'s records and associations after every lifecycle operation', async () => {
    const ws = await t.call('POST', '/api/workspaces', { name: 'Lifecycle feed', plan: 'enterprise' });
    const token = ws.body.adminToken as string;
    const call = (method: string, path: string, body?: unknown) => t.call(method, path, body, token);
    expect((await call('PATCH', '/api/workspace', { settings: { lifecycleStageSync: true, activityAutoAssociate: 'open_deals' } })).status).toBe(200);
    const created = async (type: string, properties: Record<string, string>) => Number((await call('POST', `/crm/v3/objects/${type}`, { properties })).body.id);
    const [keep, dupe] = [await created('contacts', { email: 'keep@feed.com', lifecyclestage: 'lead' }), await created('contacts', { email: 'dupe@feed.com' })];
    const [acme, globex] = [await created('companies', { name: 'Acme', lifecyclestage: 'subscriber' }), await created('companies', { name: 'Globex' })];
    const deal = await created('deals', { dealname: 'Open deal', dealstage: 'qualifiedtobuy' });
    for (const [from, to] of [[keep, acme], [dupe, globex], [dupe, acme]] as const) expect((await call('PUT', `/crm/v4/objects/contacts/${from}/associations/default/companies/${to}`)).status).toBe(200);
    expect((await call('PUT', `/crm/v4/objects/contacts/${dupe}/associations/default/deals/${deal}`)).status).toBe(200);

    expect((await call('DELETE', `/crm/v3/objects/companies/${acme}`)).status).toBe(204);
    expect((await call('POST', `/api/objects/companies/${acme}/restore`)).status).toBe(200);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const merged = await t.app.request('/crm/v3/objects/contacts/merge', { method: 'POST', headers, body: JSON.stringify({ primaryObjectId: String(keep), objectIdToMerge: String(dupe) }) });
    expect(merged.status).toBe(200);
    const midway = await followAll(token);
    expect(plain(midway.state)).toEqual(plain(await serverState(ws.body.id)));
    expect(midway.events.filter((e) => e.kind === 'record').map((e) => `${e.action}:${e.objectId}`)).toEqual(expect.arrayContaining([`RESTORED:${acme}`, `MERGED:${dupe}`, `UPDATED:${keep}`]));

    expect((await call('POST', `/api/merges/${merged.headers.get('x-merge-id')}/undo`)).status).toBe(200);
    expect((await call('POST', `/api/objects/contacts/${keep}/activities`, { type: 'emails', properties: { hs_email_subject: 'Hello' } })).status).toBe(201);
    const patched = await t.app.request(`/crm/v3/objects/contacts/${keep}`, { method: 'PATCH', headers, body: JSON.stringify({ properties: { lifecyclestage: 'customer' } }) });
    expect(patched.headers.get('x-lifecycle-stage-sync')).toBe(`companies/${acme} subscriber->customer`);

    const end = await followAll(token);
    expect(plain(end.state)).toEqual(plain(await serverState(ws.body.id)));
    expect(end.state.records.get(String(acme))?.properties.lifecyclestage).toBe('customer');
    expect(end.state.records.get(String(dupe))?.status).toBe('live');
  });
});
