import type { PageTable } from './App.tsx';
import { IndexPage } from './index/IndexPage.tsx';

/**
 * The app's pages by route kind (routes.ts). Each screen lives in a folder of its own under
 * extension/app/ and is listed here; the home page and "not found" are the app's own.
 */
export const PAGES: PageTable = {
  // a page of its own per object type: nothing of one type's view shows while the next one loads
  index: (props) => <IndexPage key={props.route.objectType} {...props} />,
};
