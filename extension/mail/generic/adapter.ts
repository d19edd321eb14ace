/**
 * Any other webmail: the addresses the page shows, as `mailto:` links or as text. It cannot tell the
 * sender from the recipients, so every address gets the role `to`; the page (its URL) is the thread.
 */
import { addressesIn, normaliseAddress, type Sighting } from '../address.ts';
import { isShown, queryAll, selector, textOf } from '../selector.ts';
import type { Adapter, ThreadReading } from '../watch.ts';

export const genericSelectors = {
  mailto: selector('mailto link', 'a[href^="mailto:" i]'),
} as const;

/** Text that is never shown to the reader, so never read for addresses. */
const UNSHOWN = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TEXTAREA', 'INPUT', 'SELECT', 'HEAD', 'TITLE']);

export const genericAdapter: Adapter = {
  provider: 'generic',
  readThread: readGenericThread,
  readAccount: () => null,
};

export function readGenericThread(document: Document): ThreadReading | null {
  const body = document.body;
  if (!body) return null;
  const sightings: Sighting[] = [];
  for (const link of queryAll(body, genericSelectors.mailto)) {
    if (!isShown(link)) continue;
    const email = normaliseAddress(link.getAttribute('href'));
    if (email) sightings.push({ email, name: textOf(link), role: 'to' });
  }
  const walker = document.createTreeWalker(body, 4 /* NodeFilter.SHOW_TEXT */);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent ?? '';
    if (!text.includes('@')) continue;
    const parent = node.parentElement;
    if (!parent || UNSHOWN.has(parent.tagName) || parent.closest('a[href^="mailto:" i]') || !isShown(parent)) continue;
    for (const email of addressesIn(text)) sightings.push({ email, name: nameBefore(text, email), role: 'to' });
  }
  if (sightings.length === 0) return null;
  const { origin, pathname, hash } = document.location;
  return { threadId: `${origin}${pathname}${hash}`, subject: document.title.trim(), messageIds: [], sightings };
}

/** "Ann Lee <ann@x.com>" → "Ann Lee"; '' when the address stands alone. */
function nameBefore(text: string, email: string): string {
  const at = text.toLowerCase().indexOf(`<${email}>`);
  if (at <= 0) return '';
  const before = text.slice(0, at).split(/[,;\n]/).at(-1) ?? '';
  return before.replace(/^\s*(from|to|cc|bcc)\s*:\s*/i, '').trim();
}
