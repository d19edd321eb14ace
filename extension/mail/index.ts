/**
 * The companion's way into a webmail page (X1): `watchMail` picks the adapter for the page's host and
 * reports the open thread as typed events. Nothing outside mail/ sees the page's markup.
 */
import { genericAdapter } from './generic/adapter.ts';
import { gmailAdapter } from './gmail/adapter.ts';
import { outlookAdapter } from './outlook/adapter.ts';
import type { MailProvider, MailWatcher, WatchOptions } from './types.ts';
import { watch, type Adapter } from './watch.ts';

export type { MailEvent, MailProvider, MailThread, MailWatcher, Participant, ParticipantRole, WatchOptions } from './types.ts';

const ADAPTERS: Record<MailProvider, Adapter> = { gmail: gmailAdapter, outlook: outlookAdapter, generic: genericAdapter };

const HOSTS: Record<string, MailProvider> = {
  'mail.google.com': 'gmail',
  'outlook.office.com': 'outlook',
  'outlook.office365.com': 'outlook',
  'outlook.live.com': 'outlook',
};

/** Which webmail a host name belongs to; any other host gets the generic reader. */
export function providerFor(hostname: string): MailProvider {
  return HOSTS[hostname.toLowerCase()] ?? 'generic';
}

export function watchMail(options: WatchOptions): MailWatcher {
  const provider = providerFor(options.document.location.hostname);
  return watch(ADAPTERS[provider], options);
}
