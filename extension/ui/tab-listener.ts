import type { SidebarShown, TabMessage, TabThread } from '../messaging.ts';
import type { ThreadSession } from './session.ts';

type Listener = (message: unknown, sender: unknown, sendResponse: (response: unknown) => void) => boolean | undefined;

export interface MessageEvent {
  addListener(listener: Listener): void;
  removeListener(listener: Listener): void;
}

/** The content script's side of TabMessage: outbox and feed news for the session, the open thread for the popup, the shortcut that shows or hides the sidebar. */
export function listenToTab(onMessage: MessageEvent, session: ThreadSession): () => void {
  const listener: Listener = (message, _sender, sendResponse) => {
    const m = message as TabMessage | null;
    if (m?.type === 'changesUpdated') {
      session.onChanges(m.changes, m.confirmedAt, m.seq);
      return false;
    }
    if (m?.type === 'feedChanged') {
      session.onFeed(m.ids, m.emails, m.cursor);
      return false;
    }
    if (m?.type === 'currentThread') {
      const { thread, view } = session.getState();
      sendResponse({ thread, view } satisfies TabThread);
      return false;
    }
    if (m?.type === 'toggleSidebar') {
      session.toggle();
      sendResponse({ collapsed: session.getState().collapsed } satisfies SidebarShown);
      return false;
    }
    return undefined;
  };
  onMessage.addListener(listener);
  return () => onMessage.removeListener(listener);
}
