import { COMPANY, CONTACT, DEAL, TICKET } from '../../shared/objects.ts';

/**
 * A generated but realistic workspace, for the recommendation benchmarks and the demo workspace:
 * companies with domains, contacts with company-domain (some at a subdomain) and personal addresses, deals and tickets
 * linked to subsets of a company's contacts, name overlaps and decoys (companies sharing words,
 * contacts sharing surnames, old closed deals beside new open ones), and optional noise links
 * to reach a target density. Deterministic: the same options give the same workspace.
 */

/** mulberry32: a small PRNG with a fixed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Jan', 'Piet', 'Kees', 'Anna', 'Emma', 'Sophie', 'Lucas', 'Daan', 'Sem', 'Julia', 'Tess', 'Noah', 'Liam', 'Mila', 'Sara', 'Bram', 'Ruben', 'Eva', 'Lotte', 'Finn', 'Olivia', 'James', 'Maria', 'David', 'Laura', 'Tom', 'Nina', 'Max', 'Lena', 'Paul', 'Ines', 'Omar', 'Yara', 'Hugo', 'Iris', 'Felix', 'Zoe', 'Adam', 'Lisa', 'Mark'];
const SYLLABLES = ['ber', 'ko', 'van', 'dal', 'hof', 'mers', 'ling', 'stra', 'vel', 'dam', 'rik', 'son', 'man', 'berg', 'wijk', 'hout', 'mo', 'len', 'ter', 'gaard', 'sma', 'ker', 'bos', 'veld', 'horst', 'ton', 'ley', 'ford', 'ham', 'well'];
const PARTICLES = ['de ', 'van ', 'van der ', 'ter '];
const WORD_A = ['Blue', 'North', 'Harbor', 'Summit', 'Apex', 'Green', 'Silver', 'River', 'Oak', 'Bright', 'Nova', 'Polar', 'Delta', 'Urban', 'Royal', 'Prime', 'Atlas', 'Cedar', 'Falcon', 'Golden', 'Iron', 'Lake', 'Maple', 'Orbit', 'Pine', 'Quartz', 'Red', 'Stone', 'Terra', 'Vista', 'West', 'Zenith', 'Amber', 'Beacon', 'Coral', 'Dune', 'Echo', 'Fjord', 'Granite', 'Horizon', 'Indigo', 'Jade', 'Kestrel', 'Lumen', 'Meadow', 'Nimbus', 'Onyx', 'Pioneer', 'Quest', 'Ridge', 'Sierra', 'Tidal', 'Unity', 'Vertex', 'Willow', 'Zephyr'];
const WORD_B = ['Logistics', 'Foods', 'Labs', 'Media', 'Partners', 'Systems', 'Energy', 'Health', 'Bouw', 'Capital', 'Retail', 'Motors', 'Software', 'Design', 'Consulting', 'Pharma', 'Textiles', 'Robotics', 'Travel', 'Finance', 'Water', 'Studio', 'Dynamics', 'Farms', 'Works'];
const TLDS = ['com', 'com', 'com', 'nl', 'io', 'co.uk', 'de', 'be'];
const PERSONAL = [
  ['gmail.com', 0.4],
  ['outlook.com', 0.2],
  ['hotmail.com', 0.15],
  ['yahoo.com', 0.15],
  ['icloud.com', 0.1],
] as const;
const PRODUCTS = ['CRM rollout', 'license renewal', 'data migration', 'support contract', 'platform upgrade', 'onboarding', 'integration', 'expansion', 'pilot', 'training'];
const PROJECTS = ['renovation', 'kitchen', 'extension', 'roof', 'garden', 'office fit-out', 'audit', 'rebrand', 'website', 'move'];
const ISSUES = ['Login problem', 'Invoice question', 'Export fails', 'Slow dashboard', 'Password reset', 'Sync error', 'Missing data', 'Access request', 'Billing change', 'Bug report'];
const DEAL_STAGES_OPEN = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];

export interface GenRecord {
  id: number;
  type: string;
  props: Record<string, string>;
  /** Days before `now` the record was created and last updated. */
  createdAgo: number;
  updatedAgo: number;
}

/** Pair kinds: [a type, b type, a→b type id, b→a type id]. */
export const PAIR_KINDS = {
  contactCompany: [CONTACT, COMPANY, 279, 280],
  contactDeal: [CONTACT, DEAL, 4, 3],
  contactTicket: [CONTACT, TICKET, 15, 16],
  dealCompany: [DEAL, COMPANY, 341, 342],
  ticketCompany: [TICKET, COMPANY, 339, 340],
  dealTicket: [DEAL, TICKET, 27, 28],
} as const;
export type PairKind = keyof typeof PAIR_KINDS;

export interface Workspace {
  records: GenRecord[];
  byId: Map<number, GenRecord>;
  /** Association pairs (each stored in both directions), by kind. */
  pairs: Record<PairKind, Array<[number, number]>>;
  /** contact → its primary company (R8: the first company). */
  primary: Map<number, number>;
  /** Ground truth: each company's contacts, deals, tickets. */
  companies: Array<{ id: number; domain: string; contacts: number[]; deals: number[]; tickets: number[] }>;
}

export interface GenerateOptions {
  companies: number;
  seed?: number;
  /** Add random contact↔deal links (noise) until this many pairs exist (primary pairs included). */
  pairsTarget?: number;
  firstId?: number;
}

function pickWeighted<T>(rand: () => number, items: ReadonlyArray<readonly [T, number]>): T {
  let r = rand();
  for (const [item, w] of items) {
    r -= w;
    if (r <= 0) return item;
  }
  return items[items.length - 1]![0];
}

export function generateWorkspace(options: GenerateOptions): Workspace {
  const rand = prng(options.seed ?? 20_261_127);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  let nextId = options.firstId ?? 1001;
  const records: GenRecord[] = [];
  const byId = new Map<number, GenRecord>();
  const add = (type: string, props: Record<string, string>, createdAgo: number, updatedAgo = createdAgo * rand()): GenRecord => {
    const r = { id: nextId++, type, props, createdAgo, updatedAgo };
    records.push(r);
    byId.set(r.id, r);
    return r;
  };
  const pairs: Workspace['pairs'] = { contactCompany: [], contactDeal: [], contactTicket: [], dealCompany: [], ticketCompany: [], dealTicket: [] };
  const primary = new Map<number, number>();
  const usedDomains = new Set<string>();
  const usedEmails = new Set<string>();
  const companies: Workspace['companies'] = [];
  const lastName = () => {
    const n = rand() < 0.6 ? 2 : 3;
    let s = '';
    for (let i = 0; i < n; i++) s += pick(SYLLABLES);
    const name = s[0]!.toUpperCase() + s.slice(1);
    return rand() < 0.15 ? `${pick(PARTICLES)}${name}` : name;
  };
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');
  /**
   * Who of an account takes part in a deal or ticket: a few key people (champion, decision maker)
   * in most of them, the rest now and then (Zipf over the account's contacts).
   */
  const keyPerson = (list: number[]) => {
    let total = 0;
    for (let k = 0; k < list.length; k++) total += 1 / (k + 1);
    let r = rand() * total;
    for (let k = 0; k < list.length; k++) {
      r -= 1 / (k + 1);
      if (r <= 0) return list[k]!;
    }
    return list[list.length - 1]!;
  };

  for (let ci = 0; ci < options.companies; ci++) {
    const a = pick(WORD_A);
    const b = pick(WORD_B);
    const tld = pick(TLDS);
    let domain = rand() < 0.3 ? `${slug(a)}.${tld}` : `${slug(a)}${slug(b)}.${tld}`;
    if (usedDomains.has(domain)) domain = `${slug(a)}${slug(b)}${ci}.${tld}`;
    usedDomains.add(domain);
    const company = add(COMPANY, { name: `${a} ${b}`, domain }, 200 + rand() * 1000);
    const hub = rand() < 0.003;
    const size = hub ? 150 + Math.floor(rand() * 250) : 1 + Math.floor(12 * rand() ** 2.5);
    const entry = { id: company.id, domain, contacts: [] as number[], deals: [] as number[], tickets: [] as number[] };
    companies.push(entry);
    for (let k = 0; k < size; k++) {
      const first = pick(FIRST);
      const last = lastName();
      const local = `${slug(first)}.${slug(last)}${rand() < 0.2 ? Math.floor(rand() * 100) : ''}`;
      let email: string;
      if (rand() < 0.72) email = rand() < 0.08 ? `${local}@${pick(['mail', 'eu', 'nl', 'corp'])}.${domain}` : `${local}@${domain}`;
      else email = `${local}@${pickWeighted(rand, PERSONAL)}`;
      for (let n = 2; usedEmails.has(email); n++) email = email.replace(/^([^@]*?)(\d*)@/, `$1${n}@`);
      usedEmails.add(email);
      const contact = add(CONTACT, { firstname: first, lastname: last, email }, rand() * 1000);
      entry.contacts.push(contact.id);
      pairs.contactCompany.push([contact.id, company.id]);
      primary.set(contact.id, company.id);
    }
    const dealCount = rand() < 0.7 ? Math.max(1, Math.round(size * 0.5 * (0.5 + rand()))) : 0;
    for (let k = 0; k < dealCount; k++) {
      const createdAgo = rand() * 1000;
      const open = createdAgo < 120 ? rand() < 0.9 : rand() < 0.1;
      const n = Math.min(entry.contacts.length, 1 + Math.floor(3 * rand() ** 2));
      const people = new Set<number>();
      while (people.size < n) people.add(keyPerson(entry.contacts));
      const firstContact = byId.get([...people][0]!)!;
      const style = rand();
      const surname = firstContact.props.lastname!.replace(/^(de |van der |van |ter )/, '');
      const dealname = style < 0.5 ? `${a} ${pick(PRODUCTS)}` : style < 0.75 ? `${surname[0]!.toUpperCase()}${surname.slice(1)} ${pick(PROJECTS)}` : `${pick(PRODUCTS)} Q${1 + Math.floor(rand() * 4)}`;
      const deal = add(DEAL, {
        dealname,
        dealstage: open ? pick(DEAL_STAGES_OPEN) : rand() < 0.5 ? 'closedwon' : 'closedlost',
        amount: String(1000 + Math.floor(rand() * 90_000)),
        pipeline: 'default',
      }, createdAgo, createdAgo * (open ? rand() * 0.3 : rand()));
      entry.deals.push(deal.id);
      pairs.dealCompany.push([deal.id, company.id]);
      for (const p of people) pairs.contactDeal.push([p, deal.id]);
    }
    const ticketCount = Math.floor(size * 0.25 * 2 * rand());
    for (let k = 0; k < ticketCount; k++) {
      const createdAgo = rand() * 700;
      const open = createdAgo < 30 ? rand() < 0.8 : rand() < 0.05;
      const ticket = add(TICKET, { subject: `${pick(ISSUES)} ${pick(PRODUCTS)}`, hs_pipeline: '0', hs_pipeline_stage: open ? pick(['1', '2', '3']) : '4' }, createdAgo, createdAgo * rand() * 0.5);
      entry.tickets.push(ticket.id);
      pairs.ticketCompany.push([ticket.id, company.id]);
      const n = Math.min(entry.contacts.length, 1 + (rand() < 0.3 ? 1 : 0));
      const people = new Set<number>();
      while (people.size < n) people.add(keyPerson(entry.contacts));
      for (const p of people) pairs.contactTicket.push([p, ticket.id]);
      if (entry.deals.length > 0 && rand() < 0.3) pairs.dealTicket.push([pick(entry.deals), ticket.id]);
    }
  }
  // decoy: some contacts also work with a second, unrelated company
  const allContacts = records.filter((r) => r.type === CONTACT);
  for (const c of allContacts) {
    if (rand() < 0.05) {
      const other = pick(companies);
      if (other.id !== primary.get(c.id)) pairs.contactCompany.push([c.id, other.id]);
    }
  }
  if (options.pairsTarget) {
    const allDeals = records.filter((r) => r.type === DEAL);
    const seen = new Set(pairs.contactDeal.map(([c, d]) => `${c}:${d}`));
    let total = Object.values(pairs).reduce((s, p) => s + p.length, 0) + primary.size;
    while (total < options.pairsTarget) {
      const c = allContacts[Math.floor(allContacts.length * rand())]!.id;
      const d = allDeals[Math.floor(allDeals.length * rand() ** 1.5)]!.id;
      const key = `${c}:${d}`;
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.contactDeal.push([c, d]);
      total++;
    }
  }
  return { records, byId, pairs, primary, companies };
}
