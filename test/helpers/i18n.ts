/**
 * The browser's `i18n.getMessage` over the companion's real `_locales` files, for component tests
 * in Node (which has no extension APIs): the message of a key in one language, its `$NAME$`
 * placeholders replaced by their content and `$1`…`$9` by the substitutions, as Chrome and Firefox
 * do; '' for a key the language lacks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;

export function localeMessages(language: string): (name: string, substitutions?: string | string[]) => string {
  const messages = JSON.parse(readFileSync(fileURLToPath(new URL(`../../extension/public/_locales/${language}/messages.json`, import.meta.url)), 'utf8')) as Messages;
  return (name, substitutions = []) => {
    const entry = messages[name];
    if (!entry) return '';
    const subs = typeof substitutions === 'string' ? [substitutions] : substitutions;
    const fill = (text: string) => text.replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? '');
    const placeholders = Object.fromEntries(Object.entries(entry.placeholders ?? {}).map(([k, v]) => [k.toLowerCase(), fill(v.content)]));
    return entry.message.replace(/\$([a-z0-9_]+)\$/gi, (whole, key: string) => placeholders[key.toLowerCase()] ?? whole);
  };
}

/**
 * Gives this process a `chrome.i18n` answering in `language`, before the companion's modules load
 * (wxt/browser picks up `chrome` when first imported: import them dynamically after this).
 */
export function installI18n(language: string): void {
  (globalThis as { chrome?: unknown }).chrome = { i18n: { getMessage: localeMessages(language), getUILanguage: () => language } };
}
