/**
 * HubSpot's `hs_email_headers` of a logged email: JSON with `from` (`{ email, firstName, lastName }`)
 * and lists `to`, `cc`, `bcc` of the same. The addresses it holds, and the calculated properties
 * HubSpot derives from it.
 */

export interface HeaderAddresses {
  from: string[];
  to: string[];
  cc: string[];
  bcc: string[];
}

const emailOf = (p: unknown): string[] =>
  typeof p === 'object' && p !== null && typeof (p as { email?: unknown }).email === 'string' && (p as { email: string }).email.includes('@') ? [(p as { email: string }).email.trim()] : [];

/** The addresses per header; null when the value is no such JSON. */
export function headerAddresses(headers: string | null | undefined): HeaderAddresses | null {
  if (!headers) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(headers);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const fields = parsed as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.flatMap(emailOf) : []);
  return { from: emailOf(fields.from), to: list(fields.to), cc: list(fields.cc), bcc: list(fields.bcc) };
}

/** The calculated address properties of an email, from its headers: `hs_email_from_email`, `hs_email_to_email` (`;`-separated); empty when the headers name none. */
export function derivedAddressProperties(headers: string | null | undefined): { hs_email_from_email: string; hs_email_to_email: string } {
  const h = headerAddresses(headers);
  return { hs_email_from_email: h?.from[0] ?? '', hs_email_to_email: (h?.to ?? []).join(';') };
}
