import { browser } from 'wxt/browser';
import type english from './public/_locales/en/messages.json';

/**
 * The companion's texts: `public/_locales/<lang>/messages.json`, English (the default) and Dutch.
 * A key that English lacks fails the type check; i18n.test.ts checks that Dutch has the same keys
 * and placeholders.
 *
 * The rep chooses the language on the options page: the browser's (the default: the browser's own
 * i18n answers, English when it has none of the browser's language), English or Dutch. The browser's
 * i18n cannot switch language, so for a chosen one each part of the companion loads that language's
 * messages file once (`followLanguage`) and `t()` fills its texts the way the browser does.
 */
export type MessageKey = keyof typeof english;

/** The languages the companion has texts in. */
export const LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];
/** What the rep chose: a language, or `browser` (the browser's language). */
export type LanguageChoice = Language | 'browser';
/** Where the choice is kept in `browser.storage.local`. */
export const LANGUAGE_KEY = 'language';

export interface MessageEntry {
  message: string;
  placeholders?: Record<string, { content: string }>;
}
/** A messages.json: each key's text, its placeholders by name. */
export type Messages = Record<string, MessageEntry>;
/** Reads a language's messages.json (its parsed JSON, checked by `parseMessages`). */
export type ReadTexts = (language: Language) => Promise<unknown>;

type GetMessage = (name: string, substitutions?: string[]) => string;

/** The chosen language's messages; null: the browser's own i18n answers. */
let chosen: Messages | null = null;

/**
 * The browser's own texts without substitutions, by key: they do not change while the page lives,
 * and a page shows the same labels on every row (asking the browser is a native call each time).
 */
const browserTexts = new Map<string, string>();

function browserText(key: MessageKey, substitutions: string[]): string {
  if (substitutions.length > 0) return (browser.i18n.getMessage as GetMessage)(key, substitutions);
  let text = browserTexts.get(key);
  if (text === undefined) {
    text = (browser.i18n.getMessage as GetMessage)(key);
    browserTexts.set(key, text);
  }
  return text;
}

/** The text of `key` in the chosen language, its placeholders filled from `substitutions`. */
export function t(key: MessageKey, ...substitutions: string[]): string {
  const entry = chosen?.[key];
  const text = entry ? fillMessage(entry, substitutions) : browserText(key, substitutions);
  // an empty answer: no text at all for this key (a build without _locales); the key says which
  return text || key;
}

/** The language of the texts shown (`en`, `nl`), for `<html lang>` and `Intl`. */
export function textLanguage(): string {
  return t('language');
}

/**
 * A message with its substitutions, as Chrome and Firefox fill it: each `$name$` (any case) becomes
 * its placeholder's content, then `$1`…`$9` the substitution of that number (nothing when there is
 * none) and a run of `$` loses one (`$$` is a dollar sign). Substituted text is not read again.
 */
export function fillMessage(entry: MessageEntry, substitutions: readonly string[] = []): string {
  const byName = new Map(Object.entries(entry.placeholders ?? {}).map(([name, p]) => [name.toLowerCase(), p.content]));
  const inlined = entry.message.replace(/\$([a-z0-9_@]+)\$/gi, (whole, name: string) => byName.get(name.toLowerCase()) ?? whole);
  return inlined.replace(/\$([1-9])|\$(\$+)/g, (_, n: string | undefined, dollars: string | undefined) => (n ? (substitutions[Number(n) - 1] ?? '') : dollars!));
}

/** A messages.json's content, checked: every entry a `message` text with optional placeholders, each with a `content` text. */
export function parseMessages(json: unknown): Messages {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new TypeError('messages.json: not an object of messages');
  for (const [key, entry] of Object.entries(json as Record<string, unknown>)) {
    const e = entry as Partial<MessageEntry> | null;
    if (!e || typeof e !== 'object' || typeof e.message !== 'string') throw new TypeError(`messages.json: ${key} has no message text`);
    if (e.placeholders === undefined) continue;
    if (!e.placeholders || typeof e.placeholders !== 'object') throw new TypeError(`messages.json: ${key}'s placeholders are not an object`);
    for (const [name, p] of Object.entries(e.placeholders)) {
      if (typeof (p as { content?: unknown } | null)?.content !== 'string') throw new TypeError(`messages.json: ${key}'s placeholder ${name} has no content`);
    }
  }
  return json as Messages;
}

/** A stored choice; anything else (nothing stored, an unknown language) is the browser's. */
export function languageChoiceOf(stored: unknown): LanguageChoice {
  return (LANGUAGES as readonly unknown[]).includes(stored) ? (stored as Language) : 'browser';
}

/** Each source's languages, read once (a source: the extension's files, or the background for a content script). */
const loadedFrom = new WeakMap<ReadTexts, Map<Language, Promise<Messages>>>();
const listeners = new Set<() => void>();
let applying = 0;

/**
 * Shows the texts in `choice` from now on: a language's messages are read once (`read`) and kept;
 * `browser` goes back to the browser's own i18n. Listeners (`onTextsChange`) hear of it once the
 * texts are there. A file that cannot be read leaves the browser's language, and says why.
 */
export async function applyLanguage(choice: LanguageChoice, read: ReadTexts): Promise<void> {
  const turn = ++applying;
  let next: Messages | null = null;
  if (choice !== 'browser') {
    let loaded = loadedFrom.get(read);
    if (!loaded) loadedFrom.set(read, (loaded = new Map()));
    let messages = loaded.get(choice);
    if (!messages) {
      messages = read(choice).then(parseMessages);
      loaded.set(choice, messages);
      messages.catch(() => loaded.delete(choice));
    }
    try {
      next = await messages;
    } catch (err) {
      console.warn(`companion: the ${choice} texts could not be read, the browser's language stays`, err);
    }
  }
  // a later choice came meanwhile: that one wins
  if (turn !== applying) return;
  chosen = next;
  for (const listener of [...listeners]) listener();
}

/** Calls `listener` after each change of the texts' language; answers the function that stops it. */
export function onTextsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** The parts of `browser.storage` the language choice needs (the real one, or WXT's fake browser in tests). */
export interface ChoiceStorage {
  local: { get(key: string): Promise<Record<string, unknown>>; set(items: Record<string, unknown>): Promise<void> };
  onChanged: {
    addListener(listener: (changes: Record<string, { newValue?: unknown }>, area: string) => void): void;
    removeListener(listener: (changes: Record<string, { newValue?: unknown }>, area: string) => void): void;
  };
}

export async function loadLanguageChoice(storage: ChoiceStorage): Promise<LanguageChoice> {
  return languageChoiceOf((await storage.local.get(LANGUAGE_KEY).catch(() => ({}) as Record<string, unknown>))[LANGUAGE_KEY]);
}

export async function saveLanguageChoice(storage: ChoiceStorage, choice: LanguageChoice): Promise<void> {
  if (choice !== languageChoiceOf(choice)) throw new TypeError(`Unknown language "${String(choice)}": choose browser, ${LANGUAGES.join(' or ')}`);
  await storage.local.set({ [LANGUAGE_KEY]: choice });
}

/**
 * Shows the texts in the stored choice (read before the first render), and in each new choice the
 * options page stores from then on. Answers the function that stops following.
 */
export async function followLanguage(storage: ChoiceStorage, read: ReadTexts): Promise<() => void> {
  const onChanged = (changes: Record<string, { newValue?: unknown }>, area: string) => {
    if (area === 'local' && LANGUAGE_KEY in changes) void applyLanguage(languageChoiceOf(changes[LANGUAGE_KEY]!.newValue), read);
  };
  storage.onChanged.addListener(onChanged);
  await applyLanguage(await loadLanguageChoice(storage), read);
  return () => storage.onChanged.removeListener(onChanged);
}

/** A language's messages from the extension's own files: for its pages and its background (a content script asks the background). */
export const readPackagedTexts: ReadTexts = async (language) => {
  const answer = await fetch(browser.runtime.getURL(`/_locales/${language}/messages.json` as '/app.html'));
  if (!answer.ok) throw new Error(`_locales/${language}/messages.json: ${answer.status}`);
  return answer.json();
};

/** An extension page's `<html lang>` (and title) in the texts' language, now and after each change of it; never a webmail page's. */
export function labelDocument(doc: Document, title?: MessageKey): void {
  const label = () => {
    doc.documentElement.lang = textLanguage();
    if (title) doc.title = t(title);
  };
  label();
  onTextsChange(label);
}
