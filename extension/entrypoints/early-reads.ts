import { browser } from 'wxt/browser';
import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { leaveEarlyReads, startEarlyReads } from '../app/early-reads.ts';
import { connectionOf, loadSettings } from '../settings.ts';

// app.html's small script (async, beside the app's code): who the rep is and the current route's
// first reads go out while the browser still loads the app (extension/app/early-reads.ts)
export default defineUnlistedScript(() => {
  leaveEarlyReads(() => startEarlyReads(async () => connectionOf(await loadSettings(browser.storage.local)), location.hash));
});
