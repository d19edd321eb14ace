/**
 * The part every adapter shares: watch the page with one MutationObserver (plus the URL's hash), read
 * the open thread after each burst of changes, and turn the difference into typed events.
 */
import { collectParticipants, normaliseAddress, participantFilter, type Sighting } from './address.ts';
import type { MailEvent, MailProvider, MailThread, MailWatcher, WatchOptions } from './types.ts';

/** What an adapter reads off the page; the watcher filters and merges the sightings. */
export interface ThreadReading {
  threadId: string;
  subject: string;
  messageIds: string[];
  sightings: Sighting[];
}

/** One webmail's knowledge of its markup. Both readers take the document and never keep it. */
export interface Adapter {
  provider: MailProvider;
  /** The open thread, or null when none is open (inbox, settings, a list). */
  readThread(document: Document): ThreadReading | null;
  /** The signed-in account's address as the page shows it, or null. */
  readAccount(document: Document): string | null;
}

/** Reads the page once, as `watch` would: the thread with the rep's addresses left out. */
export function readThreadOnce(adapter: Adapter, options: Omit<WatchOptions, 'onEvent'>): MailThread | null {
  const account = normaliseAddress(adapter.readAccount(options.document));
  return toThread(adapter, options, account);
}

function toThread(adapter: Adapter, options: Omit<WatchOptions, 'onEvent'>, account: string | null): MailThread | null {
  const reading = adapter.readThread(options.document);
  if (!reading) return null;
  const keep = participantFilter(account ? [...options.ownAddresses, account] : options.ownAddresses, options.internalDomains);
  return {
    provider: adapter.provider,
    threadId: reading.threadId,
    subject: reading.subject,
    messageIds: reading.messageIds,
    participants: collectParticipants(reading.sightings, keep),
  };
}

function sameThread(a: MailThread, b: MailThread): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Starts watching. Events arrive asynchronously: the page is read in a microtask after a burst of
 * mutations (or a hash change), so one DOM swap gives one read, and the thread already open when
 * watching starts is reported the same way. `stop()` disconnects the observer and the listeners; a
 * read already queued is dropped.
 */
export function watch(adapter: Adapter, options: WatchOptions): MailWatcher {
  const { document, onEvent } = options;
  const view = document.defaultView;
  let account = normaliseAddress(adapter.readAccount(document));
  let current: MailThread | null = null;
  let queued = false;
  let stopped = false;

  const emit = (event: MailEvent) => {
    if (!stopped) onEvent(event);
  };

  const read = () => {
    queued = false;
    if (stopped) return;
    account = normaliseAddress(adapter.readAccount(document)) ?? account;
    const next = toThread(adapter, options, account);
    const previous = current;
    current = next;
    if (previous && (!next || next.threadId !== previous.threadId)) emit({ type: 'threadClosed', threadId: previous.threadId });
    if (!next) return;
    if (!previous || previous.threadId !== next.threadId) emit({ type: 'threadOpened', thread: next });
    else if (!sameThread(previous, next)) emit({ type: 'threadUpdated', thread: next });
  };

  const schedule = () => {
    if (queued || stopped) return;
    queued = true;
    queueMicrotask(read);
  };

  const observer = new (view?.MutationObserver ?? MutationObserver)(schedule);
  observer.observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    // what the adapters read: ids, addresses, collapsed/expanded state, hidden views
    attributeFilter: ['class', 'id', 'hidden', 'style', 'aria-expanded', 'aria-label', 'title', 'email', 'name', 'href',
      'data-message-id', 'data-legacy-message-id', 'data-thread-perm-id', 'data-legacy-thread-id', 'data-convid', 'data-itemid', 'aria-selected'],
  });
  view?.addEventListener('hashchange', schedule);
  view?.addEventListener('popstate', schedule);
  schedule();

  return {
    get account() {
      return account;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      observer.disconnect();
      view?.removeEventListener('hashchange', schedule);
      view?.removeEventListener('popstate', schedule);
    },
  };
}
