/**
 * Outlook on the web (outlook.office.com, outlook.office365.com, outlook.live.com): reads the
 * conversation open in the reading pane. Outlook shows the newest message on top by default; the
 * message ids are put oldest first by their sent time when every message shows a readable one.
 */
import { addressesIn, normaliseAddress, type Sighting } from '../address.ts';
import { isShown, queryAll, queryFirst, textOf } from '../selector.ts';
import { type MailAddress, type MailMessage, MESSAGE_TEXT_MAX, type ParticipantRole } from '../types.ts';
import type { Adapter, ThreadReading } from '../watch.ts';
import { outlookSelectors as s } from './selectors.ts';

const LINE_ROLES: Record<string, ParticipantRole> = { to: 'to', cc: 'cc', bcc: 'bcc' };

export const outlookAdapter: Adapter = {
  provider: 'outlook',
  readThread: readOutlookThread,
  readAccount: readOutlookAccount,
  threadInUrl: outlookThreadInUrl,
};

/** The item or conversation the path names: `/mail/inbox/id/<id>`, `/mail/0/…/id/<id>`, `/mail/deeplink/read/<id>`; else null. */
export function outlookThreadInUrl(location: Location): string | null {
  const id = /\/(?:id|read)\/([^/?#]+)/.exec(location.pathname)?.[1];
  return id ? decodeURIComponent(id) : null;
}

export function readOutlookThread(document: Document): ThreadReading | null {
  const pane = queryAll(document, s.readingPane).find(isShown);
  if (!pane) return null;
  const subject = queryAll(pane, s.subject).find(isShown);
  if (!subject) return null; // the empty reading pane ("Select an item to read")

  const messages = inSentOrder(queryAll(pane, s.message));
  const messageIds: string[] = [];
  const sightings: Sighting[] = [];
  const read: MailMessage[] = [];
  for (const message of messages) {
    const id = message.getAttribute('data-itemid');
    const own = resolveNames(messageSightings(message), document);
    sightings.push(...own);
    if (!id || messageIds.includes(id)) continue;
    messageIds.push(id);
    read.push(messageOf(id, message, own));
  }
  const subjectText = textOf(subject);
  return {
    threadId: conversationIdOf(pane, subject, document) ?? `subject:${subjectText}`,
    subject: subjectText,
    messageIds,
    sightings,
    messages: read,
  };
}

/** One message for logging: its sender, to and cc from its sightings, its sent time and its body's text (bounded). */
function messageOf(id: string, message: Element, sightings: Sighting[]): MailMessage {
  const address = (x: Sighting): MailAddress => ({ email: x.email.trim().toLowerCase(), name: x.name.trim() });
  const of = (role: ParticipantRole) => sightings.filter((x) => x.role === role && x.email).map(address).filter((a, i, all) => all.findIndex((b) => b.email === a.email) === i);
  const from = sightings.find((x) => x.role === 'from' && x.email);
  const time = queryFirst(message, s.sentTime);
  const sent = Date.parse(time?.getAttribute('title') || textOf(time));
  const body = queryFirst(message, s.body);
  const text = (body?.textContent ?? '').replace(/[ \t]+/g, ' ').replace(/\s*\n\s*/g, '\n').trim().slice(0, MESSAGE_TEXT_MAX);
  return { id, from: from ? address(from) : null, to: of('to'), cc: of('cc'), sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : null, text };
}

/**
 * The signed-in account's address from what the page shows: the account manager's dialog while it is
 * open, else the folder pane's mailbox node (named by the address), else the person the account
 * manager's button names ("Account manager for Jane Rep") where the page gives that name an address
 * (the rep's own messages: "Jane Rep <jane.rep@…>").
 */
export function readOutlookAccount(document: Document): string | null {
  const element = queryFirst(document, s.account) ?? queryFirst(document, s.mailboxRoot);
  const direct = element && addressesIn(`${element.getAttribute('aria-label') ?? ''} ${element.getAttribute('title') ?? ''} ${element.textContent ?? ''}`)[0];
  if (direct) return direct;
  const label = queryFirst(document, s.accountButton)?.getAttribute('aria-label') ?? '';
  const name = /(?:account manager for|account manager:?)\s+(.+)$/i.exec(label.trim())?.[1]?.trim();
  if (!name) return null;
  const byName = namedAddresses(document).get(name.toLowerCase());
  return byName && byName.size === 1 ? [...byName][0]! : null;
}

function conversationIdOf(pane: Element, subject: Element, document: Document): string | null {
  const fromPane = queryFirst(pane, s.conversationId)?.getAttribute('data-convid');
  if (fromPane) return fromPane;
  const fromSubject = /^CONV_(.+)_SUBJECT$/.exec(subject.id)?.[1];
  if (fromSubject) return fromSubject;
  const fromList = queryFirst(document, s.selectedRow)?.getAttribute('data-convid');
  if (fromList) return fromList;
  return outlookThreadInUrl(document.location);
}

/** Oldest first when every message shows a sent time the browser can read; page order otherwise. */
function inSentOrder(messages: Element[]): Element[] {
  const times = messages.map((m) => {
    const el = queryFirst(m, s.sentTime);
    return Date.parse(el?.getAttribute('title') || textOf(el));
  });
  if (times.some((t) => !Number.isFinite(t))) return messages;
  return messages.map((m, i) => ({ m, t: times[i]!, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.m);
}

function messageSightings(message: Element): Sighting[] {
  const sightings: Sighting[] = [];
  const sender = queryFirst(message, s.sender);
  // a collapsed message shows its sender by name only: kept with no address, resolved by name later
  const from = sender && (personOf(sender) ?? { email: '', name: nameOf(sender) });
  if (from && (from.email || from.name)) sightings.push({ ...from, role: 'from' });
  for (const line of queryAll(message, s.recipientLine)) {
    const label = (line.getAttribute('aria-label') ?? textOf(line)).split(':')[0]!.trim().toLowerCase();
    const role = LINE_ROLES[label];
    if (!role) continue;
    for (const person of lineRecipients(line)) sightings.push({ ...person, role });
  }
  return sightings;
}

/**
 * The people of one recipients line, in order: personas (the organisation's people, their address in
 * the title) and plain text ("Frank Notacme <frank@notacme.example>; erin@tailspin.example;"), which
 * is how Outlook shows everyone it has not resolved. Controls in the line ("See more") are nobody.
 */
function lineRecipients(line: Element): Array<{ email: string; name: string }> {
  const people: Array<{ email: string; name: string }> = [];
  const personaCss = s.recipient.fallbacks.join(', ');
  const controlCss = s.lineControl.fallbacks.join(', ');
  let text = '';
  const flush = () => {
    people.push(...peopleInText(text));
    text = '';
  };
  const walk = (node: Node, top: boolean) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === 3) {
        text += child.textContent ?? '';
        continue;
      }
      if (child.nodeType !== 1) continue;
      const el = child as Element;
      if (el.matches(controlCss)) continue;
      const person = el.matches(personaCss) ? personOf(el) : null;
      if (person) {
        flush();
        people.push(person);
        text = ';';
      } else if (!(top && el === line.firstElementChild && /:\s*$/.test(el.textContent ?? ''))) {
        walk(el, false);
      }
    }
  };
  walk(line, true);
  flush();
  return people;
}

/**
 * "To: Ann Lee <ann@x.example>; bob@y.example; Cy Doe;" → Ann Lee, bob, and Cy Doe by name only (an
 * address for the name is looked for elsewhere on the page). A name may hold commas: only ";" separates.
 */
function peopleInText(text: string): Array<{ email: string; name: string }> {
  const people: Array<{ email: string; name: string }> = [];
  for (const raw of text.replace(/^\s*(to|cc|bcc)\s*:/i, '').split(';')) {
    const part = raw.replace(/\s+/g, ' ').trim();
    if (!part) continue;
    const angled = /^(.*)<([^<>]+)>$/.exec(part);
    const email = angled ? normaliseAddress(angled[2]) : normaliseAddress(part);
    if (email) people.push({ email, name: angled ? angled[1]!.trim().replace(/^"|"$/g, '') : '' });
    else if (!part.includes('@') && !part.includes('<')) people.push({ email: '', name: part.replace(/^"|"$/g, '') });
  }
  return people;
}

/** The address in a persona's title, href or text ("Name<address>"), with the name shown beside it. */
function personOf(element: Element): { email: string; name: string } | null {
  const email =
    normaliseAddress(element.getAttribute('title')) ??
    normaliseAddress(element.getAttribute('href')) ??
    addressesIn(`${element.getAttribute('title') ?? ''} ${element.textContent ?? ''}`)[0];
  if (!email) return null;
  return { email, name: nameOf(element) };
}

function nameOf(element: Element): string {
  return textOf(element).replace(/<[^>]*>/g, '').replace(/^(from|to|cc|bcc):/i, '').trim();
}

/**
 * Every name the page gives an address, lowercased: senders and personas (title) and the message
 * list's rows (their sender's title is the address), and "Name <address>" texts in recipients lines.
 */
function namedAddresses(document: Document): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  const add = (name: string, email: string) => {
    const key = name.trim().toLowerCase();
    if (!key || !email || key.includes('@')) return;
    const set = names.get(key) ?? new Set<string>();
    set.add(email);
    names.set(key, set);
  };
  for (const el of Array.from(document.querySelectorAll('[title*="@"]'))) {
    const person = personOf(el);
    if (person && person.name) add(person.name, person.email);
  }
  for (const line of queryAll(document, s.recipientLine)) {
    for (const person of lineRecipients(line)) add(person.name, person.email);
  }
  return names;
}

/**
 * Gives the senders shown by name only (collapsed messages) the address the page gives that name
 * elsewhere (another message, a recipients line, the message list). A name the page gives no
 * address, or more than one, stays unresolved and is left out.
 */
function resolveNames(sightings: Sighting[], document: Document): Sighting[] {
  if (sightings.every((x) => x.email)) return sightings;
  const names = namedAddresses(document);
  const out: Sighting[] = [];
  for (const sighting of sightings) {
    if (sighting.email) {
      out.push(sighting);
      continue;
    }
    const candidates = names.get(sighting.name.toLowerCase());
    if (candidates && candidates.size === 1) out.push({ ...sighting, email: [...candidates][0]! });
  }
  return out;
}
