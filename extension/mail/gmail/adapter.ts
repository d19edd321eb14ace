/**
 * Gmail (mail.google.com): reads the open conversation from the page. Works with conversation view
 * on (one subject, many messages) and off (one message per view), collapsed and hidden messages, and
 * the reading pane, because all of them share the subject heading and the message elements.
 */
import { addressesIn, type Sighting } from '../address.ts';
import { activeFallback, isShown, queryAll, queryFirst, textOf, type Selector } from '../selector.ts';
import { type MailAddress, type MailMessage, MESSAGE_TEXT_MAX, type ParticipantRole } from '../types.ts';
import type { Adapter, ThreadReading } from '../watch.ts';
import { gmailSelectors as s } from './selectors.ts';

const ROLE_LABELS: Record<string, ParticipantRole> = { from: 'from', to: 'to', cc: 'cc', bcc: 'bcc' };

export const gmailAdapter: Adapter = {
  provider: 'gmail',
  readThread: readGmailThread,
  readAccount: readGmailAccount,
  threadInUrl: gmailThreadInUrl,
};

/**
 * The thread the hash names: `#inbox/FMfcgz…`, `#label/Clients/FMfcgz…`, `#search/acme/FMfcgz…`,
 * `#inbox/FMfcgz…?compose=new` (the last segment, without the query); null for a list (`#inbox`,
 * `#search/acme`, `#label/Clients`) or settings. A list's segments are known words, so the last
 * segment of `#label/Clients` is not taken for a thread: thread ids are long and opaque.
 */
export function gmailThreadInUrl(location: Location): string | null {
  const segments = location.hash.replace(/^#/, '').split('?')[0]!.split('/');
  if (segments.length < 2 || segments[0] === 'settings') return null;
  // a list named by a word after its kind (`#search/<words>`, `#label/<name>`) needs one segment more
  if (NAMED_LISTS.has(segments[0]!) && segments.length < 3) return null;
  const last = segments.at(-1)!;
  return /^[A-Za-z0-9_-]{16,}$/.test(last) ? decodeURIComponent(last) : null;
}

const NAMED_LISTS = new Set(['search', 'label', 'category', 'advanced-search']);

export function readGmailThread(document: Document): ThreadReading | null {
  const [subject, ...others] = queryAllShown(document, s.subject);
  if (!subject) return null;
  const reading = readView(subject, document);
  // Gmail builds the next thread's view before it hides the previous one: both show for a moment
  if (others.length > 0) reading.alsoShown = others.map((other) => readView(other, document));
  return reading;
}

function readView(subject: Element, document: Document): ThreadReading {
  const root = threadViewOf(subject);
  const messages = queryAll(root, s.message);
  const messageIds: string[] = [];
  for (const message of messages) {
    const id = messageIdOf(message);
    if (id && !messageIds.includes(id)) messageIds.push(id);
  }
  const legacy = subject.getAttribute('data-legacy-thread-id') ?? queryFirst(root, s.threadIds)?.getAttribute('data-legacy-thread-id');
  return {
    threadId: threadIdOf(subject, root, document) ?? `subject:${subjectText(subject)}`,
    subject: subjectText(subject),
    messageIds,
    ...readMessages(root, messages),
    ...(legacy ? { aliases: [legacy] } : {}),
  };
}

export function readGmailAccount(document: Document): string | null {
  const button = queryFirst(document, s.account);
  const fromButton = addressesIn(button?.getAttribute('aria-label') ?? '')[0];
  if (fromButton) return fromButton;
  // The window title reads "Inbox (3) - jane@acme.com - Gmail" or "<subject> - jane@acme.com - Gmail".
  const title = /([^\s]+@[^\s]+) - Gmail\s*$/.exec(document.title);
  return title ? (addressesIn(title[1]!)[0] ?? null) : null;
}

function queryAllShown(root: ParentNode, selector: Selector): Element[] {
  return queryAll(root, selector).filter(isShown);
}

/**
 * The thread view around the subject: its nearest ancestor that holds messages, never one that also
 * holds another view's subject. Gmail keeps the views it left in the page (hidden), so messages are
 * only looked for beside the shown subject.
 */
function threadViewOf(subject: Element): Element {
  let view = subject;
  for (let el = subject.parentElement; el; el = el.parentElement) {
    if (queryAll(el, s.subject).length > 1) return view;
    if (queryFirst(el, s.message)) return el;
    view = el;
  }
  return view;
}

/** Gmail writes `#msg-f:1790…` in data-message-id; the legacy id is hex. */
function messageIdOf(message: Element): string | null {
  const id = message.getAttribute('data-message-id')?.replace(/^#/, '');
  if (id) return id;
  return message.getAttribute('data-legacy-message-id') || null;
}

function threadIdOf(subject: Element, root: Element, document: Document): string | null {
  for (const holder of [subject, queryFirst(root, s.threadIds)]) {
    const perm = holder?.getAttribute('data-thread-perm-id')?.replace(/^#/, '');
    if (perm && perm !== 'undefined') return perm;
    const legacy = holder?.getAttribute('data-legacy-thread-id');
    if (legacy) return legacy;
  }
  // "#inbox/FMfcgz…", "#label/Clients/FMfcgz…", "#search/acme/FMfcgz…": the last segment is the thread.
  const segments = document.location.hash.replace(/^#/, '').split(/[/?]/);
  const last = segments.length > 1 ? segments.at(-1) : undefined;
  return last ? decodeURIComponent(last) : null;
}

/** The subject as shown, with emoji images (`img[data-emoji]`) put back as text. */
function subjectText(subject: Element): string {
  if (!subject.querySelector('img[data-emoji], img[alt]')) return textOf(subject);
  let text = '';
  for (const node of Array.from(subject.childNodes)) {
    if (node.nodeType === 3) text += node.textContent ?? '';
    else if (node instanceof subject.ownerDocument.defaultView!.HTMLImageElement) text += node.getAttribute('data-emoji') ?? node.alt;
    else text += node.textContent ?? '';
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** What one message shows: its sender, and its recipients from the details table or the short line. */
interface MessageAddresses {
  from: Sighting[];
  details: Sighting[];
  line: Sighting[];
}

/**
 * One query for every address element of the view, each assigned to its message and classified:
 * a details row gives its label's role; the header's sender is `from`; the short line under the
 * sender lists recipients without telling to from cc, so it only counts when the message shows no
 * details table (collapsed, not yet rendered). A collapsed message shows its sender alone, by name,
 * with the address in the `email` attribute. Address elements outside the messages (the inbox
 * list, hovercards) are ignored.
 */
function readMessages(root: ParentNode, messages: Element[]): { sightings: Sighting[]; messages: MailMessage[] } {
  const byMessage = new Map<Element, MessageAddresses>(messages.map((m) => [m, { from: [], details: [], line: [] }]));
  const messageCss = s.message.fallbacks.find((css) => messages[0]?.matches(css));
  if (!messageCss) return { sightings: [], messages: [] };
  const rowCss = activeFallback(root, s.detailRow);
  const senderCss = activeFallback(root, s.sender);
  const recipientCss = activeFallback(root, s.recipient);
  const collapsedCss = activeFallback(root, s.collapsedSender);
  for (const el of queryAll(root, s.addressed)) {
    const message = el.closest(messageCss);
    const addresses = message && byMessage.get(message);
    if (!addresses) continue;
    const row = rowCss ? el.closest(rowCss) : null;
    if (row && message.contains(row)) {
      const label = textOf(queryFirst(row, s.detailLabel)).toLowerCase().replace(/[:：]\s*$/, '');
      const role = ROLE_LABELS[label];
      if (role) addresses.details.push(sighting(el, role));
    } else if (senderCss && el.matches(senderCss)) {
      addresses.from.push(sighting(el, 'from'));
    } else if (recipientCss && el.matches(recipientCss)) {
      addresses.line.push(sighting(el, 'to'));
    } else if (collapsedCss && el.matches(collapsedCss)) {
      addresses.from.push(sighting(el, 'from'));
    }
  }
  const sightings = messages.flatMap((m) => {
    const { from, details, line } = byMessage.get(m)!;
    return [...from.slice(0, 1), ...(details.length > 0 ? details : line)];
  });
  const read: MailMessage[] = [];
  for (const m of messages) {
    const id = messageIdOf(m);
    if (!id || read.some((r) => r.id === id)) continue;
    const { from, details, line } = byMessage.get(m)!;
    const recipients = details.length > 0 ? details : line;
    const of = (role: ParticipantRole) => unique(recipients.filter((r) => r.role === role).map(addressOf));
    read.push({ id, from: from[0] ? addressOf(from[0]) : null, to: of('to'), cc: of('cc'), sentAt: sentAtOf(m), text: bodyText(m) });
  }
  return { sightings, messages: read };
}

function addressOf(s: Sighting): MailAddress {
  return { email: s.email.trim().toLowerCase(), name: s.name.trim() === s.email.trim() ? '' : s.name.trim() };
}

function unique(list: MailAddress[]): MailAddress[] {
  return list.filter((a, i) => a.email !== '' && list.findIndex((b) => b.email === a.email) === i);
}

/** The send time Gmail shows in the header's title ("Mon, 9 Nov 2026, 09:12", the reader's time zone), as ISO; null when unreadable. */
export function sentAtOf(message: Element): string | null {
  const shown = queryFirst(message, s.sentAt)?.getAttribute('title') ?? '';
  const cleaned = shown.replace(/^[^\d,]*,\s*/, '').replace(/,\s*(\d{1,2}:\d{2})/, ' $1').replace(/\s*\(.*\)\s*$/, '');
  const time = Date.parse(cleaned);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** The message's body text, each line as the page breaks it (blocks, `<br>`) on its own line, at most MESSAGE_TEXT_MAX characters. */
function bodyText(message: Element): string {
  const body = queryFirst(message, s.body);
  return body ? linesOf(body).slice(0, MESSAGE_TEXT_MAX) : '';
}

/** Elements that start a line of their own: Gmail writes a message's lines as `<div>`s (and `<br>`s), a signature among them. */
const BLOCKS = new Set(['DIV', 'P', 'LI', 'UL', 'OL', 'TR', 'TABLE', 'BLOCKQUOTE', 'PRE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6']);

/** An element's text by lines: blocks and `<br>` break lines, runs of white space are one space, empty lines go. */
function linesOf(root: Element): string {
  let text = '';
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      text += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = (node as Element).tagName.toUpperCase();
    if (tag === 'BR') text += '\n';
    if (tag === 'BR' || tag === 'STYLE' || tag === 'SCRIPT') return;
    const block = BLOCKS.has(tag);
    if (block) text += '\n';
    for (const child of Array.from(node.childNodes)) walk(child);
    if (block) text += '\n';
  };
  walk(root);
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

function sighting(element: Element, role: ParticipantRole): Sighting {
  return { email: element.getAttribute('email') ?? '', name: element.getAttribute('name') ?? textOf(element), role };
}
