import { describe, expect, it } from 'vitest';
import { addressesIn, collectParticipants, normaliseAddress, normaliseDomain, participantFilter } from './address.ts';

describe('normaliseAddress', () => {
  it.each([
    [' Ann@Example.COM ', 'ann@example.com'],
    ['Ann Lee <ANN@example.com>', 'ann@example.com'],
    ['mailto:ann%40example.com?subject=hi', 'ann@example.com'],
    ['MAILTO:a@b.example,c@d.example', 'a@b.example'],
    ['not an address', null],
    ['ann@localhost', null],
    ['Jan <Jan@Bücher.de>', 'jan@bücher.de'],
    ['x@пример.рф', 'x@пример.рф'],
    ['', null],
    [null, null],
  ])('X1: %j → %j', (raw, expected) => {
    expect(normaliseAddress(raw)).toBe(expected);
  });
});

describe('addressesIn', () => {
  it('X1: finds every address in text, lowercased, without trailing dots', () => {
    expect(addressesIn('Write to Ann@X.example. Or bob@y.example, ok?')).toEqual(['ann@x.example', 'bob@y.example']);
    expect(addressesIn('Schreib an Jan@Bücher.de. Danke')).toEqual(['jan@bücher.de']);
  });
});

describe('participantFilter', () => {
  const keep = participantFilter([' Jane@Acme.com', 'not-an-address'], ['ACME.com', '@partner.example', '*.corp.example', '  ']);
  it.each([
    ['jane@acme.com', false],
    ['sam@acme.com', false],
    ['lee@eu.acme.com', false],
    ['x@partner.example', false],
    ['x@dept.corp.example', false],
    ['x@corp.example', false],
    ['frank@notacme.com', true],
    ['frank@acme.com.evil.example', true],
    ['ann@globex.example', true],
  ])('X1: %s kept: %s', (email, kept) => {
    expect(keep(email)).toBe(kept);
  });

  it('X1: domains are normalised the same way', () => {
    expect(['@Acme.com', '*.acme.com', ' acme.com. '].map(normaliseDomain)).toEqual(['acme.com', 'acme.com', 'acme.com']);
  });
});

describe('collectParticipants', () => {
  it('X1: one participant per address, roles merged in from/to/cc/bcc order, first real name kept', () => {
    const participants = collectParticipants(
      [
        { email: 'Ann@X.example', name: 'ann@x.example', role: 'cc' },
        { email: 'bob@y.example', name: '"Bob Y"', role: 'to' },
        { email: 'ann@x.example', name: 'Ann  Lee', role: 'from' },
        { email: 'ann@x.example', name: 'Someone Else', role: 'cc' },
        { email: 'jane@acme.com', name: 'Jane', role: 'to' },
        { email: 'garbage', name: 'No one', role: 'to' },
      ],
      (email) => !email.endsWith('@acme.com'),
    );
    expect(participants).toEqual([
      { email: 'ann@x.example', name: 'Ann Lee', roles: ['from', 'cc'] },
      { email: 'bob@y.example', name: 'Bob Y', roles: ['to'] },
    ]);
  });
});
