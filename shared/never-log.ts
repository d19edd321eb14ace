/**
 * B8: the never-log rule, free of other modules so the mail content script can carry it. An
 * entry is an address (`lee@private.example`) or a domain (`private.example`, which also covers
 * its subdomains); a leading `@` before a domain is ignored.
 *
 * Answers the entry an address falls under, or null when it may be logged. Every logging path
 * (the server's logging routes, the sidebar, the thread's log defaults) asks this one function.
 */
export function neverLogMatch(address: string, list: readonly string[]): string | null {
  const email = address.trim().toLowerCase();
  const domain = email.slice(email.lastIndexOf('@') + 1);
  for (const raw of list) {
    const entry = raw.trim().toLowerCase().replace(/^@/, '');
    if (entry === '') continue;
    if (entry.includes('@') ? entry === email : domain === entry || domain.endsWith(`.${entry}`)) return raw;
  }
  return null;
}
