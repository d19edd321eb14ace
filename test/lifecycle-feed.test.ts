import { describe, expect, it } from 'vitest';
import { applyChange, type ChangeEvent, emptySyncedState, type SyncedState } from '../shared/history.ts';
import { useTestApp } from './helpers/app.ts';
import { plain, serverState } from './helpers/sync-state.ts';

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
    expect(plain(midway.state)).toEqual(plain(await serverState(t, ws.body.id)));
    expect(midway.events.filter((e) => e.kind === 'record').map((e) => `${e.action}:${e.objectId}`)).toEqual(expect.arrayContaining([`RESTORED:${acme}`, `MERGED:${dupe}`, `UPDATED:${keep}`]));

    expect((await call('POST', `/api/merges/${merged.headers.get('x-merge-id')}/undo`)).status).toBe(200);
    expect((await call('POST', `/api/objects/contacts/${keep}/activities`, { type: 'emails', properties: { hs_email_subject: 'Hello' } })).status).toBe(201);
    const patched = await t.app.request(`/crm/v3/objects/contacts/${keep}`, { method: 'PATCH', headers, body: JSON.stringify({ properties: { lifecyclestage: 'customer' } }) });
    expect(patched.headers.get('x-lifecycle-stage-sync')).toBe(`companies/${acme} subscriber->customer`);

    const end = await followAll(token);
    expect(plain(end.state)).toEqual(plain(await serverState(t, ws.body.id)));
    expect(end.state.records.get(String(acme))?.properties.lifecyclestage).toBe('customer');
    expect(end.state.records.get(String(dupe))?.status).toBe('live');
  });
});
