import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture, recordEvents, settle } from '../../../test/helpers/fixture-page.ts';
import { until } from '../../../test/helpers/until.ts';
import { alice, bob, carol, dave, erin, frank, legacyId, longThread, onboarding, renewal, rep } from '../../../test/fixtures/mail/people.ts';
import { watchMail } from '../index.ts';
import { matchingFallback } from '../selector.ts';
import type { MailEvent, MailThread, MailWatcher, Participant } from '../types.ts';
import { threadSignature } from '../signature.ts';
import { readGmailAccount, readGmailThread } from './adapter.ts';
import { gmailSelectors } from './selectors.ts';

const GMAIL = 'https://mail.google.com/mail/u/0/';
const ids = (t: { messages: Array<{ n: string }> }) => t.messages.map((m) => `msg-f:${m.n}`);
const lc = (email: string) => email.toLowerCase();
const opened = (events: MailEvent[]) => events.filter((e) => e.type === 'threadOpened').map((e) => e.thread);
const byEmail = (participants: Participant[]) => Object.fromEntries(participants.map((p) => [p.email, p.roles]));

let watcher: MailWatcher | undefined;
afterEach(() => {
  watcher?.stop();
  watcher = undefined;
});

function start(file: string, hash = '', options: Parameters<typeof recordEvents>[1] = { internalDomains: ['acme.com'] }) {
  const fixture = loadFixture(`gmail/${file}`, `${GMAIL}${hash}`);
  const recorded = recordEvents(watchMail, options);
  watcher = recorded.watcher;
  return { fixture, events: recorded.events, watcher: recorded.watcher };
}

// The rep (jane.rep@acme.com, the signed-in account) and acme.com colleagues never appear.
const renewalParticipants: Participant[] = [
  { email: alice.email, name: alice.name, roles: ['from', 'to'] },
  { email: lc(bob.email), name: bob.name, roles: ['from', 'to'] },
  { email: carol.email, name: carol.name, roles: ['bcc'] },
  { email: frank.email, name: frank.name, roles: ['cc'] },
];

describe.each([
  {
    layout: 'conversation view on, two collapsed messages',
    file: 'conversation.html',
    hash: `#inbox/${renewal.hashId}`,
    thread: { provider: 'gmail', threadId: `thread-f:${renewal.n}`, subject: renewal.subject, messageIds: ids(renewal), participants: renewalParticipants },
  },
  {
    layout: 'split reading pane',
    file: 'reading-pane.html',
    hash: `#inbox/${renewal.hashId}`,
    thread: { provider: 'gmail', threadId: `thread-f:${renewal.n}`, subject: renewal.subject, messageIds: ids(renewal), participants: renewalParticipants },
  },
  {
    layout: 'conversation view off (one message, no details table: recipients are "to")',
    file: 'conversation-off.html',
    hash: '',
    thread: {
      provider: 'gmail',
      threadId: `thread-f:${renewal.messages[0]!.n}`,
      subject: renewal.subject,
      messageIds: [`msg-f:${renewal.messages[0]!.n}`],
      participants: [
        { email: alice.email, name: alice.name, roles: ['from'] },
        { email: dave.email, name: dave.name, roles: ['to'] },
      ],
    },
  },
  {
    layout: 'long thread of 52 messages, 48 hidden behind "older messages"',
    file: 'long-thread.html',
    hash: `#inbox/${longThread().hashId}`,
    thread: {
      provider: 'gmail',
      threadId: `thread-f:${longThread().n}`,
      subject: longThread().subject,
      messageIds: ids(longThread()),
      participants: [
        { email: alice.email, name: alice.name, roles: ['from', 'to'] },
        { email: lc(bob.email), name: bob.name, roles: ['from', 'to'] },
        { email: dave.email, name: dave.name, roles: ['from'] },
      ],
    },
  },
])('Gmail, $layout', ({ file, hash, thread }) => {
  it('X1: reports the open thread with subject, ids and participants', async () => {
    const { events } = start(file, hash);
    await settle();
    expect(events).toEqual([{ type: 'threadOpened', thread: { ...thread, messages: expect.any(Array) } }]);
  });

  it('X1: the parser reads the same thread from the document directly', () => {
    loadFixture(`gmail/${file}`, `${GMAIL}${hash}`);
    const reading = readGmailThread(document);
    expect(reading?.threadId).toBe(thread.threadId);
    expect(reading?.messageIds).toEqual(thread.messageIds);
    expect(readGmailAccount(document)).toBe('jane.rep@acme.com');
  });
});

describe('Gmail, the single-page app', () => {
  it('X1: another thread opened: the old one closes, the new one opens', async () => {
    const { fixture, events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    events.length = 0;
    fixture.openThread(onboarding.hashId);
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadClosed', 'threadOpened']);
    expect(events[0]).toEqual({ type: 'threadClosed', threadId: `thread-f:${renewal.n}` });
    const thread = opened(events)[0]!;
    expect(thread.threadId).toBe(`thread-f:${onboarding.n}`);
    expect(thread.participants.map((p) => p.email)).toEqual([erin.email, carol.email]);
    expect(location.hash).toBe(`#inbox/${onboarding.hashId}`);
  });

  it('X1: back to the inbox closes the thread even though Gmail keeps it hidden in the page', async () => {
    const { fixture, events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    fixture.backToInbox();
    await settle();
    expect(document.querySelector('h2.hP')).not.toBeNull();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadClosed']);
    // the inbox rows name senders with span[email]: they are not a thread
    fixture.openThread(renewal.hashId);
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadClosed', 'threadOpened']);
  });

  it('X1: a thread view Gmail keeps hidden beside the open one adds nothing to it', () => {
    loadFixture('gmail/conversation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    const kept = document.createElement('div');
    kept.style.display = 'none';
    kept.append(document.querySelector<HTMLTemplateElement>(`template[data-hash-id="${onboarding.hashId}"]`)!.content.cloneNode(true));
    document.querySelector('[role="main"]')!.prepend(kept);
    const reading = readGmailThread(document)!;
    expect(reading.threadId).toBe(`thread-f:${renewal.n}`);
    expect(reading.messageIds).toEqual(ids(renewal));
    expect(reading.sightings.map((s) => s.email)).not.toContain(erin.email);
  });

  it('R3: each message is read for logging: sender, to and cc with names, send time and the text of an expanded one', () => {
    loadFixture('gmail/conversation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    const reading = readGmailThread(document)!;
    expect(reading.messages!.map((m) => m.id)).toEqual(ids(renewal));
    const last = reading.messages!.at(-1)!;
    expect(last.from).toEqual({ email: alice.email, name: alice.name });
    expect(last.to.map((a) => a.email)).toEqual([rep.email, lc(bob.email)]);
    expect(last.to[1]!.name).toBe(bob.name);
    expect(last.cc).toEqual([{ email: frank.email, name: frank.name }]);
    // the page shows the reader's local time: read back as that local time
    const sent = new Date(last.sentAt!);
    expect([sent.getFullYear(), sent.getMonth(), sent.getDate(), sent.getHours(), sent.getMinutes()]).toEqual([2026, 10, 10, 11, 30]);
    // the lines as Gmail breaks them (its lines are <div>s): the signature under the sign-off on lines of its own
    expect(last.text).toBe('Thursday works. Frank from our partner will join too.\nKind regards,\nAlice Chen\nHead of Procurement\nNorthwind Traders');
    // a collapsed message still has its sender and time
    expect(reading.messages![0]!.from?.email).toBe(alice.email);
    expect(reading.messages![0]!.sentAt).not.toBeNull();
  });

  it("X2: the signatures of the participants' messages go with the thread: Alice's names Northwind Traders", async () => {
    const { events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    const thread = opened(events)[0]!;
    expect(threadSignature(thread)).toBe('Alice Chen\nHead of Procurement\nNorthwind Traders');
  });

  it('X1: a thread whose messages have not rendered yet has none, not those of a hidden view', () => {
    loadFixture('gmail/conversation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    const kept = document.createElement('div');
    kept.style.display = 'none';
    kept.append(document.querySelector<HTMLTemplateElement>(`template[data-hash-id="${onboarding.hashId}"]`)!.content.cloneNode(true));
    document.querySelector('[role="main"]')!.prepend(kept);
    document.querySelector('[data-fixture-thread] [data-fixture-messages]')!.replaceChildren();
    const reading = readGmailThread(document)!;
    expect(reading.threadId).toBe(`thread-f:${renewal.n}`);
    expect(reading.messageIds).toEqual([]);
    expect(reading.sightings).toEqual([]);
  });

  it('X1: a page served at the inbox shows no thread until a row is clicked', async () => {
    const { events } = start('conversation.html', '#inbox');
    await settle();
    expect(events).toEqual([]);
    document.querySelector<HTMLElement>(`[data-fixture-open="${onboarding.hashId}"]`)!.click();
    await settle();
    expect(opened(events).map((t) => t.subject)).toEqual([onboarding.subject]);
  });

  it('X1: a reply arriving updates the thread (new message id, new participant)', async () => {
    const { fixture, events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    fixture.receiveReply();
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadUpdated']);
    const updated = (events[1] as { thread: MailThread }).thread;
    expect(updated.messageIds).toEqual([...ids(renewal), 'msg-f:1790000000000001005']);
    expect(byEmail(updated.participants)).toMatchObject({ [dave.email]: ['from'], [erin.email]: ['cc'] });
  });

  it('X1: a collapsed message expanding updates the thread with the people only it names', async () => {
    const { fixture, events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    expect(byEmail(opened(events)[0]!.participants)[dave.email]).toBeUndefined();
    fixture.expandMessage(`msg-f:${renewal.messages[0]!.n}`);
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadUpdated']);
    expect(byEmail((events[1] as { thread: MailThread }).thread.participants)[dave.email]).toEqual(['cc']);
  });

  it('X1: showing hidden messages brings nobody new: one update with the same people and ids, its messages read in full', async () => {
    const { fixture, events } = start('long-thread.html', `#inbox/${longThread().hashId}`);
    await settle();
    expect(fixture.showOlder()).toBe(48);
    await settle();
    // the update carries the messages' details for logging (R3); the people and ids stay as they were
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadUpdated']);
    const [opened, updated] = events.map((e) => (e.type === 'threadOpened' || e.type === 'threadUpdated' ? e.thread : null));
    expect(updated!.participants).toEqual(opened!.participants);
    expect(updated!.messageIds).toEqual(opened!.messageIds);
    expect(updated!.messages).not.toEqual(opened!.messages);
  });

  it('X1: a burst of changes in one task gives one event', async () => {
    const { fixture, events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    fixture.expandMessage(`msg-f:${renewal.messages[0]!.n}`);
    fixture.expandMessage(`msg-f:${renewal.messages[1]!.n}`);
    fixture.receiveReply();
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadUpdated']);
  });

  it('X1: the URL changing before Gmail swaps the view gives no event until the view changes', async () => {
    const { fixture, events } = start('navigation.html', `#inbox/${renewal.hashId}`);
    await settle();
    fixture.openThread(onboarding.hashId);
    await settle();
    expect(location.hash).toBe(`#inbox/${onboarding.hashId}`);
    expect(events.map((e) => e.type)).toEqual(['threadOpened']);
    await until(() => events.length, (n) => n >= 3, 2000);
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadClosed', 'threadOpened']);
  });

  it('X1: the page changing in ways the thread does not show (the sidebar mounting) gives no event', async () => {
    const { events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    const host = document.createElement('div');
    host.attachShadow({ mode: 'open' }).innerHTML = '<p>bob.smith@contoso.example</p>';
    document.querySelector('.nH.aHU')!.append(host);
    document.title = 'changed';
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened']);
  });
});

describe('Gmail, stop()', () => {
  it('X1: after stop, neither mutations nor hash changes emit anything', async () => {
    const { fixture, events, watcher: w } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    w.stop();
    fixture.openThread(onboarding.hashId);
    fixture.backToInbox();
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened']);
  });

  it('X1: stop before the first read drops it', async () => {
    const { events, watcher: w } = start('conversation.html', `#inbox/${renewal.hashId}`);
    w.stop();
    await settle();
    expect(events).toEqual([]);
  });
});

describe('Gmail, own and internal addresses', () => {
  it('X1: the signed-in account is read from the account button, else the window title', () => {
    const { watcher: w } = start('conversation.html', `#inbox/${renewal.hashId}`);
    expect(w.account).toBe('jane.rep@acme.com');
    document.querySelector('a[aria-label^="Google Account:"]')!.remove();
    document.title = 'Q3 renewal - Jane.Rep@ACME.com - Gmail';
    expect(readGmailAccount(document)).toBe('jane.rep@acme.com');
    document.title = 'Inbox';
    expect(readGmailAccount(document)).toBeNull();
  });

  it('X1: options add own addresses (any case) and internal domains; a look-alike domain stays', async () => {
    const { events } = start('conversation.html', `#inbox/${renewal.hashId}`, {
      ownAddresses: [' Alice.Chen@Northwind.example '],
      internalDomains: ['@ACME.com', 'contoso.example'],
    });
    await settle();
    expect(opened(events)[0]!.participants.map((p) => p.email)).toEqual([carol.email, frank.email]);
  });

  it('X1: without internal domains, colleagues are participants (own account still left out)', async () => {
    const { events } = start('conversation.html', `#inbox/${renewal.hashId}`, {});
    await settle();
    const emails = opened(events)[0]!.participants.map((p) => p.email);
    expect(emails).toContain('lee.park@eu.acme.com');
    expect(emails).not.toContain('jane.rep@acme.com');
  });

  it('X1: addresses written in message bodies are not participants', async () => {
    const { events } = start('conversation.html', `#inbox/${renewal.hashId}`);
    await settle();
    const emails = opened(events)[0]!.participants.map((p) => p.email);
    expect(emails).not.toContain('procurement@northwind.example');
    expect(emails).not.toContain('assistant@contoso.example');
  });
});

describe('Gmail selectors', () => {
  it('X1: each selector falls back when Gmail renames a class or drops an attribute', () => {
    loadFixture('gmail/conversation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    const before = readGmailThread(document);
    expect(matchingFallback(document, gmailSelectors.subject)).toBe(0);
    expect(matchingFallback(document, gmailSelectors.message)).toBe(0);
    for (const el of Array.from(document.querySelectorAll('h2.hP'))) el.classList.remove('hP');
    for (const el of Array.from(document.querySelectorAll('span.gD'))) el.classList.remove('gD');
    for (const el of Array.from(document.querySelectorAll('[data-message-id]'))) el.removeAttribute('data-message-id');
    expect(matchingFallback(document, gmailSelectors.subject)).toBe(1);
    expect(matchingFallback(document, gmailSelectors.message)).toBe(1);
    const after = readGmailThread(document);
    expect(after?.subject).toBe(renewal.subject);
    expect(after?.messageIds).toEqual(renewal.messages.map((m) => legacyId(m.n)));
    expect(after?.sightings).toEqual(before?.sightings);
  });

  it('X1: without thread id attributes the URL hash names the thread', () => {
    loadFixture('gmail/conversation.html', `${GMAIL}#label/Clients/${renewal.hashId}`);
    for (const el of Array.from(document.querySelectorAll('[data-thread-perm-id], [data-legacy-thread-id]'))) {
      el.removeAttribute('data-thread-perm-id');
      el.removeAttribute('data-legacy-thread-id');
    }
    expect(readGmailThread(document)?.threadId).toBe(renewal.hashId);
  });
});
