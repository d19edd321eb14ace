// @vitest-environment node
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const locales = fileURLToPath(new URL('./public/_locales', import.meta.url));

type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const read = async (lang: string) => JSON.parse(await readFile(join(locales, lang, 'messages.json'), 'utf8')) as Messages;

/** `$SERVER$`-style placeholders a text uses, lowercased as the browser matches them. */
const used = (text: string) => [...text.matchAll(/\$([a-z0-9_@]+)\$/gi)].map((m) => m[1]!.toLowerCase()).sort();

describe('the companion\'s texts', () => {
  it('come in English and Dutch', async () => {
    expect((await readdir(locales)).sort()).toEqual(['en', 'nl']);
  });

  it('every language has exactly the English keys, each with the same placeholders, all defined and used', async () => {
    const english = await read('en');
    for (const lang of ['en', 'nl']) {
      const messages = await read(lang);
      expect(Object.keys(messages).sort(), lang).toEqual(Object.keys(english).sort());
      for (const [key, entry] of Object.entries(messages)) {
        const declared = Object.keys(entry.placeholders ?? {}).sort();
        expect(entry.message.trim(), `${lang} ${key}`).not.toBe('');
        expect(used(entry.message), `${lang} ${key}: placeholders used`).toEqual([...new Set(declared)]);
        expect(declared, `${lang} ${key}: same placeholders as English`).toEqual(Object.keys(english[key]!.placeholders ?? {}).sort());
        for (const name of declared) expect(entry.placeholders![name]!.content, `${lang} ${key} ${name}`).toBe(english[key]!.placeholders![name]!.content);
      }
    }
  });
});
