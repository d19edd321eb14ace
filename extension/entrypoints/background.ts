import { defineBackground } from 'wxt/utils/define-background';

// Placeholder: the sync loop and messaging land here with the extension's own issue.
export default defineBackground(() => {});
