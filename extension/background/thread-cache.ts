import { COMPANION_LIMITS, type CompanionThreadResponse, type ContactCompany, type ContactSummary, type OpenRecord } from '../../shared/companion.ts';
import { DEAL, TICKET } from '../../shared/objects.ts';
import { isOpen } from '../../shared/pipelines.ts';
import type { FetchLike } from '../api/client.ts';
import { readAssociations, readRecords, recordName } from '../api/reads.ts';
import { closedStages, type StageBook, stageLabelIn } from '../api/stages.ts';
import type { Cache, CachedAssociation, CachedRecord, RecordInput } from '../cache/index.ts';
import type { MailThread } from '../mail/types.ts';
import type { Connection } from '../settings.ts';

/** HubSpot's association type id of a contact's primary company. */
const PRIMARY_COMPANY = 1;
const ASSOCIATED_TYPES = ['companies', 'deals', 'tickets'] as const;

/**
 * The sidebar's answer from the cache alone (X4: cache first, server second), or null when the
 * cache cannot answer for every participant: only when each one is a cached live contact whose
 * associations were loaded, so it never shows a known person as unknown. Recommendations need the
 * server; the cached answer has none, and the server's answer follows it. `stages`: the
 * workspace's stages as the companion last read them, for open or closed and the stage labels.
 */
export async function cachedThreadView(cache: Cache, thread: MailThread, ownAddresses: readonly string[], stages: StageBook): Promise<CompanionThreadResponse | null> {
  const own = new Set(ownAddresses.map((a) => a.toLowerCase()));
  const people = thread.participants.filter((p) => !own.has(p.email.toLowerCase()));
  if (people.length === 0) return null;
  const participants: CompanionThreadResponse['participants'] = [];
  const summaries: Record<string, ContactSummary> = {};
  const logDefaults: CompanionThreadResponse['logDefaults'] = [];
  for (const p of people) {
    const contact = await cache.contactByEmail(p.email);
    if (!contact) return null;
    const associations = await cache.associationsOf(contact.id);
    if (!associations) return null;
    const summary = await summaryOf(cache, contact, associations, stages);
    summaries[contact.id] = summary;
    participants.push({ email: p.email, name: p.name || null, contact: { id: contact.id, name: summary.name, primaryCompany: summary.primaryCompany }, proposedCompany: null });
    logDefaults.push({ objectType: 'contacts', id: contact.id });
    if (summary.primaryCompany && !logDefaults.some((d) => d.id === summary.primaryCompany!.id)) logDefaults.push({ objectType: 'companies', id: summary.primaryCompany.id });
  }
  return { recommendations: [], participants, logDefaults, summaries };
}

/** The contact's companies as the server lists them: primary first, then by id. */
async function companiesOf(cache: Cache, links: CachedAssociation[]): Promise<ContactCompany[]> {
  const sorted = [...links].sort((a, b) => Number(b.typeIds.includes(PRIMARY_COMPANY)) - Number(a.typeIds.includes(PRIMARY_COMPANY)) || Number(a.toId) - Number(b.toId));
  const out: ContactCompany[] = [];
  for (const a of sorted.slice(0, COMPANION_LIMITS.companies)) {
    const r = await cache.getRecord(a.toId);
    out.push({ id: a.toId, name: recordName('companies', a.toId, r?.properties ?? {}), primary: a.typeIds.includes(PRIMARY_COMPANY), typeIds: [...a.typeIds].sort((x, y) => x - y) });
  }
  return out;
}

async function summaryOf(cache: Cache, contact: CachedRecord, associations: CachedAssociation[], stages: StageBook): Promise<ContactSummary> {
  const of = (type: string) => associations.filter((a) => a.toType === type);
  const primary = of('companies').find((a) => a.typeIds.includes(PRIMARY_COMPANY));
  const primaryRecord = primary ? await cache.getRecord(primary.toId) : undefined;
  const open = async (type: 'deals' | 'tickets') => {
    const typeId = type === 'deals' ? DEAL : TICKET;
    const closed = closedStages(stages, typeId);
    const found: OpenRecord[] = [];
    for (const a of of(type)) {
      const r = await cache.getRecord(a.toId);
      if (!r || r.status !== 'live') continue;
      if (!isOpen(typeId, r.properties, closed)) continue;
      const stage = (type === 'deals' ? r.properties.dealstage : r.properties.hs_pipeline_stage) ?? null;
      found.push({ id: r.id, name: recordName(type, r.id, r.properties), stage, stageLabel: stageLabelIn(stages, typeId, stage), typeIds: [...a.typeIds].sort((x, y) => x - y) });
    }
    return found.slice(0, COMPANION_LIMITS.topOpen);
  };
  return {
    id: contact.id,
    name: recordName('contacts', contact.id, contact.properties),
    email: contact.email ?? null,
    primaryCompany: primary ? { id: primary.toId, name: recordName('companies', primary.toId, primaryRecord?.properties ?? {}) } : null,
    counts: { companies: of('companies').length, deals: of('deals').length, tickets: of('tickets').length },
    openDeals: await open('deals'),
    openTickets: await open('tickets'),
    companies: await companiesOf(cache, of('companies')),
  };
}

/**
 * Stores what a server read of a thread showed: its contacts (properties read in one batch), the
 * named companies, open deals and tickets, and each contact's associations (one batch read per
 * type). A contact whose associations did not fit one page keeps them unloaded, so the cache
 * never claims to know all of them.
 */
export async function storeThreadView(cache: Cache, connection: Connection, view: CompanionThreadResponse, fetchImpl?: FetchLike): Promise<void> {
  const ids = Object.keys(view.summaries);
  if (ids.length === 0) return;
  const contacts = await readRecords(connection, 'contacts', ids, ['email', 'firstname', 'lastname'], fetchImpl);
  const records: RecordInput[] = contacts.results.map((r) => ({ objectType: 'contacts', id: String(r.id), properties: r.properties }));
  for (const s of Object.values(view.summaries)) {
    if (s.primaryCompany) records.push({ objectType: 'companies', id: s.primaryCompany.id, properties: { name: s.primaryCompany.name } });
    for (const k of s.companies) records.push({ objectType: 'companies', id: k.id, properties: { name: k.name } });
    for (const d of s.openDeals) records.push({ objectType: 'deals', id: d.id, properties: { dealname: d.name, dealstage: d.stage } });
    for (const t of s.openTickets) records.push({ objectType: 'tickets', id: t.id, properties: { subject: t.name, hs_pipeline_stage: t.stage } });
  }
  // a record read in full stays as it is: only records the cache does not hold take these partial properties
  const fresh: RecordInput[] = [];
  for (const r of records) if (r.objectType === 'contacts' || !(await cache.getRecord(r.id))) fresh.push(r);
  await cache.putRecords(fresh);

  const pages = await Promise.all(
    ASSOCIATED_TYPES.map((type) =>
      readAssociations(connection, 'contacts', type, ids, fetchImpl).then((page) => ({ type, page })),
    ),
  );
  const byContact = new Map<string, Array<Omit<CachedAssociation, 'fromId'>>>();
  const incomplete = new Set<string>();
  for (const id of contacts.results.map((r) => String(r.id))) byContact.set(id, []);
  for (const { type, page } of pages) {
    // a contact this type's read did not answer for (an error in a 207) is not known in full
    const answered = new Set(page.results.map((one) => String(one.from.id)));
    for (const id of byContact.keys()) if (!answered.has(id)) incomplete.add(id);
    for (const one of page.results) {
      const list = byContact.get(String(one.from.id));
      if (!list) continue;
      if (one.paging) incomplete.add(String(one.from.id));
      for (const to of one.to) list.push({ toType: type, toId: String(to.toObjectId), typeIds: to.associationTypes.map((t) => t.typeId) });
    }
  }
  for (const [id, list] of byContact) if (!incomplete.has(id)) await cache.putAssociations(id, list);
}
