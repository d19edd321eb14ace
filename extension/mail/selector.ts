/**
 * Named selectors with ordered fallbacks. Webmails rename their classes without notice; each
 * selector lists what to try, most specific (today's markup) first, and the adapters only ever
 * query through these helpers, so a broken selector is fixed in one place.
 */

export interface Selector {
  /** What the selector finds, for people reading the registry and for diagnostics. */
  readonly name: string;
  /** CSS selectors tried in order; the first that matches anything wins. */
  readonly fallbacks: readonly string[];
}

export function selector(name: string, ...fallbacks: string[]): Selector {
  if (fallbacks.length === 0) throw new Error(`selector "${name}" needs at least one CSS selector`);
  return { name, fallbacks };
}

/** The first element the earliest matching fallback finds inside `root`, or null. */
export function queryFirst(root: ParentNode, s: Selector): Element | null {
  for (const css of s.fallbacks) {
    const found = root.querySelector(css);
    if (found) return found;
  }
  return null;
}

/** Every element of the earliest fallback that matches anything inside `root` (document order). */
export function queryAll(root: ParentNode, s: Selector): Element[] {
  for (const css of s.fallbacks) {
    const found = root.querySelectorAll(css);
    if (found.length > 0) return Array.from(found);
  }
  return [];
}

/** The nearest ancestor-or-self of `element` that the earliest possible fallback of `s` finds, or null. */
export function closestOf(element: Element, s: Selector): Element | null {
  for (const css of s.fallbacks) {
    const found = element.closest(css);
    if (found) return found;
  }
  return null;
}

/**
 * The fallback of `s` that finds something inside `root` (the earliest), or null: to test many
 * elements against one selector with `matches`/`closest`, decide once which fallback is in use.
 */
export function activeFallback(root: ParentNode, s: Selector): string | null {
  return s.fallbacks.find((css) => root.querySelector(css) !== null) ?? null;
}

/** Which fallback of `s` currently matches inside `root` (its index), or -1: for tests and diagnostics. */
export function matchingFallback(root: ParentNode, s: Selector): number {
  const css = activeFallback(root, s);
  return css === null ? -1 : s.fallbacks.indexOf(css);
}

/**
 * Whether the page shows `element`: webmails keep views they navigated away from in the DOM and
 * hide them. The `hidden` attribute and inline `display: none` on the element or an ancestor, then
 * the browser's own answer (`checkVisibility`, which also sees stylesheets) where there is one.
 */
export function isShown(element: Element): boolean {
  for (let el: Element | null = element; el; el = el.parentElement) {
    if (el.hasAttribute('hidden')) return false;
    const style = (el as HTMLElement).style as CSSStyleDeclaration | undefined;
    if (style?.display === 'none') return false;
  }
  return typeof element.checkVisibility === 'function' ? element.checkVisibility() : true;
}

/** Text content with runs of whitespace collapsed. */
export function textOf(element: Element | null): string {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}
