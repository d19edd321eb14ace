import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { appUrl, recordRoute } from '../app/routes.ts';
import { createCompanion } from '../background/companion.ts';
import { handleCommand } from '../commands.ts';
import { isCompanionMessage, serve } from '../background/requests.ts';
import { MAIL_MATCHES } from '../mail/hosts.ts';
import { mark } from '../marks.ts';
import { FEED_PORT, type TabMessage } from '../messaging.ts';

const OUTBOX_ALARM = 'outbox';

export default defineBackground(() => {
  const companion = createCompanion({
    storage: browser.storage.local,
    broadcast(message: TabMessage) {
      void browser.tabs.query({ url: MAIL_MATCHES }).then((tabs) => {
        for (const tab of tabs) if (tab.id !== undefined) browser.tabs.sendMessage(tab.id, message).catch(() => {});
      });
    },
    async openRecord(objectType, id) {
      await browser.tabs.create({ url: appUrl(browser.runtime.getURL('/app.html'), recordRoute(objectType, id)) });
    },
    hasHostPermission: (pattern) => browser.permissions.contains({ origins: [pattern] }),
    wakeAt(when) {
      if (when === null) void browser.alarms.clear(OUTBOX_ALARM);
      else void browser.alarms.create(OUTBOX_ALARM, { when: Math.max(when, Date.now() + 30_000) });
    },
  });
  // a worker stopped while changes waited for their retry: the alarm starts it again, and it sends them
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === OUTBOX_ALARM) void companion.outbox.drain();
  });
  browser.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (!isCompanionMessage(companion.handlers, message)) return false;
    const thread = (message as { type: string }).type === 'threadView';
    if (thread) mark('crm:worker-received');
    void serve(companion.handlers, message, sender.tab?.id !== undefined ? { tabId: sender.tab.id } : {}).then((reply) => {
      if (thread) mark('crm:worker-replied');
      sendResponse(reply);
    });
    return true; // answers asynchronously
  });
  // the rep's shortcut to show or hide the sidebar, sent on to the tab it was pressed in
  browser.commands.onCommand.addListener((command, tab) => void handleCommand(command, tab, browser.tabs));
  // a new install opens the welcome page: what the companion does and how to connect it
  browser.runtime.onInstalled.addListener((details) => {
    if (details.reason === 'install') void browser.tabs.create({ url: browser.runtime.getURL('/welcome.html') });
  });
  // a worker woken by the browser sends what the outbox still holds
  browser.runtime.onStartup.addListener(() => void companion.outbox.drain());
  // back online: what waited for its retry goes now
  globalThis.addEventListener('online', () => void companion.outbox.drain({ now: true }));
  // every start of the worker catches the cache up with the change feed from its stored cursor
  void companion.feed.pull().catch((err) => console.warn('change feed: could not catch up', err));
  // the live stream runs while a webmail tab's thread session holds its port open
  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== FEED_PORT) return;
    const release = companion.watch();
    port.onDisconnect.addListener(release);
  });
});
