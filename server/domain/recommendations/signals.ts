import { COMPANY, CONTACT, DEAL, TICKET } from '../../../shared/objects.ts';

/**
 * The signals a recommendation is scored on, their weights and their limits. SQL (sql.ts) turns
 * them into one weight per signal and candidate; ranking (ranking.ts) turns those into reasons.
 *
 * A candidate's score is the sum of its reasons' weights:
 * - evidence: shared associations, participants, domain, name, a related company's name or domain
 *   in a deal's or ticket's name, colleagues' deals and tickets, subject, search text. Each path
 *   through a shared record counts `specificity(fan-out)` = 1 / log2(2 + n), n being how many
 *   records of the target type hang off that shared record: a company with 5 contacts says more
 *   than one with 5,000. Name tokens count the same way by how many targets carry them.
 * - status and recency multiply the evidence (open deals and tickets before closed ones, recent
 *   before old), so they reorder related records but never lift an unrelated one above them;
 *   so does engagement when contacts are recommended for a deal or ticket: the account's key
 *   people, already on other deals (tickets), before colleagues who never are.
 * - a record with no evidence at all only appears to fill a short list (newest first), after every
 *   record with evidence whatever its score, and is marked as having none.
 */
export const WEIGHTS = {
  /** Per path through a shared associated record, times its specificity. */
  shared: 1,
  /** Thread: per participant linked directly to the candidate. */
  participant: 1.5,
  /** Thread: extra when the candidate is that participant's primary company. */
  primaryCompany: 0.5,
  /** A company with the email domain of the source contact(s) / participant(s). */
  domainCompany: 1.5,
  /** A company with the same domain as the source's own company. */
  domainSibling: 0.6,
  /** A contact whose email is on the domain of the source company. */
  domainContact: 1.2,
  /** A contact on the same email domain as the source contact, times specificity. */
  domainColleague: 0.6,
  /** A deal or ticket of a company with the source's domain, times specificity. */
  domainRecord: 0.6,
  /** Registrable-domain matches (mail.acme.com → acme.com) count this much of an exact one. */
  registrableFactor: 0.8,
  /** Per name token shared with the source, times specificity. */
  name: 0.8,
  /**
   * A deal or ticket whose name contains the name (without legal form) or the domain of a related
   * company (the source company, the source's or the participants' companies) that it is not yet
   * associated with, times specificity (how many such records carry it).
   */
  companyInName: 1,
  /**
   * A deal or ticket of colleagues at a related company (its other contacts), not associated with
   * that company itself, times specificity (how many such records the company's contacts have).
   */
  colleagues: 0.6,
  /** Per subject token shared with the thread's subject, times specificity. */
  subject: 1,
  /** Per token of a signature in the thread shared with a company's name, times specificity. */
  signature: 1,
  /** Matches what the rep typed (search, R5). */
  query: 0.5,
  /** Multipliers of the evidence. */
  open: 0.25,
  recency: 0.25,
  recencyHalfLifeDays: 60,
  /** Multiplier for a contact already on other deals (tickets) when recommending contacts for one. */
  engagement: 1.2,
  /** A record without evidence, shown only to fill the list. */
  fill: 0.02,
} as const;

export const CAPS = {
  /** Source's associated records looked through (newest first). */
  neighbours: 200,
  /**
   * Of a shared record with more targets than this (a hub), only this many count: the most engaged,
   * open and recently updated ones (the order ranking gives records tied on evidence).
   */
  fanOut: 100,
  /** Of a hub, the newest this many targets are the ones that choice is made among (one record read each). */
  hubPool: 400,
  /** A name token carried by more targets than this says nothing. */
  tokenHits: 50,
  tokens: 8,
  /** Candidates read and scored, the best by evidence (status and recency only reorder them). */
  candidates: 300,
  /** Records matching the search text considered before ranking. */
  queryHits: 200,
  /** Other deals (tickets) of a candidate contact counted for engagement; this many is full weight. */
  engagement: 8,
  /** Related companies whose names, domains and contacts are looked through. */
  companies: 10,
  /** Deals (tickets) read per colleague. */
  colleagueRecords: 20,
  /** Contacts' email domains of a deal or ticket looked at. */
  sourceDomains: 10,
} as const;

export type WeightSet = typeof WEIGHTS;

/** Name parts too common to mean anything (particles, legal forms). */
export const STOP_TOKENS = [
  'de', 'den', 'der', 'het', 'van', 'von', 'di', 'da', 'la', 'le', 'du', 'el', 'the', 'and', 'of', 'en', 'und',
  'inc', 'ltd', 'llc', 'bv', 'nv', 'gmbh', 'ag', 'sa', 'sas', 'srl', 'plc', 'co', 'corp', 'company', 'group',
];

/** Legal forms left out of a company's name before looking for it in a deal's or ticket's name. */
export const LEGAL_FORMS = ['inc', 'ltd', 'llc', 'bv', 'nv', 'gmbh', 'ag', 'sa', 'sas', 'srl', 'plc', 'co', 'corp'];

/** Object types that have an open/closed status. */
export function hasStatus(typeId: string): typeId is typeof DEAL | typeof TICKET {
  return typeId === DEAL || typeId === TICKET;
}

/** Whether the engagement multiplier applies: contacts recommended for a deal or a ticket. */
export function engages(sourceType: string, targetType: string): boolean {
  return targetType === CONTACT && (sourceType === DEAL || sourceType === TICKET);
}

/** Object types with a name-search index (records_name_*). */
export function hasNameIndex(typeId: string): boolean {
  return typeId === CONTACT || typeId === COMPANY || typeId === DEAL || typeId === TICKET;
}

/** The text a record's name signal compares, per standard type. */
export function nameTextOf(typeId: string, props: Record<string, string | null | undefined>): string {
  switch (typeId) {
    case CONTACT:
      return [props.firstname, props.lastname].filter(Boolean).join(' ');
    case COMPANY:
      return props.name ?? '';
    case DEAL:
      return props.dealname ?? '';
    case TICKET:
      return props.subject ?? '';
    default:
      return '';
  }
}
