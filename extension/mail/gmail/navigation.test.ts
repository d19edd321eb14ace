import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture, recordEvents, settle } from '../../../test/helpers/fixture-page.ts';
import { until } from '../../../test/helpers/until.ts';
import { alice, bob, carol, dave, erin, frank, onboarding, personalThread, renewal, repPersonal, rolloutThread } from '../../../test/fixtures/mail/people.ts';
import { watchMail } from '../index.ts';
import type { MailEvent, MailThread, MailWatcher } from '../types.ts';
import { gmailThreadInUrl, readGmailAccount, readGmailThread } from './adapter.ts';

const GMAIL = 'https://mail.google.com/mail/u/0/';
const lc = (email: string) => email.toLowerCase();
const byEmail = (thread: MailThread) => Object.fromEntries(thread.participants.map((p) => [p.email, p.roles]));
const threads = (events: MailEvent[]) => events.flatMap((e) => (e.type === 'threadOpened' || e.type === 'threadUpdated' ? [e.thread] : []));
const kinds = (events: MailEvent[]) => events.map((e) => (e.type === 'threadOpened' || e.type === 'threadUpdated' ? `${e.type} ${e.thread.threadId}` : `${e.type} ${e.threadId}`));
const rollout = rolloutThread();

let watcher: MailWatcher | undefined;
afterEach(() => {
  watcher?.stop();
  watcher = undefined;
});

function start(file: string, url: string) {
  const fixture = loadFixture(`gmail/${file}`, url);
  const recorded = recordEvents(watchMail, { internalDomains: ['acme.com'], unreadableAfterMs: 60 });
  watcher = recorded.watcher;
  return { fixture, events: recorded.events };
}

describe('Gmail, collapsed messages and the "older messages" group', () => {
  it('X1: a sender shown only in a collapsed message\'s one-line header (span.zF/yP[email]) is a participant', async () => {
    const { events } = start('older-messages.html', `${GMAIL}#inbox/${rollout.hashId}`);
    await settle();
    // Dave wrote only the first message, collapsed: no span.gD, no recipients, just the name
    expect(document.querySelector(`[data-fixture-item="msg-f:${rollout.messages[0]!.n}"] span.gD`)).toBeNull();
    expect(document.querySelector(`[data-fixture-item="msg-f:${rollout.messages[0]!.n}"] span.zF`)?.getAttribute('email')).toBe(dave.email);
    expect(kinds(events)).toEqual([`threadOpened thread-f:${rollout.n}`]);
    expect(byEmail(threads(events)[0]!)).toEqual({ [dave.email]: ['from'], [alice.email]: ['from', 'to'], [lc(bob.email)]: ['from'] });
    expect(threads(events)[0]!.messageIds).toHaveLength(12);
  });

  it('X1: the senders inside "N older messages" count once the group is expanded; a cc once that message is', async () => {
    const { fixture, events } = start('older-messages.html', `${GMAIL}#inbox/${rollout.hashId}`);
    await settle();
    expect(byEmail(threads(events)[0]!)[erin.email]).toBeUndefined();
    expect(fixture.showOlder()).toBe(8);
    await settle();
    expect(kinds(events)).toEqual([`threadOpened thread-f:${rollout.n}`, `threadUpdated thread-f:${rollout.n}`]);
    expect(byEmail(threads(events)[1]!)[erin.email]).toEqual(['from']);
    expect(byEmail(threads(events)[1]!)[frank.email]).toBeUndefined();
    fixture.expandMessage(`msg-f:${rollout.messages[6]!.n}`);
    await settle();
    expect(byEmail(threads(events)[2]!)[frank.email]).toEqual(['cc']);
  });

  it('X1: the parser reads the collapsed headers of every shape Gmail uses (unread zF, read yP)', () => {
    loadFixture('gmail/conversation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    const reading = readGmailThread(document)!;
    const collapsed = document.querySelectorAll('.kv span.zF[email], .kv span.yP[email]');
    expect(collapsed.length).toBe(2);
    // the two collapsed messages come first; each gives its sender and nothing else
    expect(reading.sightings.slice(0, 3).map((s) => [lc(s.email), s.role])).toEqual([[alice.email, 'from'], ['jane.rep@acme.com', 'from'], [lc(bob.email), 'from']]);
  });
});

describe('Gmail, following the open thread', () => {
  it('X1: Gmail replacing the whole thread view after the hash changes: the old view is kept hidden, the new thread is reported alone', async () => {
    const { fixture, events } = start('navigation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    await settle();
    const first = document.querySelector('[data-fixture-thread]');
    fixture.openThread(onboarding.hashId);
    await until(() => events.length, (n) => n >= 3, 2000);
    expect(document.querySelector('[data-fixture-thread]')).not.toBe(first);
    expect(document.querySelectorAll('h2.hP').length).toBe(2);
    expect(kinds(events)).toEqual([`threadOpened thread-f:${renewal.n}`, `threadClosed thread-f:${renewal.n}`, `threadOpened thread-f:${onboarding.n}`]);
    expect(threads(events)[1]!.participants.map((p) => p.email)).toEqual([erin.email, carol.email]);
  });

  it('X1: the previous view still shown beside the new one for a while: the new thread opens at once, the old one is not kept', async () => {
    loadFixture('gmail/navigation-overlap.html', `${GMAIL}#inbox/${renewal.hashId}`);
    const events: MailEvent[] = [];
    watcher = watchMail({ document, ownAddresses: [], internalDomains: ['acme.com'], unreadableAfterMs: 2000, onEvent: (e) => events.push(e) });
    await settle();
    (window as unknown as { __fixture: { openThread(id: string): void } }).__fixture.openThread(onboarding.hashId);
    await until(() => events.length, (n) => n >= 3, 1000);
    // both subjects are on screen at this point
    expect(Array.from(document.querySelectorAll('h2.hP')).filter((h) => (h.closest('[data-fixture-kept], [data-fixture-thread]') as HTMLElement).style.display !== 'none')).toHaveLength(2);
    expect(kinds(events)).toEqual([`threadOpened thread-f:${renewal.n}`, `threadClosed thread-f:${renewal.n}`, `threadOpened thread-f:${onboarding.n}`]);
    expect(readGmailThread(document)!.alsoShown?.map((r) => r.threadId)).toEqual([`thread-f:${onboarding.n}`]);
    await new Promise((r) => setTimeout(r, 450));
    expect(events).toHaveLength(3);
  });

  // history.back() in happy-dom does not move the hash; the end-to-end run uses the browser's own back and forward
  it('X1: the hash going back to the previous thread: Gmail shows the view it kept (reused container) and the sidebar follows both ways', async () => {
    const { fixture, events } = start('navigation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    await settle();
    fixture.openThread(onboarding.hashId);
    await until(() => events.length, (n) => n >= 3, 2000);
    const kept = document.querySelector('[data-fixture-kept]');
    location.hash = `#inbox/${renewal.hashId}`;
    await until(() => events.length, (n) => n >= 5, 2000);
    expect(location.hash).toBe(`#inbox/${renewal.hashId}`);
    expect(document.querySelector('[data-fixture-thread]')).toBe(kept);
    expect(kinds(events).slice(3)).toEqual([`threadClosed thread-f:${onboarding.n}`, `threadOpened thread-f:${renewal.n}`]);
    location.hash = `#inbox/${onboarding.hashId}`;
    await until(() => events.length, (n) => n >= 7, 2000);
    expect(kinds(events).slice(5)).toEqual([`threadClosed thread-f:${renewal.n}`, `threadOpened thread-f:${onboarding.n}`]);
  });

  it('X1: a thread opened from search results (#search/<words>/<id>) is followed like one from the inbox', async () => {
    const { fixture, events } = start('navigation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    await settle();
    fixture.search('rollout');
    await settle();
    expect(location.hash).toBe('#search/rollout');
    expect(kinds(events)).toEqual([`threadOpened thread-f:${renewal.n}`, `threadClosed thread-f:${renewal.n}`]);
    document.querySelector<HTMLElement>(`[data-fixture-open="${rollout.hashId}"]`)!.click();
    await until(() => events.length, (n) => n >= 3, 2000);
    expect(location.hash).toBe(`#search/rollout/${rollout.hashId}`);
    expect(threads(events)[1]!.threadId).toBe(`thread-f:${rollout.n}`);
    expect(gmailThreadInUrl(location)).toBe(rollout.hashId);
  });

  it('X1: the address moving to a thread Gmail never draws: the old thread is closed and the sidebar is told it cannot read this one', async () => {
    const { events } = start('navigation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    await settle();
    location.hash = '#inbox/FMfcgzQXJNeverRenderedThread';
    await settle();
    // for a moment the old view is still on screen: nothing yet
    expect(kinds(events)).toEqual([`threadOpened thread-f:${renewal.n}`]);
    await until(() => events.length, (n) => n >= 3, 2000);
    expect(events.slice(1)).toEqual([
      { type: 'threadClosed', threadId: `thread-f:${renewal.n}` },
      { type: 'threadUnreadable', threadId: 'FMfcgzQXJNeverRenderedThread', subject: '' },
    ]);
    // the old view changing (a reply arriving in it) does not bring its people back
    document.querySelector('[data-fixture-messages]')!.append(document.createElement('div'));
    await new Promise((r) => setTimeout(r, 120));
    expect(events).toHaveLength(3);
    // going back to a thread it can read ends the state
    location.hash = `#inbox/${onboarding.hashId}`;
    await until(() => events.length, (n) => n >= 5, 2000);
    expect(kinds(events).slice(3)).toEqual(['threadClosed FMfcgzQXJNeverRenderedThread', `threadOpened thread-f:${onboarding.n}`]);
  });

  it('X1: a thread view without any address Gmail draws (markup the adapter does not know) is reported unreadable, with its subject', async () => {
    const { events } = start('conversation.html', `${GMAIL}#inbox/${renewal.hashId}`);
    await settle();
    for (const el of Array.from(document.querySelectorAll('[data-fixture-thread] [email]'))) el.removeAttribute('email');
    await until(() => events.length, (n) => n >= 3, 2000);
    expect(events.slice(1)).toEqual([
      { type: 'threadClosed', threadId: `thread-f:${renewal.n}` },
      { type: 'threadUnreadable', threadId: renewal.hashId, subject: renewal.subject },
    ]);
  });

  it('X1: which addresses name a thread: the last segment after a list, never a list\'s own name', () => {
    const named = (hash: string) => gmailThreadInUrl({ hash } as Location);
    expect(named(`#inbox/${renewal.hashId}`)).toBe(renewal.hashId);
    expect(named(`#inbox/${renewal.hashId}?compose=new`)).toBe(renewal.hashId);
    expect(named(`#label/Clients/${renewal.hashId}`)).toBe(renewal.hashId);
    expect(named(`#search/renewal/${renewal.hashId}`)).toBe(renewal.hashId);
    expect(named('#inbox/18c2ab34cd56ef78')).toBe('18c2ab34cd56ef78');
    for (const list of ['#inbox', '#search/averyveryverylongsingleword', '#label/ClientsAndPartners2026', '#category/promotions', '#settings/general', '#inbox?compose=new', '']) expect(named(list), list).toBeNull();
  });

  it('X1: split view (the list beside the thread): a row clicked, the hash going back, the list\'s own rows never a thread', async () => {
    const { events } = start('reading-pane.html', `${GMAIL}#inbox/${renewal.hashId}`);
    await settle();
    document.querySelector<HTMLElement>(`[data-fixture-open="${onboarding.hashId}"]`)!.click();
    await settle();
    expect(document.querySelector<HTMLElement>('[data-fixture-list]')!.style.display).toBe('');
    expect(kinds(events)).toEqual([`threadOpened thread-f:${renewal.n}`, `threadClosed thread-f:${renewal.n}`, `threadOpened thread-f:${onboarding.n}`]);
    location.hash = `#inbox/${renewal.hashId}`;
    await until(() => events.length, (n) => n >= 5, 2000);
    expect(kinds(events).slice(3)).toEqual([`threadClosed thread-f:${onboarding.n}`, `threadOpened thread-f:${renewal.n}`]);
    expect(byEmail(threads(events).at(-1)!)).toEqual({ [alice.email]: ['from', 'to'], [lc(bob.email)]: ['from', 'to'], [carol.email]: ['bcc'], [frank.email]: ['cc'] });
  });

  it('X1: the inbox names no thread: nothing is unreadable there', async () => {
    const { events } = start('navigation.html', `${GMAIL}#inbox`);
    await new Promise((r) => setTimeout(r, 120));
    expect(events).toEqual([]);
    expect(gmailThreadInUrl(location)).toBeNull();
  });
});

describe('Gmail, a second account (/mail/u/1/)', () => {
  it('X1: the account signed in at /mail/u/1/ is read from that page and never a participant', async () => {
    const { events } = start('second-account.html', `https://mail.google.com/mail/u/1/#inbox/${personalThread.hashId}`);
    await settle();
    expect(readGmailAccount(document)).toBe(repPersonal.email);
    expect(watcher!.account).toBe(repPersonal.email);
    expect(threads(events)[0]!.participants.map((p) => p.email)).toEqual([erin.email, alice.email]);
    document.querySelector('a[aria-label^="Google Account:"]')!.remove();
    expect(readGmailAccount(document)).toBe(repPersonal.email); // from the title
  });
});
