/**
 * Addresses as the rest of the companion sees them: lowercased, trimmed, deduplicated, and never the
 * rep's own (the signed-in account, the options page's list) or a colleague's (internal domains).
 */
import type { Participant, ParticipantRole } from './types.ts';

/** One sighting of an address on the page; `collectParticipants` merges the sightings. */
export interface Sighting {
  email: string;
  name: string;
  role: ParticipantRole;
}

const ROLE_ORDER: readonly ParticipantRole[] = ['from', 'to', 'cc', 'bcc'];

// Deliberately plain: a local part, an @, and a dotted domain, whose labels may be in any script
// (jan@bücher.de; the server looks it up in its ASCII form). Webmail pages hold real addresses;
// this only has to tell an address from the text around it.
const ADDRESS = /[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+/giu;
const WHOLE_ADDRESS = new RegExp(`^${ADDRESS.source}$`, 'iu');

/** The address in a raw value (`Ann <ann@x.com>`, `mailto:ann@x.com?subject=…`, ` ANN@X.COM `), or null. */
export function normaliseAddress(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let value = raw.trim();
  if (/^mailto:/i.test(value)) value = safeDecode(value.slice(7).split('?')[0]!.split(',')[0]!);
  const angled = /<([^<>]+)>/.exec(value);
  if (angled) value = angled[1]!;
  value = value.trim().toLowerCase();
  return WHOLE_ADDRESS.test(value) ? value : null;
}

/** Every address written in a piece of text, in order, lowercased (duplicates kept). */
export function addressesIn(text: string): string[] {
  return Array.from(text.matchAll(ADDRESS), (m) => m[0].replace(/\.+$/, '').toLowerCase());
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `@Acme.com`, `*.acme.com`, ` acme.com. ` → `acme.com`; empty when nothing usable is left. */
export function normaliseDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/^\*?\.|^@/, '').replace(/\.$/, '');
}

/**
 * Decides which addresses are participants: not one of `own` and not in an internal domain
 * (`acme.com` covers `acme.com` and every subdomain such as `eu.acme.com`, never `notacme.com`).
 */
export function participantFilter(own: Iterable<string>, internalDomains: Iterable<string>): (email: string) => boolean {
  const ownSet = new Set<string>();
  for (const address of own) {
    const normalised = normaliseAddress(address);
    if (normalised) ownSet.add(normalised);
  }
  const domains = Array.from(internalDomains, normaliseDomain).filter((d) => d.length > 0);
  return (email) => {
    if (ownSet.has(email)) return false;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    return !domains.some((d) => domain === d || domain.endsWith(`.${d}`));
  };
}

/**
 * Merges sightings into participants: one per address (first sighting's position), every role it
 * had (from/to/cc/bcc order), the first real display name seen. Addresses `keep` refuses are left out.
 */
export function collectParticipants(sightings: Iterable<Sighting>, keep: (email: string) => boolean): Participant[] {
  const byEmail = new Map<string, { name: string; roles: Set<ParticipantRole> }>();
  for (const sighting of sightings) {
    const email = normaliseAddress(sighting.email);
    if (!email || !keep(email)) continue;
    const name = cleanName(sighting.name, email);
    const seen = byEmail.get(email);
    if (seen) {
      seen.roles.add(sighting.role);
      if (!seen.name) seen.name = name;
    } else {
      byEmail.set(email, { name, roles: new Set([sighting.role]) });
    }
  }
  return Array.from(byEmail, ([email, { name, roles }]) => ({
    email,
    name,
    roles: ROLE_ORDER.filter((role) => roles.has(role)),
  }));
}

/** A display name without quotes or extra spaces; '' when the page only repeats the address. */
function cleanName(raw: string, email: string): string {
  const name = raw.replace(/\s+/g, ' ').trim().replace(/^["']+|["']+$/g, '').trim();
  return name.toLowerCase() === email || normaliseAddress(name) === email ? '' : name;
}
