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
  /** One message of the conversation, whatever its state; carries the message ids. */
  message: selector('message', '[data-message-id]', '[data-legacy-message-id]', 'div.adn, div.adf'),
  /** Every element naming an address through Gmail's `email` attribute (one query per read). */
  addressed: selector('address element', 'span[email]', '[email]'),
  /** An address element that is a message's sender (header line; also the details' from row). */
  sender: selector('message sender', 'span.gD', 'h3.iw [email]', 'td.gF [email]'),
  /**
   * A collapsed message's sender: its one-line header shows only the name, the address is in the
   * `email` attribute (`span.zF` unread, `span.yP` read, as in the inbox rows).
   */
  collapsedSender: selector('collapsed message sender', 'span.zF[email], span.yP[email]', 'h3.iw [email]', '.gF [email]'),
  /** An address element in the line under the sender ("to me, Bob"): recipients, to and cc mixed. */
  recipient: selector('message recipient', 'span.g2', 'span.hb [email]', '.ajw [email]'),
  /** A row of an expanded message's details table (from/to/cc/bcc/date/mailed-by…). */
  detailRow: selector('message details row', 'tr.ajv', 'table.ajB tr', '.ajA tr'),
  /** The label cell of a details row ("from:", "to:", "cc:", "bcc:"). */
  detailLabel: selector('message details label', 'td.gG', 'td:first-child'),
  /** A message's date in its header; the `title` holds the full send time. */
  sentAt: selector('message date', 'span.g3[title]', '.gH [title]', 'td.gH span[title]'),
  /** A message's body (an expanded message's text). */
  body: selector('message body', 'div.a3s', '.ii.gt div[dir]', '.ii.gt'),
  /** The signed-in account: the account button's aria-label names it. */
  account: selector('account button', 'a[aria-label^="Google Account:"]', 'header a[aria-label*="@"]', 'a.gb_A[aria-label*="@"], a.gb_d[aria-label*="@"]'),
} as const;

