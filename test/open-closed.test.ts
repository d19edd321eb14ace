import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CompanionThreadResponse, ContactSummary } from '../shared/companion.ts';
import { DEAL, TICKET } from '../shared/objects.ts';
import { isOpen } from '../shared/pipelines.ts';
import { col, parseRows } from '../server/db/rows.ts';
import { openSql } from '../server/domain/lifecycle/open.ts';
import { closedStageIds, loadStageIndex } from '../server/domain/pipelines.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

// Open or closed has one rule for deals and tickets (shared/pipelines.ts): a stage the workspace
// flags closed, or hs_is_closed. The sidebar's open lists, recommendations and the rules that
// associate a logged activity all follow it, in TypeScript and in SQL, from the workspace's own
// pipeline stages.

const t = useTestApp({ plan: 'professional' });

type Props = Record<string, string | null>;
type Case = { type: typeof DEAL | typeof TICKET; props: Props; open: boolean };
const CASES: Case[] = [
  { type: DEAL, props: { dealstage: 'appointmentscheduled' }, open: true },
  { type: DEAL, props: {}, open: true },
  { type: DEAL, props: { dealstage: null, hs_is_closed: null }, open: true },
  { type: DEAL, props: { dealstage: 'closedwon' }, open: false },
  { type: DEAL, props: { dealstage: 'closedlost' }, open: false },
  { type: DEAL, props: { dealstage: 'qualifiedtobuy', hs_is_closed: 'true' }, open: false },
  { type: DEAL, props: { dealstage: 'closedwon', hs_is_closed: 'false' }, open: false },
  { type: DEAL, props: { dealstage: 'qualifiedtobuy', hs_is_closed: 'false' }, open: true },
  { type: DEAL, props: { dealstage: 'no-such-stage' }, open: true },
  { type: DEAL, props: { hs_pipeline_stage: '4' }, open: true },
  { type: DEAL, props: { dealstage: '4' }, open: true },
  { type: TICKET, props: { hs_pipeline_stage: '1' }, open: true },
  { type: TICKET, props: { hs_pipeline_stage: '4' }, open: false },
  { type: TICKET, props: { hs_pipeline_stage: '1', hs_is_closed: 'true' }, open: false },
  { type: TICKET, props: { dealstage: 'closedwon' }, open: true },
  { type: TICKET, props: { hs_pipeline_stage: 'closedwon' }, open: true },
  { type: TICKET, props: {}, open: true },
];

/** isOpen with the workspace's closed stages (one read), and openSql over the same properties: both answers, in case order. */
async function bothAnswers(workspaceId: string, cases: Case[]): Promise<{ ts: boolean[]; sql: boolean[] }> {
  const index = await loadStageIndex(t.db.db, workspaceId);
  const closed = { [DEAL]: closedStageIds(index, DEAL), [TICKET]: closedStageIds(index, TICKET) };
  const json = JSON.stringify(cases.map((c, i) => ({ i, type: c.type, properties: c.props })));
  const rows = parseRows(
    'test: openSql',
    z.object({ i: col.id, open: col.bool }),
    await t.db.db.execute(sql`select r.i, case r.type when ${DEAL} then ${openSql(workspaceId, DEAL, 'r')} else ${openSql(workspaceId, TICKET, 'r')} end as open
      from jsonb_to_recordset(${json}::jsonb) as r(i int, type text, properties jsonb) order by r.i`),
  );
  return { ts: cases.map((c) => isOpen(c.type, c.props, closed[c.type])), sql: rows.map((r) => r.open) };
}

async function expectAgreement(workspaceId: string, cases: Case[]): Promise<void> {
  const { ts, sql: inSql } = await bothAnswers(workspaceId, cases);
  expect(ts).toEqual(cases.map((c) => c.open));
  expect(inSql).toEqual(cases.map((c) => c.open));
}

describe('open or closed deals and tickets: one rule (X2, B5)', () => {
  it('B5: isOpen and its SQL spelling agree on every case', async () => {
    await expectAgreement(t.workspaceId, CASES);
  });

  it('B5, X2: a deal and a ticket closed by hs_is_closed are neither in the sidebar\'s open lists nor associated with a logged email', async () => {
    expect((await t.call('PATCH', '/api/workspace', { settings: { activityAutoAssociate: 'open_deals', activityAutoAssociateTickets: true } })).status).toBe(200);
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'closed-flag@x.io', firstname: 'Flag' }]);
    const [openDeal, flaggedDeal] = await seedRecords(t.db.db, t.workspaceId, '0-3', [
      { dealname: 'Open', dealstage: 'qualifiedtobuy' },
      { dealname: 'Flagged closed', dealstage: 'qualifiedtobuy', hs_is_closed: 'true' },
    ]);
    const [openTicket, flaggedTicket] = await seedRecords(t.db.db, t.workspaceId, '0-5', [
      { subject: 'Open', hs_pipeline_stage: '1' },
      { subject: 'Flagged closed', hs_pipeline_stage: '1', hs_is_closed: 'true' },
    ]);
    for (const [type, id] of [['deals', openDeal], ['deals', flaggedDeal], ['tickets', openTicket], ['tickets', flaggedTicket]] as const) {
      expect((await t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/${type}/${id}`)).status).toBe(200);
    }

    const summary = await t.call<{ results: ContactSummary[] }>('POST', '/api/companion/contacts', { ids: [String(contact)] });
    expect(summary.body.results[0]!.openDeals.map((d) => d.id)).toEqual([String(openDeal)]);
    expect(summary.body.results[0]!.openTickets.map((x) => x.id)).toEqual([String(openTicket)]);

    const logged = await t.call('POST', `/api/objects/contacts/${contact}/activities`, { type: 'emails', properties: { hs_email_subject: 'Status' } });
    expect(logged.status).toBe(201);
    const ruled = logged.body.associations.filter((a: { source: string }) => a.source === 'JOB').map((a: { reason: string; toObjectId: number }) => `${a.reason} ${a.toObjectId}`);
    expect(ruled.sort()).toEqual([`open_deal ${openDeal}`, `open_ticket ${openTicket}`].sort());
  });

  it('B5, X2: a stage an admin flags closed closes its deals everywhere, and unflagging closedwon opens them: sidebar lists, recommendations, activity rules, TS and SQL alike', async () => {
    const made = await t.call('POST', '/api/workspaces', { name: 'Own stages', plan: 'professional' });
    expect(made.status).toBe(201);
    const ws: string = made.body.id;
    const token: string = made.body.adminToken;
    const call = (method: string, path: string, body?: unknown) => t.call(method, path, body, token);
    expect((await call('PATCH', '/api/workspace', { settings: { activityAutoAssociate: 'open_deals' } })).status).toBe(200);
    const lostStage = await call('POST', '/crm/v3/pipelines/deals/default/stages', { label: 'Lost to competitor', displayOrder: 7, metadata: { probability: '0.0', isClosed: 'true' } });
    expect(lostStage.status, JSON.stringify(lostStage.body)).toBe(201);
    const lost: string = lostStage.body.id;

    const contact = await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'rene@stages.example', firstname: 'René' } });
    const deal = async (dealname: string, dealstage: string) => {
      const r = await call('POST', '/crm/v3/objects/deals', { properties: { dealname, dealstage, pipeline: 'default' }, associations: [{ to: { id: contact.body.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] }] });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    // a second contact of the thread on none of the deals: they are still to associate with her, so recommended
    expect((await call('POST', '/crm/v3/objects/contacts', { properties: { email: 'mia@stages.example', firstname: 'Mia' } })).status).toBe(201);
    const open = await deal('Still in play', 'qualifiedtobuy');
    const lostDeal = await deal('Went elsewhere', lost);
    const won = await deal('Signed', 'closedwon');

    /** What each place says is open now, of the three deals. */
    const openNow = async () => {
      const thread = await call('POST', '/api/companion/thread', { participants: [{ email: 'rene@stages.example' }, { email: 'mia@stages.example' }], subject: 'Where are we' });
      expect(thread.status, JSON.stringify(thread.body)).toBe(200);
      const view = thread.body as CompanionThreadResponse;
      const summary = view.summaries[contact.body.id]!;
      const byStatus = view.recommendations.filter((r) => r.objectType === 'deals' && r.reasons.some((x) => x.kind === 'status')).map((r) => r.id);
      const logged = await call('POST', `/api/objects/contacts/${contact.body.id}/activities`, { type: 'notes', properties: { hs_note_body: 'Checked in' } });
      expect(logged.status, JSON.stringify(logged.body)).toBe(201);
      const ruled = logged.body.associations.filter((a: { source: string }) => a.source === 'JOB').map((a: { toObjectId: number }) => String(a.toObjectId));
      return {
        sidebar: summary.openDeals.map((d) => `${d.id} ${d.stageLabel}`).sort(),
        recommended: [...byStatus].sort(),
        recommendedDeals: view.recommendations.filter((r) => r.objectType === 'deals').map((r) => r.id).sort(),
        ruled: [...ruled].sort(),
      };
    };

    const before = await openNow();
    expect(before.sidebar).toEqual([`${open} Qualified To Buy`]);
    // every deal is recommended (René is on all three, Mia on none); only the open one for its status
    expect(before.recommendedDeals).toEqual([open, lostDeal, won].sort());
    expect(before.recommended).toEqual([open]);
    expect(before.ruled).toEqual([open]);
    await expectAgreement(ws, [
      { type: DEAL, props: { dealstage: lost }, open: false },
      { type: DEAL, props: { dealstage: 'closedwon' }, open: false },
      { type: DEAL, props: { dealstage: 'qualifiedtobuy' }, open: true },
    ]);
    // the first workspace has no such stage: the same id says nothing there
    await expectAgreement(t.workspaceId, [{ type: DEAL, props: { dealstage: lost }, open: true }]);

    // closedwon renamed and no longer closed: its deals are open everywhere, under the new label
    const flipped = await call('PATCH', '/crm/v3/pipelines/deals/default/stages/closedwon', { label: 'Won, onboarding', metadata: { isClosed: 'false' } });
    expect(flipped.status, JSON.stringify(flipped.body)).toBe(200);
    const after = await openNow();
    expect(after.sidebar).toEqual([`${open} Qualified To Buy`, `${won} Won, onboarding`].sort());
    expect(after.recommended).toEqual([open, won].sort());
    expect(after.ruled).toEqual([open, won].sort());
    await expectAgreement(ws, [
      { type: DEAL, props: { dealstage: lost }, open: false },
      { type: DEAL, props: { dealstage: 'closedwon' }, open: true },
      { type: DEAL, props: { dealstage: 'closedwon', hs_is_closed: 'true' }, open: false },
      { type: DEAL, props: { dealstage: 'closedlost' }, open: false },
    ]);
    // other workspaces keep HubSpot's defaults
    await expectAgreement(t.workspaceId, [{ type: DEAL, props: { dealstage: 'closedwon' }, open: false }]);
  });
});
