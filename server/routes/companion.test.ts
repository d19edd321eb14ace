import { describe, expect, it } from 'vitest';
import type { CompanionThreadResponse, ContactSummary } from '../../shared/companion.ts';
import { useTestApp } from '../../test/helpers/app.ts';
import { seedRecords } from '../../test/helpers/records.ts';

const t = useTestApp();

const seed = (type: string, props: Array<Record<string, string>>, ws = t.workspaceId) => seedRecords(t.db.db, ws, type, props);

async function link(fromType: string, fromId: number, toType: string, toIds: number[]) {
  const r = await t.call('POST', `/crm/v4/associations/${fromType}/${toType}/batch/associate/default`, { inputs: toIds.map((id) => ({ from: { id: String(fromId) }, to: { id: String(id) } })) });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
}

async function summaries(ids: unknown, token?: string | null) {
  return t.call<{ results: ContactSummary[]; errors?: unknown }>('POST', '/api/companion/contacts', { ids }, token);
}

describe('companion contact summaries (X2)', () => {
  it('X2, R8: primary company, counts, and only open deals and tickets, newest first, with their stage labels', async () => {
    const [contact] = await seed('0-1', [{ email: 'eva@summary-co.io', firstname: 'Eva', lastname: 'Smit' }]);
    const [acme, other] = await seed('0-2', [{ name: 'Summary Co', domain: 'summary-co.io' }, { name: 'Other Co' }]);
    const deals = await seed('0-3', [
      { dealname: 'Old open', dealstage: 'appointmentscheduled' },
      { dealname: 'Won', dealstage: 'closedwon' },
      { dealname: 'Newer open', dealstage: 'qualifiedtobuy' },
      { dealname: 'Newest open', dealstage: 'presentationscheduled' },
      { dealname: 'Fourth open', dealstage: 'appointmentscheduled' },
    ]);
    const tickets = await seed('0-5', [{ subject: 'Broken login', hs_pipeline_stage: '1' }, { subject: 'Closed one', hs_pipeline_stage: '4' }]);
    await link('contacts', contact!, 'companies', [acme!, other!]);
    await link('contacts', contact!, 'deals', deals);
    await link('contacts', contact!, 'tickets', tickets);

    const r = await summaries([String(contact)]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [s] = r.body.results;
    expect(s).toMatchObject({ id: String(contact), name: 'Eva Smit', email: 'eva@summary-co.io', primaryCompany: { id: String(acme), name: 'Summary Co' } });
    expect(s!.counts).toEqual({ companies: 2, deals: 5, tickets: 2 });
    // each company with its primary flag and the association's type ids: the sidebar's actions need no further read
    expect(s!.companies).toEqual([
      { id: String(acme), name: 'Summary Co', primary: true, typeIds: [1, 279] },
      { id: String(other), name: 'Other Co', primary: false, typeIds: [279] },
    ]);
    // seeded in one insert: created_at ties, the higher id is the newer record
    expect(s!.openDeals.map((d) => [d.name, d.stage, d.stageLabel])).toEqual([
      ['Fourth open', 'appointmentscheduled', 'Appointment Scheduled'],
      ['Newest open', 'presentationscheduled', 'Presentation Scheduled'],
      ['Newer open', 'qualifiedtobuy', 'Qualified To Buy'],
    ]);
    // with the association's type ids, as the companies: the sidebar edits their labels and removes them per person
    expect(s!.openDeals.map((d) => d.typeIds)).toEqual([[4], [4], [4]]);
    expect(s!.openTickets).toEqual([{ id: String(tickets[0]), name: 'Broken login', stage: '1', stageLabel: 'New', typeIds: [15] }]);
  });

  it('X2: a contact without associations has zero counts and no primary company', async () => {
    const [lone] = await seed('0-1', [{ email: 'lone@nowhere.io' }]);
    const r = await summaries([String(lone)]);
    expect(r.body.results).toEqual([{ id: String(lone), name: 'lone@nowhere.io', email: 'lone@nowhere.io', primaryCompany: null, counts: { companies: 0, deals: 0, tickets: 0 }, openDeals: [], openTickets: [], companies: [] }]);
  });

  it('X2: ids that are no contact, or archived, are left out', async () => {
    const [company] = await seed('0-2', [{ name: 'Not a contact' }]);
    const [gone] = await seed('0-1', [{ email: 'gone@nowhere.io' }]);
    expect((await t.call('DELETE', `/crm/v3/objects/contacts/${gone}`)).status).toBe(204);
    const r = await summaries([String(company), String(gone), '999999999']);
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([]);
  });

  it('X2: bad ids are refused, naming the field', async () => {
    const r = await summaries(['12', 'abc']);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.errors)).toContain('body:ids[1]');
    expect((await summaries([])).status).toBe(400);
    expect((await summaries(Array.from({ length: 101 }, (_, i) => String(i + 1)))).status).toBe(400);
  });

  it('security: no token, no summaries; another workspace sees none of ours', async () => {
    const [mine] = await seed('0-1', [{ email: 'mine@tenant-a.io' }]);
    expect((await summaries([String(mine)], null)).status).toBe(401);
    const ws = await t.call('POST', '/api/workspaces', { name: 'Other tenant', plan: 'starter' });
    expect(ws.status).toBe(201);
    const r = await summaries([String(mine)], ws.body.adminToken);
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([]);
  });
});

describe('companion thread (X2)', () => {
  it('X2: the thread answer carries a summary for every participant that is a contact', async () => {
    const [known] = await seed('0-1', [{ email: 'kim@thread-co.io', firstname: 'Kim' }]);
    const [company] = await seed('0-2', [{ name: 'Thread Co', domain: 'thread-co.io' }]);
    const [deal] = await seed('0-3', [{ dealname: 'Thread deal', dealstage: 'appointmentscheduled' }]);
    await link('contacts', known!, 'companies', [company!]);
    await link('contacts', known!, 'deals', [deal!]);

    const kimsThread = () =>
      t.call<CompanionThreadResponse>('POST', '/api/companion/thread', {
        participants: [{ email: 'Kim@Thread-Co.io', name: 'Kim' }, { email: 'new@thread-co.io', name: 'New Person' }],
        subject: 'Thread deal follow-up',
        ownAddresses: [],
      });
    const r = await kimsThread();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.participants.map((p) => [p.email, p.contact?.id ?? null])).toEqual([
      ['kim@thread-co.io', String(known)],
      ['new@thread-co.io', null],
    ]);
    expect(Object.keys(r.body.summaries)).toEqual([String(known)]);
    expect(r.body.summaries[String(known)]).toMatchObject({ primaryCompany: { id: String(company) }, counts: { companies: 1, deals: 1, tickets: 0 }, openDeals: [{ id: String(deal), name: 'Thread deal' }] });
    expect(r.body.participants[1]!.proposedCompany).toMatchObject({ id: String(company), domain: 'thread-co.io' });
    // the deal is already associated with every contact of the thread (Kim): nothing left to recommend
    expect(r.body.recommendations.some((rec) => rec.objectType === 'deals' && rec.id === String(deal))).toBe(false);
    // a deal of Kim's company that Kim is not on yet is recommended, with its evidence
    const [other] = await seed('0-3', [{ dealname: 'Thread Co expansion', dealstage: 'appointmentscheduled' }]);
    await link('companies', company!, 'deals', [other!]);
    const again = await kimsThread();
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.recommendations.find((rec) => rec.objectType === 'deals' && rec.id === String(other))).toMatchObject({ evidence: true });
  });

  it('X2: a bad participant address is refused with the field named', async () => {
    const r = await t.call('POST', '/api/companion/thread', { participants: [{ email: 'not-an-address' }] });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.errors)).toContain('body:participants[0].email');
  });
});
