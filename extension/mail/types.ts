/**
 * What the rest of the companion knows of a webmail page (X1): typed events, never DOM nodes.
 * Only the adapters under mail/<provider>/ know a webmail's markup.
 */

export type MailProvider = 'gmail' | 'outlook' | 'generic';
export type ParticipantRole = 'from' | 'to' | 'cc' | 'bcc';

export interface Participant {
  /** Lowercased, trimmed. */
  email: string;
  /** The display name as the page shows it; '' when none. */
  name: string;
  /** Every role the address has anywhere in the thread, in from/to/cc/bcc order. */
  roles: ParticipantRole[];
}

/** An address as a message shows it. */
export interface MailAddress {
  /** Lowercased, trimmed. */
  email: string;
  /** The display name; '' when none. */
  name: string;
}

/** The longest message text a reading keeps (characters); a longer one is cut there. */
export const MESSAGE_TEXT_MAX = 20_000;

/** One message of the thread as the page shows it, for logging it (R3). */
export interface MailMessage {
  /** The webmail's id of the message (one of `MailThread.messageIds`). */
  id: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  /** When it was sent, ISO 8601, or null when the page does not show it readably. */
  sentAt: string | null;
  /** Its text as shown (at most MESSAGE_TEXT_MAX characters; '' for a collapsed message). */
  text: string;
}

export interface MailThread {
  provider: MailProvider;
  /** The webmail's own id of the conversation (stable while it stays open). */
  threadId: string;
  subject: string;
  /** The webmail's ids of the messages on the page, oldest first. */
  messageIds: string[];
  /** Deduplicated, the rep's own addresses and internal domains left out. */
  participants: Participant[];
  /** The messages, oldest first, when the adapter reads them one by one (Gmail); absent otherwise. */
  messages?: MailMessage[];
}

export type MailEvent =
  | { type: 'threadOpened'; thread: MailThread }
  /** Same thread, something changed: a reply arrived, a collapsed message expanded. */
  | { type: 'threadUpdated'; thread: MailThread }
  | { type: 'threadClosed'; threadId: string }
  /**
   * The address names an open thread that the adapter cannot read (no thread view it knows, a view
   * without any address, or the previous thread's view still shown long after the address moved
   * on). `threadId` is the address's own name for it; `subject` what the page shows, '' if nothing.
   * The previous thread, if any, was closed first; a `threadClosed` with the same id ends this state.
   */
  | { type: 'threadUnreadable'; threadId: string; subject: string };

export interface WatchOptions {
  document: Document;
  /** The rep's own addresses from the options page; the signed-in account is added by the adapter. */
  ownAddresses: readonly string[];
  /** Domains whose addresses are colleagues, never participants (`acme.com` also covers `mail.acme.com`). */
  internalDomains: readonly string[];
  onEvent: (event: MailEvent) => void;
  /**
   * How long the page may name a thread it does not show readably (still rendering, or the previous
   * thread still on screen) before `threadUnreadable` is reported. Default 1500 ms.
   */
  unreadableAfterMs?: number;
}

export interface MailWatcher {
  /** The signed-in account's address, when the page shows it. */
  readonly account: string | null;
  /** Disconnects every observer and listener; nothing keeps running. */
  stop(): void;
}
