/**
 * Every message between the companion's parts, typed here; the requests' shapes come from their
 * zod schemas (background/request-schema.ts, imported as types only so the content script ships
 * without zod), against which the background checks each request (background/requests.ts).
 * Content scripts, popup and options talk to the background with `ask()`. The popup asks a
 * webmail tab for its thread with `askTab()`; the background tells the tabs that the outbox
 * changed with a `TabMessage`.
 */
import type { CompanionThreadResponse } from '../shared/companion.ts';
import type { PairLabel, SearchHit } from './api/reads.ts';
import type { StageStarts } from './api/stages.ts';
import type { CompanionRequest } from './background/request-schema.ts';
import type { Messages } from './i18n.ts';
import type { MailThread } from './mail/types.ts';
import { isNotice, type Notice, withNotice } from './notice.ts';
import type { Operation } from './outbox/operation.ts';

export type { CompanionRequest } from './background/request-schema.ts';

/** An outbox entry as the UI shows it. */
export interface PendingChange {
  opId: string;
  op: Operation;
  state: 'pending' | 'sending' | 'refused';
  /** Why it was refused, or why the last attempt failed: the server's words as they are, or the companion's in English. */
  message?: string;
  /** The companion's reason as a notice (none for the server's): screens show it in the rep's language (notice.ts `reasonText`). */
  notice?: Notice;
}

export interface Status {
  signedIn: boolean;
  server: string | null;
  /** From `probe`: whether the server answered and took the token; null when not probed or not signed in. */
  reachable: boolean | null;
  problem: string | null;
  /** The problem as a notice, when the companion wrote it: shown in the rep's language. */
  problemNotice?: Notice;
  /** Changes the server has not confirmed yet (not refused ones). */
  pending: number;
  changes: PendingChange[];
  /** Which reading of the outbox `changes` is (higher is later): an older list than one shown is dropped. */
  changesSeq: number;
  ownAddresses: string[];
  internalDomains: string[];
  neverLog: string[];
  /** The change feed's position just after the outbox's latest confirmation (see FeedPosition). */
  confirmedAt: FeedPosition;
}

/**
 * A position in the server's change feed (a cursor of GET /api/changes), or null when not known.
 * A server read that started at or after position P shows every change up to P: news about a
 * change at or before it needs no new read (ui/session.ts).
 */
export type FeedPosition = string | null;

/** The server's answer for a thread, and the feed position it shows everything up to. */
export interface ThreadRead {
  view: CompanionThreadResponse;
  asOf: FeedPosition;
}

export interface Replies {
  status: Status;
  connect: { server: string; workspace: string };
  signOut: { signedIn: false };
  threadView: ThreadRead;
  cachedThreadView: CompanionThreadResponse | null;
  search: SearchHit[];
  stageStarts: StageStarts;
  pairLabels: PairLabel[];
  submit: PendingChange;
  dismiss: { dismissed: boolean };
  openRecord: { opened: boolean };
  texts: Messages;
  retry: { retried: boolean };
}

/** A failure's `error` in English (or the server's words), with its `notice` when the companion wrote it. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: string; notice?: Notice };

/** What a part of the extension can send a message with (`browser.runtime`, or WXT's fake browser in tests). */
export interface MessageSender {
  sendMessage(message: unknown): Promise<unknown>;
}

/** Asks the background; throws an Error with the background's reason when it fails (and its notice: notice.ts `errorText` shows it). */
export async function ask<T extends CompanionRequest>(runtime: MessageSender, message: T): Promise<Replies[T['type']]> {
  const reply = (await runtime.sendMessage(message)) as Reply<Replies[T['type']]> | undefined;
  if (!reply) throw new Error('The companion did not answer');
  if (!reply.ok) throw isNotice(reply.notice) ? withNotice(new Error(reply.error), reply.notice) : new Error(reply.error);
  return reply.value;
}

/**
 * Messages the background and popup send to a webmail tab's content script. `changesUpdated`: the
 * outbox now holds these changes; the ones that left it were confirmed by `confirmedAt`.
 * `feedChanged`: the change feed brought news of these records (and of contacts with these
 * emails), up to the event at `cursor`. `toggleSidebar`: the rep's keyboard shortcut (commands.ts)
 * shows or hides the sidebar; the tab answers a `SidebarShown`.
 */
export type TabMessage =
  | { type: 'changesUpdated'; changes: PendingChange[]; seq: number; confirmedAt: FeedPosition }
  | { type: 'currentThread' }
  | { type: 'feedChanged'; ids: string[]; emails: string[]; cursor: FeedPosition }
  | { type: 'toggleSidebar' };

/** A webmail tab's answer to `toggleSidebar`: whether the sidebar is now collapsed to its tab. */
export interface SidebarShown {
  collapsed: boolean;
}

/** The port a webmail tab holds open while its thread session is active: the background follows the live feed meanwhile. */
export const FEED_PORT = 'crm-feed';

/** A webmail tab's answer to `currentThread`. */
export interface TabThread {
  thread: MailThread | null;
  view: CompanionThreadResponse | null;
}

export interface TabMessenger {
  sendMessage(tabId: number, message: unknown): Promise<unknown>;
}

/** Asks a webmail tab for its open thread; null when the tab has no companion (not a webmail page). */
export async function askTab(tabs: TabMessenger, tabId: number): Promise<TabThread | null> {
  try {
    return ((await tabs.sendMessage(tabId, { type: 'currentThread' } satisfies TabMessage)) as TabThread | undefined) ?? null;
  } catch {
    return null;
  }
}
