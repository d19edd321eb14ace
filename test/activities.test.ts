import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'professional' });

const idsOf = async (from: string, id: number | string, to: string) => {
  const r = await t.call('GET', `/crm/v4/objects/${from}/${id}/associations/${to}`);
  expect(r.status).toBe(200);
  return r.body.results.map((x: { toObjectId: number }) => x.toObjectId).sort((a: number, b: number) => a - b);
};
const put = (from: string, fromId: number, to: string, toId: number) => t.call('PUT', `/crm/v4/objects/${from}/${fromId}/associations/default/${to}/${toId}`);
const log = (objectType: string, id: number, body: unknown, token?: string | null) => t.call('POST', `/api/objects/${objectType}/${id}/activities`, body, token);
const settings = async (s: Record<string, unknown>) => expect((await t.call('PATCH', '/api/workspace', { settings: s })).status).toBe(200);

describe('logging activities on a record (R3, R10)', () => {
  it('R10: an email logged on a contact goes to the contact and only its primary company, as the user\'s change', async () => {
    await settings({ activityAutoAssociate: 'none', activityAutoAssociateTickets: false });
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'r10@acme.com', firstname: 'Rita' }]);
    const [acme, globex] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Acme' }, { name: 'Globex' }]);
    await put('contacts', c!, 'companies', acme!);
    await put('contacts', c!, 'companies', globex!);
    const r = await log('contacts', c!, { type: 'emails', properties: { hs_email_subject: 'Proposal', hs_email_direction: 'EMAIL' } });
    expect(r.status).toBe(201);
    const email = Number(r.body.activity.id);
    expect(r.body.activity.properties).toMatchObject({ hs_email_subject: 'Proposal', hs_timestamp: expect.any(String) });
    expect(r.body.associations).toEqual([
      { toObjectType: 'contacts', toObjectId: c, reason: 'logged_on', source: 'USER' },
      { toObjectType: 'companies', toObjectId: acme, reason: 'primary_company', source: 'USER' },
    ]);
    expect(await idsOf('emails', email, 'companies')).toEqual([acme]);
    expect(await idsOf('emails', email, 'contacts')).toEqual([c]);
    expect(await idsOf('companies', globex!, 'emails')).toEqual([]);
    expect((await historyOf(t.db.db, t.workspaceId, email)).map((h) => `${h.action}:${h.source}:${h.to_id}`)).toEqual([`CREATED:USER:${c}`, `CREATED:USER:${acme}`]);

    // R10: other companies stay possible by hand
    expect((await put('emails', email, 'companies', globex!)).status).toBe(200);
    expect(await idsOf('emails', email, 'companies')).toEqual([acme, globex].sort((a, b) => a! - b!));
  });

  it('R3: every activity type can be logged; on a deal it goes to the deal\'s primary company, on a company to that company only', async () => {
    const [deal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Call deal' }]);
    const [primary, other] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Deal primary' }, { name: 'Deal other' }]);
    await put('deals', deal!, 'companies', other!);
    expect((await t.call('PUT', `/crm/v4/objects/deals/${deal}/associations/companies/${primary}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }])).status).toBe(201);
    for (const type of ['calls', 'meetings', 'notes', 'tasks', 'emails']) {
      const r = await log('deals', deal!, { type, properties: {} });
      expect(r.status, type).toBe(201);
      expect(r.body.associations.map((a: { toObjectId: number }) => a.toObjectId), type).toEqual([deal, primary]);
    }
    const onCompany = await log('companies', other!, { type: 'notes', properties: { hs_note_body: 'Met them' } });
    expect(onCompany.body.associations).toEqual([{ toObjectType: 'companies', toObjectId: other, reason: 'logged_on', source: 'USER' }]);
    // a contact without companies: just the contact
    const [lone] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'lone@x.com' }]);
    expect((await log('contacts', lone!, { type: 'calls', properties: {} })).body.associations).toHaveLength(1);
  });

  it('the API source: an app token logs with source API', async () => {
    const app = await t.call('POST', '/api/tokens', { name: 'logger', scopes: ['crm.objects.contacts.write'] });
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'api@x.com' }]);
    const r = await log('contacts', c!, { type: 'notes', properties: {} }, app.body.token);
    expect(r.body.associations[0]).toMatchObject({ source: 'API' });
    expect((await historyOf(t.db.db, t.workspaceId, Number(r.body.activity.id)))[0]).toMatchObject({ source: 'API' });
  });

  it('R3: an activity created through the objects API with associations is associated as asked (no automatic company)', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'v3@x.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'V3 Co' }]);
    await put('contacts', c!, 'companies', co!);
    const r = await t.call('POST', '/crm/v3/objects/emails', { properties: { hs_email_subject: 'Direct' }, associations: [{ to: { id: String(c) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 198 }] }] });
    expect(r.status).toBe(201);
    expect(await idsOf('emails', r.body.id, 'contacts')).toEqual([c]);
    expect(await idsOf('emails', r.body.id, 'companies')).toEqual([]);
  });
});

describe('rule-based auto-association of activities (B5, source Job)', () => {
  async function contactWithWork() {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: `b5-${Math.random()}@x.com` }]);
    const [oldOpen, won, newOpen] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Old open', dealstage: 'appointmentscheduled' }, { dealname: 'Won', dealstage: 'closedwon' }, { dealname: 'New open', dealstage: 'qualifiedtobuy' }]);
    const [open, closed] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Open', hs_pipeline_stage: '1' }, { subject: 'Closed', hs_pipeline_stage: '4' }]);
    for (const d of [oldOpen, won, newOpen]) await put('contacts', c!, 'deals', d!);
    for (const tk of [open, closed]) await put('contacts', c!, 'tickets', tk!);
    return { c: c!, oldOpen: oldOpen!, won: won!, newOpen: newOpen!, open: open!, closed: closed! };
  }

  it('B5: activityAutoAssociate=open_deals adds every open deal, not won or lost ones, with source Job', async () => {
    await settings({ activityAutoAssociate: 'open_deals', activityAutoAssociateTickets: false });
    const w = await contactWithWork();
    const r = await log('contacts', w.c, { type: 'emails', properties: { hs_email_subject: 'Rules' } });
    expect(r.status).toBe(201);
    const email = Number(r.body.activity.id);
    expect(await idsOf('emails', email, 'deals')).toEqual([w.oldOpen, w.newOpen]);
    expect(await idsOf('emails', email, 'tickets')).toEqual([]);
    expect(r.body.associations.filter((a: { reason: string }) => a.reason === 'open_deal')).toEqual([
      { toObjectType: 'deals', toObjectId: w.newOpen, reason: 'open_deal', source: 'JOB' },
      { toObjectType: 'deals', toObjectId: w.oldOpen, reason: 'open_deal', source: 'JOB' },
    ]);
    const h = await historyOf(t.db.db, t.workspaceId, email);
    expect(h.filter((x) => x.source === 'JOB').map((x) => x.to_id).sort()).toEqual([w.oldOpen, w.newOpen].sort());
    expect(h.find((x) => x.to_id === w.c)?.source).toBe('USER');
  });

  it('B5: newest_open_deal adds only the newest open deal; tickets=true adds open tickets', async () => {
    await settings({ activityAutoAssociate: 'newest_open_deal', activityAutoAssociateTickets: true });
    const w = await contactWithWork();
    const r = await log('contacts', w.c, { type: 'calls', properties: {} });
    const call = Number(r.body.activity.id);
    expect(await idsOf('calls', call, 'deals')).toEqual([w.newOpen]);
    expect(await idsOf('calls', call, 'tickets')).toEqual([w.open]);
    expect(r.body.associations.map((a: { reason: string; source: string }) => `${a.reason}:${a.source}`)).toEqual(['logged_on:USER', 'newest_open_deal:JOB', 'open_ticket:JOB']);
  });

  it('B5: with the rules off, nothing but the record and its primary company', async () => {
    await settings({ activityAutoAssociate: 'none', activityAutoAssociateTickets: false });
    const w = await contactWithWork();
    const r = await log('contacts', w.c, { type: 'notes', properties: {} });
    expect(r.body.associations).toHaveLength(1);
  });

  it('B5, R4: a rule that would pass a limit is reported; the activity and the other associations stay', async () => {
    await settings({ activityAutoAssociate: 'open_deals', activityAutoAssociateTickets: false });
    const w = await contactWithWork();
    const limit = await t.call('POST', '/crm/v4/associations/definitions/configurations/deals/meetings/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 211, maxToObjectIds: 1 }] });
    expect(limit.status).toBe(201);
    const first = await t.call('POST', '/crm/v3/objects/meetings', { properties: { hs_meeting_title: 'Earlier' }, associations: [{ to: { id: String(w.newOpen) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 212 }] }] });
    expect(first.status).toBe(201);
    const r = await log('contacts', w.c, { type: 'meetings', properties: { hs_meeting_title: 'Kickoff' } });
    expect(r.status).toBe(201);
    expect(r.body.associationsRefused).toEqual([{ toObjectType: 'deals', toObjectId: w.newOpen, code: 'ASSOCIATION_LIMIT_EXCEEDED', message: expect.any(String) }]);
    expect(await idsOf('meetings', r.body.activity.id, 'deals')).toEqual([w.oldOpen]);
    expect(await idsOf('meetings', r.body.activity.id, 'contacts')).toEqual([w.c]);
  });
});

describe('activity errors and security', () => {
  it('an unknown activity type or a bad property is a 400; an unknown record a 404; nothing is created', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'err@x.com' }]);
    const count = async () => (await t.call('POST', '/crm/v3/objects/notes/search', {})).body.total as number;
    const before = await count();
    expect(await log('contacts', c!, { type: 'faxes', properties: {} })).toMatchObject({ status: 400, body: { subCategory: 'VALIDATION_ERROR' } });
    expect(await log('contacts', c!, { type: 'notes', properties: { 'bad name': 'x' } })).toMatchObject({ status: 400, body: { subCategory: 'PROPERTY_INVALID' } });
    expect(await log('contacts', 987654321, { type: 'notes', properties: {} })).toMatchObject({ status: 404 });
    const note = await log('contacts', c!, { type: 'notes', properties: {} });
    expect(await log('notes', Number(note.body.activity.id), { type: 'notes', properties: {} })).toMatchObject({ status: 400, body: { errors: [{ in: 'path:objectType' }] } });
    expect(await count()).toBe(before + 1);
  });

  it('security: a record of another workspace is not found; no token is 401', async () => {
    const ws = await t.call('POST', '/api/workspaces', { name: 'Activities other', plan: 'professional' });
    const [theirs] = await seedRecords(t.db.db, ws.body.id, '0-1', [{ email: 'theirs@x.com' }]);
    expect((await log('contacts', theirs!, { type: 'notes', properties: {} })).status).toBe(404);
    expect((await log('contacts', theirs!, { type: 'notes', properties: {} }, null)).status).toBe(401);
    expect((await log('contacts', theirs!, { type: 'notes', properties: {} }, ws.body.adminToken)).status).toBe(201);
  });
});
