import { h } from 'preact';
import type { PageTable } from './App.tsx';
import { ImportPage } from './imports/ImportPage.tsx';
import { ImportsPage } from './imports/ImportsPage.tsx';
import './imports/imports.css';

/**
 * The app's pages by route kind (routes.ts). Each screen lives in a folder of its own under
 * extension/app/ and is listed here; the home page and "not found" are the app's own.
 */
export const PAGES: PageTable = {
  // as elements, so each page's hooks are its own (and a page of another import starts afresh)
  imports: (props) => h(ImportsPage, props),
  import: (props) => h(ImportPage, { ...props, key: props.route.id }),
};
