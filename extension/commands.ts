import type { SidebarShown, TabMessage } from './messaging.ts';

/**
 * The companion's keyboard shortcuts (the manifest's `commands`, wxt.config.ts). Opening the popup
 * is the browser's own command (`_execute_action`); showing or hiding the sidebar is this one: the
 * background hears it and tells the webmail tab, whose content script flips the sidebar's open or
 * collapsed state (the same as its Hide / Show button, and remembered the same way).
 */
export const TOGGLE_SIDEBAR_COMMAND = 'toggle-sidebar';

/**
 * The suggested keys (the rep may change them in the browser's shortcut settings). Chromium leaves
 * some suggestions unassigned without a word (Alt+Shift+C and Alt+Shift+X on Linux): the end-to-end
 * test reads the keys the browser actually gave.
 */
export const OPEN_POPUP_KEY = 'Alt+Shift+K';
export const TOGGLE_SIDEBAR_KEY = 'Alt+Shift+Y';

export interface CommandTab {
  id?: number;
}

export interface CommandTabs {
  query(query: { active: true; currentWindow: true }): Promise<CommandTab[]>;
  sendMessage(tabId: number, message: unknown): Promise<unknown>;
}

/**
 * The background's side of a command: `toggle-sidebar` goes to the tab it was pressed in (the
 * active tab when the browser names none). Only the companion's content script listens, so a tab
 * that is no webmail page (or was opened before the companion was installed) hears nothing: the
 * answer is the sidebar's new state, or null when no sidebar was told. The popup's command is the
 * browser's own, never seen here.
 */
export async function handleCommand(command: string, tab: CommandTab | undefined, tabs: CommandTabs): Promise<SidebarShown | null> {
  if (command !== TOGGLE_SIDEBAR_COMMAND) return null;
  const target = tab?.id !== undefined ? tab : (await tabs.query({ active: true, currentWindow: true }))[0];
  if (target?.id === undefined) return null;
  try {
    const answer = (await tabs.sendMessage(target.id, { type: 'toggleSidebar' } satisfies TabMessage)) as Partial<SidebarShown> | undefined;
    return typeof answer?.collapsed === 'boolean' ? { collapsed: answer.collapsed } : null;
  } catch {
    // no content script in that tab to hear it
    return null;
  }
}
