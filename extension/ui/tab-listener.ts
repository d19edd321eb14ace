import type { SidebarShown, TabMessage, TabThread } from '../messaging.ts';
import type { ThreadSession } from './session.ts';

type Listener = (message: unknown, sender: unknown, sendResponse: (response: unknown) => void) => boolean | undefined;

/** How long the answer to `currentThread` waits for a thread read under way. */
export const THREAD_WAIT_MS = 2_000;

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
      const answer = () => {
        const { thread, view } = session.getState();
        sendResponse({ thread, view } satisfies TabThread);
      };
      if (!session.getState().loading) {
        answer();
        return false;
      }
      // the thread's read is under way (a thread just opened): the popup asking now gets the people
      // once it is in, so it can offer to associate with them, or what there is after THREAD_WAIT_MS
      let unsubscribe = () => {};
      let answered = false;
      const finish = () => {
        if (answered) return;
        answered = true;
        unsubscribe();
        clearTimeout(timer);
        answer();
      };
      const timer = setTimeout(finish, THREAD_WAIT_MS);
      unsubscribe = session.subscribe((state) => {
        if (!state.loading) finish();
      });
      return true; // answers asynchronously
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
