import { browser } from 'wxt/browser';
import type english from './public/_locales/en/messages.json';

/**
 * The companion's texts in the browser's language: `public/_locales/<lang>/messages.json`, English
 * (the default) and Dutch, read with the browser's own i18n. A key that English lacks fails the
 * type check; i18n.test.ts checks that Dutch has the same keys and placeholders.
 */
export type MessageKey = keyof typeof english;

type GetMessage = (name: string, substitutions?: string[]) => string;

/** The text of `key` in the browser's language, its `$1`, `$2`… filled from `substitutions`. */
export function t(key: MessageKey, ...substitutions: string[]): string {
  const text = (browser.i18n.getMessage as GetMessage)(key, substitutions);
  // an empty answer: no text at all for this key (a build without _locales); the key says which
  return text || key;
}

/** The language of the texts shown (`en`, `nl`: the browser's, or English when there is none in it), for `<html lang>`. */
export function textLanguage(): string {
  return t('language');
}
