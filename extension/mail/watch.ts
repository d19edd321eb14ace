/**
 * The part every adapter shares: watch the page with one MutationObserver (plus the URL's hash), read
 * the open thread after each burst of changes, and turn the difference into typed events.
 */
import { collectParticipants, normaliseAddress, participantFilter, type Sighting } from './address.ts';
import type { MailEvent, MailMessage, MailProvider, MailThread, MailWatcher, WatchOptions } from './types.ts';

/** What an adapter reads off the page; the watcher filters and merges the sightings. */
export interface ThreadReading {
  threadId: string;
  subject: string;
  messageIds: string[];
  sightings: Sighting[];
  /** The messages one by one, when the adapter reads them so. */
  messages?: MailMessage[];
  /**
   * Other ids the webmail has for this thread that an address may name (Gmail's legacy hex thread
   * id): the address moving from one of them to another name is the same thread, not a move.
   */
  aliases?: string[];
  /**
   * Other thread views the page shows at the same time, in page order (Gmail, for a moment, while
   * it builds the next thread's view before hiding the previous one): when this reading is the
   * previous thread's, left on screen, the watcher takes the first of these that is not.
   */
  alsoShown?: ThreadReading[];
}

/** One webmail's knowledge of its markup. Both readers take the document and never keep it. */
export interface Adapter {
  provider: MailProvider;
  /** The open thread, or null when none is open (inbox, settings, a list). */
  readThread(document: Document): ThreadReading | null;
  /** The signed-in account's address as the page shows it, or null. */
  readAccount(document: Document): string | null;
  /**
   * The address's name for the open thread (Gmail: the hash's last segment; Outlook: the id in the
   * path), or null when the address names none (a list, settings). Lets the watcher tell a thread it
   * cannot read, or a view the webmail has not replaced yet, from no thread at all.
   */
  threadInUrl?(location: Location): string | null;
}

/** Reads the page once, as `watch` would: the thread with the rep's addresses left out. */
export function readThreadOnce(adapter: Adapter, options: Omit<WatchOptions, 'onEvent'>): MailThread | null {
  const account = normaliseAddress(adapter.readAccount(options.document));
  return toThread(adapter, options, account);
}

function toThread(adapter: Adapter, options: Omit<WatchOptions, 'onEvent'>, account: string | null): MailThread | null {
  const reading = adapter.readThread(options.document);
  return reading ? toReadThread(adapter, reading, options, account).thread : null;
}

interface ReadThread {
  thread: MailThread;
  /** The page showed at least one address for it (a thread without is not read yet). */
  addressed: boolean;
  aliases: string[];
}

function toReadThread(adapter: Adapter, reading: ThreadReading, options: Omit<WatchOptions, 'onEvent'>, account: string | null): ReadThread {
  const keep = participantFilter(account ? [...options.ownAddresses, account] : options.ownAddresses, options.internalDomains);
  const thread: MailThread = {
    provider: adapter.provider,
    threadId: reading.threadId,
    subject: reading.subject,
    messageIds: reading.messageIds,
    participants: collectParticipants(reading.sightings, keep),
    ...(reading.messages ? { messages: reading.messages } : {}),
  };
  return { thread, addressed: reading.sightings.length > 0, aliases: reading.aliases ?? [] };
}

/** Whether a thread read off the page is the one the address names by `key` (Outlook names a message of it; Gmail may name the legacy id). */
function explains(thread: MailThread, aliases: readonly string[], key: string): boolean {
  return thread.threadId === key || aliases.includes(key) || thread.messageIds.includes(key) || thread.messageIds.some((id) => id.endsWith(`:${key}`));
}

/** Whether nothing the thread reports changed, its messages' details (a message expanded, its text shown) included. */
function sameThread(a: MailThread, b: MailThread): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Starts watching. Events arrive asynchronously: the page is read in a microtask after a burst of
 * mutations (or a hash change), so one DOM swap gives one read, and the thread already open when
 * watching starts is reported the same way. `stop()` disconnects the observer and the listeners; a
 * read already queued is dropped.
 *
 * The address and the page disagree for a moment on every move (the hash changes, then the view):
 * while the address names a thread the page does not show readably, nothing is reported, for up to
 * `unreadableAfterMs`; after that the thread shown is closed (it is not the one open) and
 * `threadUnreadable` says so. The previous thread's people are never reported for the next one.
 */
export function watch(adapter: Adapter, options: WatchOptions): MailWatcher {
  const { document, onEvent } = options;
  const view = document.defaultView;
  const graceMs = options.unreadableAfterMs ?? 1500;
  let account = normaliseAddress(adapter.readAccount(document));
  let current: MailThread | null = null;
  /** The last thread opened and the address's name for it then (kept after it closes). */
  let opened: { threadId: string; key: string | null } | null = null;
  /** The thread the address names but the page does not show readably, once reported (its key). */
  let unreadable: { key: string } | null = null;
  let deadline: ReturnType<typeof setTimeout> | null = null;
  let queued = false;
  let stopped = false;

  const emit = (event: MailEvent) => {
    if (!stopped) onEvent(event);
  };
  const clearDeadline = () => {
    if (deadline !== null) (view ?? globalThis).clearTimeout(deadline);
    deadline = null;
  };

  const read = (late = false) => {
    queued = false;
    if (stopped) return;
    account = normaliseAddress(adapter.readAccount(document)) ?? account;
    const key = adapter.threadInUrl?.(document.location) ?? null;
    // the page still shows the thread opened under another address, which does not name it
    // (an address rewritten from one of the thread's own ids, e.g. Gmail's legacy id, is no move)
    const isStale = (candidate: ReadThread) =>
      key !== null &&
      opened !== null &&
      opened.key !== null &&
      candidate.thread.threadId === opened.threadId &&
      key !== opened.key &&
      !explains(candidate.thread, candidate.aliases, key) &&
      !candidate.aliases.includes(opened.key);
    const reading = adapter.readThread(document);
    let found = reading ? toReadThread(adapter, reading, options, account) : null;
    // the previous thread's view still on screen beside the next one's: the next one is the open thread
    if (found && isStale(found)) {
      for (const other of reading!.alsoShown ?? []) {
        const candidate = toReadThread(adapter, other, options, account);
        if (!isStale(candidate)) {
          found = candidate;
          break;
        }
      }
    }
    const next = found?.thread ?? null;
    const stale = found !== null && isStale(found);
    const readable = next !== null && found!.addressed && !stale;

    if (!readable && key !== null) {
      // a thread is open by the address, and not (yet) readable: wait, then say so
      if (unreadable?.key === key) return;
      // the page no longer shows the open thread (nothing, or another not yet readable): it closes now
      if (current && (!next || next.threadId !== current.threadId)) {
        emit({ type: 'threadClosed', threadId: current.threadId });
        current = null;
      }
      if (!late) {
        if (deadline === null) deadline = (view ?? globalThis).setTimeout(() => {
          deadline = null;
          read(true);
        }, graceMs);
        return;
      }
      if (current) emit({ type: 'threadClosed', threadId: current.threadId });
      if (unreadable) emit({ type: 'threadClosed', threadId: unreadable.key });
      unreadable = { key };
      current = null;
      emit({ type: 'threadUnreadable', threadId: key, subject: stale ? '' : (next?.subject ?? '') });
      return;
    }
    clearDeadline();
    if (unreadable) {
      emit({ type: 'threadClosed', threadId: unreadable.key });
      unreadable = null;
    }
    const previous = current;
    current = readable ? next : null;
    if (previous && (!current || current.threadId !== previous.threadId)) emit({ type: 'threadClosed', threadId: previous.threadId });
    if (!current) return;
    if (!previous || previous.threadId !== current.threadId) {
      opened = { threadId: current.threadId, key };
      emit({ type: 'threadOpened', thread: current });
    } else {
      if (key !== null) opened = { threadId: current.threadId, key };
      if (!sameThread(previous, current)) emit({ type: 'threadUpdated', thread: current });
    }
  };

  const schedule = () => {
    if (queued || stopped) return;
    queued = true;
    queueMicrotask(() => read());
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
      clearDeadline();
      observer.disconnect();
      view?.removeEventListener('hashchange', schedule);
      view?.removeEventListener('popstate', schedule);
    },
  };
}
