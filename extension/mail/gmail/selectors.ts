/**
 * Gmail's markup, as far as the companion reads it. Class names are Gmail's generated ones (stable
 * for years, documented by gmail.js and InboxSDK); each selector falls back to structure and ARIA.
 */
import { selector } from '../selector.ts';

export const gmailSelectors = {
  /** The conversation's subject; carries the thread ids as data attributes. */
  subject: selector('thread subject', 'h2.hP', '.ha h2', 'h2[data-thread-perm-id]', 'h2[data-legacy-thread-id]'),
  /** An element carrying the thread's ids, when the subject does not. */
  threadIds: selector('thread ids', '[data-thread-perm-id]', '[data-legacy-thread-id]'),
  /** The region of the page that holds the open view. */
  main: selector('main view', 'div[role="main"]', '.nH.bkK', '.AO'),
  /** One message of the conversation, whatever its state; carries the message ids. */
  message: selector('message', 'div.adn[data-message-id], div.adf[data-message-id]', '[data-message-id]', '[data-legacy-message-id]', 'div.adn'),
  /** The list item around a message; its class says expanded (h7), collapsed (kv) or hidden (kQ, kx). */
  messageItem: selector('message list item', '[role="listitem"]', '.h7, .kv, .kQ, .kx'),
  /** The sender in a message's header (first in document order: the header comes before the details). */
  sender: selector('message sender', 'h3.iw span[email]', 'span.gD[email]', 'td.gF span[email]'),
  /** The details table (from/to/cc/bcc rows) of an expanded message. */
  detailRows: selector('message details rows', 'table.ajB tr.ajv', '.ajA tr', 'table.ajC tr'),
  /** The label cell of a details row ("from:", "to:", "cc:", "bcc:"). */
  detailLabel: selector('message details label', 'td.gG', 'td:first-child'),
  /** Recipients in the short line under the sender ("to me, Bob"). */
  recipients: selector('message recipients', 'span.hb span[email]', 'span.g2[email]', '.ajw span[email]'),
  /** Any element naming an address through Gmail's `email` attribute. */
  addressed: selector('address element', 'span[email]', '[email]'),
  /** The signed-in account: the account button's aria-label names it. */
  account: selector('account button', 'a[aria-label^="Google Account:"]', 'header a[aria-label*="@"]', 'a.gb_A[aria-label*="@"], a.gb_d[aria-label*="@"]'),
} as const;

/** Class names of a message list item per state (InboxSDK: kQ/kx hidden, kv collapsed, h7 expanded). */
export const gmailMessageState = { hidden: ['kQ', 'kx'], collapsed: ['kv'], expanded: ['h7'] } as const;
