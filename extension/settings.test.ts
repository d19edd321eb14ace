import { fakeBrowser } from 'wxt/testing/fake-browser';
import { beforeEach, describe, expect, it } from 'vitest';
import { isLoopback, isNeverLogged, type LocalStorage, loadSettings, normaliseServer, originPattern, parseList, saveSettings, settingsReader } from './settings.ts';

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

describe("the worker's settings reader", () => {
  /** browser.storage.local, counting its reads of the settings. */
  function counted() {
    const local = fakeBrowser.storage.local;
    const storage = {
      reads: 0,
      get(key: string) {
        storage.reads++;
        return local.get(key);
      },
      set: (items: Record<string, unknown>) => local.set(items),
      onChanged: local.onChanged,
    };
    return storage;
  }

  it('reads the settings once while they stay the same', async () => {
    await saveSettings(fakeBrowser.storage.local, { server: 'http://127.0.0.1:3000', token: 'crm_one' });
    const storage = counted();
    const reader = settingsReader(storage);
    expect((await reader.read()).token).toBe('crm_one');
    expect((await reader.read()).token).toBe('crm_one');
    expect(storage.reads).toBe(1);
  });

  it('reads them again after another page changed them, and after its own save', async () => {
    await saveSettings(fakeBrowser.storage.local, { server: 'http://127.0.0.1:3000', token: 'crm_one' });
    const storage = counted();
    const reader = settingsReader(storage);
    await reader.read();
    // the options page writes the lists itself
    await saveSettings(fakeBrowser.storage.local, { ownAddresses: ['rep@acme.example'] });
    expect((await reader.read()).ownAddresses).toEqual(['rep@acme.example']);
    await reader.save({ token: 'crm_two' });
    expect((await reader.read()).token).toBe('crm_two');
    // another key of the same area is no change of the settings
    const before = storage.reads;
    await fakeBrowser.storage.local.set({ language: 'nl' });
    await reader.read();
    expect(storage.reads).toBe(before);
  });

  it('a failed read is not kept; a storage area that says nothing of changes is read every time', async () => {
    let fail = true;
    const failing: LocalStorage & { onChanged: typeof fakeBrowser.storage.local.onChanged } = {
      get: (key) => (fail ? Promise.reject(new Error('storage is gone')) : fakeBrowser.storage.local.get(key)),
      set: (items) => fakeBrowser.storage.local.set(items),
      onChanged: fakeBrowser.storage.local.onChanged,
    };
    const reader = settingsReader(failing);
    await expect(reader.read()).rejects.toThrow('storage is gone');
    fail = false;
    expect((await reader.read()).server).toBe('');
    let reads = 0;
    const plain: LocalStorage = { get: (key) => (reads++, fakeBrowser.storage.local.get(key)), set: (items) => fakeBrowser.storage.local.set(items) };
    const unwatched = settingsReader(plain);
    await unwatched.read();
    await unwatched.read();
    expect(reads).toBe(2);
  });
});
