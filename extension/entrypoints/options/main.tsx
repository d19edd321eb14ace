import { render } from 'preact';
import { browser } from 'wxt/browser';
import { followLanguage, labelDocument, loadLanguageChoice, readPackagedTexts, saveLanguageChoice } from '../../i18n.ts';
import { ask } from '../../messaging.ts';
import { connectLinkOf, saveSettings } from '../../settings.ts';
import { Options } from '../../ui/Options.tsx';
import '../../ui/page.css';

async function start(): Promise<void> {
  // the rep's language before the first text; a new choice here shows at once, here and in every open part
  await followLanguage(browser.storage, readPackagedTexts);
  labelDocument(document, 'optionsTitle');
  render(
    <Options
      ask={(request) => ask(browser.runtime, request)}
      saveLists={async (patch) => void (await saveSettings(browser.storage.local, patch))}
      language={await loadLanguageChoice(browser.storage)}
      saveLanguage={(choice) => saveLanguageChoice(browser.storage, choice)}
      requestHostPermission={(pattern) => browser.permissions.request({ origins: [pattern] })}
      // `options.html?server=<url>&token=<token>`: the connect link `npm start` prints
      link={connectLinkOf(location.search)}
      forgetLink={() => history.replaceState(null, '', location.pathname)}
    />,
    document.getElementById('app')!,
  );
}

void start();
