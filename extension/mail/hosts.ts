/**
 * The webmails the companion opens beside (X1), written once: each host and the adapter that reads
 * its pages, and the demo mailbox. The manifest's content script matches and host permissions, the
 * background's list of webmail tabs and `watchMail`'s choice of adapter are all made from this.
 */
import { DEMO_MAIL_PATH } from '../../shared/api-paths.ts';
import type { MailProvider } from './types.ts';

export const WEBMAIL_HOSTS = {
  'mail.google.com': 'gmail',
  'outlook.office.com': 'outlook',
  'outlook.office365.com': 'outlook',
  'outlook.live.com': 'outlook',
} as const satisfies Record<string, Exclude<MailProvider, 'generic'>>;

/** Match patterns (manifest, tabs.query): every page of each webmail host, over HTTPS only. */
export const WEBMAIL_MATCHES: string[] = Object.keys(WEBMAIL_HOSTS).map((host) => `https://${host}/*`);

/**
 * The demo mailbox a CRM server on this machine serves with `--demo` (server/demo/mailbox.ts): Gmail's
 * page structure at /demo/mail on the loopback addresses the extension already holds. Only that
 * path: the companion runs on no other page of the server, nor on other local pages.
 */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost'];
export const DEMO_MAIL_MATCHES: string[] = LOOPBACK_HOSTS.map((host) => `http://${host}${DEMO_MAIL_PATH}*`);

/** Where the companion runs (content scripts, the background's webmail tabs): the webmails and the demo mailbox. */
export const MAIL_MATCHES: string[] = [...WEBMAIL_MATCHES, ...DEMO_MAIL_MATCHES];

/** Which webmail a host name belongs to; any other host gets the generic reader. */
export function providerFor(hostname: string): MailProvider {
  return (WEBMAIL_HOSTS as Record<string, MailProvider>)[hostname.toLowerCase()] ?? 'generic';
}

/** Which webmail a page is: by host, and the demo mailbox (read as Gmail) by its loopback address and path. */
export function providerOf(location: { protocol: string; hostname: string; pathname: string }): MailProvider {
  if (isDemoMailbox(location)) return 'gmail';
  return providerFor(location.hostname);
}

export function isDemoMailbox(location: { protocol: string; hostname: string; pathname: string }): boolean {
  return location.protocol === 'http:' && LOOPBACK_HOSTS.includes(location.hostname.toLowerCase()) && (location.pathname === DEMO_MAIL_PATH || location.pathname === `${DEMO_MAIL_PATH}/`);
}
