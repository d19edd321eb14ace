import type { CompanionThreadResponse } from '../../shared/companion.ts';
import { COMPANY, CONTACT, DEAL, TICKET } from '../../shared/objects.ts';
import { nameProperties, recordName as sharedRecordName } from '../../shared/record-name.ts';
import type { MailThread } from '../mail/types.ts';
import type { Connection } from '../settings.ts';
import { type FetchLike, read } from './client.ts';

/** The thread as the sidebar shows it: one request (server/routes/companion.ts). */
export function fetchThreadView(connection: Connection, thread: MailThread, ownAddresses: readonly string[], fetchImpl?: FetchLike): Promise<CompanionThreadResponse> {
  const body = {
    participants: thread.participants.slice(0, 100).map((p) => ({ email: p.email, ...(p.name ? { name: p.name.slice(0, 200) } : {}) })),
    subject: thread.subject.slice(0, 1000),
    ownAddresses: ownAddresses.slice(0, 50),
  };
  return read<CompanionThreadResponse>(connection, 'POST', '/api/companion/thread', { body, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

export const SEARCH_TYPES = ['contacts', 'companies', 'deals', 'tickets'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export interface SearchHit {
  objectType: SearchType;
  id: string;
  name: string;
  /** A second line: the contact's email, the company's domain, the deal's stage. */
  detail: string | null;
}

/** What a hit reads: its name's properties (shared/record-name.ts; a contact's email and a company's domain among them) and its second line's. */
const PROPERTIES: Record<SearchType, string[]> = {
  contacts: nameProperties(CONTACT),
  companies: nameProperties(COMPANY),
  deals: [...nameProperties(DEAL), 'dealstage'],
  tickets: [...nameProperties(TICKET), 'hs_pipeline_stage'],
};

const TYPE_IDS: Record<SearchType, string> = { contacts: CONTACT, companies: COMPANY, deals: DEAL, tickets: TICKET };

/** A record's name as the companion shows it: the one rule of shared/record-name.ts; else its id. */
export function recordName(objectType: SearchType, id: string, p: Record<string, string | null | undefined>): string {
  return sharedRecordName(TYPE_IDS[objectType], p) ?? id;
}

function hitOf(objectType: SearchType, id: string, p: Record<string, string | null>): SearchHit {
  const name = recordName(objectType, id, p);
  switch (objectType) {
    case 'contacts':
      return { objectType, id, name, detail: p.email ?? null };
    case 'companies':
      return { objectType, id, name, detail: p.domain ?? null };
    case 'deals':
      return { objectType, id, name, detail: p.dealstage ?? null };
    case 'tickets':
      return { objectType, id, name, detail: p.hs_pipeline_stage ? `stage ${p.hs_pipeline_stage}` : null };
  }
}

/** HubSpot search (`query`) over the four standard objects at once; at most `limit` hits of each. */
export async function searchAll(connection: Connection, q: string, limit = 5, fetchImpl?: FetchLike): Promise<SearchHit[]> {
  const query = q.trim().slice(0, 3000);
  const pages = await Promise.all(
    SEARCH_TYPES.map((type) =>
      read<{ results: Array<{ id: string; properties: Record<string, string | null> }> }>(connection, 'POST', `/crm/v3/objects/${type}/search`, {
        body: { query, limit, properties: PROPERTIES[type] },
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      }).then((page) => page.results.map((r) => hitOf(type, String(r.id), r.properties))),
    ),
  );
  return pages.flat();
}
