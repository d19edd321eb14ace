import { type ComponentChildren, createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { appUrl, recordRoute } from '../app/routes.ts';
import { ask, type MessageSender } from '../messaging.ts';

/**
 * Record names in the sidebar and the popup open the record page (app.html#/{type}/{id}) in a new
 * tab. The link's address is the record page's (copyable, R22); a click asks the background to open
 * it, since a webmail page may not open an extension page itself.
 */
export interface RecordLinks {
  href(objectType: string, id: string): string;
  open(objectType: string, id: string): void;
}

export const RecordLinksContext = createContext<RecordLinks | null>(null);

/** A record's name that opens its record page; plain text where no links are provided (tests, the cache's first answer). */
export function RecordLink({ objectType, id, children }: { objectType: string; id: string; children: ComponentChildren }) {
  const links = useContext(RecordLinksContext);
  if (!links) return <>{children}</>;
  return (
    <a
      class="crm-record-link"
      href={links.href(objectType, id)}
      target="_blank"
      rel="noopener"
      onClick={(e) => {
        e.preventDefault();
        links.open(objectType, id);
      }}
    >
      {children}
    </a>
  );
}

/** The links of an extension part: the address from `getURL('/app.html')`, opened by the background. */
export function recordLinks(runtime: MessageSender & { getURL(path: '/app.html'): string }): RecordLinks {
  return {
    href: (objectType, id) => appUrl(runtime.getURL('/app.html'), recordRoute(objectType, id)),
    open: (objectType, id) => void ask(runtime, { type: 'openRecord', objectType, id }).catch((err) => console.warn('companion: the record page could not be opened', err)),
  };
}
