import { describe, expect, it } from 'vitest';
import type { Reason, Recommendation, ThreadRecommendationsResponse } from '../shared/recommendations.ts';
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
const reasonOf = <K extends Reason['kind']>(rec: Recommendation | undefined, kind: K) => rec?.reasons.find((r): r is Extract<Reason, { kind: K }> => r.kind === kind);

/** A separate workspace, for tests that change settings or need tenants apart. */
async function newWorkspace(name: string) {
  const r = await t.call('POST', '/api/workspaces', { name, plan: 'starter' });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, token: r.body.adminToken as string };
}

describe('thread recommendations (X2)', () => {
  it('X2: a deal linked to three of the participants beats one linked to one', async () => {
    const [a, b, c] = await seed('0-1', [{ email: 'ann@three-co.io', firstname: 'Ann' }, { email: 'ben@three-co.io', firstname: 'Ben' }, { email: 'cat@three-co.io', firstname: 'Cat' }]);
    // a fourth contact on no deal: neither deal is associated with every contact of the thread yet
    await seed('0-1', [{ email: 'dot@three-co.io', firstname: 'Dot' }]);
    const [one, three] = await seed('0-3', [{ dealname: 'Single' }, { dealname: 'Triple' }]);
    await link('deals', three!, 'contacts', [a!, b!, c!]);
    await link('deals', one!, 'contacts', [a!]);
    const r = await ok({ participants: [{ email: 'ann@three-co.io' }, { email: 'ben@three-co.io' }, { email: 'cat@three-co.io' }, { email: 'dot@three-co.io' }], objectTypes: ['deals'] });
    expect(r.recommendations.map((x) => x.id)).toEqual([String(three), String(one)]);
    expect(reasonOf(r.recommendations[0], 'participants')).toEqual({ kind: 'participants', values: { emails: ['ann@three-co.io', 'ben@three-co.io', 'cat@three-co.io'], primaryOf: [] }, weight: 4.5 });
    expect(r.recommendations.every((x) => x.evidence)).toBe(true);
    expect(r.recommendations.every((x) => x.objectType === 'deals')).toBe(true);
  });

  it('X2: a subject that names the deal decides between two otherwise equal deals', async () => {
    const [p] = await seed('0-1', [{ email: 'dan@subject-co.io', firstname: 'Dan' }]);
    const [co] = await seed('0-2', [{ name: 'Subject Company' }]);
    const [kitchen, roof] = await seed('0-3', [{ dealname: 'Kitchen remodel' }, { dealname: 'Roof repair' }]);
    // the deals are the company's (not yet Dan's own: those would be associated with every contact of the thread)
    await link('contacts', p!, 'companies', [co!]);
    await link('companies', co!, 'deals', [kitchen!, roof!]);
    const r = await ok({ participants: [{ email: 'dan@subject-co.io' }], subject: 'Re: planning the roof', objectTypes: ['deals'] });
    expect(r.recommendations.map((x) => x.id)).toEqual([String(roof), String(kitchen)]);
    expect(reasonOf(r.recommendations[0], 'subject')?.values).toEqual({ tokens: ['roof'] });
    expect(reasonOf(r.recommendations[1], 'subject')).toBeUndefined();
  });

  it('X2: companies, deals and tickets in one ranked list; the participant\'s primary company first among companies', async () => {
    const [p] = await seed('0-1', [{ email: 'eve@mixed-co.io', firstname: 'Eve' }]);
    // a second contact of the thread on none of these: they are all still to associate with her
    await seed('0-1', [{ email: 'fin@elsewhere-co.io', firstname: 'Fin' }]);
    const [primary, second] = await seed('0-2', [{ name: 'Mixed Co', domain: 'mixed-co.io' }, { name: 'Side Co', domain: 'side-co.io' }]);
    const [tk] = await seed('0-5', [{ subject: 'Invoice question', hs_pipeline_stage: '1' }]);
    await link('contacts', p!, 'companies', [primary!, second!]);
    await link('contacts', p!, 'tickets', [tk!]);
    const r = await ok({ participants: [{ email: 'eve@mixed-co.io', name: 'Eve' }, { email: 'fin@elsewhere-co.io' }] });
    const types = new Set(r.recommendations.map((x) => x.objectType));
    expect(types).toEqual(new Set(['companies', 'tickets']));
    const companies = r.recommendations.filter((x) => x.objectType === 'companies').map((x) => x.id);
    expect(companies).toEqual([String(primary), String(second)]);
    expect(reasonOf(find(r.recommendations, primary), 'participants')?.values).toEqual({ emails: ['eve@mixed-co.io'], primaryOf: ['eve@mixed-co.io'] });
    expect(reasonOf(find(r.recommendations, primary), 'domain')?.values).toEqual({ domain: 'mixed-co.io', via: 'same_domain', registrable: false, company: null });
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
    // the closed deal has both contacts and ranks above the open one, but is not logged by default;
    // it is no recommendation either (there is no contact of the thread left to associate it with)
    expect(r.recommendations.filter((x) => x.objectType === 'deals').map((x) => x.id)).toEqual([String(open)]);
    expect(r.logDefaults).toEqual([
      { objectType: 'contacts', id: String(p1) },
      { objectType: 'contacts', id: String(p2) },
      { objectType: 'companies', id: String(primary) },
    ]);
    await link('contacts', p2!, 'deals', [open!]);
    const again = await ok({ participants: [{ email: 'jo@log-co.io' }, { email: 'kai@log-co.io' }] });
    // associated with both contacts now: logged by default, no longer recommended
    expect(again.logDefaults).toContainEqual({ objectType: 'deals', id: String(open) });
    expect(find(again.recommendations, open)).toBeUndefined();
    expect(again.logDefaults).not.toContainEqual({ objectType: 'companies', id: String(other) });
  });

  it('X2: a record already associated with every contact of the thread is no recommendation; one that some of them lack still is', async () => {
    const [a, b] = await seed('0-1', [{ email: 'ada@every-co.io', firstname: 'Ada' }, { email: 'bas@every-co.io', firstname: 'Bas' }]);
    const [co] = await seed('0-2', [{ name: 'Every Co', domain: 'every-co.io' }]);
    const [both, onlyAda] = await seed('0-3', [{ dealname: 'Both have it', dealstage: 'contractsent' }, { dealname: 'Only Ada', dealstage: 'contractsent' }]);
    await link('contacts', a!, 'companies', [co!]);
    await link('contacts', b!, 'companies', [co!]);
    await link('deals', both!, 'contacts', [a!, b!]);
    await link('deals', onlyAda!, 'contacts', [a!]);
    const body = { participants: [{ email: 'ada@every-co.io' }, { email: 'bas@every-co.io' }, { email: 'new@every-co.io' }] };
    const r = await ok(body);
    expect(find(r.recommendations, both)).toBeUndefined();
    expect(find(r.recommendations, co)).toBeUndefined();
    expect(reasonOf(find(r.recommendations, onlyAda), 'participants')?.values.emails).toEqual(['ada@every-co.io']);
    // what logging the email associates still comes from every ranked record
    expect(r.logDefaults).toContainEqual({ objectType: 'deals', id: String(both) });
    expect(r.logDefaults).toContainEqual({ objectType: 'companies', id: String(co) });
    // once Bas is on it too, "Only Ada" goes the same way
    await link('deals', onlyAda!, 'contacts', [b!]);
    expect(find((await ok(body)).recommendations, onlyAda)).toBeUndefined();
  });

  it('X2: a company named in the subject is evidence, even for a participant the CRM does not know', async () => {
    const [zeta, other] = await seed('0-2', [{ name: 'Zetaworks Holding', domain: 'zetaworks.example' }, { name: 'Other Holding' }]);
    const r = await ok({ participants: [{ email: 'someone@gmail.com' }], subject: 'Quote for Zetaworks', objectTypes: ['companies'] });
    expect(r.recommendations.map((x) => x.id)).toEqual([String(zeta)]);
    expect(r.recommendations[0]).toMatchObject({ evidence: true, reasons: expect.arrayContaining([expect.objectContaining({ kind: 'subject', values: { tokens: ['zetaworks'] } })]) });
    expect(find(r.recommendations, other)).toBeUndefined();
  });

  it("X2: a company named in a sender's signature is evidence for that company only, not for deals or tickets", async () => {
    const [quill, other] = await seed('0-2', [{ name: 'Quillfeather Logistics' }, { name: 'Other Logistics' }]);
    const [deal] = await seed('0-3', [{ dealname: 'Quillfeather expansion' }]);
    const signature = 'Kind regards,\nPriya Raman\nHead of Procurement\nQuillfeather Logistics';
    const r = await ok({ participants: [{ email: 'priya@gmail.com' }], subject: 'Next steps', signature });
    const company = find(r.recommendations, quill);
    expect(company).toMatchObject({ evidence: true });
    // named: every word of its name is in the signature ("logistics" alone does not name the other one)
    expect(reasonOf(company, 'signature')?.values.tokens).toEqual(['quillfeather', 'logistics']);
    expect(find(r.recommendations, other)?.evidence ?? false).toBe(false);
    expect(reasonOf(find(r.recommendations, deal), 'signature')).toBeUndefined();
    // without it, nothing connects the company to the thread
    const without = await ok({ participants: [{ email: 'priya@gmail.com' }], subject: 'Next steps' });
    expect(find(without.recommendations, quill)?.evidence ?? false).toBe(false);
    // a signature over the limit is refused, naming the field
    const long = await thread({ participants: [{ email: 'priya@gmail.com' }], signature: 'x'.repeat(2001) });
    expect(long.status).toBe(400);
    expect((long.body as any).errors[0].in).toBe('body:signature');
  });

  it("X2: deals of the participant's colleagues and deals named after the participant's company are evidence", async () => {
    const [p, colleague] = await seed('0-1', [{ email: 'ike@omega-co.io', firstname: 'Ike' }, { email: 'jill@omega-co.io', firstname: 'Jill', lastname: 'Colleague' }]);
    const [co] = await seed('0-2', [{ name: 'Omega Systems', domain: 'omega-co.io' }]);
    const [hers, named, unrelated] = await seed('0-3', [{ dealname: 'Papa' }, { dealname: 'Omega Systems upgrade' }, { dealname: 'Quebec' }]);
    await link('contacts', p!, 'companies', [co!]);
    await link('contacts', colleague!, 'companies', [co!]);
    await link('contacts', colleague!, 'deals', [hers!]);
    const r = await ok({ participants: [{ email: 'ike@omega-co.io' }], objectTypes: ['deals'] });
    expect(reasonOf(find(r.recommendations, hers), 'colleagues')?.values).toEqual({ company: 'Omega Systems', count: 1, names: ['Jill Colleague'] });
    expect(reasonOf(find(r.recommendations, named), 'company_in_name')?.values).toEqual({ company: 'Omega Systems', matched: 'Omega Systems' });
    expect(find(r.recommendations, unrelated)).toBeUndefined();
    expect(r.recommendations.every((x) => x.evidence)).toBe(true);
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
    // found through the ASCII form: its primary company is what logging associates (and, associated
    // with the thread's only contact already, no recommendation)
    expect(r.logDefaults).toContainEqual({ objectType: 'companies', id: String(company) });
    expect(find(r.recommendations, company)).toBeUndefined();
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

  it('security: quotes, backslashes and SQL in names, subjects, signatures and search text are data, never SQL', async () => {
    const hostile = "O'Brien \\'); drop table records; -- \\\\ $$ E'x'";
    const [p] = await seed('0-1', [{ email: 'obrien@quote-co.io', firstname: hostile }]);
    await seed('0-1', [{ email: 'other@quote-co.io', firstname: 'Other' }]);
    const [d] = await seed('0-3', [{ dealname: `${hostile} renovation` }]);
    await link('contacts', p!, 'deals', [d!]);
    const r = await ok({ participants: [{ email: 'obrien@quote-co.io', name: hostile }, { email: 'other@quote-co.io' }], subject: hostile, signature: hostile });
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
