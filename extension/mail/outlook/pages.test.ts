import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture, recordEvents, settle } from '../../../test/helpers/fixture-page.ts';
import { until } from '../../../test/helpers/until.ts';
import { conversationId, itemId } from '../../../test/fixtures/mail/outlook/page.ts';
import { alice, bob, carol, dave, frank, guests, invitation, longThread, onboarding, renewal, rep } from '../../../test/fixtures/mail/people.ts';
import { watchMail } from '../index.ts';
import type { MailEvent, MailThread, MailWatcher } from '../types.ts';
import { outlookThreadInUrl, readOutlookAccount, readOutlookThread } from './adapter.ts';

const at = (t: { messages: Array<{ n: string }> }, path = 'inbox/id') => `https://outlook.office.com/mail/${path}/${encodeURIComponent(itemId(t.messages.at(-1)!))}`;
const threads = (events: MailEvent[]) => events.flatMap((e) => (e.type === 'threadOpened' || e.type === 'threadUpdated' ? [e.thread] : []));
const byEmail = (thread: MailThread) => Object.fromEntries(thread.participants.map((p) => [p.email, p.roles]));
const lc = (email: string) => email.toLowerCase();
const renewalPeople = { [alice.email]: ['from', 'to'], [lc(bob.email)]: ['from', 'to'], [carol.email]: ['bcc'], [frank.email]: ['cc'] };

let watcher: MailWatcher | undefined;
afterEach(() => {
  watcher?.stop();
  watcher = undefined;
});

function start(file: string, url: string, options: Parameters<typeof recordEvents>[1] = { internalDomains: ['acme.com'], unreadableAfterMs: 60 }) {
  const fixture = loadFixture(`outlook/${file}`, url) as ReturnType<typeof loadFixture> & { seeMore(): number; toggleAccountMenu(): boolean };
  const recorded = recordEvents(watchMail, options);
  watcher = recorded.watcher;
  return { fixture, events: recorded.events };
}

describe('Outlook, recipients as the page writes them', () => {
  it('X1: external recipients written as plain text ("Name <address>;") are To and Cc participants', async () => {
    const { events } = start('reading-pane.html', at(renewal));
    await settle();
    // Frank (cc) and Carol (bcc) are text in their lines; no element names their address
    expect(document.querySelector(`[title="${frank.email}"]`)).toBeNull();
    expect(document.querySelector('.IovuJ[aria-label^="Cc:"]')?.textContent).toContain(`${frank.name} <${frank.email}>`);
    expect(byEmail(threads(events)[0]!)).toEqual(renewalPeople);
    expect(threads(events)[0]!.participants.find((p) => p.email === frank.email)?.name).toBe(frank.name);
  });

  it('X1: "See more" in a long recipients line: the first five count at once, the rest once it is clicked', async () => {
    const { events } = start('long-recipients.html', at(invitation));
    await settle();
    const first = byEmail(threads(events)[0]!);
    expect(Object.keys(first).sort()).toEqual([alice.email, lc(bob.email), carol.email, ...guests.slice(0, 3).map((g) => g.email)].sort());
    document.querySelector<HTMLElement>('[aria-label="See more recipients"]')!.click();
    await settle();
    expect(events.map((e) => e.type)).toEqual(['threadOpened', 'threadUpdated']);
    const all = byEmail(threads(events)[1]!);
    for (const guest of guests) expect(all[guest.email]).toEqual(['to']);
    expect(all[carol.email]).toEqual(['cc']);
  });
});

describe('Outlook, recipients shown by name only', () => {
  it('X1: a recipient written without an address gets the one the page pairs with that name; an unknown name is nobody', () => {
    loadFixture('outlook/reading-pane.html', at(renewal));
    const newest = document.querySelector(`[data-itemid="${itemId(renewal.messages.at(-1)!)}"]`)!;
    const to = newest.querySelector('.IovuJ[aria-label^="To:"]')!;
    // Outlook showing "Bob Smith" alone, and someone the page names nowhere else
    to.innerHTML = to.innerHTML.replace(`&lt;${bob.email}&gt;`, '') + ' Zed Unknown;';
    expect(to.textContent).not.toContain(bob.email);
    const sightings = readOutlookThread(document)!.sightings;
    const newestTo = sightings.filter((x) => x.role === 'to').map((x) => x.email);
    expect(newestTo).toContain(lc(bob.email));
    expect(sightings.map((x) => x.name)).not.toContain('Zed Unknown');
    expect(sightings.every((x) => x.email !== '')).toBe(true);
  });
});

describe('Outlook, collapsed messages show the sender by name only', () => {
  it('X1: a collapsed sender is given the address the page pairs with that name elsewhere (the conversation row of the list)', async () => {
    const { events } = start('long-thread.html', at(longThread()));
    await settle();
    // Dave wrote only collapsed messages: his name, no address, in the reading pane
    const collapsedDave = Array.from(document.querySelectorAll('#ReadingPaneContainerId .OZZZK')).find((el) => el.textContent === dave.name);
    expect(collapsedDave?.hasAttribute('title')).toBe(false);
    expect(byEmail(threads(events)[0]!)[dave.email]).toEqual(['from']);
  });

  it('X1: a name the page never pairs with an address is left out, never guessed', () => {
    loadFixture('outlook/long-thread.html', at(longThread()));
    for (const row of Array.from(document.querySelectorAll('[role="listbox"] [title]'))) row.removeAttribute('title');
    const emails = readOutlookThread(document)!.sightings.map((s) => s.email);
    expect(emails).not.toContain(dave.email);
    expect(emails).not.toContain('');
  });

  it('X1: two people of the same name leave that name unresolved', () => {
    loadFixture('outlook/long-thread.html', at(longThread()));
    const twin = document.createElement('span');
    twin.title = 'dave.kim@other.example';
    twin.textContent = dave.name;
    document.querySelector('[role="listbox"]')!.append(twin);
    expect(readOutlookThread(document)!.sightings.map((s) => s.email)).not.toContain(dave.email);
  });
});

describe('Outlook, the signed-in account from what the page shows', () => {
  it('X1: with the account menu closed (not rendered), the folder pane\'s mailbox node names the account', async () => {
    const { fixture, events } = start('reading-pane.html', at(renewal), { unreadableAfterMs: 60 });
    await settle();
    expect(document.getElementById('mectrl_currentAccount_secondary')).toBeNull();
    expect(watcher!.account).toBe(rep.email);
    expect(threads(events)[0]!.participants.map((p) => p.email)).not.toContain(rep.email);
    expect(fixture.toggleAccountMenu()).toBe(true);
    expect(readOutlookAccount(document)).toBe(rep.email);
  });

  it('X1: without a folder pane (a message on its own page), the name on the account button is matched to the address the page gives it', async () => {
    const { events } = start('full-page.html', at(renewal, 'deeplink/read'), { unreadableAfterMs: 60 });
    await settle();
    expect(document.querySelector('[role="tree"]')).toBeNull();
    expect(readOutlookAccount(document)).toBe(rep.email);
    expect(threads(events)[0]!.participants.map((p) => p.email)).not.toContain(rep.email);
  });
});

describe('Outlook, layouts', () => {
  it.each([
    { layout: 'a conversation on its own page (/mail/deeplink/read/<id>)', file: 'full-page.html', url: at(renewal, 'deeplink/read') },
    { layout: 'a conversation on its own page (/mail/inbox/id/<id>, reading pane hidden)', file: 'full-page.html', url: at(renewal) },
  ])('X1: $layout reads like the reading pane', async ({ file, url }) => {
    const { events } = start(file, url);
    await settle();
    expect(events).toHaveLength(1);
    expect(threads(events)[0]!.threadId).toBe(conversationId(renewal));
    expect(byEmail(threads(events)[0]!)).toEqual(renewalPeople);
  });

  it('X1: one message on its own page with conversation view off', async () => {
    const { events } = start('full-page-individual.html', at({ messages: [renewal.messages.at(-1)!] }, 'deeplink/read'));
    await settle();
    expect(threads(events)[0]!.messageIds).toEqual([itemId(renewal.messages.at(-1)!)]);
    expect(byEmail(threads(events)[0]!)).toEqual({ [alice.email]: ['from'], [lc(bob.email)]: ['to'], [frank.email]: ['cc'] });
  });
});

describe('Outlook, following the open conversation', () => {
  it('X1: the path naming another message while the pane still shows the old conversation: closed, then reported unreadable', async () => {
    const { events } = start('reading-pane.html', at(renewal));
    await settle();
    history.pushState(null, '', '/mail/inbox/id/AAkALgAAUnknownItem%3D');
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(outlookThreadInUrl(location)).toBe('AAkALgAAUnknownItem=');
    await until(() => events.length, (n) => n >= 3, 2000);
    expect(events.slice(1)).toEqual([
      { type: 'threadClosed', threadId: conversationId(renewal) },
      { type: 'threadUnreadable', threadId: 'AAkALgAAUnknownItem=', subject: '' },
    ]);
  });

  it('X1: the path naming another message of the same conversation is the same conversation', async () => {
    const { events } = start('reading-pane.html', at(renewal));
    await settle();
    history.pushState(null, '', `/mail/inbox/id/${encodeURIComponent(itemId(renewal.messages[0]!))}`);
    window.dispatchEvent(new PopStateEvent('popstate'));
    await new Promise((r) => setTimeout(r, 150));
    expect(events.map((e) => e.type)).toEqual(['threadOpened']);
  });

  it('X1: back (the address of the previous conversation, popstate): the reading pane shows it again and the sidebar follows', async () => {
    const { events } = start('reading-pane.html', at(renewal));
    await settle();
    document.querySelector<HTMLElement>(`[data-fixture-open="${itemId(onboarding.messages.at(-1)!)}"]`)!.click();
    await settle();
    history.pushState(null, '', `/mail/inbox/id/${encodeURIComponent(itemId(renewal.messages.at(-1)!))}`);
    window.dispatchEvent(new PopStateEvent('popstate'));
    await settle();
    expect(events.map((e) => (e.type === 'threadOpened' || e.type === 'threadUpdated' ? `${e.type} ${e.thread.threadId}` : `${e.type} ${e.threadId}`))).toEqual([
      `threadOpened ${conversationId(renewal)}`,
      `threadClosed ${conversationId(renewal)}`,
      `threadOpened ${conversationId(onboarding)}`,
      `threadClosed ${conversationId(onboarding)}`,
      `threadOpened ${conversationId(renewal)}`,
    ]);
    expect(byEmail(threads(events).at(-1)!)).toEqual(renewalPeople);
  });

  it('X1: another conversation opened from the list after one was unreadable ends that state', async () => {
    const { events } = start('reading-pane.html', at(renewal));
    await settle();
    history.pushState(null, '', '/mail/inbox/id/AAkALgAAUnknownItem%3D');
    window.dispatchEvent(new PopStateEvent('popstate'));
    await until(() => events.length, (n) => n >= 3, 2000);
    document.querySelector<HTMLElement>(`[data-fixture-open="${itemId(onboarding.messages.at(-1)!)}"]`)!.click();
    await settle();
    expect(events.slice(3).map((e) => e.type)).toEqual(['threadClosed', 'threadOpened']);
    expect(threads(events).at(-1)!.threadId).toBe(conversationId(onboarding));
  });
});
