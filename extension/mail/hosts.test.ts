import { describe, expect, it } from 'vitest';
import { DEMO_MAIL_MATCHES, MAIL_MATCHES, providerOf, WEBMAIL_MATCHES } from './hosts.ts';

const at = (url: string) => new URL(url);

describe('the demo mailbox is read as Gmail, on the loopback demo path only', () => {
  it.each([
    ['http://127.0.0.1:8787/demo/mail', 'gmail'],
    ['http://127.0.0.1:8787/demo/mail#inbox/FMfcgzDemoHaldenRenewal', 'gmail'],
    ['http://localhost:3000/demo/mail', 'gmail'],
    ['https://mail.google.com/mail/u/0/#inbox', 'gmail'],
    ['https://outlook.office.com/mail/inbox', 'outlook'],
    // any other page of the server, another local page, or the same path elsewhere: not a webmail
    ['http://127.0.0.1:8787/docs', 'generic'],
    ['http://127.0.0.1:8787/demo/mailbox', 'generic'],
    ['http://192.168.1.5:8787/demo/mail', 'generic'],
    ['https://example.com/demo/mail', 'generic'],
  ])('X1: %s → %s', (url, provider) => {
    expect(providerOf(at(url))).toBe(provider);
  });

  it('X1: the content script matches the webmails and the demo path on loopback, nothing else local', () => {
    expect(DEMO_MAIL_MATCHES).toEqual(['http://127.0.0.1/demo/mail*', 'http://localhost/demo/mail*']);
    expect(MAIL_MATCHES).toEqual([...WEBMAIL_MATCHES, ...DEMO_MAIL_MATCHES]);
  });
});
