import { render } from 'preact';
import { browser } from 'wxt/browser';
import { ask } from '../../messaging.ts';
import { connectLinkOf, saveSettings } from '../../settings.ts';
import { Options } from '../../ui/Options.tsx';
import '../../ui/page.css';

render(
  <Options
    ask={(request) => ask(browser.runtime, request)}
    saveLists={async (patch) => void (await saveSettings(browser.storage.local, patch))}
    requestHostPermission={(pattern) => browser.permissions.request({ origins: [pattern] })}
    // `options.html?server=<url>&token=<token>`: the connect link `npm start` prints
    link={connectLinkOf(location.search)}
    forgetLink={() => history.replaceState(null, '', location.pathname)}
  />,
  document.getElementById('app')!,
);
