import { defineConfig } from 'wxt';
import { OPEN_POPUP_KEY, TOGGLE_SIDEBAR_COMMAND, TOGGLE_SIDEBAR_KEY } from './extension/commands.ts';
import { WEBMAIL_MATCHES } from './extension/mail/hosts.ts';
import { bundleHardening } from './scripts/bundle-hardening.ts';
import { emptyPageModules } from './scripts/empty-page-modules.ts';
import { lazySchemas } from './scripts/lazy-schemas.ts';
import { GECKO_ID, MANIFEST_KEY } from './shared/extension-id.ts';

// The browser companion (SPEC section 3): a Manifest V3 extension for Chrome, and the same code for
// Firefox (`wxt build -b firefox`). Preact's JSX comes from tsconfig (jsxImportSource), no plugin.
export default defineConfig({
  srcDir: 'extension',
  // the extension's static files: _locales (its English and Dutch texts)
  publicDir: 'extension/public',
  // the end-to-end tests build into a folder of their own (parallel runs never share one)
  ...(process.env.CRM_EXTENSION_OUT_DIR ? { outDir: process.env.CRM_EXTENSION_OUT_DIR } : {}),
  // import every name explicitly (STYLE: no auto-imports that hide where a name comes from)
  imports: false,
  hooks: {
    // WXT 0.21 still runs unimport's plugin with `imports: false` (it sets `disabled`, which the plugin
    // does not read), and that plugin takes any `storage` identifier, a parameter too, for WXT's
    // storage: the content script then carried @wxt-dev/storage (7 KB) unused. `autoImport: false`
    // is the plugin's own switch.
    'config:resolved': (wxt) => {
      Object.assign(wxt.config.imports, { autoImport: false });
    },
  },
  // no eval and no raw HTML in the bundle (Mozilla's add-on linter checks both); the shared
  // modules' zod schemas built at their first use, not when a page loads (scripts/lazy-schemas.ts)
  // modulepreload is in every browser the extension runs in: no polyfill module on the pages
  vite: () => ({
    plugins: [bundleHardening(), lazySchemas(), emptyPageModules()],
    build: { modulePreload: { polyfill: false }, ...(process.env.CRM_EXTENSION_SOURCEMAP ? { sourcemap: true } : {}) },
  }),
  // `npm run package`: <name>-<version>-chrome.zip, -firefox.zip and, for Firefox's review, -sources.zip
  // with what builds the extension (the server's code stays out: the extension does not import it)
  zip: {
    includeSources: ['extension/**', 'shared/**', 'scripts/bundle-hardening.ts', 'scripts/lazy-schemas.ts', 'wxt.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'docs/companion.md'],
    excludeSources: ['**/*.test.ts', '**/*.test.tsx'],
  },
  manifest: ({ browser, manifestVersion }) => ({
    // name and description in the browser's language (public/_locales); the version is package.json's
    name: '__MSG_extensionName__',
    description: '__MSG_extensionDescription__',
    default_locale: 'en',
    // storage: settings and the outbox; alarms: wake the worker when a waiting change is due
    permissions: ['storage', 'alarms'],
    // the webmail pages, and a server on this machine (so the connect link signs in without a prompt)
    host_permissions: [...WEBMAIL_MATCHES, 'http://127.0.0.1/*', 'http://localhost/*'],
    // a remote server's origin is asked for at sign-in, never held for every site (MV2, Firefox's
    // default: optional origins are optional permissions)
    ...(manifestVersion === 3 ? { optional_host_permissions: ['https://*/*', 'http://*/*'] } : { optional_permissions: ['https://*/*', 'http://*/*'] }),
    // keyboard shortcuts (extension/commands.ts): open the popup (the browser's own command, named
    // differently in MV2), and show or hide the sidebar in the webmail tab (the background forwards it)
    commands: {
      [manifestVersion === 3 ? '_execute_action' : '_execute_browser_action']: { suggested_key: { default: OPEN_POPUP_KEY }, description: '__MSG_commandOpenPopup__' },
      [TOGGLE_SIDEBAR_COMMAND]: { suggested_key: { default: TOGGLE_SIDEBAR_KEY }, description: '__MSG_commandToggleSidebar__' },
    },
    ...(browser === 'firefox' ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              // 140 (the ESR) is the first with the data consent below; Android's is 142
              strict_min_version: '140.0',
              // Firefox's consent for data leaving the device: the companion sends the names and
              // addresses of a thread's participants, and the emails the rep logs, to the CRM server
              // the rep signs in to (and nowhere else). Mozilla counts that as transmission, whoever
              // runs the server, so it is declared rather than `none`.
              data_collection_permissions: { required: ['personallyIdentifyingInfo', 'personalCommunications'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        } : { key: MANIFEST_KEY }),
  }),
});
