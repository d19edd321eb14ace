import type { PageTable } from './App.tsx';
import { RecordPage } from './record/RecordPage.tsx';

/**
 * The app's pages by route kind (routes.ts). Each screen lives in a folder of its own under
 * extension/app/ and is listed here; the home page and "not found" are the app's own.
 */
export const PAGES: PageTable = {
  record: RecordPage,
};
