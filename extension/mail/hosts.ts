/**
 * The webmails the companion opens beside (X1), written once: each host and the adapter that reads
 * its pages. The manifest's content script matches and host permissions, the background's list of
 * webmail tabs and `watchMail`'s choice of adapter are all made from this.
 */
import type { MailProvider } from './types.ts';

export const WEBMAIL_HOSTS = {
  'mail.google.com': 'gmail',
  'outlook.office.com': 'outlook',
  'outlook.office365.com': 'outlook',
  'outlook.live.com': 'outlook',
} as const satisfies Record<string, Exclude<MailProvider, 'generic'>>;

/** Match patterns (manifest, tabs.query): every page of each webmail host, over HTTPS only. */
export const WEBMAIL_MATCHES: string[] = Object.keys(WEBMAIL_HOSTS).map((host) => `https://${host}/*`);

/** Which webmail a host name belongs to; any other host gets the generic reader. */
export function providerFor(hostname: string): MailProvider {
  return (WEBMAIL_HOSTS as Record<string, MailProvider>)[hostname.toLowerCase()] ?? 'generic';
}
