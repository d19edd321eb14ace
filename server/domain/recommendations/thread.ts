import { COMPANY, CONTACT, DEAL, standardObject, standardObjectById, TICKET } from '../../../shared/objects.ts';
import type { Recommendation, ThreadParticipant, ThreadRecommendationsBody, ThreadRecommendationsResponse } from '../../../shared/recommendations.ts';
import { normalizeEmail } from '../../../shared/records.ts';
import type { DbOrTx } from '../../db/client.ts';
import { parseRow } from '../../db/rows.ts';
import { displayName } from '../record-name.ts';
import type { Scope } from './access.ts';
import { companyDomainKey, companyNameForDomain, onDomains } from './domains.ts';
import { neverLogMatch } from '../../../shared/never-log.ts';
import { rank } from './ranking.ts';
import { runStatement } from '../../db/prepared.ts';
import { type ThreadParticipantInput, threadRow, threadStatement } from './sql.ts';

export interface ThreadParams extends ThreadRecommendationsBody {
  /** Clock of the recency signal (tests fix it). */
  now?: Date;
}

const nameOf = (typeId: string) => standardObjectById(typeId)?.name ?? typeId;

/** An address as contacts store it (an internationalized domain in ASCII), to look it up by. */
const storedAddress = (email: string) => normalizeEmail(email) ?? email.trim().toLowerCase();

/**
 * The participants to look at: each address once, without the rep's own addresses and the
 * workspace's internal domains (X1). `email` is the address as the thread has it (lower case),
 * `key` the form contacts store it in.
 */
export function threadParticipants(scope: Scope, body: Pick<ThreadRecommendationsBody, 'participants' | 'ownAddresses'>): Array<{ email: string; key: string; name: string | null }> {
  const own = new Set(body.ownAddresses.map(storedAddress));
  const seen = new Set<string>();
  const out: Array<{ email: string; key: string; name: string | null }> = [];
  for (const p of body.participants) {
    const email = p.email.trim().toLowerCase();
    const key = storedAddress(email);
    if (seen.has(key) || own.has(key) || onDomains(email, scope.internalDomains)) continue;
    seen.add(key);
    out.push({ email, key, name: p.name?.trim() || null });
  }
  return out;
}

/** Participants, ranked companies/deals/tickets, and what logging the email would associate (X2, R10, R18). */
export async function recommendForThread(db: DbOrTx, scope: Scope, body: ThreadParams): Promise<ThreadRecommendationsResponse> {
  const people = threadParticipants(scope, body);
  // each type once: a repeated one would name its part of the query twice
  const targets = [...new Set(body.objectTypes ?? ['companies', 'deals', 'tickets'])].map((t) => standardObject(t)!.typeId);
  const inputs: ThreadParticipantInput[] = people.map((p) => {
    const domain = companyDomainKey(p.key);
    return { email: p.key, exact: domain?.exact ?? null, registrable: domain?.registrable ?? null };
  });
  const statement = threadStatement(scope, {
    participants: inputs,
    userId: scope.userId,
    subject: body.subject ?? '',
    signature: body.signature ?? '',
    targets,
    limit: body.limit,
    now: (body.now ?? new Date()).toISOString(),
  });
  // the statement selects without a FROM: always one row
  const row = parseRow('recommendations: for a thread', threadRow, await runStatement(db, statement));
  const me = row.me;
  const contacts = new Map(row.contacts.map((c) => [c.email, c]));
  const primaries = new Map(row.primaries.map((c) => [c.email, c]));
  const domainCompanies = row.domain_companies;
  // what logging associates is chosen among all ranked records; a record already associated with
  // every contact of the thread is no recommendation (there is nothing left to associate)
  const ranked: Recommendation[] = rank(row.recommendations, { nameOf });
  const linkedAll = new Set(row.recommendations.filter((r) => r.linked_all).map((r) => `${nameOf(r.type_id)}:${r.id}`));
  const recommendations = ranked.filter((r) => !linkedAll.has(`${r.objectType}:${r.id}`));

  const participants: ThreadParticipant[] = [];
  for (const [i, p] of people.entries()) {
    if (p.key === me) continue;
    const contact = contacts.get(p.key);
    const primary = primaries.get(p.key);
    const key = inputs[i]!.exact;
    let proposedCompany: ThreadParticipant['proposedCompany'] = null;
    if (!primary && key) {
      const existing = domainCompanies.find((d) => d.key === key);
      if (existing) proposedCompany = { id: String(existing.id), name: displayName(COMPANY, existing.properties) ?? existing.domain, domain: existing.domain };
      else if (scope.autoCreateCompanies) {
        const domain = inputs[i]!.registrable ?? key;
        proposedCompany = { id: null, name: companyNameForDomain(domain), domain };
      }
    }
    participants.push({
      email: p.email,
      name: p.name ?? (contact ? displayName(CONTACT, contact.properties) : null),
      contact: contact
        ? {
            id: String(contact.id),
            name: displayName(CONTACT, contact.properties) ?? p.email,
            primaryCompany: primary ? { id: String(primary.id), name: displayName(COMPANY, primary.properties) ?? String(primary.id) } : null,
          }
        : null,
      proposedCompany,
    });
  }
  return { recommendations, participants, logDefaults: logDefaults(scope, participants, ranked) };
}

/**
 * What "log this email" associates by default: every known participant's contact (except
 * never-log addresses, B8), their primary companies (R10: not their other companies), and the
 * top-ranked deal and ticket when they are open and linked to a participant.
 */
function logDefaults(scope: Scope, participants: ThreadParticipant[], recommendations: Recommendation[]): Array<{ objectType: string; id: string }> {
  const out: Array<{ objectType: string; id: string }> = [];
  const seen = new Set<string>();
  const add = (objectType: string, id: string) => {
    if (seen.has(`${objectType}:${id}`)) return;
    seen.add(`${objectType}:${id}`);
    out.push({ objectType, id });
  };
  const logged = participants.filter((p) => p.contact && neverLogMatch(p.email, scope.neverLogAddresses) === null);
  for (const p of logged) add('contacts', p.contact!.id);
  for (const p of logged) if (p.contact!.primaryCompany) add('companies', p.contact!.primaryCompany.id);
  for (const type of [DEAL, TICKET]) {
    const name = nameOf(type);
    const top = recommendations.find((r) => r.objectType === name);
    const isOpen = top?.reasons.some((r) => r.kind === 'status');
    const linked = top?.reasons.some((r) => r.kind === 'participants');
    if (top && isOpen && linked) add(name, top.id);
  }
  return out;
}
