import { describe, expect, it } from 'vitest';
import { type CommandTab, type CommandTabs, handleCommand, TOGGLE_SIDEBAR_COMMAND } from './commands.ts';
import { listenToTab, type MessageEvent } from './ui/tab-listener.ts';
import { createThreadSession } from './ui/session.ts';

type Listener = Parameters<MessageEvent['addListener']>[0];

/**
 * Browser tabs as the background sees them: tab 7 is a webmail page whose content script listens
 * (a real thread session behind the real tab listener), every other tab has no listener, so
 * sending to it fails as the browser's sendMessage does.
 */
function browserWith(active: CommandTab[], collapsed = false) {
  const session = createThreadSession(() => Promise.reject(new Error('no background in this test')), { collapsed });
  const listeners = new Set<Listener>();
  const onMessage: MessageEvent = { addListener: (l) => void listeners.add(l), removeListener: (l) => void listeners.delete(l) };
  const stop = listenToTab(onMessage, session);
  const sent: Array<[number, unknown]> = [];
  const tabs: CommandTabs = {
    query: async () => active,
    async sendMessage(tabId, message) {
      sent.push([tabId, message]);
      if (tabId !== 7) throw new Error('Could not establish connection. Receiving end does not exist.');
      let answer: unknown;
      for (const l of listeners) l(message, {}, (response) => void (answer = response));
      return answer;
    },
  };
  return { session, tabs, sent, stop };
}

describe('the sidebar shortcut (commands.ts)', () => {
  it('goes to the tab it was pressed in, whose sidebar collapses and opens again; the answer is its new state', async () => {
    const b = browserWith([]);
    expect(await handleCommand(TOGGLE_SIDEBAR_COMMAND, { id: 7 }, b.tabs)).toEqual({ collapsed: true });
    expect(b.session.getState().collapsed).toBe(true);
    expect(await handleCommand(TOGGLE_SIDEBAR_COMMAND, { id: 7 }, b.tabs)).toEqual({ collapsed: false });
    expect(b.session.getState().collapsed).toBe(false);
    expect(b.sent).toEqual([[7, { type: 'toggleSidebar' }], [7, { type: 'toggleSidebar' }]]);
  });

  it('with no tab named, goes to the active tab', async () => {
    const b = browserWith([{ id: 7 }], true);
    expect(await handleCommand(TOGGLE_SIDEBAR_COMMAND, undefined, b.tabs)).toEqual({ collapsed: false });
    expect(b.session.getState().collapsed).toBe(false);
  });

  it('a tab without the sidebar, no active tab, or another command: nothing changes and nothing throws', async () => {
    const b = browserWith([]);
    expect(await handleCommand(TOGGLE_SIDEBAR_COMMAND, { id: 3 }, b.tabs)).toBeNull();
    expect(await handleCommand(TOGGLE_SIDEBAR_COMMAND, undefined, b.tabs)).toBeNull();
    expect(await handleCommand('_execute_action', { id: 7 }, b.tabs)).toBeNull();
    expect(b.sent).toEqual([[3, { type: 'toggleSidebar' }]]);
    expect(b.session.getState().collapsed).toBe(false);
  });

  it('the tab listener stops answering once removed', async () => {
    const b = browserWith([]);
    b.stop();
    expect(await handleCommand(TOGGLE_SIDEBAR_COMMAND, { id: 7 }, b.tabs)).toBeNull();
    expect(b.session.getState().collapsed).toBe(false);
  });
});
