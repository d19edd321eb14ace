import { describe, expect, it } from 'vitest';
import { neverLogMatch } from './never-log.ts';
import { neverLogEntryOf, workspaceSettings } from './workspace.ts';

describe('B8: the never-log rule', () => {
  it('B8: an address matches itself only; a domain matches itself and its subdomains, not look-alikes', () => {
    const list = ['lee@private.example', 'hush.example', '@quiet.example'];
    expect(neverLogMatch('Lee@Private.example', list)).toBe('lee@private.example');
    expect(neverLogMatch('ann@private.example', list)).toBeNull();
    expect(neverLogMatch('ann@hush.example', list)).toBe('hush.example');
    expect(neverLogMatch('ann@mail.hush.example', list)).toBe('hush.example');
    expect(neverLogMatch('ann@nothush.example', list)).toBeNull();
    expect(neverLogMatch('bo@quiet.example', list)).toBe('@quiet.example');
    // a company's domain, as the server checks it
    expect(neverLogMatch('@sub.hush.example', list)).toBe('hush.example');
    expect(neverLogMatch('x@y.example', ['', '  '])).toBeNull();
  });

  it('B8: entries are kept in normal form; anything that is neither an address nor a domain is refused', () => {
    expect(neverLogEntryOf(' Lee@Private.Example ')).toBe('lee@private.example');
    expect(neverLogEntryOf('@Hush.example')).toBe('hush.example');
    for (const bad of ['not a domain', 'x@', 'localhost', '10.0.0.1', 'https://hush.example/path', '']) expect(neverLogEntryOf(bad), bad).toBeNull();
    expect(workspaceSettings.safeParse({ neverLogAddresses: Array.from({ length: 1001 }, (_, i) => `d${i}.example`) }).success).toBe(false);
    expect(workspaceSettings.parse({ neverLogAddresses: ['A@B.example', 'C.example'] }).neverLogAddresses).toEqual(['a@b.example', 'c.example']);
  });
});
