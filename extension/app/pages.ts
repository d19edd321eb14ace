import type { PageTable } from './App.tsx';
import { HistoryPage } from './history/HistoryPage.tsx';
// each page's styles load with the table (the pages' components are also rendered in Node tests)
import './history/history.css';

/**
 * The app's pages by route kind (routes.ts). Each screen lives in a folder of its own under
 * extension/app/ and is listed here; the home page and "not found" are the app's own.
 */
export const PAGES: PageTable = { history: HistoryPage };
