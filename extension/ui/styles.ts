import { COLUMN_WIDTH, TAB_WIDTH } from './page-space.ts';
import PALETTE_CSS from './palette.css?inline';

/**
 * The sidebar's styles, inside its shadow root: the page's CSS cannot reach them and they cannot
 * reach the page. Pixel sizes only (rem would follow the page's root font size). Colours come from
 * the companion's palette (palette.css, light and dark by the system's setting), set on the host
 * after `all: initial` (which resets the colour scheme, though not the palette's properties).
 */
export const SIDEBAR_CSS = `
:host { all: initial; }
${PALETTE_CSS}
.crm-sidebar { position: fixed; top: 0; right: 0; bottom: 0; z-index: 2147483000; box-sizing: border-box; width: ${COLUMN_WIDTH}px; height: 100vh; overflow: auto; background: var(--crm-bg); color: var(--crm-fg);
  border-left: 1px solid var(--crm-border); font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.crm-sidebar[data-collapsed="true"] { width: ${TAB_WIDTH}px; overflow: hidden; background: var(--crm-bg-subtle); }
.crm-sidebar[data-collapsed="true"] .crm-header { flex-direction: column; height: 100%; padding: 8px 0; border-bottom: none; }
.crm-sidebar[data-collapsed="true"] .crm-subject { display: none; }
.crm-sidebar[data-collapsed="true"] .crm-title, .crm-sidebar[data-collapsed="true"] .crm-toggle { writing-mode: vertical-rl; }
.crm-warning { color: var(--crm-warning); }
.crm-manual-search { margin: 8px 0; }
.crm-manual-search label { display: block; color: var(--crm-fg-muted); }
.crm-manual-search input { display: block; box-sizing: border-box; width: 100%; font: inherit; padding: 4px 8px; margin-top: 4px; border: 1px solid var(--crm-border); border-radius: 6px; }
.crm-sidebar * { box-sizing: border-box; }
.crm-sidebar input, .crm-sidebar textarea, .crm-sidebar select { color: var(--crm-fg); background: var(--crm-bg); }
.crm-header { display: flex; align-items: center; gap: 8px; padding: 8px 12px; border-bottom: 1px solid var(--crm-border); position: sticky; top: 0; background: var(--crm-bg-subtle); }
.crm-title { font-weight: 700; color: var(--crm-accent); }
.crm-subject { flex: 1; min-width: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: var(--crm-fg-muted); }
.crm-body { padding: 8px 12px 12px; }
h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--crm-fg-muted); margin: 12px 0 6px; }
ul { list-style: none; margin: 0; padding: 0; }
p { margin: 4px 0; }
.crm-person, .crm-rec { padding: 8px; border: 1px solid var(--crm-border-muted); border-radius: 6px; margin-bottom: 6px; }
.crm-person-head, .crm-rec-head { display: flex; flex-direction: column; align-items: flex-start; }
.crm-name { font-weight: 600; overflow-wrap: anywhere; }
.crm-record-link { color: inherit; text-decoration: underline; text-decoration-color: var(--crm-fg-faint); }
.crm-record-link:hover, .crm-record-link:focus-visible { color: var(--crm-accent); }
.crm-email, .crm-muted, .crm-hint { color: var(--crm-fg-muted); overflow-wrap: anywhere; }
.crm-hint { font-size: 12px; margin-left: 6px; }
.crm-company { font-weight: 500; }
.crm-counts { color: var(--crm-fg-muted); font-size: 12px; }
.crm-records li { font-size: 12px; padding: 2px 0; overflow-wrap: anywhere; }
.crm-kind { display: inline-block; font-size: 11px; color: var(--crm-accent); background: var(--crm-accent-bg); border-radius: 4px; padding: 0 4px; margin-right: 4px; }
.crm-reasons li { font-size: 12px; color: var(--crm-fg-muted); }
.crm-reasons li::before { content: "• "; }
.crm-recs-unlinked .crm-rec { border-style: dashed; }
.crm-button { font: inherit; font-size: 12px; padding: 4px 10px; margin-top: 6px; border: 1px solid var(--crm-border); border-radius: 6px; background: var(--crm-bg-subtle); color: var(--crm-fg); cursor: pointer; }
.crm-button:hover:not(:disabled) { background: var(--crm-bg-hover); }
.crm-button:disabled { opacity: .5; cursor: default; }
.crm-primary { background: var(--crm-accent-emphasis); border-color: var(--crm-accent-emphasis); color: var(--crm-on-emphasis); }
.crm-primary:hover:not(:disabled) { background: var(--crm-accent-emphasis-hover); }
.crm-toggle, .crm-link { font: inherit; font-size: 12px; background: none; border: none; color: var(--crm-accent); cursor: pointer; padding: 0 4px; }
.crm-pending { color: var(--crm-warning); font-style: italic; }
.crm-done { color: var(--crm-success); font-weight: 600; }
.crm-refused, .crm-error { color: var(--crm-danger); overflow-wrap: anywhere; }
.crm-choices label { display: block; padding: 2px 0; cursor: pointer; overflow-wrap: anywhere; }
.crm-changes li { font-size: 12px; padding: 4px 0; }
.crm-messages li { font-size: 12px; padding: 3px 0; border-bottom: 1px solid var(--crm-border-muted); overflow-wrap: anywhere; }
.crm-message-who { font-weight: 500; }
.crm-badge.crm-logged { color: var(--crm-success); background: none; padding: 0; font-weight: 600; }
.crm-badge.crm-logged .crm-muted { font-weight: 400; }
.crm-activity { padding: 8px; border: 1px solid var(--crm-border-muted); border-radius: 6px; margin-bottom: 6px; }
h3 { font-size: 13px; margin: 0 0 2px; overflow-wrap: anywhere; }
.crm-timeline { list-style: none; margin: 4px 0; padding: 0 0 0 8px; border-left: 2px solid var(--crm-border-muted); }
.crm-timeline li { font-size: 12px; padding: 2px 0; overflow-wrap: anywhere; }
.crm-actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 4px; }
.crm-inline-form label { display: block; font-size: 12px; color: var(--crm-fg-muted); margin-top: 4px; }
.crm-inline-form textarea, .crm-inline-form input { display: block; width: 100%; font: inherit; padding: 4px 8px; margin-top: 2px; border: 1px solid var(--crm-border); border-radius: 6px; }
.crm-link:focus-visible, .crm-button:focus-visible, .crm-inline-form textarea:focus-visible, .crm-inline-form input:focus-visible { outline: 2px solid var(--crm-focus); outline-offset: 1px; }
.crm-person-actions { margin-top: 6px; padding-top: 6px; border-top: 1px dashed var(--crm-border-muted); }
.crm-companies li, .crm-open-records li { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 6px; font-size: 12px; padding: 2px 0; }
.crm-badge { display: inline-block; font-size: 11px; color: var(--crm-on-emphasis); background: var(--crm-success-emphasis); border-radius: 4px; padding: 0 5px; }
.crm-row-actions { display: inline-flex; flex-wrap: wrap; gap: 2px; margin-left: auto; }
.crm-remove { flex-basis: 100%; padding: 6px; margin: 2px 0; background: var(--crm-bg-subtle); border-radius: 6px; }
.crm-remove fieldset { border: none; margin: 4px 0; padding: 0; }
.crm-remove legend { font-weight: 600; padding: 0; }
.crm-check { display: flex; align-items: center; gap: 6px; margin: 2px 0; cursor: pointer; }
.crm-associate-search { margin-top: 6px; }
.crm-associate-search input, .crm-create-form input { display: block; width: 100%; font: inherit; font-size: 12px; padding: 3px 8px; border: 1px solid var(--crm-border); border-radius: 6px; }
.crm-hits li { font-size: 12px; padding: 3px 0; overflow-wrap: anywhere; }
.crm-open { font-size: 12px; margin-top: 6px; }
.crm-create-types { display: flex; gap: 6px; }
.crm-create-types .crm-button[aria-pressed="true"] { background: var(--crm-accent-bg); border-color: var(--crm-accent-emphasis); color: var(--crm-accent); }
.crm-create-form { margin-top: 6px; padding: 8px; border: 1px solid var(--crm-border-muted); border-radius: 6px; }
.crm-create-form label { display: block; font-size: 12px; color: var(--crm-fg-muted); }
.crm-create-form input { margin-top: 2px; color: var(--crm-fg); }
.crm-created li { font-size: 12px; padding: 2px 0; }
:focus-visible { outline: 2px solid var(--crm-focus); outline-offset: 1px; }
`;
