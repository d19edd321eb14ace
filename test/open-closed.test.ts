import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ContactSummary } from '../shared/companion.ts';
import { DEAL, isOpen, TICKET } from '../shared/objects.ts';
import { col, parseRows } from '../server/db/rows.ts';
import { openSql } from '../server/domain/lifecycle/open.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

// Open or closed has one rule for deals and tickets (shared/objects.ts): the sidebar's open
// lists, recommendations and the rules that associate a logged activity all follow it, in
// TypeScript and in SQL.

const t = useTestApp({ plan: 'professional' });

type Props = Record<string, string | null>;
const CASES: Array<{ type: typeof DEAL | typeof TICKET; props: Props; open: boolean }> = [
  { type: DEAL, props: { dealstage: 'appointmentscheduled' }, open: true },
  { type: DEAL, props: {}, open: true },
  { type: DEAL, props: { dealstage: null, hs_is_closed: null }, open: true },
  { type: DEAL, props: { dealstage: 'closedwon' }, open: false },
  { type: DEAL, props: { dealstage: 'closedlost' }, open: false },
  { type: DEAL, props: { dealstage: 'qualifiedtobuy', hs_is_closed: 'true' }, open: false },
  { type: DEAL, props: { dealstage: 'closedwon', hs_is_closed: 'false' }, open: false },
  { type: DEAL, props: { dealstage: 'qualifiedtobuy', hs_is_closed: 'false' }, open: true },
  { type: DEAL, props: { hs_pipeline_stage: '4' }, open: true },
  { type: TICKET, props: { hs_pipeline_stage: '1' }, open: true },
  { type: TICKET, props: { hs_pipeline_stage: '4' }, open: false },
  { type: TICKET, props: { hs_pipeline_stage: '1', hs_is_closed: 'true' }, open: false },
  { type: TICKET, props: { dealstage: 'closedwon' }, open: true },
  { type: TICKET, props: {}, open: true },
];

describe('open or closed deals and tickets: one rule (X2, B5)', () => {
  it('B5: isOpen and its SQL spelling agree on every case', async () => {
    expect(CASES.map((c) => isOpen(c.type, c.props))).toEqual(CASES.map((c) => c.open));
    const json = JSON.stringify(CASES.map((c, i) => ({ i, type: c.type, properties: c.props })));
    const rows = parseRows(
      'test: openSql',
      z.object({ i: col.id, open: col.bool }),
      await t.db.db.execute(sql`select r.i, case r.type when ${DEAL} then ${openSql(DEAL, 'r')} else ${openSql(TICKET, 'r')} end as open
        from jsonb_to_recordset(${json}::jsonb) as r(i int, type text, properties jsonb) order by r.i`),
    );
    expect(rows.map((r) => r.open)).toEqual(CASES.map((c) => c.open));
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
});
