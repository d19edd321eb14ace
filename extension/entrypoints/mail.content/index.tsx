import { render } from 'preact';
import { browser } from 'wxt/browser';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { followLanguage } from '../../i18n.ts';
import { MAIL_MATCHES } from '../../mail/hosts.ts';
import { type MailWatcher, watchMail } from '../../mail/index.ts';
import { ask, type Status } from '../../messaging.ts';
import { SETTINGS_KEY } from '../../settings.ts';
import { App } from '../../ui/App.tsx';
import { holdFeedPort } from '../../ui/feed-port.ts';
import { releasePageSpace, reservePageSpace, SIDEBAR_LAYOUT_KEY, spaceFor, storedCollapsed } from '../../ui/page-space.ts';
import { recordLinks, RecordLinksContext } from '../../ui/record-link.tsx';
import { createThreadSession } from '../../ui/session.ts';
import { SIDEBAR_CSS } from '../../ui/styles.ts';
import { listenToTab } from '../../ui/tab-listener.ts';

/** Gmail and Outlook on the web, and the demo mailbox (mail/hosts.ts): the adapter for the page is chosen by host. */
export default defineContentScript({
  matches: MAIL_MATCHES,
  runAt: 'document_idle',
  async main(ctx) {
    // the rep's language (options page): the background reads its messages.json, this script does
    // not carry one; a new choice re-renders the sidebar (ui/use-texts.ts)
    const stopLanguage = await followLanguage(browser.storage, (language) => ask(browser.runtime, { type: 'texts', language })).catch(() => () => {});
    // a background that cannot answer yet still gets the page watched; the sidebar shows why reads fail
    const status: Pick<Status, 'changes' | 'neverLog' | 'ownAddresses' | 'internalDomains'> & Partial<Pick<Status, 'changesSeq'>> = await ask(browser.runtime, { type: 'status' }).catch(() => ({ changes: [], neverLog: [], ownAddresses: [], internalDomains: [] }));
    // the rep's last choice: the sidebar open beside the thread, or collapsed to a narrow tab
    const collapsed = storedCollapsed(await browser.storage.local.get(SIDEBAR_LAYOUT_KEY).catch(() => ({})));
    const session = createThreadSession((request) => ask(browser.runtime, request), { changes: status.changes, ...(status.changesSeq !== undefined ? { changesSeq: status.changesSeq } : {}), neverLog: status.neverLog, collapsed });
    // the sidebar takes its own column (or a tab's width): the page is narrowed, never covered
    let lastCollapsed = collapsed;
    const unsubscribe = session.subscribe((state) => {
      reservePageSpace(document, spaceFor(state));
      if (state.collapsed !== lastCollapsed) {
        lastCollapsed = state.collapsed;
        void browser.storage.local.set({ [SIDEBAR_LAYOUT_KEY]: { collapsed: state.collapsed } });
      }
    });
    const ui = await createShadowRootUi(ctx, {
      name: 'crm-companion',
      position: 'inline',
      // beside the body, not in it: the narrowed body does not carry the sidebar along
      anchor: 'html',
      append: 'last',
      css: SIDEBAR_CSS,
      onMount: (container) =>
        render(
          <RecordLinksContext.Provider value={recordLinks(browser.runtime)}>
            <App session={session} />
          </RecordLinksContext.Provider>,
          container,
        ),
      onRemove: (container) => container && render(null, container),
    });
    ui.mount();
    const watch = (s: Pick<Status, 'ownAddresses' | 'internalDomains'>): MailWatcher => watchMail({ document, ownAddresses: s.ownAddresses, internalDomains: s.internalDomains, onEvent: session.onMailEvent });
    let watcher = watch(status);
    // new own addresses or internal domains on the options page: read the thread again with them
    const onSettings = (changes: Record<string, unknown>, area: string) => {
      if (area !== 'local' || !(SETTINGS_KEY in changes)) return;
      void ask(browser.runtime, { type: 'status' }).then((next) => {
        watcher.stop();
        session.setNeverLog(next.neverLog);
        watcher = watch(next);
      });
    };
    browser.storage.onChanged.addListener(onSettings);
    const stopListening = listenToTab(browser.runtime.onMessage, session);
    const releaseFeed = holdFeedPort(browser.runtime, session);
    ctx.onInvalidated(() => {
      watcher.stop();
      stopLanguage();
      browser.storage.onChanged.removeListener(onSettings);
      stopListening();
      releaseFeed();
      unsubscribe();
      releasePageSpace(document);
      ui.remove();
    });
  },
});
