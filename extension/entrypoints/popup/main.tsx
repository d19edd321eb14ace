import { render } from 'preact';
import { browser } from 'wxt/browser';
import { followLanguage, labelDocument, readPackagedTexts } from '../../i18n.ts';
import { ask, askTab } from '../../messaging.ts';
import { Popup } from '../../ui/Popup.tsx';
import { recordLinks, RecordLinksContext } from '../../ui/record-link.tsx';
import '../../ui/page.css';

/** The tab the popup acts on: the active one, or `?tab=<id>` when the popup is opened as a page. */
async function currentTabId(): Promise<number | undefined> {
  const fromUrl = Number(new URLSearchParams(location.search).get('tab'));
  if (Number.isInteger(fromUrl) && fromUrl > 0) return fromUrl;
  const [tab] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
  return tab?.id;
}

async function start(): Promise<void> {
  // the rep's language (options page) before the first text is shown
  await followLanguage(browser.storage, readPackagedTexts);
  labelDocument(document, 'popupTitle');
  const tabId = await currentTabId();
  const tabThread = tabId === undefined ? null : await askTab(browser.tabs, tabId);
  render(
    <RecordLinksContext.Provider value={recordLinks(browser.runtime)}>
      <Popup ask={(request) => ask(browser.runtime, request)} tabThread={tabThread} openOptions={() => void browser.runtime.openOptionsPage()} />
    </RecordLinksContext.Provider>,
    document.getElementById('app')!,
  );
}

void start();
