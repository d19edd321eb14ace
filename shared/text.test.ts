import { describe, expect, it } from 'vitest';
import { findUnstorable, unstorableText } from './text.ts';

describe('issue 13: text that PostgreSQL cannot store', () => {
  it('NUL and lone surrogates are named; paired surrogates (emoji) are fine', () => {
    expect(unstorableText('a\u0000b')).toMatch(/NUL/);
    expect(unstorableText('a\uD800b')).toMatch(/surrogate/);
    expect(unstorableText('\uDC00')).toMatch(/surrogate/);
    expect(unstorableText('ok 😀 é')).toBeNull();
  });

  it('the first bad string in a body is found with its JSON path, also in object keys', () => {
    expect(findUnstorable({ inputs: [{ properties: { a: 'x' } }, { properties: { b: 'y\u0000' } }] })).toEqual({ in: 'inputs[1].properties.b', message: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ ['k\uD800']: 1 })?.in).toBe('k\uD800');
    expect(findUnstorable({ a: [1, true, null, 'fine'] })).toBeNull();
  });

  it('a skipped path is left out; a deeply nested body does not overflow the stack', () => {
    expect(findUnstorable({ inputs: ['\u0000'], name: 'ok' }, (p) => p.startsWith('inputs['))).toBeNull();
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findUnstorable(deep)?.message).toMatch(/NUL/);
  });
});
