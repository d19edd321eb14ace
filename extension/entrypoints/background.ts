import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createCompanion } from '../background/companion.ts';
import { isCompanionMessage, serve } from '../background/requests.ts';
import type { TabMessage } from '../messaging.ts';

const WEBMAIL_TABS = ['https://mail.google.com/*', 'https://outlook.office.com/*', 'https://outlook.office365.com/*', 'https://outlook.live.com/*'];

export default defineBackground(() => {
  const companion = createCompanion({
    storage: browser.storage.local,
    broadcast(message: TabMessage) {
      void browser.tabs.query({ url: WEBMAIL_TABS }).then((tabs) => {
        for (const tab of tabs) if (tab.id !== undefined) browser.tabs.sendMessage(tab.id, message).catch(() => {});
      });
    },
    hasHostPermission: (pattern) => browser.permissions.contains({ origins: [pattern] }),
  });
  browser.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (!isCompanionMessage(companion.handlers, message)) return false;
    void serve(companion.handlers, message, sender.tab?.id !== undefined ? { tabId: sender.tab.id } : {}).then(sendResponse);
    return true; // answers asynchronously
  });
  // a worker woken by the browser sends what the outbox still holds
  browser.runtime.onStartup.addListener(() => void companion.outbox.drain());
});
