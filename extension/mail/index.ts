/**
 * The companion's way into a webmail page (X1): `watchMail` picks the adapter for the page's host (hosts.ts) and
 * reports the open thread as typed events. Nothing outside mail/ sees the page's markup.
 */
import { genericAdapter } from './generic/adapter.ts';
import { gmailAdapter } from './gmail/adapter.ts';
import { providerOf } from './hosts.ts';
import { outlookAdapter } from './outlook/adapter.ts';
import type { MailProvider, MailWatcher, WatchOptions } from './types.ts';
import { watch, type Adapter } from './watch.ts';

export type { MailEvent, MailProvider, MailThread, MailWatcher, Participant, ParticipantRole, WatchOptions } from './types.ts';

const ADAPTERS: Record<MailProvider, Adapter> = { gmail: gmailAdapter, outlook: outlookAdapter, generic: genericAdapter };

export function watchMail(options: WatchOptions): MailWatcher {
  const provider = providerOf(options.document.location);
  return watch(ADAPTERS[provider], options);
}
