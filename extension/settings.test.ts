import { fakeBrowser } from 'wxt/testing/fake-browser';
import { beforeEach, describe, expect, it } from 'vitest';
import { isLoopback, isNeverLogged, loadSettings, normaliseServer, originPattern, parseList, saveSettings } from './settings.ts';

beforeEach(() => fakeBrowser.reset());

describe('settings (X3, B8)', () => {
  it('X3: a server address becomes its origin; what is no http(s) URL is refused, naming it', () => {
    expect(normaliseServer(' http://127.0.0.1:3000/docs ')).toBe('http://127.0.0.1:3000');
    expect(normaliseServer('crm.example.org')).toBe('http://crm.example.org');
    expect(normaliseServer('HTTPS://CRM.example.org:8443')).toBe('https://crm.example.org:8443');
    expect(() => normaliseServer('javascript:alert(1)')).toThrow('must start with http:// or https://');
    expect(() => normaliseServer('http://user:pw@crm.example.org')).toThrow('user name or password');
    expect(() => normaliseServer('http://')).toThrow('is not a URL');
  });

  it('X3: loopback servers need no permission; a remote one asks for its own origin only', () => {
    expect(['http://127.0.0.1:3000', 'http://localhost:8080', 'http://[::1]:3000'].map(isLoopback)).toEqual([true, true, true]);
    expect(isLoopback('http://127.0.0.1.example.org')).toBe(false);
    expect(originPattern('https://crm.example.org:8443')).toBe('https://crm.example.org/*');
  });

  it('B8: never-log matches an address exactly, or a domain with its subdomains', () => {
    const list = ['ceo@bank.example', 'lawyers.example'];
    expect(isNeverLogged('CEO@Bank.example', list)).toBe(true);
    expect(isNeverLogged('other@bank.example', list)).toBe(false);
    expect(isNeverLogged('a@lawyers.example', list)).toBe(true);
    expect(isNeverLogged('a@eu.lawyers.example', list)).toBe(true);
    expect(isNeverLogged('a@notlawyers.example', list)).toBe(false);
  });

  it('lists from the options page: split on lines and commas, lowercased, deduplicated', () => {
    expect(parseList('A@x.example, b@x.example\n\n a@X.example ;c.example')).toEqual(['a@x.example', 'b@x.example', 'c.example']);
  });

  it('settings round-trip through storage; a stored value of the wrong shape reads as empty; too long a list is refused', async () => {
    await saveSettings(fakeBrowser.storage.local, { server: 'http://127.0.0.1:1', ownAddresses: ['me@x.example'] });
    expect(await loadSettings(fakeBrowser.storage.local)).toEqual({ server: 'http://127.0.0.1:1', token: '', ownAddresses: ['me@x.example'], internalDomains: [], neverLog: [] });
    await fakeBrowser.storage.local.set({ settings: { server: 42, neverLog: 'x' } });
    expect(await loadSettings(fakeBrowser.storage.local)).toMatchObject({ server: '', neverLog: [] });
    await expect(saveSettings(fakeBrowser.storage.local, { neverLog: Array.from({ length: 1001 }, (_, i) => `${i}.example`) })).rejects.toThrow('neverLog: at most 1000 entries');
  });
});
