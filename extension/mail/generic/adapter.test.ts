import { afterEach, describe, expect, it } from 'vitest';
import { recordEvents, settle } from '../../../test/helpers/fixture-page.ts';
import { providerFor } from '../hosts.ts';
import { watchMail } from '../index.ts';
import type { MailWatcher } from '../types.ts';
import { readGenericThread } from './adapter.ts';

let watcher: MailWatcher | undefined;
afterEach(() => {
  watcher?.stop();
  watcher = undefined;
});

function page(url: string, body: string, title = 'Webmail - Re: pricing') {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(url);
  document.open();
  document.write(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`);
  document.close();
}

const MAIL = `
<div class="header">From: Ann Lee &lt;Ann.Lee@Globex.example&gt;</div>
<div>To: <a href="mailto:Raj@initech.example?subject=Hi">Raj Patel</a>, <a href="MAILTO:me@acme.com">me</a></div>
<div>Cc: support@umbrella.example; colleague@eu.acme.com</div>
<div style="display: none">hidden@secret.example</div>
<div hidden>also-hidden@secret.example</div>
<style>.offscreen { display: none }</style><span class="offscreen">styled-away@secret.example</span>
<script>var x = "script@secret.example";</script>
<textarea>draft@secret.example</textarea>
<p>Thanks. ann.lee@globex.example</p>`;

describe('providerFor', () => {
  it.each([
    ['mail.google.com', 'gmail'],
    ['outlook.office.com', 'outlook'],
    ['outlook.office365.com', 'outlook'],
    ['outlook.live.com', 'outlook'],
    ['OUTLOOK.LIVE.COM', 'outlook'],
    ['webmail.example.org', 'generic'],
    ['google.com', 'generic'],
  ])('X1: %s → %s', (host, provider) => {
    expect(providerFor(host)).toBe(provider);
  });
});

describe('generic fallback', () => {
  it('X1: visible addresses and mailto: links, lowercased and deduplicated, hidden text (attribute, inline or stylesheet) and scripts left out', () => {
    page('https://webmail.example.org/read?id=7#msg', MAIL);
    const reading = readGenericThread(document)!;
    expect(reading.threadId).toBe('https://webmail.example.org/read#msg');
    expect(reading.subject).toBe('Webmail - Re: pricing');
    const emails = [...new Set(reading.sightings.map((s) => s.email.toLowerCase()))];
    expect(emails).toEqual(['raj@initech.example', 'me@acme.com', 'ann.lee@globex.example', 'support@umbrella.example', 'colleague@eu.acme.com']);
  });

  it('X1: watchMail on any other host reports participants through the same filters', async () => {
    page('https://webmail.example.org/read/7', MAIL);
    const recorded = recordEvents(watchMail, { ownAddresses: ['ME@acme.com'], internalDomains: ['acme.com'] });
    watcher = recorded.watcher;
    await settle();
    expect(recorded.events).toEqual([
      {
        type: 'threadOpened',
        thread: {
          provider: 'generic',
          threadId: 'https://webmail.example.org/read/7',
          subject: 'Webmail - Re: pricing',
          messageIds: [],
          participants: [
            { email: 'raj@initech.example', name: 'Raj Patel', roles: ['to'] },
            { email: 'ann.lee@globex.example', name: 'Ann Lee', roles: ['to'] },
            { email: 'support@umbrella.example', name: '', roles: ['to'] },
          ],
        },
      },
    ]);
    expect(recorded.watcher.account).toBeNull();
  });

  it('X1: a page without addresses is no thread; one appearing opens it, its removal closes it', async () => {
    page('https://webmail.example.org/inbox', '<main><p>No messages</p></main>');
    const recorded = recordEvents(watchMail);
    watcher = recorded.watcher;
    await settle();
    expect(recorded.events).toEqual([]);
    const p = document.createElement('p');
    p.textContent = 'From: lead@hooli.example';
    document.querySelector('main')!.append(p);
    await settle();
    p.remove();
    await settle();
    expect(recorded.events.map((e) => e.type)).toEqual(['threadOpened', 'threadClosed']);
  });
});
