import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Reason, Recommendation } from '../shared/recommendations.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();

const contacts = (props: Array<Record<string, string>>) => seedRecords(t.db.db, t.workspaceId, '0-1', props);
const companies = (props: Array<Record<string, string>>) => seedRecords(t.db.db, t.workspaceId, '0-2', props);
const deals = (props: Array<Record<string, string>>) => seedRecords(t.db.db, t.workspaceId, '0-3', props);
const tickets = (props: Array<Record<string, string>>) => seedRecords(t.db.db, t.workspaceId, '0-5', props);

/** Associates one record with several others (default type, both directions). */
async function link(fromType: string, fromId: number, toType: string, toIds: number[], token?: string) {
  const r = await t.call('POST', `/crm/v4/associations/${fromType}/${toType}/batch/associate/default`, { inputs: toIds.map((id) => ({ from: { id: String(fromId) }, to: { id: String(id) } })) }, token);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
}

/** Links many records straight into the graph (both directions), to keep large accounts fast to build. */
async function linkDirect(fromId: number, fromType: string, toType: string, toIds: number[], typeId: number, inverseTypeId: number) {
  const rows = toIds.flatMap((id) => [
    sql`(${t.workspaceId}::uuid, ${fromId}::bigint, ${toType}, ${id}::bigint, ${typeId}, ${fromType})`,
    sql`(${t.workspaceId}::uuid, ${id}::bigint, ${fromType}, ${fromId}::bigint, ${inverseTypeId}, ${toType})`,
  ]);
  await t.db.db.execute(sql`insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type) values ${sql.join(rows, sql`, `)}`);
}

async function recommend(type: string, id: number, query: string, token?: string) {
  return t.call('GET', `/api/objects/${type}/${id}/recommendations?${query}`, undefined, token);
}

async function ranked(type: string, id: number, query: string): Promise<Recommendation[]> {
  const r = await recommend(type, id, query);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.recommendations;
}

const ids = (recs: Recommendation[], among: number[]) => recs.map((r) => Number(r.id)).filter((id) => among.includes(id));
const reasonOf = <K extends Reason['kind']>(rec: Recommendation | undefined, kind: K) => rec?.reasons.find((r): r is Extract<Reason, { kind: K }> => r.kind === kind);
const find = (recs: Recommendation[], id: number | undefined) => recs.find((r) => r.id === String(id));

async function age(id: number, days: number) {
  await t.db.db.execute(sql`update records set updated_at = now() - ${days}::float8 * interval '1 day' where workspace_id = ${t.workspaceId} and id = ${id}`);
}

describe('each signal on its own decides the order (R5, B7)', () => {
  it('R5: common associations: a deal sharing two of the contact\'s tickets beats one sharing one', async () => {
    const [c] = await contacts([{ email: 'carl@gmail.com', firstname: 'Carl', lastname: 'Quist' }]);
    const [t1, t2] = await tickets([{ subject: 'Printer jam' }, { subject: 'Login broken' }]);
    const [one, two] = await deals([{ dealname: 'Alpha' }, { dealname: 'Bravo' }]);
    await link('contacts', c!, 'tickets', [t1!, t2!]);
    await link('deals', two!, 'tickets', [t1!, t2!]);
    await link('deals', one!, 'tickets', [t1!]);
    const recs = await ranked('contacts', c!, 'toObjectType=deals');
    expect(ids(recs, [one!, two!])).toEqual([two, one]);
    expect(reasonOf(find(recs, two), 'shared_associations')?.values).toEqual({ shared: [{ objectType: 'tickets', count: 2, names: ['Login broken', 'Printer jam'] }] });
    expect(reasonOf(find(recs, one), 'shared_associations')?.values).toEqual({ shared: [{ objectType: 'tickets', count: 1, names: ['Printer jam'] }] });
    expect(find(recs, two)!.reasons.map((r) => r.kind).sort()).toEqual(['recency', 'shared_associations', 'status']);
  });

  it('R5: a shared company with few deals says more than one with many (specificity)', async () => {
    const [c] = await contacts([{ email: 'dora@gmail.com', firstname: 'Dora', lastname: 'Quill' }]);
    const [small, big] = await companies([{ name: 'Smallco' }, { name: 'Bigco' }]);
    const [viaSmall, viaBig, ...filler] = await deals([{ dealname: 'Charlie' }, { dealname: 'Delta' }, ...Array.from({ length: 30 }, (_, i) => ({ dealname: `Filler ${i}` }))]);
    await link('contacts', c!, 'companies', [small!, big!]);
    await link('companies', small!, 'deals', [viaSmall!]);
    await link('companies', big!, 'deals', [viaBig!, ...filler]);
    const recs = await ranked('contacts', c!, 'toObjectType=deals&limit=50');
    expect(ids(recs, [viaSmall!, viaBig!])).toEqual([viaSmall, viaBig]);
    expect(reasonOf(find(recs, viaSmall), 'shared_associations')!.weight).toBeGreaterThan(reasonOf(find(recs, viaBig), 'shared_associations')!.weight * 3);
  });

  it('R18: email domain: the company with the contact\'s domain comes first, and the reason names the domain', async () => {
    const [c] = await contacts([{ email: 'eva@domainfirst.io', firstname: 'Eva', lastname: 'Quorn' }]);
    const [other, mine] = await companies([{ name: 'Echo', domain: 'otherdomain.io' }, { name: 'Foxtrot', domain: 'domainfirst.io' }]);
    const recs = await ranked('contacts', c!, 'toObjectType=companies');
    expect(ids(recs, [other!, mine!])).toEqual([mine, other]);
    expect(reasonOf(find(recs, mine), 'domain')).toEqual({ kind: 'domain', values: { domain: 'domainfirst.io', via: 'same_domain', registrable: false, company: null }, weight: 1.5 });
    expect(reasonOf(find(recs, other), 'domain')).toBeUndefined();
  });

  it('R18: a personal address never matches a company, even one whose domain is gmail.com', async () => {
    const [c] = await contacts([{ email: 'gus@gmail.com', firstname: 'Gus', lastname: 'Quaid' }]);
    const [gmail] = await companies([{ name: 'Golf', domain: 'gmail.com' }]);
    const recs = await ranked('contacts', c!, 'toObjectType=companies&limit=100');
    expect(reasonOf(find(recs, gmail), 'domain')).toBeUndefined();
    expect(recs.every((r) => !reasonOf(r, 'domain'))).toBe(true);
  });

  it('R18: a subdomain matches its registrable domain only while no company has the subdomain itself', async () => {
    const [c] = await contacts([{ email: 'hal@eu.globexsub.io', firstname: 'Hal', lastname: 'Quent' }]);
    const [root] = await companies([{ name: 'Hotel', domain: 'globexsub.io' }]);
    let recs = await ranked('contacts', c!, 'toObjectType=companies');
    expect(recs[0]!.id).toBe(String(root));
    expect(reasonOf(recs[0], 'domain')).toEqual({ kind: 'domain', values: { domain: 'globexsub.io', via: 'same_domain', registrable: true, company: null }, weight: 1.2 });
    const [sub] = await companies([{ name: 'India', domain: 'eu.globexsub.io' }]);
    recs = await ranked('contacts', c!, 'toObjectType=companies');
    expect(recs[0]!.id).toBe(String(sub));
    expect(reasonOf(recs[0], 'domain')?.values).toEqual({ domain: 'eu.globexsub.io', via: 'same_domain', registrable: false, company: null });
    expect(reasonOf(find(recs, root), 'domain')).toBeUndefined();
  });

  it('R5: name similarity: contact "Jan de Vries" ranks deal "De Vries renovation" first; the particle "de" does not count', async () => {
    const [c] = await contacts([{ email: 'jan.devries@gmail.com', firstname: 'Jan', lastname: 'de Vries' }]);
    const [kitchen, reno, de] = await deals([{ dealname: 'Smith kitchen' }, { dealname: 'De Vries renovation' }, { dealname: 'De Boer roof' }]);
    const recs = await ranked('contacts', c!, 'toObjectType=deals&limit=100');
    expect(ids(recs, [kitchen!, reno!, de!])[0]).toBe(reno);
    expect(reasonOf(find(recs, reno), 'name')?.values).toEqual({ tokens: ['vries'] });
    expect(reasonOf(find(recs, de), 'name')).toBeUndefined();
    expect(reasonOf(find(recs, kitchen), 'name')).toBeUndefined();
  });

  it('B7: status: with the same evidence, the open deal comes before the closed one', async () => {
    const [c] = await contacts([{ email: 'kim@gmail.com', firstname: 'Kim', lastname: 'Quade' }]);
    const [tk] = await tickets([{ subject: 'Kilo' }]);
    const [closed, open] = await deals([{ dealname: 'Lima', dealstage: 'closedwon' }, { dealname: 'Mike', dealstage: 'contractsent' }]);
    await link('contacts', c!, 'tickets', [tk!]);
    await link('tickets', tk!, 'deals', [closed!, open!]);
    // the closed one is even the newer record: status alone decides
    await age(open!, 0.5);
    const recs = await ranked('contacts', c!, 'toObjectType=deals');
    expect(ids(recs, [closed!, open!])).toEqual([open, closed]);
    expect(reasonOf(find(recs, open), 'status')?.values).toEqual({ open: true });
    expect(reasonOf(find(recs, closed), 'status')).toBeUndefined();
  });

  it('B7: recency: with the same evidence and status, the recently updated deal comes first', async () => {
    const [c] = await contacts([{ email: 'lou@gmail.com', firstname: 'Lou', lastname: 'Quinby' }]);
    const [tk] = await tickets([{ subject: 'November' }]);
    const [old, recent] = await deals([{ dealname: 'Oscar' }, { dealname: 'Papa' }]);
    await link('contacts', c!, 'tickets', [tk!]);
    await link('tickets', tk!, 'deals', [old!, recent!]);
    await age(old!, 200);
    await age(recent!, 3);
    const recs = await ranked('contacts', c!, 'toObjectType=deals');
    expect(ids(recs, [old!, recent!])).toEqual([recent, old]);
    expect(reasonOf(find(recs, recent), 'recency')?.values).toEqual({ days: 3 });
    expect(reasonOf(find(recs, old), 'recency')?.values).toEqual({ days: 200 });
  });

  it('R18: for a company, contacts with an address on its domain come first', async () => {
    const [co] = await companies([{ name: 'Quebec', domain: 'quebec-co.io' }]);
    const [stranger, member] = await contacts([{ email: 'sam@romeo-co.io', firstname: 'Sam' }, { email: 'tess@quebec-co.io', firstname: 'Tess' }]);
    const recs = await ranked('companies', co!, 'toObjectType=contacts');
    expect(ids(recs, [stranger!, member!])).toEqual([member, stranger]);
    expect(reasonOf(find(recs, member), 'domain')?.values).toEqual({ domain: 'quebec-co.io', via: 'company_domain', registrable: false, company: null });
  });
  it("B7: engagement: for a deal, the account's contact already on other deals comes before a colleague who never is", async () => {
    const [co] = await companies([{ name: 'Papa Co' }]);
    const [d, other1, other2] = await deals([{ dealname: 'Quebec' }, { dealname: 'Romeo' }, { dealname: 'Sierra' }]);
    const [idle, key] = await contacts([{ email: 'idle@gmail.com', firstname: 'Ida' }, { email: 'key@gmail.com', firstname: 'Kay' }]);
    await link('deals', d!, 'companies', [co!]);
    await link('companies', co!, 'contacts', [idle!, key!]);
    await link('contacts', key!, 'deals', [other1!, other2!]);
    await age(key!, 5);
    const recs = await ranked('deals', d!, 'toObjectType=contacts');
    expect(ids(recs, [idle!, key!])).toEqual([key, idle]);
    expect(reasonOf(find(recs, key), 'engagement')?.values).toEqual({ count: 2, atLeast: false, objectType: 'deals' });
    expect(reasonOf(find(recs, idle), 'engagement')).toBeUndefined();
  });

  it('R5: of a very large account, the active records are the ones looked at: an open deal updated today, the oldest of 150, comes first', async () => {
    const [c] = await contacts([{ email: 'hana@gmail.com', firstname: 'Hana', lastname: 'Quell' }]);
    const [co] = await companies([{ name: 'Hubco' }]);
    // the oldest record of the account is the one in play; the 149 after it are closed and months old
    const [active, ...stale] = await deals([{ dealname: 'Hub active', dealstage: 'contractsent' }, ...Array.from({ length: 149 }, (_, i) => ({ dealname: `Hub stale ${i}`, dealstage: 'closedlost' }))]);
    await link('contacts', c!, 'companies', [co!]);
    await linkDirect(co!, '0-2', '0-3', [active!, ...stale], 342, 341);
    await t.db.db.execute(sql`update records set updated_at = now() - interval '300 days' where workspace_id = ${t.workspaceId} and id = any(${`{${stale.join(',')}}`}::bigint[])`);
    const recs = await ranked('contacts', c!, 'toObjectType=deals&limit=5');
    expect(recs[0]?.id).toBe(String(active));
    expect(reasonOf(recs[0], 'shared_associations')?.values).toEqual({ shared: [{ objectType: 'companies', count: 1, names: ['Hubco'] }] });
    expect(reasonOf(recs[0], 'status')?.values).toEqual({ open: true });
  });

  it("B7: of a very large account, a deal's contacts are chosen among the account's key people: the one on other deals, the oldest of 150, comes first", async () => {
    const [co] = await companies([{ name: 'Keyco' }]);
    const [d, other1, other2] = await deals([{ dealname: 'Key deal' }, { dealname: 'Key other 1' }, { dealname: 'Key other 2' }]);
    const [key, ...rest] = await contacts(Array.from({ length: 150 }, (_, i) => ({ email: `person${i}@gmail.com`, firstname: `Person${i}` })));
    await link('deals', d!, 'companies', [co!]);
    await linkDirect(co!, '0-2', '0-1', [key!, ...rest], 280, 279);
    await link('contacts', key!, 'deals', [other1!, other2!]);
    await age(key!, 30);
    const recs = await ranked('deals', d!, 'toObjectType=contacts&limit=5');
    expect(recs[0]?.id).toBe(String(key));
    expect(reasonOf(recs[0], 'engagement')?.values).toEqual({ count: 2, atLeast: false, objectType: 'deals' });
    // the same order whatever the limit: engagement is counted for every contact it could lift into it
    const more = await ranked('deals', d!, 'toObjectType=contacts&limit=100');
    expect(more.slice(0, 5).map((r) => r.id)).toEqual(recs.map((r) => r.id));
  });

  it("R18: for a deal, the company's domain counts only for contacts not already reached through that company", async () => {
    const [co] = await companies([{ name: 'Sierra', domain: 'sierra-co.io' }]);
    const [d] = await deals([{ dealname: 'Tango' }]);
    const [work, personal, unlinked] = await contacts([
      { email: 'uri@sierra-co.io', firstname: 'Uri' },
      { email: 'vic.sierra@gmail.com', firstname: 'Vic' },
      { email: 'wim@sierra-co.io', firstname: 'Wim' },
    ]);
    await link('deals', d!, 'companies', [co!]);
    await link('companies', co!, 'contacts', [work!, personal!]);
    const recs = await ranked('deals', d!, 'toObjectType=contacts&limit=50');
    // both colleagues are the company's contacts: the address does not count a second time
    expect(reasonOf(find(recs, work), 'domain')).toBeUndefined();
    expect(reasonOf(find(recs, work), 'shared_associations')?.values).toEqual({ shared: [{ objectType: 'companies', count: 1, names: ['Sierra'] }] });
    expect(reasonOf(find(recs, personal), 'shared_associations')?.values).toEqual({ shared: [{ objectType: 'companies', count: 1, names: ['Sierra'] }] });
    expect(reasonOf(find(recs, work), 'shared_associations')?.weight).toBe(reasonOf(find(recs, personal), 'shared_associations')?.weight);
    // a contact on the domain that the CRM does not link to the company yet: the domain is the evidence
    expect(reasonOf(find(recs, unlinked), 'domain')?.values).toEqual({ domain: 'sierra-co.io', via: 'company_domain', registrable: false, company: null });
  });
});

describe('what a recommendation says (B7)', () => {
  it('B7: sorted by score, each score the sum of its reasons\' weights; API names and string ids', async () => {
    const [c] = await contacts([{ email: 'uma@uniform-co.io', firstname: 'Uma', lastname: 'Uniform' }]);
    const [co] = await companies([{ name: 'Uniform Co', domain: 'uniform-co.io' }]);
    const [d1, d2] = await deals([{ dealname: 'Uniform expansion' }, { dealname: 'Victor' }]);
    await link('companies', co!, 'deals', [d1!, d2!]);
    const recs = await ranked('0-1', c!, 'toObjectType=0-3');
    expect(recs.length).toBeGreaterThanOrEqual(2);
    for (const [i, r] of recs.entries()) {
      expect(r.objectType).toBe('deals');
      expect(r.id).toMatch(/^\d+$/);
      expect(r.score).toBeCloseTo(r.reasons.reduce((s, x) => s + x.weight, 0), 6);
      if (i > 0) expect(recs[i - 1]!.score).toBeGreaterThanOrEqual(r.score);
      for (const reason of r.reasons) expect(reason.weight).toBeGreaterThan(0);
    }
    const top = recs[0]!;
    expect(top).toMatchObject({ id: String(d1), name: 'Uniform expansion' });
    expect(top.reasons.map((r) => r.kind)).toEqual(expect.arrayContaining(['domain', 'name', 'status', 'recency']));
    expect(reasonOf(top, 'domain')?.values).toEqual({ domain: 'uniform-co.io', via: 'company', registrable: false, company: 'Uniform Co' });
  });

  it('R5: records already associated, and the record itself, are never recommended', async () => {
    const [c, colleague] = await contacts([{ email: 'wes@whiskey-co.io', firstname: 'Wes' }, { email: 'xena@whiskey-co.io', firstname: 'Xena' }]);
    const [co] = await companies([{ name: 'Whiskey', domain: 'whiskey-co.io' }]);
    await link('contacts', c!, 'companies', [co!]);
    const toCompanies = await ranked('contacts', c!, 'toObjectType=companies&limit=100');
    expect(find(toCompanies, co)).toBeUndefined();
    const toContacts = await ranked('contacts', c!, 'toObjectType=contacts&limit=100');
    expect(find(toContacts, c)).toBeUndefined();
    expect(reasonOf(find(toContacts, colleague), 'shared_associations')).toBeUndefined();
    expect(reasonOf(find(toContacts, colleague), 'domain')?.values).toEqual({ domain: 'whiskey-co.io', via: 'email_domain', registrable: false, company: null });
  });

  it('R5: typing filters and re-ranks: only records matching the text, recommended ones first', async () => {
    const [c] = await contacts([{ email: 'yves@yankee-co.io', firstname: 'Yves' }]);
    const [co] = await companies([{ name: 'Yankee', domain: 'yankee-co.io' }]);
    const [linked, unlinked, other] = await deals([{ dealname: 'Zulu roadmap' }, { dealname: 'Zulu rollout' }, { dealname: 'Roadwork' }]);
    await link('contacts', c!, 'companies', [co!]);
    await link('companies', co!, 'deals', [linked!]);
    await age(linked!, 30);
    const recs = await ranked('contacts', c!, 'toObjectType=deals&q=zul');
    expect(recs.map((r) => Number(r.id))).toEqual([linked, unlinked]);
    expect(reasonOf(recs[0], 'query')?.values).toEqual({ query: 'zul' });
    const road = await ranked('contacts', c!, 'toObjectType=deals&q=ROAD');
    expect(ids(road, [linked!, unlinked!, other!])).toEqual([linked, other]);
  });

  it('R5: typing finds a matching record even when hundreds of others have evidence', async () => {
    const [c] = await contacts([{ email: 'xavi@gmail.com', firstname: 'Xavi' }]);
    const [co] = await companies([{ name: 'Crowded' }]);
    const many = await deals(Array.from({ length: 320 }, (_, i) => ({ dealname: `Crowd ${i}` })));
    const [wanted] = await deals([{ dealname: 'Quixotic venture' }]);
    await link('contacts', c!, 'companies', [co!]);
    // straight into the graph (both directions), to keep the test fast: this is about reading it
    const rows = many.flatMap((d) => [sql`(${t.workspaceId}::uuid, ${co!}::bigint, '0-3', ${d}::bigint, 342, '0-2')`, sql`(${t.workspaceId}::uuid, ${d}::bigint, '0-2', ${co!}::bigint, 341, '0-3')`]);
    await t.db.db.execute(sql`insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type) values ${sql.join(rows, sql`, `)}`);
    const recs = await ranked('contacts', c!, 'toObjectType=deals&q=quix');
    expect(recs.map((r) => r.id)).toEqual([String(wanted)]);
  });

  it('R5: without any evidence the newest records fill the empty state, far below real suggestions, marked as having none', async () => {
    const [c] = await contacts([{ email: 'zoe@gmail.com', firstname: 'Zoe', lastname: 'Quirrel' }]);
    const recs = await ranked('contacts', c!, 'toObjectType=tickets&limit=3');
    expect(recs.length).toBe(3);
    for (const r of recs) {
      expect(r.score).toBeLessThan(0.05);
      expect(r.evidence).toBe(false);
      for (const reason of r.reasons) expect(['status', 'recency']).toContain(reason.kind);
    }
  });
});

describe('evidence before everything else (R5, B7)', () => {
  it('R5, B7: a record with no evidence never ranks above one with any: an open deal updated today comes after a closed, year-old deal of a large account', async () => {
    const [c] = await contacts([{ email: 'ned@gmail.com', firstname: 'Ned', lastname: 'Quorum' }]);
    const [co] = await companies([{ name: 'Weakco' }]);
    // evidence as weak as it gets: one shared company with 400 deals, all closed and a year old
    const weak = await deals(Array.from({ length: 400 }, (_, i) => ({ dealname: `Weak ${i}`, dealstage: 'closedlost' })));
    const [fresh] = await deals([{ dealname: 'Fresh open', dealstage: 'contractsent' }]);
    await link('contacts', c!, 'companies', [co!]);
    await linkDirect(co!, '0-2', '0-3', weak, 342, 341);
    await t.db.db.execute(sql`update records set updated_at = now() - interval '400 days' where workspace_id = ${t.workspaceId} and id = any(${`{${weak.join(',')}}`}::bigint[])`);
    const recs = await ranked('contacts', c!, 'toObjectType=deals&limit=100');
    const withEvidence = recs.filter((r) => r.evidence);
    expect(withEvidence.length).toBeGreaterThan(0);
    // every record with evidence first, whatever the scores
    const firstWithout = recs.findIndex((r) => !r.evidence);
    expect(firstWithout === -1 || recs.slice(firstWithout).every((r) => !r.evidence)).toBe(true);
    const freshRec = find(recs, fresh);
    if (freshRec) {
      expect(freshRec.evidence).toBe(false);
      expect(freshRec.reasons.map((r) => r.kind).sort()).toEqual(['recency', 'status']);
      expect(recs.indexOf(freshRec)).toBeGreaterThanOrEqual(withEvidence.length);
    }
    for (const r of withEvidence) expect(reasonOf(r, 'shared_associations')?.values.shared[0]).toMatchObject({ objectType: 'companies', count: 1, names: ['Weakco'] });
  });

  it("R5: a deal whose name contains the contact's company name (legal form left out) or domain is recommended for that reason", async () => {
    const [c] = await contacts([{ email: 'olga@gmail.com', firstname: 'Olga', lastname: 'Quarry' }]);
    const [co] = await companies([{ name: 'Gamma Tools BV', domain: 'gammatools.io' }]);
    const [byName, byDomain, wrongOrder, unrelated, linkedToCompany] = await deals([
      { dealname: 'Gamma Tools renewal 2027' },
      { dealname: 'Migration for gammatools.io' },
      { dealname: 'Tools for Gamma' },
      { dealname: 'Unrelated pilot' },
      { dealname: 'Gamma Tools expansion' },
    ]);
    await link('contacts', c!, 'companies', [co!]);
    await link('companies', co!, 'deals', [linkedToCompany!]);
    const recs = await ranked('contacts', c!, 'toObjectType=deals&limit=100');
    expect(reasonOf(find(recs, byName), 'company_in_name')?.values).toEqual({ company: 'Gamma Tools BV', matched: 'Gamma Tools BV' });
    expect(reasonOf(find(recs, byDomain), 'company_in_name')?.values).toEqual({ company: 'Gamma Tools BV', matched: 'gammatools.io' });
    expect(find(recs, byName)!.evidence).toBe(true);
    expect(reasonOf(find(recs, wrongOrder), 'company_in_name')).toBeUndefined();
    expect(find(recs, unrelated)?.evidence ?? false).toBe(false);
    // a deal of the company already counts as shared with it, not a second time by its name
    expect(reasonOf(find(recs, linkedToCompany), 'company_in_name')).toBeUndefined();
    expect(reasonOf(find(recs, linkedToCompany), 'shared_associations')).toBeDefined();
    expect(ids(recs, [byName!, byDomain!, wrongOrder!, unrelated!]).slice(0, 2).sort()).toEqual([byName, byDomain].sort());

    // for the company itself: its name says it once (not once more per word)
    const forCompany = await ranked('companies', co!, 'toObjectType=deals&limit=100');
    const named = find(forCompany, byName)!;
    expect(reasonOf(named, 'company_in_name')?.values.matched).toBe('Gamma Tools BV');
    expect(reasonOf(named, 'name')).toBeUndefined();
  });

  it('R5: deals of colleagues at the same company are evidence for a contact; a deal of the company itself counts as shared', async () => {
    const [me, colleague, stranger] = await contacts([
      { email: 'pia@gmail.com', firstname: 'Pia', lastname: 'Quint' },
      { email: 'rob@gmail.com', firstname: 'Rob', lastname: 'Colleague' },
      { email: 'sue@gmail.com', firstname: 'Sue', lastname: 'Stranger' },
    ]);
    const [co] = await companies([{ name: 'Deltaworks' }]);
    const [theirs, companys, strangers] = await deals([{ dealname: 'Kilo' }, { dealname: 'Lima' }, { dealname: 'Mike' }]);
    await link('companies', co!, 'contacts', [me!, colleague!]);
    await link('contacts', colleague!, 'deals', [theirs!, companys!]);
    await link('companies', co!, 'deals', [companys!]);
    await link('contacts', stranger!, 'deals', [strangers!]);
    const recs = await ranked('contacts', me!, 'toObjectType=deals&limit=100');
    expect(reasonOf(find(recs, theirs), 'colleagues')?.values).toEqual({ company: 'Deltaworks', count: 1, names: ['Rob Colleague'] });
    expect(find(recs, theirs)!.evidence).toBe(true);
    expect(reasonOf(find(recs, companys), 'colleagues')).toBeUndefined();
    expect(reasonOf(find(recs, companys), 'shared_associations')).toBeDefined();
    expect(find(recs, strangers)?.evidence ?? false).toBe(false);
    expect(ids(recs, [theirs!, companys!, strangers!]).slice(0, 2).sort()).toEqual([theirs, companys].sort());
  });
});

describe('bad input and security', () => {
  it('bad input: missing or unknown toObjectType and a bad limit are 400s naming the field', async () => {
    const [c] = await contacts([{ email: 'bad@gmail.com' }]);
    const missing = await recommend('contacts', c!, '');
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].in).toBe('query:toObjectType');
    const unknown = await recommend('contacts', c!, 'toObjectType=spaceships');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].in).toBe('query:toObjectType');
    const limit = await recommend('contacts', c!, 'toObjectType=deals&limit=0');
    expect(limit.status).toBe(400);
    expect(limit.body.errors[0].in).toBe('query:limit');
    const id = await t.call('GET', '/api/objects/contacts/abc/recommendations?toObjectType=deals');
    expect(id.status).toBe(400);
    expect(id.body.errors[0].in).toBe('param:id');
  });

  it('not found: an unknown record, or a record of another type, is a 404', async () => {
    const [d] = await deals([{ dealname: 'Wrong type' }]);
    expect((await recommend('contacts', 999_999_999, 'toObjectType=deals')).status).toBe(404);
    const wrongType = await recommend('contacts', d!, 'toObjectType=deals');
    expect(wrongType.status).toBe(404);
    expect(wrongType.body.subCategory).toBe('NOT_FOUND');
  });

  it('security: no token is a 401', async () => {
    const [c] = await contacts([{ email: 'anon@gmail.com' }]);
    expect((await recommend('contacts', c!, 'toObjectType=deals', null as never)).status).toBe(401);
  });

  it("security: another workspace's records never appear, and its record ids are 404 here", async () => {
    const other = await t.call('POST', '/api/workspaces', { name: 'Other tenant', plan: 'starter' });
    expect(other.status).toBe(201);
    const token = other.body.adminToken as string;
    const otherWs = other.body.id as string;
    const [theirCompany] = await seedRecords(t.db.db, otherWs, '0-2', [{ name: 'Tenant Two', domain: 'isolated-co.io' }]);
    const [theirContact] = await seedRecords(t.db.db, otherWs, '0-1', [{ email: 'ann@isolated-co.io', firstname: 'Ann', lastname: 'Isolated' }]);
    const [theirDeal] = await seedRecords(t.db.db, otherWs, '0-3', [{ dealname: 'Isolated renovation' }]);
    await link('contacts', theirContact!, 'deals', [theirDeal!], token);
    const [mine] = await contacts([{ email: 'bo@isolated-co.io', firstname: 'Bo', lastname: 'Isolated' }]);
    for (const type of ['companies', 'deals', 'contacts']) {
      const recs = await ranked('contacts', mine!, `toObjectType=${type}&limit=100`);
      for (const id of [theirCompany, theirContact, theirDeal]) expect(find(recs, id), `${type} ${id}`).toBeUndefined();
      const searched = await ranked('contacts', mine!, `toObjectType=${type}&q=isolated`);
      for (const id of [theirCompany, theirContact, theirDeal]) expect(find(searched, id)).toBeUndefined();
    }
    expect((await recommend('contacts', theirContact!, 'toObjectType=deals')).status).toBe(404);
    // and the other tenant sees its own
    const theirs = await recommend('contacts', theirContact!, 'toObjectType=companies', token);
    expect(theirs.body.recommendations[0]).toMatchObject({ id: String(theirCompany), objectType: 'companies' });
    expect(theirs.body.recommendations.every((r: Recommendation) => r.id !== String(mine))).toBe(true);
  });

  it('R5: the name search uses the per-type name index (the expression in sql.ts matches the migration)', async () => {
    const rows = await t.db.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_indexscan = off`);
      const { nameVector } = await import('../server/domain/recommendations/sql.ts');
      return (await tx.execute(sql`explain select id from records r where r.type_id = '0-3' and ${nameVector('r')} @@ 'vries'::tsquery`)) as unknown as { rows: Array<Record<string, string>> };
    });
    expect(rows.rows.map((r) => Object.values(r)[0]).join('\n')).toContain('records_name_0_3');
  });
});
