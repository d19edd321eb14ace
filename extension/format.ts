import { type MessageKey, t, textLanguage } from './i18n.ts';

/**
 * Dates and numbers in the language of the texts shown (the rep's choice, or the browser's):
 * every screen formats them here, with `Intl`. Formatters are made once per language and kept.
 */
const numbers = new Map<string, Intl.NumberFormat>();
const dates = new Map<string, Intl.DateTimeFormat>();
const plurals = new Map<string, Intl.PluralRules>();

const DATE_STYLES = {
  date: { dateStyle: 'medium' },
  dateTime: { dateStyle: 'medium', timeStyle: 'short' },
  dateTimeSeconds: { dateStyle: 'medium', timeStyle: 'medium' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;
export type DateStyle = keyof typeof DATE_STYLES;

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let made = map.get(key);
  if (!made) map.set(key, (made = make()));
  return made;
}

/** `1234.5` → `1,234.5` (English), `1.234,5` (Dutch). */
export function formatNumber(n: number): string {
  const lang = textLanguage();
  return cached(numbers, lang, () => new Intl.NumberFormat(lang)).format(n);
}

/** A date (a Date, or an ISO text) in one of the companion's styles; an invalid one is answered as given (a text) or ''. */
export function formatDate(value: Date | string, style: DateStyle = 'date'): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : '';
  const lang = textLanguage();
  return cached(dates, `${lang} ${style}`, () => new Intl.DateTimeFormat(lang, DATE_STYLES[style])).format(date);
}

/** `n` with the text for one or for many (`one`, `other`: keys whose `$1` is the formatted number), by the language's plural rules. */
export function formatCount(n: number, one: MessageKey, other: MessageKey): string {
  const lang = textLanguage();
  const rule = cached(plurals, lang, () => new Intl.PluralRules(lang)).select(n);
  return t(rule === 'one' ? one : other, formatNumber(n));
}

const TYPE_NAMES: Record<string, MessageKey> = { contacts: 'sidebarType_contacts', companies: 'sidebarType_companies', deals: 'sidebarType_deals', tickets: 'sidebarType_tickets' };

/** A record type as one word ("Company", "Bedrijf"); a custom object type by its own name. */
export function typeName(objectType: string): string {
  const key = TYPE_NAMES[objectType];
  return key ? t(key) : objectType;
}
