import type { PageTable } from './App.tsx';
import { HistoryPage } from './history/HistoryPage.tsx';
import { ImportPage } from './imports/ImportPage.tsx';
import { ImportsPage } from './imports/ImportsPage.tsx';
import { IndexPage } from './index/IndexPage.tsx';
import { RecordPage } from './record/RecordPage.tsx';
import { SettingsPage } from './settings/SettingsPage.tsx';
// each page's styles load with the table (the pages' components are also rendered in Node tests)
import './history/history.css';
import './imports/imports.css';

/**
 * The app's pages by route kind (routes.ts). Each screen lives in a folder of its own under
 * extension/app/ and is listed here; the home page and "not found" are the app's own.
 */
export const PAGES: PageTable = {
  // a page of its own per object type: nothing of one type's view shows while the next one loads
  index: (props) => <IndexPage key={props.route.objectType} {...props} />,
  record: RecordPage,
  history: HistoryPage,
  settings: SettingsPage,
  imports: ImportsPage,
  import: ImportPage,
};
