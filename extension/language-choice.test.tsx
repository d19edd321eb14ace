// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the texts are read from the messages files by their path)
import 'fake-indexeddb/auto'; // before the DOM: it installs itself on `window` when there is one
import '../test/helpers/dom-in-node.ts';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { installI18n, localeMessages } from '../test/helpers/i18n.ts';
import type { Companion } from './background/companion.ts';
import type { Language } from './i18n.ts';

// the browser's own i18n answers in English (the browser's language here); the modules that read it
// load after it is installed (wxt/browser takes `chrome` when first imported)
installI18n('en');
const { applyLanguage, fillMessage, followLanguage, LANGUAGE_KEY, languageChoiceOf, loadLanguageChoice, onTextsChange, parseMessages, saveLanguageChoice, t, textLanguage } = await import('./i18n.ts');
const { formatCount, formatDate, formatNumber, typeName } = await import('./format.ts');
const { createCompanion } = await import('./background/companion.ts');
const { serve } = await import('./background/requests.ts');
const { Options } = await import('./ui/Options.tsx');

const fileOf = (language: string) => fileURLToPath(new URL(`./public/_locales/${language}/messages.json`, import.meta.url));
/** The extension's own messages files, read as the pages read them (counted, to see what is cached). */
const reads: Language[] = [];
const readFiles = async (language: Language) => {
  reads.push(language);
  return JSON.parse(await readFile(fileOf(language), 'utf8')) as unknown;
};

afterEach(async () => {
  cleanup();
  await applyLanguage('browser', readFiles);
  reads.length = 0;
});

describe('filling a message as the browser does', () => {
  const entry = (message: string, placeholders: Record<string, string> = {}) => ({ message, placeholders: Object.fromEntries(Object.entries(placeholders).map(([k, content]) => [k, { content }])) });

  it('named placeholders (any case) take their content, $1…$9 the substitutions', () => {
    expect(fillMessage(entry('Connected to $Workspace$ at $SERVER$.', { workspace: '$1', server: '$2' }), ['Acme', 'http://h'])).toBe('Connected to Acme at http://h.');
    expect(fillMessage(entry('$1 and $2, again $1'), ['a', 'b'])).toBe('a and b, again a');
    expect(fillMessage(entry('ninth: $9'), ['1', '2', '3', '4', '5', '6', '7', '8', 'nine'])).toBe('ninth: nine');
    // a placeholder's content may be literal text around its substitution
    expect(fillMessage(entry('Hello $WHO$!', { who: 'dear $1' }), ['Ann'])).toBe('Hello dear Ann!');
  });

  it('a missing substitution is nothing, "$$" is one dollar sign, unknown names and lone dollars stay', () => {
    expect(fillMessage(entry('[$1][$2]'), ['only'])).toBe('[only][]');
    expect(fillMessage(entry('costs $$5 and $$$$'), [])).toBe('costs $5 and $$$');
    expect(fillMessage(entry('$UNKNOWN$ and $ alone'), [])).toBe('$UNKNOWN$ and $ alone');
  });

  it('substituted text is never read again', () => {
    expect(fillMessage(entry('Search "$Q$" ($1)', { q: '$1' }), ['$2 $$ $Q$'])).toBe('Search "$2 $$ $Q$" ($2 $$ $Q$)');
  });

  it('every message of both languages comes out as the browser\'s i18n fills it', async () => {
    for (const language of ['en', 'nl'] as const) {
      const messages = parseMessages(await readFiles(language));
      const browserFill = localeMessages(language);
      for (const [key, e] of Object.entries(messages)) expect(fillMessage(e, ['first', 'second', 'third']), `${language} ${key}`).toBe(browserFill(key, ['first', 'second', 'third']));
    }
  });
});

describe('reading a messages file', () => {
  it('takes the real files and refuses what is not one, naming the entry', async () => {
    expect(Object.keys(parseMessages(await readFiles('nl')))).toContain('sidebarPeople');
    expect(() => parseMessages(null)).toThrow('not an object of messages');
    expect(() => parseMessages([])).toThrow('not an object of messages');
    expect(() => parseMessages({ a: { text: 'x' } })).toThrow('a has no message text');
    expect(() => parseMessages({ a: { message: 'x $N$', placeholders: { n: { example: '1' } } } })).toThrow("a's placeholder n has no content");
    expect(() => parseMessages({ a: { message: 'x', placeholders: 'n' } })).toThrow("a's placeholders are not an object");
  });
});

describe('the language choice', () => {
  it('the browser\'s language by default; a chosen language from its own file, read once; back to the browser\'s', async () => {
    expect(t('sidebarPeople')).toBe('People');
    expect(textLanguage()).toBe('en');
    const heard = vi.fn();
    const stop = onTextsChange(heard);
    await applyLanguage('nl', readFiles);
    expect(t('sidebarPeople')).toBe('Personen');
    expect(t('sidebarLogNew', '2', '3')).toBe('2 van de 3 berichten worden vastgelegd.');
    expect(t('personWithCompany', 'Acme')).toBe('met bedrijf Acme (primair bedrijf)');
    expect(textLanguage()).toBe('nl');
    expect(heard).toHaveBeenCalledTimes(1);
    await applyLanguage('en', readFiles);
    expect(t('sidebarPeople')).toBe('People');
    await applyLanguage('nl', readFiles);
    expect(t('sidebarPeople')).toBe('Personen');
    expect(reads).toEqual(['nl', 'en']);
    await applyLanguage('browser', readFiles);
    expect(t('sidebarPeople')).toBe('People');
    expect(heard).toHaveBeenCalledTimes(4);
    stop();
  });

  it('a file that cannot be read leaves the browser\'s language, and is tried again next time', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let fail = true;
    const flaky = async (language: Language) => {
      if (fail) throw new Error('no such file');
      return readFiles(language);
    };
    await applyLanguage('nl', flaky);
    expect(t('sidebarPeople')).toBe('People');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('nl texts could not be read'), expect.any(Error));
    await applyLanguage('nl', async () => ({ sidebarPeople: { nope: 1 } }));
    expect(t('sidebarPeople')).toBe('People');
    warn.mockRestore();
    fail = false;
    await applyLanguage('nl', flaky);
    expect(t('sidebarPeople')).toBe('Personen');
  });

  it('the later of two choices wins, whichever file arrives first', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const first = applyLanguage('en', async (language) => {
      await slow;
      return readFiles(language);
    });
    await applyLanguage('nl', readFiles);
    release();
    await first;
    expect(t('sidebarPeople')).toBe('Personen');
  });

  it('is kept in local storage, an unknown one refused; every part following it switches when it changes', async () => {
    fakeBrowser.reset();
    expect(await loadLanguageChoice(fakeBrowser.storage)).toBe('browser');
    expect(languageChoiceOf('fr')).toBe('browser');
    await expect(saveLanguageChoice(fakeBrowser.storage, 'fr' as Language)).rejects.toThrow('Unknown language "fr": choose browser, en or nl');
    expect(await fakeBrowser.storage.local.get(LANGUAGE_KEY)).toEqual({});

    await saveLanguageChoice(fakeBrowser.storage, 'nl');
    const stop = await followLanguage(fakeBrowser.storage, readFiles);
    expect(t('sidebarHide')).toBe('Verbergen');
    await saveLanguageChoice(fakeBrowser.storage, 'en');
    await waitFor(() => expect(t('sidebarHide')).toBe('Hide'));
    await saveLanguageChoice(fakeBrowser.storage, 'nl');
    await waitFor(() => expect(t('sidebarHide')).toBe('Verbergen'));
    stop();
    // no longer following: a new choice changes nothing here
    await saveLanguageChoice(fakeBrowser.storage, 'browser');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t('sidebarHide')).toBe('Verbergen');
  });
});

describe('dates and numbers in the chosen language', () => {
  it('numbers, dates, plurals and record types follow the texts\' language', async () => {
    const date = new Date(Date.UTC(2026, 2, 3, 9, 15));
    expect(formatNumber(12345.5)).toBe('12,345.5');
    expect(formatCount(1, 'countCompaniesOne', 'countCompaniesOther')).toBe('1 company');
    expect(formatCount(1200, 'countCompaniesOne', 'countCompaniesOther')).toBe('1,200 companies');
    expect(formatDate(date)).toBe(new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(date));
    expect(typeName('companies')).toBe('Company');
    await applyLanguage('nl', readFiles);
    expect(formatNumber(12345.5)).toBe('12.345,5');
    expect(formatCount(1, 'countCompaniesOne', 'countCompaniesOther')).toBe('1 bedrijf');
    expect(formatCount(1200, 'countCompaniesOne', 'countCompaniesOther')).toBe('1.200 bedrijven');
    expect(formatDate(date)).toBe(new Intl.DateTimeFormat('nl', { dateStyle: 'medium' }).format(date));
    expect(formatDate(date, 'dateTime')).toBe(new Intl.DateTimeFormat('nl', { dateStyle: 'medium', timeStyle: 'short' }).format(date));
    expect(formatDate(date)).toMatch(/mrt/);
    expect(typeName('companies')).toBe('Bedrijf');
    expect(typeName('projects')).toBe('projects');
    expect(formatDate('not a date')).toBe('not a date');
  });
});

describe('the options page\'s language choice', () => {
  let companion: Companion;
  beforeAll(() => {
    fakeBrowser.reset();
    companion = createCompanion({ storage: fakeBrowser.storage.local, broadcast: () => {}, hasHostPermission: async () => false, outboxName: 'language-choice-test' });
  });
  afterAll(async () => {
    await companion.close();
    fakeBrowser.reset();
  });

  it('offers the browser\'s language, English and Nederlands; a choice is kept and the page shows it at once', async () => {
    const stop = await followLanguage(fakeBrowser.storage, readFiles);
    render(
      <Options
        ask={async (request) => {
          const reply = await serve(companion.handlers, request, {});
          if (!reply?.ok) throw new Error(reply ? reply.error : 'no answer');
          return reply.value as never;
        }}
        saveLists={async () => {}}
        requestHostPermission={async () => false}
        link={null}
        forgetLink={() => {}}
        language={await loadLanguageChoice(fakeBrowser.storage)}
        saveLanguage={(choice) => saveLanguageChoice(fakeBrowser.storage, choice)}
      />,
    );
    await waitFor(() => expect(screen.getByTestId('signed-in').textContent).toBe('Not signed in'));
    const select = screen.getByRole('combobox', { name: 'Language of the companion' }) as HTMLSelectElement;
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([['browser', 'Browser language'], ['en', 'English'], ['nl', 'Nederlands']]);
    expect(select.value).toBe('browser');

    fireEvent.change(select, { target: { value: 'nl' } });
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('CRM-companion'));
    expect(await fakeBrowser.storage.local.get(LANGUAGE_KEY)).toEqual({ [LANGUAGE_KEY]: 'nl' });
    expect(screen.getByTestId('signed-in').textContent).toBe('Niet aangemeld');
    expect(screen.getByRole('button', { name: 'Opslaan' })).toBeTruthy();
    expect([...(screen.getByRole('combobox', { name: 'Taal van de companion' }) as HTMLSelectElement).options].map((o) => o.textContent)).toEqual(['Taal van de browser', 'English', 'Nederlands']);

    fireEvent.change(screen.getByRole('combobox', { name: 'Taal van de companion' }), { target: { value: 'browser' } });
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('CRM companion'));
    expect(await fakeBrowser.storage.local.get(LANGUAGE_KEY)).toEqual({ [LANGUAGE_KEY]: 'browser' });
    stop();
  });
});
