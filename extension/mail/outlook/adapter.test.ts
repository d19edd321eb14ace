import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture, recordEvents, settle } from '../../../test/helpers/fixture-page.ts';
import { alice, bob, carol, dave, erin, frank, longThread, onboarding, renewal, renewalReply } from '../../../test/fixtures/mail/people.ts';
import { watchMail } from '../index.ts';
import { matchingFallback } from '../selector.ts';
import type { MailEvent, MailThread, MailWatcher, Participant } from '../types.ts';
import { readOutlookAccount, readOutlookThread } from './adapter.ts';
import { conversationId, itemId } from '../../../test/fixtures/mail/outlook/page.ts';
import { outlookSelectors } from './selectors.ts';

const ids = (t: { messages: Array<{ n: string }> }) => t.messages.map(itemId);
const opened = (events: MailEvent[]) => events.filter((e) => e.type === 'threadOpened').map((e) => e.thread);
const byEmail = (participants: Participant[]) => Object.fromEntries(participants.map((p) => [p.email, p.roles]));
const inbox = (host = 'outlook.office.com') => `https://${host}/mail/inbox`;
const at = (t: { messages: Array<{ n: string }> }, host = 'outlook.office.com') => `https://${host}/mail/inbox/id/${encodeURIComponent(itemId(t.messages.at(-1)!))}`;

let watcher: MailWatcher | undefined;
afterEach(() => {
  watcher?.stop();
  watcher = undefined;
});

function start(file: string, url: string, options: Parameters<typeof recordEvents>[1] = { internalDomains: ['acme.com'] }) {
  const fixture = loadFixture(`outlook/${file}`, url);
  const recorded = recordEvents(watchMail, options);
  watcher = recorded.watcher;
  return { fixture, events: recorded.events, watcher: recorded.watcher };
}

const renewalThread: MailThread = {
  provider: 'outlook',
  threadId: conversationId(renewal),
  subject: renewal.subject,
  messageIds: ids(renewal),
  participants: [
    { email: alice.email, name: alice.name, roles: ['from', 'to'] },
    { email: bob.email.toLowerCase(), name: bob.name, roles: ['from', 'to'] },
    { email: carol.email, name: carol.name, roles: ['bcc'] },
    { email: frank.email, name: frank.name, roles: ['cc'] },
  ],
};

describe.each([
  { layout: 'reading pane, conversation newest on top (outlook.office.com)', file: 'reading-pane.html', url: at(renewal), thread: renewalThread },
  { layout: 'reading pane on outlook.office365.com', file: 'reading-pane.html', url: at(renewal, 'outlook.office365.com'), thread: renewalThread },
  { layout: 'reading pane on outlook.live.com', file: 'reading-pane.html', url: at(renewal, 'outlook.live.com'), thread: renewalThread },
  {
    layout: 'individual messages (no conversation container: the list row names the conversation)',
    file: 'individual-messages.html',
    url: at({ messages: [renewal.messages[0]!] }),
    thread: {
      provider: 'outlook',
      threadId: conversationId({ n: renewal.messages[0]!.n }),
      subject: renewal.subject,
      messageIds: [itemId(renewal.messages[0]!)],
      participants: [
        { email: alice.email, name: alice.name, roles: ['from'] },
        { email: dave.email, name: dave.name, roles: ['cc'] },
      ],
    },
  },
  {
    layout: 'long thread of 52 messages',
    file: 'long-thread.html',
    url: at(longThread()),
    thread: {
      provider: 'outlook',
      threadId: conversationId(longThread()),
      subject: longThread().subject,
      messageIds: ids(longThread()),
      participants: [
        { email: alice.email, name: alice.name, roles: ['from', 'to'] },
        { email: bob.email.toLowerCase(), name: bob.name, roles: ['from', 'to'] },
        { email: dave.email, name: dave.name, roles: ['from'] },
      ],
    },
  },
])('Outlook, $layout', ({ file, url, thread }) => {
  it('X1: reports the open conversation, message ids oldest first', async () => {
    const { events } = start(file, url);
    await settle();
    expect(events).toEqual([{ type: 'threadOpened', thread: { ...thread, messages: expect.any(Array) } }]);
  });

  it('X1: the parser reads the same conversation from the document directly', () => {
    loadFixture(`outlook/${file}`, url);
    expect(readOutlookThread(document)?.messageIds).toEqual(thread.messageIds);
    expect(readOutlookAccount(document)).toBe('jane.rep@acme.com');
  });
});

describe('Outlook, messages for logging (R3)', () => {
  it('R3: each message is read with its sender, to and cc with names, sent time and body text', () => {
    loadFixture('outlook/reading-pane.html', at(renewal));
    const messages = readOutlookThread(document)!.messages!;
    expect(messages.map((m) => m.id)).toEqual(ids(renewal));
    const last = messages.at(-1)!;
    expect(last.from).toEqual({ email: alice.email, name: alice.name });
    expect(last.to.map((a) => a.email)).toContain(bob.email.toLowerCase());
    expect(last.cc.map((a) => a.email)).toEqual([frank.email]);
    const sent = new Date(last.sentAt!);
    expect([sent.getFullYear(), sent.getMonth(), sent.getDate(), sent.getHours(), sent.getMinutes()]).toEqual([2026, 10, 10, 11, 30]);
    expect(last.text).toContain('Thursday works.');
  });
});

describe('Outlook, the single-page app', () => {
  it('X1: another conversation opened from the list: close then open, the URL follows', async () => {
    const { events } = start('reading-pane.html', at(renewal));
    await settle();
    events.length = 0;
    document.querySelector<HTMLElement>(`[data-fixture-open="${itemId(onboarding.messages.at(-1)!)}"]`)!.click();
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadClosed', 'threadOpened']);
    expect(events[0]).toEqual({ type: 'threadClosed', threadId: conversationId(renewal) });
    expect(opened(events)[0]!.participants.map((p) => p.email)).toEqual([erin.email, carol.email]);
    expect(decodeURIComponent(location.pathname)).toBe(`/mail/inbox/id/${itemId(onboarding.messages.at(-1)!)}`);
  });

  it('X1: nothing selected (the empty reading pane) is no thread', async () => {
    const { fixture, events } = start('reading-pane.html', inbox());
    await settle();
    expect(events).toEqual([]);
    fixture.openThread(conversationId(renewal));
    await settle();
    fixture.backToInbox();
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadClosed']);
  });

  it('X1: a reply arriving on top updates the conversation; ids stay oldest first', async () => {
    const { fixture, events } = start('reading-pane.html', at(renewal));
    await settle();
    fixture.receiveReply();
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadUpdated']);
    const updated = (events[1] as { thread: MailThread }).thread;
    expect(updated.messageIds).toEqual([...ids(renewal), itemId(renewalReply)]);
    expect(byEmail(updated.participants)).toMatchObject({ [dave.email]: ['from'], [erin.email]: ['cc'] });
  });

  it('X1: a collapsed message expanding updates the conversation', async () => {
    const { fixture, events } = start('reading-pane.html', at(renewal));
    await settle();
    fixture.expandMessage(itemId(renewal.messages[0]!));
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadUpdated']);
    expect(byEmail((events[1] as { thread: MailThread }).thread.participants)[dave.email]).toEqual(['cc']);
  });

  it('X1: after stop, changes emit nothing', async () => {
    const { fixture, events, watcher: w } = start('reading-pane.html', at(renewal));
    await settle();
    w.stop();
    fixture.receiveReply();
    fixture.openThread(conversationId(onboarding));
    window.dispatchEvent(new PopStateEvent('popstate'));
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened']);
  });
});

describe('Outlook, account and selectors', () => {
  it('X1: the account manager names the signed-in account, which is never a participant', async () => {
    const { events, watcher: w } = start('reading-pane.html', at(renewal), {});
    await settle();
    expect(w.account).toBe('jane.rep@acme.com');
    expect(opened(events)[0]!.participants.map((p) => p.email)).not.toContain('jane.rep@acme.com');
  });

  it('X1: the conversation id falls back to the subject id, the selected row, then the URL', () => {
    loadFixture('outlook/reading-pane.html', at(renewal));
    document.querySelector('[data-convid]#ConversationReadingPaneContainer')!.removeAttribute('data-convid');
    expect(readOutlookThread(document)?.threadId).toBe(conversationId(renewal));
    document.querySelector('[id$="_SUBJECT"]')!.removeAttribute('id');
    expect(readOutlookThread(document)?.threadId).toBe(conversationId(renewal));
    for (const row of Array.from(document.querySelectorAll('[data-convid]'))) row.removeAttribute('data-convid');
    expect(readOutlookThread(document)?.threadId).toBe(itemId(renewal.messages.at(-1)!));
  });

  it('X1: selectors fall back when the hooks they prefer are gone', () => {
    loadFixture('outlook/reading-pane.html', at(renewal));
    expect(matchingFallback(document, outlookSelectors.sender)).toBe(0);
    for (const el of Array.from(document.querySelectorAll('.OZZZK'))) el.classList.remove('OZZZK');
    expect(matchingFallback(document, outlookSelectors.sender)).toBe(2);
    expect(readOutlookThread(document)?.sightings.filter((s) => s.role === 'from').map((s) => s.email)).toEqual([
      alice.email, 'jane.rep@acme.com', bob.email.toLowerCase(), alice.email,
    ]);
  });
});
