/**
 * The sidebar's own room beside the webmail (X2): while it shows, the page is narrowed by the
 * sidebar's width, so the webmail lays itself out in what is left and none of its controls (Reply,
 * Forward, the reading pane's toolbar) lie under the sidebar. Collapsed, the sidebar is a narrow tab
 * and takes only that much. The rep's choice (open or collapsed) is kept in the extension's storage.
 */
import type { SessionState } from './session.ts';

/** The open sidebar's width and the collapsed tab's (px); styles.ts sizes the sidebar with them. */
export const COLUMN_WIDTH = 320;
export const TAB_WIDTH = 32;

export type PageSpace = 'none' | 'column' | 'tab';

/** Storage key (browser.storage.local) of the rep's choice: `{ collapsed: boolean }`. */
export const SIDEBAR_LAYOUT_KEY = 'sidebarLayout';

const STYLE_ID = 'crm-companion-page-space';

// The body becomes the containing block of the webmail's fixed and absolute elements (transform), so
// layouts pinned to the viewport's right edge stop at the sidebar's edge instead of running under it.
const PAGE_CSS = `
html[data-crm-companion="column"] { --crm-companion-width: ${COLUMN_WIDTH}px; }
html[data-crm-companion="tab"] { --crm-companion-width: ${TAB_WIDTH}px; }
html[data-crm-companion] body { transform: translateZ(0) !important; margin-right: var(--crm-companion-width) !important; width: auto !important; min-width: 0 !important; min-height: 100vh; box-sizing: border-box; }
`;

/** How much room the sidebar takes for a state: none while it shows nothing. */
export function spaceFor(state: Pick<SessionState, 'thread' | 'unreadable' | 'collapsed'>): PageSpace {
  if (!state.thread && !state.unreadable) return 'none';
  return state.collapsed ? 'tab' : 'column';
}

/** Gives the page the layout for `space` (idempotent; 'none' gives the webmail its whole width back). */
export function reservePageSpace(document: Document, space: PageSpace): void {
  const root = document.documentElement;
  if (!document.getElementById(STYLE_ID)) {
    const style = document.createElement('style');
    style.id = STYLE_ID;
    style.textContent = PAGE_CSS;
    (document.head ?? root).append(style);
  }
  if (space === 'none') root.removeAttribute('data-crm-companion');
  else if (root.getAttribute('data-crm-companion') !== space) root.setAttribute('data-crm-companion', space);
}

/** Removes what `reservePageSpace` added (the content script going away). */
export function releasePageSpace(document: Document): void {
  document.documentElement.removeAttribute('data-crm-companion');
  document.getElementById(STYLE_ID)?.remove();
}

/** The stored choice, read defensively (storage is a boundary): collapsed only when it says so. */
export function storedCollapsed(stored: Record<string, unknown>): boolean {
  const value = stored[SIDEBAR_LAYOUT_KEY];
  return typeof value === 'object' && value !== null && (value as { collapsed?: unknown }).collapsed === true;
}
