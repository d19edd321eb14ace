/**
 * For tests: loads a fixture page into the test's DOM at the webmail's URL and runs its script, so
 * `window.__fixture` drives the page as it does in the browser.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailEvent, MailWatcher, WatchOptions } from '../../extension/mail/types.ts';

/** What every fixture page's script offers (see test/fixtures/mail/README.md). */
export interface FixtureControls {
  threads(): Array<{ threadId: string; legacyId: string; hashId: string; subject: string }>;
  current(): string | null;
  openThread(id: string): string;
  backToInbox(): void;
  receiveReply(): string;
  expandMessage(id: string): void;
  showOlder(): number;
  /** Gmail: shows the search results for `words` (`#search/<words>`); opening a row from there keeps the search in the hash. */
  search(words: string): void;
}

/** Loads `test/fixtures/mail/<path>` as the whole document, served at `url`. */
export function loadFixture(path: string, url: string): FixtureControls {
  const html = readFileSync(join(import.meta.dirname, '../fixtures/mail', path), 'utf8');
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(url);
  document.open();
  document.write(html);
  document.close();
  // happy-dom does not run page scripts: run the fixture's own inline script the way a browser would.
  for (const script of Array.from(document.querySelectorAll('script:not([src])'))) new Function(script.textContent ?? '')();
  return (window as unknown as { __fixture: FixtureControls }).__fixture;
}

/** Lets queued mutation records, microtasks and hash-change events run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Starts a watcher that records its events; the caller stops it. */
export function recordEvents(
  start: (options: WatchOptions) => MailWatcher,
  options: Partial<Omit<WatchOptions, 'onEvent'>> = {},
): { events: MailEvent[]; watcher: MailWatcher } {
  const events: MailEvent[] = [];
  const watcher = start({ document, ownAddresses: [], internalDomains: [], ...options, onEvent: (event) => events.push(event) });
  return { events, watcher };
}
