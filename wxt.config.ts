import { defineConfig } from 'wxt';
import { WEBMAIL_MATCHES } from './extension/mail/hosts.ts';
import { GECKO_ID, MANIFEST_KEY } from './shared/extension-id.ts';

// The browser companion (SPEC section 3): a Manifest V3 extension for Chrome, and the same code for
// Firefox (`wxt build -b firefox`). Preact's JSX comes from tsconfig (jsxImportSource), no plugin.
export default defineConfig({
  srcDir: 'extension',
  // the end-to-end tests build into a folder of their own (parallel runs never share one)
  ...(process.env.CRM_EXTENSION_OUT_DIR ? { outDir: process.env.CRM_EXTENSION_OUT_DIR } : {}),
  // import every name explicitly (STYLE: no auto-imports that hide where a name comes from)
  imports: false,
  manifest: ({ browser, manifestVersion }) => ({
    name: 'CRM associations',
    description: 'Shows what the CRM knows about the people in an email thread and associates them in one click.',
    // storage: settings and the outbox; alarms: wake the worker when a waiting change is due
    permissions: ['storage', 'alarms'],
    // the webmail pages, and a server on this machine (so the connect link signs in without a prompt)
    host_permissions: [...WEBMAIL_MATCHES, 'http://127.0.0.1/*', 'http://localhost/*'],
    // a remote server's origin is asked for at sign-in, never held for every site (MV2, Firefox's
    // default: optional origins are optional permissions)
    ...(manifestVersion === 3 ? { optional_host_permissions: ['https://*/*', 'http://*/*'] } : { optional_permissions: ['https://*/*', 'http://*/*'] }),
    ...(browser === 'firefox' ? { browser_specific_settings: { gecko: { id: GECKO_ID, strict_min_version: '128.0' } } } : { key: MANIFEST_KEY }),
  }),
});
