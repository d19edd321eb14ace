import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../../shared/records.ts';
import { companyDomainKey, companyNameForDomain, emailDomain, isPersonalDomain, onDomains, registrableDomain } from './domains.ts';

describe('email and company domains (R18)', () => {
  it('R18: personal mail domains never count as a company domain', () => {
    for (const d of ['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.nl', 'live.nl', 'yahoo.com', 'icloud.com', 'proton.me', 'gmx.de', 'web.de']) {
      expect(isPersonalDomain(d), d).toBe(true);
      expect(companyDomainKey(`someone@${d}`), d).toBeNull();
    }
    expect(isPersonalDomain('acme.com')).toBe(false);
  });

  it('R18: a subdomain of a personal provider is personal too', () => {
    expect(isPersonalDomain('eu.yahoo.com')).toBe(true);
    expect(companyDomainKey('x@mail.gmail.com')).toBeNull();
  });

  it('R18: a subdomain resolves to its registrable domain by the public suffix list', () => {
    expect(registrableDomain('mail.acme.co.uk')).toBe('acme.co.uk');
    expect(registrableDomain('eu.mail.acme.com')).toBe('acme.com');
    // private suffixes keep tenants of a hosting domain apart
    expect(registrableDomain('acme.github.io')).toBe('acme.github.io');
    expect(companyDomainKey('jan@Mail.Acme.co.uk')).toEqual({ exact: 'mail.acme.co.uk', registrable: 'acme.co.uk' });
    expect(companyDomainKey('jan@acme.com')).toEqual({ exact: 'acme.com', registrable: null });
  });

  it('R18: domains are normalized; invalid addresses and IPs have no company domain', () => {
    expect(normalizeDomain('https://www.Acme.com/about?x=1')).toBe('acme.com');
    expect(normalizeDomain('Acme.COM.')).toBe('acme.com');
    expect(normalizeDomain('@acme.com')).toBe('acme.com');
    expect(normalizeDomain('localhost')).toBeNull();
    expect(emailDomain('JAN@ACME.COM')).toBe('acme.com');
    expect(emailDomain('no-at-sign')).toBeNull();
    expect(companyDomainKey('a@b')).toBeNull();
    expect(companyDomainKey('a@127.0.0.1')).toBeNull();
    expect(companyDomainKey('acme.com')).toEqual({ exact: 'acme.com', registrable: null });
  });

  it('R18: an internationalized domain is looked up in the ASCII form companies are stored in', () => {
    expect(companyDomainKey('jan@Bücher.de')).toEqual({ exact: 'xn--bcher-kva.de', registrable: null });
    expect(companyDomainKey('jan@mail.bücher.de')).toEqual({ exact: 'mail.xn--bcher-kva.de', registrable: 'xn--bcher-kva.de' });
    expect(companyDomainKey('https://www.bücher.de/')).toEqual({ exact: 'xn--bcher-kva.de', registrable: null });
    expect(onDomains('rep@bücher.de', ['xn--bcher-kva.de'])).toBe(true);
  });

  it('R18: a company proposed for a new domain is named after it', () => {
    expect(companyNameForDomain('acme-tools.co.uk')).toBe('Acme Tools');
    expect(companyNameForDomain('devries.nl')).toBe('Devries');
  });

  it('X1: an address on an internal domain or its subdomains is recognised', () => {
    expect(onDomains('rep@mycorp.com', ['mycorp.com'])).toBe(true);
    expect(onDomains('rep@eu.mycorp.com', ['MyCorp.com'])).toBe(true);
    expect(onDomains('rep@notmycorp.com', ['mycorp.com'])).toBe(false);
  });
});
