import { describe, expect, it } from 'vitest';
import type { Recommendation, ThreadRecommendationsResponse } from '../shared/recommendations.ts';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();

const seed = (type: string, props: Array<Record<string, string>>, ws = t.workspaceId) => seedRecords(t.db.db, ws, type, props);

async function link(fromType: string, fromId: number, toType: string, toIds: number[], token?: string) {
  const r = await t.call('POST', `/crm/v4/associations/${fromType}/${toType}/batch/associate/default`, { inputs: toIds.map((id) => ({ from: { id: String(fromId) }, to: { id: String(id) } })) }, token);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
}

async function thread(body: unknown, token?: string) {
  return t.call<ThreadRecommendationsResponse>('POST', '/api/recommendations/thread', body, token);
}

async function ok(body: unknown, token?: string): Promise<ThreadRecommendationsResponse> {
  const r = await thread(body, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const find = (recs: Recommendation[], id: number | undefined) => recs.find((r) => r.id === String(id));
const reasonOf = (rec: Recommendation | undefined, kind: string) => rec?.reasons.find((r) => r.kind === kind);

/** A separate workspace, for tests that change settings or need tenants apart. */
async function newWorkspace(name: string) {
  const r = await t.call('POST', '/api/workspaces', { name, plan: 'starter' });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, token: r.body.adminToken as string };
}

describe('thread recommendations (X2)', () => {
  it('X2: a deal linked to three of the participants beats one linked to one', async () => {
    const [a, b, c] = await seed('0-1', [{ email: 'ann@three-co.io', firstname: 'Ann' }, { email: 'ben@three-co.io', firstname: 'Ben' }, { email: 'cat@three-co.io', firstname: 'Cat' }]);
    const [one, three] = await seed('0-3', [{ dealname: 'Single' }, { dealname: 'Triple' }]);
    await link('deals', three!, 'contacts', [a!, b!, c!]);
    await link('deals', one!, 'contacts', [a!]);
    const r = await ok({ participants: [{ email: 'ann@three-co.io' }, { email: 'ben@three-co.io' }, { email: 'cat@three-co.io' }], objectTypes: ['deals'] });
    expect(r.recommendations.map((x) => x.id)).toEqual([String(three), String(one)]);
    expect(reasonOf(r.recommendations[0], 'participants')).toEqual({ kind: 'participants', detail: 'linked to 3 participants: ann@three-co.io, ben@three-co.io, cat@three-co.io', weight: 4.5 });
    expect(r.recommendations.every((x) => x.objectType === 'deals')).toBe(true);
  });

  it('X2: a subject that names the deal decides between two otherwise equal deals', async () => {
    const [p] = await seed('0-1', [{ email: 'dan@subject-co.io', firstname: 'Dan' }]);
    const [kitchen, roof] = await seed('0-3', [{ dealname: 'Kitchen remodel' }, { dealname: 'Roof repair' }]);
    await link('contacts', p!, 'deals', [kitchen!, roof!]);
    const r = await ok({ participants: [{ email: 'dan@subject-co.io' }], subject: 'Re: planning the roof', objectTypes: ['deals'] });
    expect(r.recommendations.map((x) => x.id)).toEqual([String(roof), String(kitchen)]);
    expect(reasonOf(r.recommendations[0], 'subject')?.detail).toBe('subject mentions "roof"');
    expect(reasonOf(r.recommendations[1], 'subject')).toBeUndefined();
  });

  it('X2: companies, deals and tickets in one ranked list; the participant\'s primary company first among companies', async () => {
    const [p] = await seed('0-1', [{ email: 'eve@mixed-co.io', firstname: 'Eve' }]);
    const [primary, second] = await seed('0-2', [{ name: 'Mixed Co', domain: 'mixed-co.io' }, { name: 'Side Co', domain: 'side-co.io' }]);
    const [tk] = await seed('0-5', [{ subject: 'Invoice question', hs_pipeline_stage: '1' }]);
    await link('contacts', p!, 'companies', [primary!, second!]);
    await link('contacts', p!, 'tickets', [tk!]);
    const r = await ok({ participants: [{ email: 'eve@mixed-co.io', name: 'Eve' }] });
    const types = new Set(r.recommendations.map((x) => x.objectType));
    expect(types).toEqual(new Set(['companies', 'tickets']));
    const companies = r.recommendations.filter((x) => x.objectType === 'companies').map((x) => x.id);
    expect(companies).toEqual([String(primary), String(second)]);
    expect(reasonOf(find(r.recommendations, primary), 'participants')?.detail).toBe('linked to 1 participant: eve@mixed-co.io; primary company of eve@mixed-co.io');
    expect(reasonOf(find(r.recommendations, primary), 'domain')?.detail).toBe('same domain mixed-co.io');
    for (const [i, x] of r.recommendations.entries()) if (i > 0) expect(r.recommendations[i - 1]!.score).toBeGreaterThanOrEqual(x.score);
  });

  it("X1, X2, R18: unknown participants, personal addresses and the rep's own addresses", async () => {
    const ws = await newWorkspace('Thread tenant');
    const rep = await t.call('POST', '/api/users', { name: 'Rita Rep', email: 'rita@ourco.io', role: 'rep' }, ws.token);
    expect(rep.status).toBe(201);
    const repToken = rep.body.token as string;
    const [known] = await seed('0-1', [{ email: 'fay@known-co.io', firstname: 'Fay', lastname: 'Known' }], ws.id);
    const [knownCo] = await seed('0-2', [{ name: 'Known Co', domain: 'known-co.io' }], ws.id);
    // the rep is also a contact, linked to a deal: as her own address it must weigh nothing
    const [repContact] = await seed('0-1', [{ email: 'rita@ourco.io', firstname: 'Rita' }], ws.id);
    const [repDeal] = await seed('0-3', [{ dealname: 'Rep pipeline' }], ws.id);
    await link('contacts', repContact!, 'deals', [repDeal!], ws.token);
    await link('contacts', known!, 'companies', [knownCo!], ws.token);

    const body = {
      participants: [
        { email: 'Fay@Known-Co.io', name: 'Fay K.' },
        { email: 'gil@known-co.io', name: 'Gil New' },
        { email: 'hank@sub.fresh-co.io', name: 'Hank' },
        { email: 'ida@gmail.com', name: 'Ida' },
        { email: 'rita@ourco.io', name: 'Rita' },
        { email: 'me@alias.io' },
        { email: 'fay@known-co.io' },
      ],
      ownAddresses: ['me@alias.io'],
    };
    let r = await ok(body, repToken);
    expect(r.participants.map((p) => p.email)).toEqual(['fay@known-co.io', 'gil@known-co.io', 'hank@sub.fresh-co.io', 'ida@gmail.com']);
    const [fay, gil, hank, ida] = r.participants;
    expect(fay).toEqual({ email: 'fay@known-co.io', name: 'Fay K.', contact: { id: String(known), name: 'Fay Known', primaryCompany: { id: String(knownCo), name: 'Known Co' } }, proposedCompany: null });
    // unknown, company domain: proposed with the existing company of its domain
    expect(gil).toEqual({ email: 'gil@known-co.io', name: 'Gil New', contact: null, proposedCompany: { id: String(knownCo), name: 'Known Co', domain: 'known-co.io' } });
    // unknown domain, automatic company creation off: nothing to propose
    expect(hank!.proposedCompany).toBeNull();
    // personal address: never a company
    expect(ida).toEqual({ email: 'ida@gmail.com', name: 'Ida', contact: null, proposedCompany: null });
    expect(find(r.recommendations, repDeal)).toBeUndefined();

    // R18: with automatic creation on, an unknown domain proposes a new company named after the registrable domain
    expect((await t.call('PATCH', '/api/workspace', { settings: { autoCreateCompaniesByDomain: true, internalDomains: ['known-co.io'] } }, ws.token)).status).toBe(200);
    r = await ok(body, repToken);
    // X1: internal domains are not participants either
    expect(r.participants.map((p) => p.email)).toEqual(['hank@sub.fresh-co.io', 'ida@gmail.com']);
    expect(r.participants[0]!.proposedCompany).toEqual({ id: null, name: 'Fresh Co', domain: 'fresh-co.io' });
    expect(r.participants[1]!.proposedCompany).toBeNull();
    expect(r.recommendations).toEqual([]);
    expect(r.logDefaults).toEqual([]);
  });

  it('R10, X2: "log this email" defaults to the known contacts, their primary companies only, and the top open deal', async () => {
    const [p1, p2] = await seed('0-1', [{ email: 'jo@log-co.io', firstname: 'Jo' }, { email: 'kai@log-co.io', firstname: 'Kai' }]);
    const [primary, other] = await seed('0-2', [{ name: 'Log Co', domain: 'log-co.io' }, { name: 'Other Log', domain: 'other-log.io' }]);
    const [open, closed] = await seed('0-3', [{ dealname: 'Open one', dealstage: 'qualifiedtobuy' }, { dealname: 'Closed one', dealstage: 'closedlost' }]);
    await link('contacts', p1!, 'companies', [primary!, other!]);
    await link('contacts', p1!, 'deals', [open!, closed!]);
    await link('contacts', p2!, 'deals', [closed!]);
    const r = await ok({ participants: [{ email: 'jo@log-co.io' }, { email: 'kai@log-co.io' }, { email: 'new@log-co.io' }] });
    // the closed deal has two participants and ranks above the open one, but is not logged by default
    expect(r.recommendations.filter((x) => x.objectType === 'deals').map((x) => x.id)).toEqual([String(closed), String(open)]);
    expect(r.logDefaults).toEqual([
      { objectType: 'contacts', id: String(p1) },
      { objectType: 'contacts', id: String(p2) },
      { objectType: 'companies', id: String(primary) },
    ]);
    await link('contacts', p2!, 'deals', [open!]);
    const again = await ok({ participants: [{ email: 'jo@log-co.io' }, { email: 'kai@log-co.io' }] });
    expect(again.logDefaults).toContainEqual({ objectType: 'deals', id: String(open) });
    expect(again.logDefaults).not.toContainEqual({ objectType: 'companies', id: String(other) });
  });

  it('B8: never-log addresses are shown but not logged', async () => {
    const ws = await newWorkspace('Never log tenant');
    const [p] = await seed('0-1', [{ email: 'lee@private-co.io', firstname: 'Lee' }], ws.id);
    expect((await t.call('PATCH', '/api/workspace', { settings: { neverLogAddresses: ['lee@private-co.io'] } }, ws.token)).status).toBe(200);
    const r = await ok({ participants: [{ email: 'lee@private-co.io' }] }, ws.token);
    expect(r.participants[0]!.contact?.id).toBe(String(p));
    expect(r.logDefaults).toEqual([]);
  });
});

describe('thread: bad input and security', () => {
  it('X1, R18: a participant whose address has a Unicode domain is the contact stored with its ASCII form, and the answer keeps the address as sent', async () => {
    const [contact] = await seed('0-1', [{ email: 'jan@xn--bcher-thread-dlb.de', firstname: 'Jan' }]);
    const [company] = await seed('0-2', [{ name: 'Bücher', domain: 'xn--bcher-thread-dlb.de' }]);
    await link('contacts', contact!, 'companies', [company!]);
    const r = await ok({ participants: [{ email: 'Jan@Bücher-thread.de' }, { email: 'neu@bücher-thread.de' }], ownAddresses: ['me@bücher-home.de'], objectTypes: ['companies'] });
    expect(r.participants.map((p) => [p.email, p.contact?.id ?? null])).toEqual([
      ['jan@bücher-thread.de', String(contact)],
      ['neu@bücher-thread.de', null],
    ]);
    expect(r.participants[1]!.proposedCompany).toMatchObject({ id: String(company), domain: 'xn--bcher-thread-dlb.de' });
    expect(r.recommendations[0]!.id).toBe(String(company));
    const own = await ok({ participants: [{ email: 'me@xn--bcher-home-9db.de' }], ownAddresses: ['me@bücher-home.de'] });
    expect(own.participants).toEqual([]);
  });

  it('bad input: a bad participant address or no participants is a 400 naming the field', async () => {
    const bad = await thread({ participants: [{ email: 'not-an-address' }] });
    expect(bad.status).toBe(400);
    expect((bad.body as any).errors[0].in).toBe('body:participants[0].email');
    const none = await thread({ participants: [] });
    expect(none.status).toBe(400);
    expect((none.body as any).errors[0].in).toBe('body:participants');
    const types = await thread({ participants: [{ email: 'a@b.io' }], objectTypes: ['spaceships'] });
    expect(types.status).toBe(400);
    expect((types.body as any).errors[0].in).toBe('body:objectTypes[0]');
  });

  it('security: quotes, backslashes and SQL in names, subjects and search text are data, never SQL', async () => {
    const hostile = "O'Brien \\'); drop table records; -- \\\\ $$ E'x'";
    const [p] = await seed('0-1', [{ email: 'obrien@quote-co.io', firstname: hostile }]);
    const [d] = await seed('0-3', [{ dealname: `${hostile} renovation` }]);
    await link('contacts', p!, 'deals', [d!]);
    const r = await ok({ participants: [{ email: 'obrien@quote-co.io', name: hostile }], subject: hostile });
    expect(r.participants[0]!.name).toBe(hostile);
    expect(find(r.recommendations, d)?.name).toBe(`${hostile} renovation`);
    const search = await t.call('GET', `/api/objects/deals/${d}/recommendations?toObjectType=contacts&q=${encodeURIComponent(hostile)}`);
    expect(search.status).toBe(200);
    const still = await t.call('GET', `/api/objects/contacts/${p}/recommendations?toObjectType=deals`);
    expect(still.status).toBe(200);
  });

  it("security: another workspace's contacts, companies and deals are unknown to the thread", async () => {
    const ws = await newWorkspace('Thread other tenant');
    const [theirContact] = await seed('0-1', [{ email: 'max@tenant-b.io', firstname: 'Max' }], ws.id);
    const [theirCompany] = await seed('0-2', [{ name: 'Tenant B', domain: 'tenant-b.io' }], ws.id);
    const [theirDeal] = await seed('0-3', [{ dealname: 'Tenant B renewal' }], ws.id);
    await link('contacts', theirContact!, 'deals', [theirDeal!], ws.token);
    const r = await ok({ participants: [{ email: 'max@tenant-b.io' }], subject: 'Tenant B renewal' });
    expect(r.participants).toEqual([{ email: 'max@tenant-b.io', name: null, contact: null, proposedCompany: null }]);
    for (const id of [theirCompany, theirDeal]) expect(find(r.recommendations, id)).toBeUndefined();
    const theirs = await ok({ participants: [{ email: 'max@tenant-b.io' }] }, ws.token);
    expect(theirs.participants[0]!.contact?.id).toBe(String(theirContact));
  });
});
