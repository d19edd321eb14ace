import { render } from 'preact';
import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { App, bootApp } from '../app/App.tsx';
import { startEarlyReads, takeEarlyReads } from '../app/early-reads.ts';
import { PAGES } from '../app/pages.tsx';
import { followLanguage, labelDocument, readPackagedTexts } from '../i18n.ts';
import { ask } from '../messaging.ts';
import { connectionOf, loadSettings } from '../settings.ts';
import '../ui/page.css';
import '../app/app.css';

// app.html's code: record pages, history, index pages, settings and imports (extension/app/routes.ts).
// One classic script with its styles in one file (WXT builds an unlisted script whole), not a module
// with five shared chunks: the page asks the browser for three files, not nine, and its early script
// and the app's code arrive some 20-40 ms sooner (bench/history-view.ts, bench/record-page.ts)
async function start(): Promise<void> {
  // signing in and the page's first reads went out with the page's early script; when it has not run yet, now
  const early = takeEarlyReads(() => startEarlyReads(async () => connectionOf(await loadSettings(browser.storage.local)), location.hash));
  const booting = bootApp(early);
  // the rep's language (options page) before the first text is shown
  await followLanguage(browser.storage, readPackagedTexts);
  labelDocument(document, 'appTitle');
  render(
    <App
      booting={booting}
      ask={(request) => ask(browser.runtime, request)}
      pages={PAGES}
      appPage={browser.runtime.getURL('/app.html')}
      optionsUrl={browser.runtime.getURL('/options.html')}
    />,
    document.getElementById('app')!,
  );
}

export default defineUnlistedScript(() => void start());
