import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHROME_EXTENSION_ID, connectLink, MANIFEST_KEY } from './extension-id.ts';

describe('the extension id (X3)', () => {
  it('X3: the manifest key gives the extension id the connect link uses', () => {
    const digest = createHash('sha256').update(Buffer.from(MANIFEST_KEY, 'base64')).digest('hex').slice(0, 32);
    expect([...digest].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('')).toBe(CHROME_EXTENSION_ID);
    expect(connectLink('http://127.0.0.1:3000', 'crm_a+b')).toBe(`chrome-extension://${CHROME_EXTENSION_ID}/options.html?server=http%3A%2F%2F127.0.0.1%3A3000&token=crm_a%2Bb`);
  });
});
