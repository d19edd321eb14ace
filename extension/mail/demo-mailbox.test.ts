import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_THREADS, demoMailboxPage } from '../../server/demo/mailbox.ts';
import { ASTRID, ERIK, LIAM, MAJA, NIAMH, TOMAS } from '../../server/demo/people.ts';
import { recordEvents, settle } from '../../test/helpers/fixture-page.ts';
import { watchMail, type MailWatcher } from './index.ts';

function serve(url: string): void {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(url);
  document.open();
  document.write(demoMailboxPage());
  document.close();
}

// The demo mailbox (server/demo/mailbox.ts) as the companion reads it: Gmail's reader, chosen by
// the loopback address and path, finds each thread's people, the rep (the account) left out.
describe('X1: the demo mailbox is read by the Gmail reader', () => {
  let watcher: MailWatcher | undefined;
  afterEach(() => watcher?.stop());

  it.each([
    [DEMO_THREADS[0]!, [ASTRID, ERIK, MAJA]],
    [DEMO_THREADS[1]!, [LIAM, NIAMH]],
    [DEMO_THREADS[2]!, [TOMAS]],
  ])('X1: thread $hashId', async (thread, people) => {
    serve(`http://127.0.0.1:8787/demo/mail#inbox/${thread.hashId}`);
    const recorded = recordEvents(watchMail);
    watcher = recorded.watcher;
    await settle();
    const opened = recorded.events.find((e) => e.type === 'threadOpened');
    if (opened?.type !== 'threadOpened') throw new Error(`no thread opened: ${JSON.stringify(recorded.events)}`);
    expect(opened.thread.provider).toBe('gmail');
    expect(opened.thread.threadId).toBe(`thread-f:${thread.n}`);
    expect(opened.thread.subject).toBe(thread.subject);
    expect(opened.thread.messageIds).toEqual(thread.messages.map((m) => `msg-f:${m.n}`));
    expect(opened.thread.participants.map((p) => p.email).sort()).toEqual(people.map((p) => p.email).sort());
    expect(watcher.account).toBe('sam.rivera@northbeam.io');
  });
});
