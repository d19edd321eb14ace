import type { z } from 'zod';
import { apiPaths } from '../../shared/api-paths.ts';
import { type batchReadBody as associationsReadBody, associationsBatchReadResponse, type AssociationsBatchReadResponse, pairLabelsResponse } from '../../shared/associations.ts';
import { type companionThreadBody, type CompanionThreadResponse, companionThreadResponse } from '../../shared/companion.ts';
import { batchResult, type batchReadBody, type searchBody, searchResult } from '../../shared/records.ts';
import { CHANGES_AFTER_HEADER, latestCursor } from '../../shared/history.ts';
import { workspaceView } from '../../shared/workspace.ts';
import { COMPANY, CONTACT, DEAL, TICKET } from '../../shared/objects.ts';
import { pipelineCollection } from '../../shared/pipelines.ts';
import { nameProperties, recordName as sharedRecordName } from '../../shared/record-name.ts';
import { threadSignature } from '../mail/signature.ts';
import { mark } from '../marks.ts';
import type { MailThread } from '../mail/types.ts';
import type { Connection } from '../settings.ts';
import { createApiClient, type FetchLike } from './client.ts';
import { type StageBook, stageBookOf, stageLabelIn } from './stages.ts';

const clientFor = (connection: Connection, fetchImpl: FetchLike | undefined) => createApiClient(connection, fetchImpl ? { fetch: fetchImpl } : {});

/**
 * The thread as the sidebar shows it: one request (server/routes/companion.ts). `asOf`: the change
 * feed's end the server read before answering (its x-changes-after header), so the view shows every
 * change up to it; null from a server that does not say.
 */
export async function fetchThreadView(connection: Connection, thread: MailThread, ownAddresses: readonly string[], fetchImpl?: FetchLike): Promise<{ view: CompanionThreadResponse; asOf: string | null }> {
  const signature = threadSignature(thread);
  const body = {
    participants: thread.participants.slice(0, 100).map((p) => ({ email: p.email, ...(p.name ? { name: p.name.slice(0, 200) } : {}) })),
    subject: thread.subject.slice(0, 1000),
    ...(signature ? { signature } : {}),
    ownAddresses: ownAddresses.slice(0, 50),
    messageIds: [...new Set([...thread.messageIds, ...(thread.messages ?? []).map((m) => m.id)])].slice(0, 200),
  } satisfies z.input<typeof companionThreadBody>;
  let asOf: string | null = null;
  const view = await clientFor(connection, fetchImpl).request(apiPaths.companionThread(), {
    method: 'POST',
    body,
    schema: companionThreadResponse,
    onHeaders: (headers) => {
      mark('crm:worker-headers');
      const said = headers.get(CHANGES_AFTER_HEADER);
      // a feed cursor (`<commit>` or `<commit>.<event>`); anything else is not known
      asOf = said !== null && /^\d{1,20}(?:\.-?\d{1,20})?$/.test(said) ? said : null;
    },
  });
  return { view, asOf };
}

export const SEARCH_TYPES = ['contacts', 'companies', 'deals', 'tickets'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export interface SearchHit {
  objectType: SearchType;
  id: string;
  name: string;
  /** A second line: the contact's email, the company's domain, the deal's or ticket's stage label. */
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

function hitOf(objectType: SearchType, id: string, p: Record<string, string | null>, stages: StageBook | null): SearchHit {
  const name = recordName(objectType, id, p);
  switch (objectType) {
    case 'contacts':
      return { objectType, id, name, detail: p.email ?? null };
    case 'companies':
      return { objectType, id, name, detail: p.domain ?? null };
    case 'deals':
      return { objectType, id, name, detail: stageLabelIn(stages, DEAL, p.dealstage) };
    case 'tickets':
      return { objectType, id, name, detail: stageLabelIn(stages, TICKET, p.hs_pipeline_stage) };
  }
}

/**
 * HubSpot search (`query`) over the four standard objects at once; at most `limit` hits of each.
 * A deal's or ticket's second line is its stage's label from `stages` (the session's pipelines
 * read, under way beside the searches; null: no stage is shown).
 */
export async function searchAll(connection: Connection, q: string, stages: Promise<StageBook | null>, limit = 5, fetchImpl?: FetchLike): Promise<SearchHit[]> {
  const query = q.trim().slice(0, 3000);
  const client = clientFor(connection, fetchImpl);
  const [book, ...pages] = await Promise.all([
    stages,
    ...SEARCH_TYPES.map((type) =>
      client
        .request(apiPaths.searchRecords(type), { method: 'POST', body: { query, limit, properties: PROPERTIES[type] } satisfies z.input<typeof searchBody>, schema: searchResult })
        .then((page) => ({ type, page })),
    ),
  ]);
  return pages.flatMap(({ type, page }) => page.results.map((r) => hitOf(type, r.id, r.properties, book)));
}

/** The workspace's deal and ticket stages (two reads of the pipelines API): labels and closed flags. */
export async function fetchStageBook(connection: Connection, fetchImpl?: FetchLike): Promise<StageBook> {
  const client = clientFor(connection, fetchImpl);
  const [deals, tickets] = await Promise.all((['deals', 'tickets'] as const).map((type) => client.request(apiPaths.pipelines(type), { method: 'GET', schema: pipelineCollection })));
  return stageBookOf({ deals: deals!.results, tickets: tickets!.results });
}

export type PairLabel = z.output<typeof pairLabelsResponse>['results'][number];

/** The association types of a pair with their labels (the labels API). */
export async function fetchPairLabels(connection: Connection, fromType: string, toType: string, fetchImpl?: FetchLike): Promise<PairLabel[]> {
  return (await clientFor(connection, fetchImpl).request(apiPaths.labels(fromType, toType), { method: 'GET', schema: pairLabelsResponse })).results;
}

/** Records of one type by id, with the given properties; ids that are no live record are left out of `results` (and named in `errors`). */
export function readRecords(connection: Connection, objectType: string, ids: readonly string[], properties: readonly string[], fetchImpl?: FetchLike): Promise<z.output<typeof batchResult>> {
  const body = { inputs: ids.map((id) => ({ id })), properties: [...properties] } satisfies z.input<typeof batchReadBody>;
  return clientFor(connection, fetchImpl).request(apiPaths.batchReadRecords(objectType), { method: 'POST', body, schema: batchResult });
}

/** Each record's associations with one object type, one page each (`paging` when there were more); a record that could not be read is missing from `results`. */
export function readAssociations(connection: Connection, fromType: string, toType: string, ids: readonly string[], fetchImpl?: FetchLike): Promise<AssociationsBatchReadResponse> {
  return clientFor(connection, fetchImpl).request(apiPaths.batchReadAssociations(fromType, toType), {
    method: 'POST',
    body: { inputs: ids.map((id) => ({ id })) } satisfies z.input<typeof associationsReadBody>,
    schema: associationsBatchReadResponse,
  });
}

/** The workspace the token belongs to: signing in, and the popup's probe, check the server and the token with it. */
export function fetchWorkspace(connection: Connection, fetchImpl?: FetchLike, options: { timeoutMs?: number } = {}): Promise<z.output<typeof workspaceView>> {
  const client = createApiClient(connection, { ...(fetchImpl ? { fetch: fetchImpl } : {}), ...options });
  return client.request(apiPaths.workspace(), { method: 'GET', schema: workspaceView });
}

/** Where the change feed ends now: a thread read and a confirmed change are stamped with it, so later feed news is judged against them. */
export async function fetchLatestCursor(connection: Connection, fetchImpl?: FetchLike): Promise<string> {
  return (await clientFor(connection, fetchImpl).request(apiPaths.changesLatest(), { method: 'GET', schema: latestCursor })).after;
}
