import { describe, expect, it } from 'vitest';
import { lifecycleRank, LIFECYCLE_STAGES } from '../shared/lifecycle.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'starter' });

const put = (from: string, fromId: number, to: string, toId: number) => t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`);
const settings = async (s: Record<string, unknown>) => expect((await t.call('PATCH', '/api/workspace', { settings: s })).status).toBe(200);
const stageOf = async (type: string, id: number) => (await t.call('GET', `/crm/v3/objects/${type}/${id}?properties=lifecyclestage`)).body.properties.lifecyclestage as string | null;

async function setStage(contact: number, stage: string) {
  const res = await t.app.request(`/crm/v3/objects/contacts/${contact}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { lifecyclestage: stage } }),
  });
  expect(res.status).toBe(200);
  return res.headers.get('x-lifecycle-stage-sync');
}

/** A contact with a primary company and a second one, at the given stages. */
async function contactWithCompanies(contactStage: string, primaryStage: string | null, otherStage = 'subscriber') {
  const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: `ls-${Math.random()}@x.com`, lifecyclestage: contactStage }]);
  const [primary, other] = await seedRecords(t.db.db, t.workspaceId, '0-2', [primaryStage ? { name: 'Primary', lifecyclestage: primaryStage } : { name: 'Primary' }, { name: 'Other', lifecyclestage: otherStage }]);
  await put('contacts', contact!, 'companies', primary!);
  await put('contacts', contact!, 'companies', other!);
  return { contact: contact!, primary: primary!, other: other! };
}

describe('lifecycle stage sync (R11)', () => {
  it('R11: the stages are HubSpot\'s, in order; other is outside the progression', () => {
    expect(LIFECYCLE_STAGES).toEqual(['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other']);
    expect(lifecycleRank('lead')! < lifecycleRank('customer')!).toBe(true);
    expect(lifecycleRank('Customer')).toBe(lifecycleRank('customer'));
    expect(lifecycleRank('other')).toBeUndefined();
    expect(lifecycleRank('')).toBeUndefined();
  });

  it('R11: with sync off, a contact moving forward moves no company', async () => {
    await settings({ lifecycleStageSync: false });
    const r = await contactWithCompanies('lead', 'lead');
    expect(await setStage(r.contact, 'customer')).toBeNull();
    expect(await stageOf('companies', r.primary)).toBe('lead');
  });

  it('R11: with sync on, a contact moving forward moves only its primary company forward (source Job, named in a header)', async () => {
    await settings({ lifecycleStageSync: true });
    const r = await contactWithCompanies('lead', 'subscriber');
    expect(await setStage(r.contact, 'opportunity')).toBe(`companies/${r.primary} subscriber->opportunity`);
    expect(await stageOf('companies', r.primary)).toBe('opportunity');
    expect(await stageOf('companies', r.other)).toBe('subscriber');
    // a company without a stage moves too
    const blank = await contactWithCompanies('subscriber', null);
    await setStage(blank.contact, 'lead');
    expect(await stageOf('companies', blank.primary)).toBe('lead');
  });

  it('R11: never backward: a company further along stays where it is', async () => {
    await settings({ lifecycleStageSync: true });
    const r = await contactWithCompanies('subscriber', 'customer');
    expect(await setStage(r.contact, 'lead')).toBeNull();
    expect(await stageOf('companies', r.primary)).toBe('customer');
  });

  it('R11: a contact moving backward, or to other, moves nothing', async () => {
    await settings({ lifecycleStageSync: true });
    const back = await contactWithCompanies('customer', 'subscriber');
    await setStage(back.contact, 'lead');
    expect(await stageOf('companies', back.primary)).toBe('subscriber');
    const other = await contactWithCompanies('lead', 'lead');
    await setStage(other.contact, 'other');
    expect(await stageOf('companies', other.primary)).toBe('lead');
    // and a company at other is left alone
    const atOther = await contactWithCompanies('lead', 'other');
    await setStage(atOther.contact, 'customer');
    expect(await stageOf('companies', atOther.primary)).toBe('other');
  });

  it('R11: the primary company follows when the primary changes; batch updates sync too', async () => {
    await settings({ lifecycleStageSync: true });
    const r = await contactWithCompanies('lead', 'lead', 'lead');
    await t.call('PUT', `/crm/v4/objects/contacts/${r.contact}/associations/companies/${r.other}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]);
    const batch = await t.call('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: String(r.contact), properties: { lifecyclestage: 'salesqualifiedlead' } }] });
    expect(batch.status).toBe(200);
    expect(await stageOf('companies', r.other)).toBe('salesqualifiedlead');
    expect(await stageOf('companies', r.primary)).toBe('lead');
  });

  it('R11: a batch upsert that updates a contact by email syncs its primary company; one that creates a contact has no company to move', async () => {
    await settings({ lifecycleStageSync: true });
    const r = await contactWithCompanies('lead', 'lead');
    const email = (await t.call('GET', `/crm/v3/objects/contacts/${r.contact}?properties=email`)).body.properties.email as string;
    const upsert = await t.call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      inputs: [
        { id: email, idProperty: 'email', properties: { lifecyclestage: 'opportunity' } },
        { id: `new-${Math.random()}@upsert-ls.example`, idProperty: 'email', properties: { lifecyclestage: 'customer' } },
      ],
    });
    expect(upsert.status).toBe(200);
    expect(upsert.body.results.map((x: { new: boolean }) => x.new).sort()).toEqual([false, true]);
    expect(await stageOf('companies', r.primary)).toBe('opportunity');
    expect(await stageOf('companies', r.other)).toBe('subscriber');
  });

  it('R11: a contact without companies, or an update without the stage, changes no company', async () => {
    await settings({ lifecycleStageSync: true });
    const [lone] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'lone-ls@x.com' }]);
    expect(await setStage(lone!, 'customer')).toBeNull();
    const r = await contactWithCompanies('lead', 'subscriber');
    expect((await t.call('PATCH', `/crm/v3/objects/contacts/${r.contact}`, { properties: { firstname: 'Kim' } })).status).toBe(200);
    expect(await stageOf('companies', r.primary)).toBe('subscriber');
  });

  it('security: a contact of another workspace cannot be updated, so its company cannot be moved', async () => {
    await settings({ lifecycleStageSync: true });
    const ws = await t.call('POST', '/api/workspaces', { name: 'Stages other', plan: 'starter' });
    const [theirs] = await seedRecords(t.db.db, ws.body.id, '0-1', [{ email: 'theirs-ls@x.com' }]);
    expect((await t.call('PATCH', `/crm/v3/objects/contacts/${theirs}`, { properties: { lifecyclestage: 'customer' } })).status).toBe(404);
  });
});

describe('lifecycle stage sync in the change feed (R11, B2)', () => {
  it('R11: the primary company\'s move appears in the change feed with source JOB; the contact\'s own update has none', async () => {
    await settings({ lifecycleStageSync: true });
    const r = await contactWithCompanies('lead', 'subscriber');
    let after: string | undefined;
    for (let page = 0; page < 50; page++) {
      const feed = await t.call('GET', `/api/changes?limit=1000${after ? `&after=${after}` : ''}`);
      after = feed.body.paging.next.after;
      if (!feed.body.hasMore) break;
    }
    await setStage(r.contact, 'customer');
    const feed = await t.call('GET', `/api/changes?limit=1000&after=${after}`);
    const updates = feed.body.results.filter((e: { kind: string; action: string }) => e.kind === 'record' && e.action === 'UPDATED');
    expect(updates.map((e: { objectType: string; objectId: string; source?: string }) => `${e.objectType}/${e.objectId}:${e.source ?? 'caller'}`)).toEqual([
      `contacts/${r.contact}:caller`,
      `companies/${r.primary}:JOB`,
    ]);
  });
});
