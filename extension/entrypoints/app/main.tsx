import { render } from 'preact';
import { browser } from 'wxt/browser';
import { App } from '../../app/App.tsx';
import { PAGES } from '../../app/pages.tsx';
import { t, textLanguage } from '../../i18n.ts';
import { ask } from '../../messaging.ts';
import { connectionOf, loadSettings } from '../../settings.ts';
import '../../ui/page.css';
import '../../app/app.css';

// app.html: record pages, history, index pages, settings and imports (extension/app/routes.ts)
document.documentElement.lang = textLanguage();
document.title = t('appTitle');

render(
  <App
    loadConnection={async () => connectionOf(await loadSettings(browser.storage.local))}
    ask={(request) => ask(browser.runtime, request)}
    pages={PAGES}
    appPage={browser.runtime.getURL('/app.html')}
    optionsUrl={browser.runtime.getURL('/options.html')}
  />,
  document.getElementById('app')!,
);
