import { render } from 'preact';
import { browser } from 'wxt/browser';
import { ask } from '../../messaging.ts';
import { saveSettings } from '../../settings.ts';
import { Options } from '../../ui/Options.tsx';
import '../../ui/page.css';

/** `options.html?server=<url>&token=<token>`: the connect link `npm start` prints. */
function linkOf(search: string): { server: string; token: string } | null {
  const params = new URLSearchParams(search);
  const server = params.get('server');
  const token = params.get('token');
  return server && token ? { server, token } : null;
}

render(
  <Options
    ask={(request) => ask(browser.runtime, request)}
    saveLists={async (patch) => void (await saveSettings(browser.storage.local, patch))}
    requestHostPermission={(pattern) => browser.permissions.request({ origins: [pattern] })}
    link={linkOf(location.search)}
    forgetLink={() => history.replaceState(null, '', location.pathname)}
  />,
  document.getElementById('app')!,
);
