import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { allEdges, seedRecords } from './helpers/records.ts';

/** On PostgreSQL these requests really run at once (a pool of connections); on PGlite they queue. */
const t = useTestApp();

describe('concurrent writers', () => {
  it('R4: twenty simultaneous associations to one record never pass its limit of five', async () => {
    await t.call('POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 5 }] });
    const [ticket] = await seedRecords(t.db.db, t.workspaceId, '0-5', [{ subject: 'Hot ticket' }]);
    const contacts = await seedRecords(t.db.db, t.workspaceId, '0-1', Array.from({ length: 20 }, (_, i) => ({ email: `race${i}@x.com` })));
    const replies = await Promise.all(contacts.map((c) => t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/tickets/${ticket}`)));
    // every request's outcome, status and error code: five land, the other fifteen are refused for the limit (never a 500)
    const outcomes = replies.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.body?.subCategory}`));
    expect(outcomes.filter((o) => o === '200')).toHaveLength(5);
    expect(outcomes.filter((o) => o !== '200')).toEqual(Array(15).fill('400 ASSOCIATION_LIMIT_EXCEEDED'));
    const edges = await allEdges(t.db.db, t.workspaceId);
    expect(edges.filter((e) => Number(e.from_id) === ticket && Number(e.type_id) === 16)).toHaveLength(5);
    expect(edges.filter((e) => Number(e.to_id) === ticket && Number(e.type_id) === 15)).toHaveLength(5);
  });

  it('R2: racing associate and delete of the same pairs never leaves a half edge', async () => {
    const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', Array.from({ length: 6 }, (_, i) => ({ dealname: `Race ${i}` })));
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'racer@x.com' }]);
    const ops = deals.flatMap((d) => [
      t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/default/deals/${d}`),
      t.call('DELETE', `/crm/v4/objects/deals/${d}/associations/contacts/${contact}`),
      t.call('PUT', `/crm/v4/objects/deals/${d}/associations/default/contacts/${contact}`),
    ]);
    const replies = await Promise.all(ops);
    // whatever the order they ran in, each call does what it asks: associate 200, remove 204
    expect(replies.map((r) => r.status), JSON.stringify(replies.map((r) => r.body))).toEqual(deals.flatMap(() => [200, 204, 200]));
    const edges = (await allEdges(t.db.db, t.workspaceId)).filter((e) => Number(e.from_id) === contact || Number(e.to_id) === contact);
    for (const d of deals) {
      const forward = edges.some((e) => Number(e.from_id) === contact && Number(e.to_id) === d);
      const back = edges.some((e) => Number(e.from_id) === d && Number(e.to_id) === contact);
      expect(forward).toBe(back);
    }
  });

  it('R8: racing primary changes leave exactly one primary company', async () => {
    const [contact] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'primary-race@x.com' }]);
    const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', Array.from({ length: 8 }, (_, i) => ({ name: `Racer ${i}` })));
    const replies = await Promise.all(
      companies.map((co) => t.call('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${co}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }])),
    );
    expect(replies.every((r) => r.status === 201)).toBe(true);
    const edges = (await allEdges(t.db.db, t.workspaceId)).filter((e) => Number(e.from_id) === contact);
    expect(edges.filter((e) => Number(e.type_id) === 279)).toHaveLength(8);
    expect(edges.filter((e) => Number(e.type_id) === 1)).toHaveLength(1);
  });
});

/**
 * Issue 13, "deadlocks are the server's problem": opposite multi-record writes at once, many
 * times. Every writer locks its records in one order and a transaction that still loses to a
 * deadlock runs again, so the outcomes are exactly the ones a serial order would give: never a 500.
 */
describe('opposite multi-record writes at once (issue 13)', () => {
  const ROUNDS = Number(process.env.RACE_ROUNDS ?? 15);

  /** No record is lost (every merge chain reaches a survivor), every edge has its reverse, merged and archived records have none. */
  async function checkIntegrity() {
    const lost = rowsOf<{ id: number }>(
      await t.db.db.execute(sql`
        with recursive chain(start, merged_into, depth) as (
          select id, merged_into, 0 from records where workspace_id = ${t.workspaceId} and merged_into is not null
          union all
          select c.start, r.merged_into, c.depth + 1 from chain c join records r on r.workspace_id = ${t.workspaceId} and r.id = c.merged_into
          where c.merged_into is not null and c.depth < 20)
        select start as id from chain group by start having bool_and(merged_into is not null)`),
    );
    const halfEdges = rowsOf(
      await t.db.db.execute(sql`select a.from_id, a.to_id from associations a where a.workspace_id = ${t.workspaceId}
        and not exists (select 1 from associations b where b.workspace_id = a.workspace_id and b.from_id = a.to_id and b.to_id = a.from_id)`),
    );
    const onGone = rowsOf(
      await t.db.db.execute(sql`select a.from_id from associations a join records r on r.workspace_id = a.workspace_id and r.id in (a.from_id, a.to_id)
        where a.workspace_id = ${t.workspaceId} and (r.merged_into is not null or r.archived_at is not null)`),
    );
    return lost.length + halfEdges.length + onGone.length;
  }

  it('R2, R8: two opposite merges and an association on one of the contacts, at once: one merge wins, the other is 400, never a 500', { timeout: 300_000 }, async () => {
    const tally = new Map<string, number>();
    let violations = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const [x, y] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: `opp-x${round}@race.com` }, { email: `opp-y${round}@race.com` }]);
      const [co, co2] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: `Opp ${round}` }, { name: `Opp2 ${round}` }]);
      const [d1, d2] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: `Opp ${round}` }, { dealname: `Opp2 ${round}` }]);
      await t.call('PUT', `/crm/v4/objects/contacts/${x}/associations/default/companies/${co}`);
      await t.call('PUT', `/crm/v4/objects/contacts/${y}/associations/default/deals/${d1}`);
      const merge = (keep: number, merged: number) => t.call('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: String(keep), objectIdToMerge: String(merged) });
      const [one, other, deal, company] = await Promise.all([
        merge(x!, y!),
        merge(y!, x!),
        t.call('PUT', `/crm/v4/objects/contacts/${x}/associations/default/deals/${d2}`),
        t.call('PUT', `/crm/v4/objects/companies/${co2}/associations/contacts/${y}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 280 }]),
      ]);
      for (const [name, r] of [['merge', one], ['merge', other], ['deal', deal], ['company', company]] as const) {
        const key = `${name}:${r.status}${r.status >= 400 ? `:${r.body.subCategory}` : ''}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
      // exactly one merge went through; the other found its record merged (into the winner, or into itself)
      expect([one.status, other.status].sort(), JSON.stringify([one.body, other.body])).toEqual([200, 400]);
      expect([one, other].find((r) => r.status === 400)!.body.subCategory).toBe('MERGE_INVALID');
      // an association on the survivor always lands; on the merged one it lands when it came first (it moves to the survivor), else 404
      const survivor = one.status === 200 ? x! : y!;
      expect(deal.status).toBe(survivor === x ? 200 : deal.status === 200 ? 200 : 404);
      expect(company.status).toBe(survivor === y ? 201 : company.status === 201 ? 201 : 404);
      violations += await checkIntegrity();
    }
    const requests = [...tally.values()].reduce((a, b) => a + b, 0);
    console.log(`opposite merges: ${requests} requests in ${ROUNDS} rounds, ${JSON.stringify(Object.fromEntries([...tally].sort()))}, ${violations} invariant violations`);
    expect(requests).toBe(ROUNDS * 4);
    expect([...tally.keys()].filter((k) => /:5\d\d/.test(k))).toEqual([]);
    expect(violations).toBe(0);
  });

  it('B6, R2: two opposite copies of associations and an association on one of the records, at once: all go through, never a 500', { timeout: 300_000 }, async () => {
    const tally = new Map<string, number>();
    let violations = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const [x, y] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: `copy-x${round}@race.com` }, { email: `copy-y${round}@race.com` }]);
      const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', [0, 1, 2].map((i) => ({ name: `Copy ${round}.${i}` })));
      const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', [0, 1, 2].map((i) => ({ dealname: `Copy ${round}.${i}` })));
      await t.call('PUT', `/crm/v4/objects/contacts/${x}/associations/default/companies/${companies[0]}`);
      await t.call('PUT', `/crm/v4/objects/contacts/${x}/associations/default/deals/${deals[0]}`);
      await t.call('PUT', `/crm/v4/objects/contacts/${y}/associations/default/companies/${companies[1]}`);
      await t.call('PUT', `/crm/v4/objects/contacts/${y}/associations/default/deals/${deals[1]}`);
      const replies = await Promise.all([
        t.call('POST', `/api/objects/contacts/${x}/copy-associations`, { toRecordId: String(y) }),
        t.call('POST', `/api/objects/contacts/${y}/copy-associations`, { toRecordId: String(x) }),
        t.call('PUT', `/crm/v4/objects/contacts/${x}/associations/default/deals/${deals[2]}`),
        t.call('PUT', `/crm/v4/objects/companies/${companies[2]}/associations/default/contacts/${y}`),
      ]);
      for (const r of replies) tally.set(String(r.status), (tally.get(String(r.status)) ?? 0) + 1);
      expect(replies.map((r) => r.status), JSON.stringify(replies.map((r) => r.body))).toEqual([200, 200, 200, 200]);
      // both end with the companies and deals both had before
      for (const id of [x!, y!]) {
        const list = await t.call('GET', `/crm/v4/objects/contacts/${id}/associations/deals`);
        expect(list.body.results.map((d: { toObjectId: number }) => Number(d.toObjectId))).toEqual(expect.arrayContaining([deals[0], deals[1]].map(Number)));
      }
      violations += await checkIntegrity();
    }
    const requests = [...tally.values()].reduce((a, b) => a + b, 0);
    console.log(`opposite copies: ${requests} requests in ${ROUNDS} rounds, ${JSON.stringify(Object.fromEntries(tally))}, ${violations} invariant violations`);
    expect(requests).toBe(ROUNDS * 4);
    expect(violations).toBe(0);
  });
});
