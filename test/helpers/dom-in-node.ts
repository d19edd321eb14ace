/**
 * A DOM for component tests that also run the real background and the real app. Those files run
 * in the node environment: the DOM environment's module transform resolves
 * `new URL('./x', import.meta.url)` against its page address, which breaks the server's file paths.
 * This puts a happy-dom window's DOM names on the global that Node lacks (document, window,
 * HTMLElement, Event, ...), leaving Node's own (URL, fetch, timers) as they are.
 */
import { Window } from 'happy-dom';

const dom = new Window({ url: 'http://localhost/' });
const g = globalThis as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(dom)) {
  if (key in g || key.startsWith('_')) continue;
  try {
    g[key] = (dom as unknown as Record<string, unknown>)[key];
  } catch {
    // a getter the window refuses outside its own context: not needed by the tests
  }
}
g.window = dom;
g.document = dom.document;
