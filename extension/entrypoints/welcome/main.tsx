import { render } from 'preact';
import { browser } from 'wxt/browser';
import { checkConnection, hasDemoMailbox } from '../../connection-check.ts';
import { followLanguage, labelDocument, readPackagedTexts } from '../../i18n.ts';
import { ask } from '../../messaging.ts';
import { Welcome } from '../../ui/Welcome.tsx';
import '../../ui/page.css';

const hasHostPermission = (pattern: string) => browser.permissions.contains({ origins: [pattern] });

// welcome.html: opened by the background when the companion is installed
async function start(): Promise<void> {
  await followLanguage(browser.storage, readPackagedTexts);
  labelDocument(document, 'welcomeTitle');
  render(
    <Welcome
      ask={(request) => ask(browser.runtime, request)}
      check={(input) => checkConnection(input, { hasHostPermission })}
      requestHostPermission={(pattern) => browser.permissions.request({ origins: [pattern] })}
      hasDemoMailbox={(server) => hasDemoMailbox(server)}
      optionsUrl={browser.runtime.getURL('/options.html')}
    />,
    document.getElementById('app')!,
  );
}

void start();
