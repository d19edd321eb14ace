import personalDomains from 'email-providers/all.json' with { type: 'json' };
import { parse } from 'tldts';
import { normalizeDomain } from '../../../shared/records.ts';

/**
 * Email and company domains (R18). Personal mail domains come from a maintained list (the
 * `email-providers` package, about 8,700 providers), never from a hand-written one; registrable
 * domains come from the public suffix list (`tldts`). Used by recommendations and by automatic
 * association by domain.
 */

const PERSONAL = new Set<string>(personalDomains as string[]);

/** The normalized domain of an email address, or null when the address has none. */
export function emailDomain(email: string | null | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  return normalizeDomain(email.slice(at + 1));
}

/**
 * The registrable domain (`mail.acme.co.uk` → `acme.co.uk`), per the public suffix list. Private
 * suffixes count (`acme.github.io` stays itself), so two tenants of a hosting suffix never merge.
 */
export function registrableDomain(domain: string): string | null {
  const p = parse(domain, { allowPrivateDomains: true });
  if (p.isIp || !p.domain) return null;
  return p.domain;
}

/** A personal mail provider's domain (gmail.com, outlook.com, ..., and their subdomains): never a company (R18). */
export function isPersonalDomain(domain: string): boolean {
  if (PERSONAL.has(domain)) return true;
  const registrable = registrableDomain(domain);
  return registrable !== null && PERSONAL.has(registrable);
}

/** A domain to look a company up by: the exact one first, the registrable one when no company has the exact one. */
export interface CompanyDomainKey {
  exact: string;
  /** null when the exact domain is already registrable. */
  registrable: string | null;
}

/** The company lookup key of an email address or domain; null for personal and invalid ones. */
export function companyDomainKey(emailOrDomain: string | null | undefined): CompanyDomainKey | null {
  if (!emailOrDomain) return null;
  const exact = emailOrDomain.includes('@') ? emailDomain(emailOrDomain) : normalizeDomain(emailOrDomain);
  if (!exact || isPersonalDomain(exact)) return null;
  const registrable = registrableDomain(exact);
  if (registrable === null) return null;
  return { exact, registrable: registrable === exact ? null : registrable };
}

/** A company name to propose for a domain nobody has yet: `acme-tools.co.uk` → `Acme Tools`. */
export function companyNameForDomain(domain: string): string {
  const p = parse(domain, { allowPrivateDomains: true });
  const base = p.domainWithoutSuffix || domain.split('.')[0] || domain;
  return base
    .split(/[-_]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

/** Whether an address is on one of the given domains (or their subdomains). */
export function onDomains(email: string, domains: readonly string[]): boolean {
  const d = emailDomain(email);
  if (!d) return false;
  return domains.some((x) => {
    const n = x ? normalizeDomain(x) : null;
    return n !== null && (d === n || d.endsWith(`.${n}`));
  });
}
