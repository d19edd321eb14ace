/**
 * Outlook on the web (outlook.office.com, outlook.office365.com, outlook.live.com): reads the
 * conversation open in the reading pane. Outlook shows the newest message on top by default; the
 * message ids are put oldest first by their sent time when every message shows a readable one.
 */
import { addressesIn, normaliseAddress, type Sighting } from '../address.ts';
import { isShown, queryAll, queryFirst, textOf } from '../selector.ts';
import type { ParticipantRole } from '../types.ts';
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
  for (const message of messages) {
    const id = message.getAttribute('data-itemid');
    if (id && !messageIds.includes(id)) messageIds.push(id);
    sightings.push(...messageSightings(message));
  }
  const subjectText = textOf(subject);
  return { threadId: conversationIdOf(pane, subject, document) ?? `subject:${subjectText}`, subject: subjectText, messageIds, sightings };
}

export function readOutlookAccount(document: Document): string | null {
  const element = queryFirst(document, s.account);
  if (!element) return null;
  return addressesIn(`${element.getAttribute('aria-label') ?? ''} ${element.getAttribute('title') ?? ''} ${element.textContent ?? ''}`)[0] ?? null;
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
  const from = sender && personOf(sender);
  if (from) sightings.push({ ...from, role: 'from' });
  for (const line of queryAll(message, s.recipientLine)) {
    const label = (line.getAttribute('aria-label') ?? textOf(line)).split(':')[0]!.trim().toLowerCase();
    const role = LINE_ROLES[label];
    if (!role) continue;
    for (const el of queryAll(line, s.recipient)) {
      const person = personOf(el);
      if (person) sightings.push({ ...person, role });
    }
  }
  return sightings;
}

/** The address in a persona's title, href or text ("Name<address>"), with the name shown beside it. */
function personOf(element: Element): { email: string; name: string } | null {
  const email =
    normaliseAddress(element.getAttribute('title')) ??
    normaliseAddress(element.getAttribute('href')) ??
    addressesIn(`${element.getAttribute('title') ?? ''} ${element.textContent ?? ''}`)[0];
  if (!email) return null;
  const name = textOf(element).replace(/<[^>]*>/g, '').replace(/^(from|to|cc|bcc):/i, '').trim();
  return { email, name };
}
