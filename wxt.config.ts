import { defineConfig } from 'wxt';

// The browser companion (SPEC section 1). A placeholder for now: one empty background worker.
export default defineConfig({
  srcDir: 'extension',
  // import every name explicitly (STYLE: no auto-imports that hide where a name comes from)
  imports: false,
  manifest: {
    name: 'CRM associations',
    description: 'Shows what the CRM knows about the people in an email thread and associates them in one click.',
  },
});
