/**
 * The demo workspace (`npm start -- --demo`, `npx crm demo`): a few dozen generated companies with
 * their contacts, deals and tickets (the generator the benchmarks use, with a fixed seed), and the
 * story the demo mailbox tells (people.ts). Everything is written through the server's own API, as
 * two workspace users would write it, so every rule runs and every history entry is a real one:
 * associations by users, a CSV import with refused rows (its error file), companies found by email
 * domain, a merge, an undone association, labels single and paired, custom-object records on
 * Enterprise, logged emails and notes. Same seed, same workspace (ids and times aside).
 */
import { z } from 'zod';
import { COMPANY, CONTACT, DEAL, TICKET } from '../../shared/objects.ts';
import { planAllows, type Plan } from '../../shared/plans.ts';
import { generateWorkspace, prng } from './generate.ts';
import { ASTRID, ASTRID_PERSONAL, CORVINA, DEALS, DEMO_ADMIN, DEMO_REP, type DemoPerson, ERIK, fullName, HALDEN, LIAM, NIAMH, TICKETS } from './people.ts';

export const DEMO_SEED = 20_261_201;
/** Generated companies, beside the two of the story. */
export const DEMO_GENERATED_COMPANIES = 30;

/** How the loader reaches the server: `app.request` in process, or `fetch` against a running one. */
export type Requester = (path: string, init: RequestInit) => Promise<Response>;

export interface DemoOptions {
  /** A token of an admin of the workspace (the instance owner's will do). */
  adminToken: string;
  plan: Plan;
  seed?: number;
  /** Load even though the workspace already has records. */
  force?: boolean;
  /**
   * Runs an import the server queued, to its end. Without it the loader waits for the server's own
   * job runner (a running server).
   */
  runImport?: (importId: string) => Promise<void>;
}

export interface DemoSummary {
  seed: number;
  companies: number;
  contacts: number;
  deals: number;
  tickets: number;
  customRecords: number;
  activities: number;
  importId: string;
  importErrors: number;
}

/** The workspace already holds records (and `force` was not given) or the demo itself: nothing was written. */
export class DemoRefusedError extends Error {
  override name = 'DemoRefusedError';
}

class DemoRequestError extends Error {}

const idOf = z.object({ id: z.string() });
const batchResults = z.object({ results: z.array(idOf) });
const labelsAnswer = z.object({ results: z.array(z.object({ typeId: z.number(), label: z.string().nullable() })) });

/** One API client per token; every answer outside 2xx throws with the server's message. */
function client(request: Requester, token: string) {
  return async <T>(method: string, path: string, body?: unknown, schema?: z.ZodType<T>): Promise<T> => {
    const res = await request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new DemoRequestError(`demo: ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    const json: unknown = text ? JSON.parse(text) : null;
    return schema ? schema.parse(json) : (json as T);
  };
}

/** How many records of the four main types the workspace has, counting up to `limit` of each. */
export async function countRecords(request: Requester, token: string, limit = 1): Promise<number> {
  const api = client(request, token);
  let n = 0;
  for (const type of ['contacts', 'companies', 'deals', 'tickets']) {
    n += (await api('GET', `/crm/v3/objects/${type}?limit=${limit}`, undefined, z.object({ results: z.array(z.unknown()) }))).results.length;
  }
  return n;
}

/** Whether this workspace holds the demo already (its first story contact is there). */
export async function hasDemo(request: Requester, token: string): Promise<boolean> {
  const api = client(request, token);
  const found = await api('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: ASTRID.email }] }], limit: 1 }, z.object({ total: z.number() }));
  return found.total > 0;
}

const person = (p: DemoPerson) => ({ firstname: p.firstname, lastname: p.lastname, email: p.email, ...(p.jobtitle ? { jobtitle: p.jobtitle } : {}) });

/** A few days ago at a fixed hour: activities' timestamps, so the timeline reads naturally. */
function daysAgo(now: number, days: number, hour = 10): string {
  const d = new Date(now - days * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

export async function loadDemoWorkspace(request: Requester, options: DemoOptions): Promise<DemoSummary> {
  const seed = options.seed ?? DEMO_SEED;
  const owner = client(request, options.adminToken);
  // the demo twice would collide with itself (its people's emails, its users): never, even forced
  if (await hasDemo(request, options.adminToken)) throw new DemoRefusedError('This workspace holds the demo workspace already: nothing was added.');
  if (!options.force && (await countRecords(request, options.adminToken)) > 0) {
    throw new DemoRefusedError('The workspace already has records: the demo data is loaded only into an empty workspace. Use a new DATA_DIR, or add it anyway with --force.');
  }
  const labels = planAllows(options.plan, 'labels');
  const customObjects = planAllows(options.plan, 'customObjects');
  const rand = prng(seed ^ 0x5eed);
  const gen = generateWorkspace({ companies: DEMO_GENERATED_COMPANIES, seed });

  // two users: Priya (admin) sets things up, Sam (rep) works with the accounts; their names are in the history
  const userToken = async (p: DemoPerson, role: 'admin' | 'rep') => (await owner('POST', '/api/users', { name: fullName(p), email: p.email, role }, z.object({ token: z.string() }))).token;
  const priya = client(request, await userToken(DEMO_ADMIN, 'admin'));
  try {
    const sam = client(request, await userToken(DEMO_REP, 'rep'));

    const batchCreate = async (api: typeof priya, type: string, inputs: Array<Record<string, string>>): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < inputs.length; i += 100) {
        const answer = await api('POST', `/crm/v3/objects/${type}/batch/create`, { inputs: inputs.slice(i, i + 100).map((properties) => ({ properties })) }, batchResults);
        ids.push(...answer.results.map((r) => r.id));
      }
      return ids;
    };
    const associate = async (api: typeof priya, from: string, to: string, pairs: Array<[string, string]>) => {
      for (let i = 0; i < pairs.length; i += 100) {
        await api('POST', `/crm/v4/associations/${from}/${to}/batch/associate/default`, { inputs: pairs.slice(i, i + 100).map(([a, b]) => ({ from: { id: a }, to: { id: b } })) });
      }
    };
    const labelled = async (api: typeof priya, from: string, fromId: string, to: string, toId: string, typeId: number, category = 'USER_DEFINED') => {
      await api('PUT', `/crm/v4/objects/${from}/${fromId}/associations/${to}/${toId}`, [{ associationCategory: category, associationTypeId: typeId }]);
    };

    // 1. the companies first; then contacts find theirs by email domain (R18), and new domains create one
    const genCompanies = gen.records.filter((r) => r.type === COMPANY);
    const companyIds = await batchCreate(priya, 'companies', [HALDEN, CORVINA, ...genCompanies.map((c) => c.props)].map((c) => ({ ...c })));
    const [halden, corvina] = companyIds as [string, string];
    const realId = new Map<number, string>(genCompanies.map((c, i) => [c.id, companyIds[i + 2]!]));
    await priya('PATCH', '/api/workspace', { settings: { autoAssociateCompaniesByDomain: true, autoCreateCompaniesByDomain: true, internalDomains: ['northbeam.io'] } });

    // 2. labels: single (contact → deal) and paired (contact ↔ contact), Professional and up
    const labelIds: Record<string, number> = {};
    if (labels) {
      for (const [name, label] of [['decision_maker', 'Decision maker'], ['champion', 'Champion']] as const) {
        const made = await priya('POST', '/crm/v4/associations/contacts/deals/labels', { name, label }, labelsAnswer);
        labelIds[name] = made.results.find((r) => r.label === label)!.typeId;
      }
      const paired = await priya('POST', '/crm/v4/associations/contacts/contacts/labels', { name: 'manager', label: 'Manager', inverseLabel: 'Reports to' }, labelsAnswer);
      labelIds.manager = paired.results.find((r) => r.label === 'Manager')!.typeId;
    }

    // 3. contacts: the story's and the generated ones
    const genContacts = gen.records.filter((r) => r.type === CONTACT);
    const contactIds = await batchCreate(priya, 'contacts', [person(ASTRID), person(ERIK), person(NIAMH), ...genContacts.map((c) => c.props)]);
    const [astrid, erik, niamh] = contactIds as [string, string, string];
    for (const [i, c] of genContacts.entries()) realId.set(c.id, contactIds[i + 3]!);
    // personal addresses and second companies are associated by hand (the domain rule cannot know them)
    const byDomain = new Set(gen.companies.flatMap((c) => c.contacts.filter((id) => gen.byId.get(id)!.props.email!.endsWith(c.domain))));
    const byHand = gen.pairs.contactCompany.filter(([contact, company]) => !(byDomain.has(contact) && gen.primary.get(contact) === company));
    await associate(priya, 'contacts', 'companies', byHand.map(([a, b]) => [realId.get(a)!, realId.get(b)!]));

    // 4. deals and tickets of the generated accounts, with their people
    const genDeals = gen.records.filter((r) => r.type === DEAL);
    const dealIds = await batchCreate(sam, 'deals', [DEALS.renewal, DEALS.expansion, DEALS.pilot, ...genDeals.map((d) => d.props)].map((d) => ({ pipeline: 'default', ...d })));
    const [renewal, expansion, pilot] = dealIds as [string, string, string];
    for (const [i, d] of genDeals.entries()) realId.set(d.id, dealIds[i + 3]!);
    const genTickets = gen.records.filter((r) => r.type === TICKET);
    const ticketIds = await batchCreate(sam, 'tickets', [TICKETS.routeExport, TICKETS.corvinaInvoice, ...genTickets.map((t) => t.props)].map((t) => ({ ...t })));
    const [routeExport, corvinaInvoice] = ticketIds as [string, string];
    for (const [i, t] of genTickets.entries()) realId.set(t.id, ticketIds[i + 2]!);
    const real = (pairs: Array<[number, number]>) => pairs.map(([a, b]) => [realId.get(a)!, realId.get(b)!] as [string, string]);
    await associate(sam, 'deals', 'companies', [[renewal, halden], [expansion, halden], [pilot, corvina], ...real(gen.pairs.dealCompany)]);
    await associate(sam, 'tickets', 'companies', [[routeExport, halden], [corvinaInvoice, corvina], ...real(gen.pairs.ticketCompany)]);
    await associate(sam, 'contacts', 'tickets', [[erik, routeExport], [niamh, corvinaInvoice], ...real(gen.pairs.contactTicket)]);
    await associate(sam, 'deals', 'tickets', real(gen.pairs.dealTicket));
    // contact ↔ deal: the first person of each deal is its decision maker (labelled), a few more are champions
    const firstOfDeal = new Set<number>();
    const plain: Array<[string, string]> = [[niamh, pilot]];
    for (const [contact, deal] of gen.pairs.contactDeal) {
      if (labels && !firstOfDeal.has(deal)) {
        firstOfDeal.add(deal);
        await labelled(sam, 'contacts', realId.get(contact)!, 'deals', realId.get(deal)!, labelIds.decision_maker!);
      } else if (labels && rand() < 0.15) {
        await labelled(sam, 'contacts', realId.get(contact)!, 'deals', realId.get(deal)!, labelIds.champion!);
      } else {
        plain.push([realId.get(contact)!, realId.get(deal)!]);
      }
    }
    await associate(sam, 'contacts', 'deals', plain);
    if (labels) {
      await labelled(sam, 'contacts', astrid, 'deals', renewal, labelIds.decision_maker!);
      await labelled(priya, 'contacts', astrid, 'contacts', erik, labelIds.manager!);
    } else {
      await associate(sam, 'contacts', 'deals', [[astrid, renewal]]);
    }
    // two generated accounts are one group: HubSpot's own paired label, parent and child company
    const [parent, child] = [realId.get(gen.companies[0]!.id)!, realId.get(gen.companies[1]!.id)!];
    await labelled(priya, 'companies', parent, 'companies', child, 13, 'HUBSPOT_DEFINED');

    // 5. an undo: Sam associates Erik with Corvina's pilot by mistake; Priya (undo needs an admin) reverts that change (B1)
    await sam('PUT', `/crm/v4/objects/contacts/${erik}/associations/default/deals/${pilot}`);
    const history = await sam('GET', `/api/objects/contacts/${erik}/association-history`, undefined, z.object({ results: z.array(z.object({ id: z.union([z.string(), z.number()]), toObjectType: z.string(), toObjectId: z.string(), action: z.string() })) }));
    const mistake = history.results.find((e) => e.toObjectType === 'deals' && e.toObjectId === pilot && e.action === 'CREATED');
    if (!mistake) throw new DemoRequestError('demo: the association to undo is not in the history');
    await priya('POST', `/api/history/${mistake.id}/revert`);

    // 6. the trade-fair import: new contacts (companies by domain, Astrid again at her personal
    // address), and rows the import refuses (its error file)
    const fairPeople = genContacts.filter(() => rand() < 0.06).slice(0, 6);
    const csv = [
      'Email,First Name,Last Name,Job Title,Company Domain Name',
      `${LIAM.email},${LIAM.firstname},${LIAM.lastname},${LIAM.jobtitle},${CORVINA.domain}`,
      `${ASTRID_PERSONAL},${ASTRID.firstname},${ASTRID.lastname},${ASTRID.jobtitle},${HALDEN.domain}`,
      ...fairPeople.map((c, i) => {
        // a new name (first and last names of two generated people) at a generated company
        const last = fairPeople[(i + 1) % fairPeople.length]!.props.lastname!;
        const local = `${c.props.firstname}.${last}`.toLowerCase().replace(/[^a-z.]+/g, '');
        return `${local}@${gen.companies[(i * 5) % gen.companies.length]!.domain},${c.props.firstname},${last},Visitor,`;
      }),
      'lars.eriksson(at)haldenfreight.se,Lars,Eriksson,Driver,',
      'ines@,Ines,Moreau,Buyer,',
      `${LIAM.email},${LIAM.firstname},${LIAM.lastname},${LIAM.jobtitle},${CORVINA.domain}`,
    ].join('\n');
    const form = new FormData();
    form.set('file', new File([csv], 'trade-fair-gothenburg-leads.csv', { type: 'text/csv' }));
    form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create_and_update' }));
    const upload = await request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${options.adminToken}` }, body: form });
    const uploaded = await upload.text();
    if (upload.status !== 202) throw new DemoRequestError(`demo: the import answered ${upload.status}: ${uploaded.slice(0, 500)}`);
    const importId = idOf.parse(JSON.parse(uploaded)).id;
    await options.runImport?.(importId);
    const importView = z.object({ state: z.string(), errors: z.array(z.unknown()) });
    let imported = await priya('GET', `/api/imports/${importId}`, undefined, importView);
    for (let waited = 0; imported.state === 'queued' || imported.state === 'running'; waited += 100) {
      if (waited > 120_000) throw new DemoRequestError(`demo: import ${importId} did not finish within 2 minutes`);
      await new Promise((r) => setTimeout(r, 100));
      imported = await priya('GET', `/api/imports/${importId}`, undefined, importView);
    }
    if (imported.state !== 'done') throw new DemoRequestError(`demo: import ${importId} ended ${imported.state}`);

    // 7. a merge: the imported Astrid, who wrote once from her personal address, is the one in the CRM
    const now = Date.now();
    const twin = (await priya('POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: ASTRID_PERSONAL }] }] }, z.object({ results: z.array(idOf) }))).results[0]!.id;
    await sam('POST', `/api/objects/contacts/${twin}/activities`, { type: 'emails', properties: { hs_email_subject: 'Depot visit in Oslo', hs_email_text: 'Hi Sam, writing from my own address while travelling: can we move the depot visit to Thursday?', hs_email_direction: 'INCOMING_EMAIL', hs_timestamp: daysAgo(now, 20, 8) } });
    await priya('POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: astrid, objectIdToMerge: twin });

    // 8. custom objects (Enterprise): the licences each customer holds
    let customRecords = 0;
    if (customObjects) {
      await priya('POST', '/crm/v3/schemas', {
        name: 'licenses',
        labels: { singular: 'License', plural: 'Licenses' },
        primaryDisplayProperty: 'license_key',
        requiredProperties: ['license_key'],
        properties: [
          { name: 'license_key', label: 'License key', type: 'string', fieldType: 'text' },
          { name: 'seats', label: 'Seats', type: 'number', fieldType: 'number' },
          { name: 'tier', label: 'Tier', type: 'string', fieldType: 'text' },
        ],
        associatedObjects: ['COMPANY', 'CONTACT'],
      });
      const holders = [halden, corvina, ...gen.companies.slice(2, 6).map((c) => realId.get(c.id)!)];
      const licenseIds = await batchCreate(priya, 'licenses', holders.map((_, i) => ({ license_key: `NB-${String(4100 + i * 37)}-${['FLT', 'WHS', 'STD'][i % 3]}`, seats: String(5 + Math.floor(rand() * 60)), tier: i % 2 === 0 ? 'Fleet' : 'Standard' })));
      await associate(priya, 'licenses', 'companies', licenseIds.map((id, i) => [id, holders[i]!]));
      await associate(priya, 'licenses', 'contacts', [[licenseIds[0]!, erik]]);
      customRecords = licenseIds.length;
    }

    // 9. logged emails and notes: Sam's conversations so far (their primary companies come along, R10)
    const activities: Array<[string, string, 'emails' | 'notes', Record<string, string>]> = [
      ['contacts', astrid, 'emails', { hs_email_subject: 'Fleet tracking renewal — proposal', hs_email_text: 'Hi Astrid, attached is the renewal proposal for the 140 vehicles, with the two options we discussed.', hs_email_direction: 'EMAIL', hs_timestamp: daysAgo(now, 12) }],
      ['contacts', astrid, 'emails', { hs_email_subject: 'Re: Fleet tracking renewal — proposal', hs_email_text: 'Thanks Sam, option B looks right. Procurement will be in touch about the contract.', hs_email_direction: 'INCOMING_EMAIL', hs_timestamp: daysAgo(now, 9, 14) }],
      ['contacts', erik, 'notes', { hs_note_body: 'Call with Erik: the route export times out for trips over 900 km; ticket opened, workaround is to split the export by week.', hs_timestamp: daysAgo(now, 6, 11) }],
      ['contacts', niamh, 'emails', { hs_email_subject: 'Warehouse pilot — scope', hs_email_text: 'Hi Niamh, here is the pilot scope for the Cork warehouse: 3 docks, 6 weeks.', hs_email_direction: 'EMAIL', hs_timestamp: daysAgo(now, 4) }],
      ['companies', halden, 'notes', { hs_note_body: 'Account review: renewal due end of quarter; Nordic expansion depends on the Oslo depot opening in spring.', hs_timestamp: daysAgo(now, 3, 16) }],
    ];
    for (const c of gen.companies.slice(0, 10)) {
      const contact = c.contacts[0];
      if (contact === undefined) continue;
      const who = gen.byId.get(contact)!.props;
      const when = daysAgo(now, 2 + Math.floor(rand() * 30));
      activities.push(rand() < 0.5
        ? ['contacts', realId.get(contact)!, 'emails', { hs_email_subject: `Follow-up: ${gen.byId.get(c.id)!.props.name}`, hs_email_text: `Hi ${who.firstname}, following up on our call last week.`, hs_email_direction: 'EMAIL', hs_timestamp: when }]
        : ['contacts', realId.get(contact)!, 'notes', { hs_note_body: `Met ${who.firstname} ${who.lastname}; interested in a demo next month.`, hs_timestamp: when }]);
    }
    for (const [fromType, fromId, type, properties] of activities) {
      await sam('POST', `/api/objects/${fromType}/${fromId}/activities`, { type, properties });
    }

    return {
      seed,
      companies: companyIds.length,
      contacts: contactIds.length + 1 + fairPeople.length,
      deals: dealIds.length,
      tickets: ticketIds.length,
      customRecords,
      activities: activities.length,
      importId,
      importErrors: imported.errors.length,
    };
  } finally {
    // the users' tokens were only for writing the demo (also when it failed half way): revoke them
    const tokens = await owner('GET', '/api/tokens', undefined, z.object({ results: z.array(z.object({ id: z.union([z.string(), z.number()]), name: z.string(), kind: z.string() })) }));
    for (const t of tokens.results.filter((t) => t.kind === 'user' && (t.name === fullName(DEMO_REP) || t.name === fullName(DEMO_ADMIN)))) await owner('DELETE', `/api/tokens/${t.id}`);
  }
}
