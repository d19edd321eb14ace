/**
 * Outlook on the web's markup, as far as the companion reads it. Outlook's class names are generated
 * per build, so the selectors lean on ids, ARIA and `data-app-section` hooks first, with the
 * long-lived generated classes (OZZZK sender, IovuJ recipients) as fallbacks.
 */
import { selector } from '../selector.ts';

export const outlookSelectors = {
  /** The reading pane (beside the list, or full width when the list is hidden). */
  readingPane: selector(
    'reading pane',
    '#ReadingPaneContainerId',
    '[data-app-section="MailReadCompose"]',
    'main[aria-label="Reading Pane"]',
    '[role="main"][aria-label="Reading Pane"]',
  ),
  /** The conversation's subject heading; its id embeds the conversation id (CONV_<id>_SUBJECT). */
  subject: selector(
    'conversation subject',
    '[id^="CONV_"][id$="_SUBJECT"]',
    '[data-app-section="SubjectLine"]',
    '[role="heading"][aria-level="2"]',
    '[role="heading"][aria-level="1"]',
  ),
  /** An element carrying the conversation id. */
  conversationId: selector('conversation id', '[data-convid]'),
  /** The selected row of the message list, which also carries the conversation id. */
  selectedRow: selector('selected list row', '[role="option"][aria-selected="true"][data-convid]', '[role="listbox"] [aria-selected="true"][data-convid]'),
  /** One message of the conversation, expanded or collapsed. */
  message: selector(
    'message',
    '[data-itemid]',
    '[aria-label="Email message"]',
    '[data-app-section="ConversationContainer"] [role="listitem"]',
  ),
  /** A message's sender: the persona's title holds the address (or "Name <address>"). */
  sender: selector(
    'message sender',
    '.OZZZK[title]',
    '[aria-label^="From:"] [title*="@"]',
    '[aria-label^="From:"]',
    '[data-automationid="From"]',
  ),
  /** A recipients line of an expanded message; its aria-label starts with To:, Cc: or Bcc:. */
  recipientLine: selector('message recipients line', '.IovuJ', '[aria-label^="To:"], [aria-label^="Cc:"], [aria-label^="Bcc:"]'),
  /** A person inside a recipients line. */
  recipient: selector('recipient', 'span[title*="@"]', '[title*="@"]', 'a[href^="mailto:"]'),
  /** When a message was sent; its title or text is a date. */
  sentTime: selector('message time', '[data-testid="SentReceivedSavedTime"]', '[aria-label^="Sent:"]'),
  /** A control inside a recipients line that is nobody ("See more", "+8 others"). */
  /** A message's body. */
  body: selector('message body', '[role="document"][aria-label="Message body"]', '[aria-label="Message body"]', '.allowTextSelection'),
  lineControl: selector('recipients line control', 'button, [role="button"]'),
  /** The signed-in account as the account manager's dialog names it: only rendered while it is open. */
  account: selector('account manager', '#mectrl_currentAccount_secondary', '#mectrl_main_trigger[aria-label*="@"]', '[data-app-section="MeControl"] [title*="@"]'),
  /** The folder pane's mailbox node, named by the account's address (always shown beside the list). */
  mailboxRoot: selector('mailbox folder node', '[role="navigation"] [role="treeitem"][aria-level="1"][title*="@"]', '[role="tree"] [role="treeitem"][title*="@"]'),
  /** The account manager's button: its label names the signed-in person ("Account manager for Jane Rep"). */
  accountButton: selector('account manager button', '#mectrl_main_trigger', '[data-app-section="MeControl"] button'),
} as const;
