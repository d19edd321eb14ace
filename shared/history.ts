import { z } from 'zod';
import { idCursor, recordId } from './associations.ts';
import { auditActor } from './audit.ts';
import { ACTIVITIES, HISTORY_ACTIONS, HISTORY_SOURCES } from './history-terms.ts';
import { objectTypeRef } from './objects.ts';

export { ACTIVITIES, type HistoryAction, type HistorySource } from './history-terms.ts';

/** Who made a change (R21): HISTORY_SOURCES. */
export const historySource = z.enum(HISTORY_SOURCES);

/** What a change did to an association (R20): HISTORY_ACTIONS. */
export const historyAction = z.enum(HISTORY_ACTIONS);

/** What a change did to a record, in the change feed (B2). */
export const recordAction = z.enum(['CREATED', 'UPDATED', 'ARCHIVED', 'RESTORED', 'MERGED']);
export type RecordAction = z.infer<typeof recordAction>;

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2026-05-01T12:00:00Z' });

/** `a,b` or a repeated parameter, as a list. */
const listParam = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item).min(1));

export const recordPath = z.object({ objectType: objectTypeRef, id: recordId });
export const associationPath = recordPath.extend({ toObjectType: objectTypeRef, toId: recordId });

export const historyQuery = z.object({
  toObjectType: listParam(z.string().min(1).max(100))
    .optional()
    .describe(`Associated object or activity types, by name or type id (\`companies\`, \`emails\`, \`0-49\`), comma-separated; \`${ACTIVITIES}\` stands for every activity type`),
  source: listParam(historySource).optional().describe('Sources of the change (R21), comma-separated'),
  action: listParam(historyAction).optional().describe('Actions, comma-separated'),
  from: isoTime.optional().describe('Changes at or after this time'),
  to: isoTime.optional().describe('Changes before this time'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: idCursor.optional(),
});
export type HistoryQuery = z.infer<typeof historyQuery>;

/** One history entry (R20–R22): one direction of one change, seen from `from`. */
export const historyEntry = z.object({
  id: z.string(),
  action: historyAction,
  source: historySource,
  sourceUserId: z.string().optional(),
  sourceUserName: z.string().optional(),
  sourceId: z.string().optional(),
  occurredAt: z.string(),
  fromObjectType: z.string(),
  fromObjectId: z.string(),
  toObjectType: z.string(),
  toObjectId: z.string(),
  toName: z.string().nullable(),
  /** Label names the change is about; for DELETED, the labels the association had. */
  labels: z.array(z.string()),
  associationTypeId: z.number().int(),
  detail: z.string().optional(),
  /** The associated record in the API (R22), a path to copy. */
  link: z.string(),
});
export type HistoryEntry = z.infer<typeof historyEntry>;

export const historyPage = z.object({
  results: z.array(historyEntry),
  paging: z.object({ next: z.object({ after: z.string(), link: z.string() }) }).optional(),
});

export const associationsAtQuery = z.object({
  at: isoTime.optional().describe('The moment to rebuild (B3); the current associations when absent'),
});

export const associatedRecord = z.object({
  toObjectId: z.string(),
  toName: z.string().nullable(),
  link: z.string(),
  labels: z.array(z.string()),
  associationTypes: z.array(z.object({ category: z.string(), typeId: z.number().int(), label: z.string().nullable() })),
});
export type AssociatedRecordView = z.infer<typeof associatedRecord>;

/** A record's associations, grouped by the associated object type's name (HubSpot v3's shape). */
export const associationsView = z.object({
  objectType: z.string(),
  objectId: z.string(),
  at: z.string().nullable(),
  associations: z.record(z.string(), z.object({ results: z.array(associatedRecord) })),
});
export type AssociationsView = z.infer<typeof associationsView>;

export const revertPath = z.object({ entryId: recordId });
export const revertQuery = z.object({
  newPrimaryCompanyId: recordId.optional().describe('When the revert removes a primary company and the record keeps others: the one that becomes primary'),
});

export const revertResult = z.object({
  revertedEntryId: z.string(),
  /** The entries the revert wrote, both directions. */
  results: z.array(historyEntry),
});

/** Position in the change feed: `<commit>` (after that whole commit) or `<commit>.<event>`. */
export const changeCursor = z.string().regex(/^\d+(\.-?\d+)?$/, 'after must be a cursor from paging.next.after');

export const changesQuery = z.object({
  after: changeCursor.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

const changeBase = z.object({
  cursor: z.string(),
  committedAt: z.string().nullable(),
  /** Who made the change (user or app token, with the name they had then); absent when not known. */
  actor: auditActor.optional(),
});
export const associationChange = changeBase.extend({ kind: z.literal('association') }).extend(historyEntry.shape);
export const recordChange = changeBase.extend({
  kind: z.literal('record'),
  id: z.string(),
  action: recordAction,
  occurredAt: z.string(),
  objectType: z.string(),
  objectId: z.string(),
  properties: z.record(z.string(), z.string().nullable()).optional(),
  mergedIntoObjectId: z.string().optional(),
  /** Set when the change was not the caller's own write, e.g. JOB for the lifecycle-stage sync (R11). */
  source: z.string().optional(),
});
export const changeEvent = z.discriminatedUnion('kind', [associationChange, recordChange]);
export type ChangeEvent = z.infer<typeof changeEvent>;

/** GET /api/changes/latest, and the `ready` event that opens the live stream: where to follow the feed from. */
export const latestCursor = z.object({ after: z.string() });

/**
 * A response header of a read (POST /api/companion/thread): the change feed's end as GET
 * /api/changes/latest would have said just before the read, so the answer shows every change up to
 * it. Saves the client that request before each read.
 */
export const CHANGES_AFTER_HEADER = 'x-changes-after';

export const changesPage = z.object({
  results: z.array(changeEvent),
  /** More events were there when this page was read; follow `paging.next.after` at once. */
  hasMore: z.boolean(),
  /** Always there: where to continue from, now or later. */
  paging: z.object({ next: z.object({ after: z.string(), link: z.string() }) }),
});

/** What a client following the change feed holds: records and association types per pair. */
export interface SyncedState {
  /** By record id. */
  records: Map<string, { objectType: string; properties: Record<string, string | null>; status: 'live' | 'archived' | 'merged'; mergedIntoObjectId?: string }>;
  /** By `<fromObjectId>><toObjectType>:<toObjectId>`: the association type ids, seen from `from`. */
  associations: Map<string, Set<number>>;
}

export function emptySyncedState(): SyncedState {
  return { records: new Map(), associations: new Map() };
}

/**
 * Applies one change feed event (B2) to a client's state: the rule a client follows to end with
 * the server's state. Association events are per direction; DELETED removes the whole association
 * (every type), the others add or remove their one type.
 */
export function applyChange(state: SyncedState, event: ChangeEvent): void {
  if (event.kind === 'record') {
    const known = state.records.get(event.objectId);
    switch (event.action) {
      case 'CREATED':
      case 'UPDATED':
      case 'RESTORED':
        state.records.set(event.objectId, { objectType: event.objectType, properties: event.properties ?? known?.properties ?? {}, status: 'live' });
        return;
      case 'ARCHIVED':
        state.records.set(event.objectId, { objectType: event.objectType, properties: known?.properties ?? {}, status: 'archived' });
        return;
      case 'MERGED':
        state.records.set(event.objectId, {
          objectType: event.objectType,
          properties: known?.properties ?? {},
          status: 'merged',
          ...(event.mergedIntoObjectId !== undefined ? { mergedIntoObjectId: event.mergedIntoObjectId } : {}),
        });
        return;
    }
  }
  const key = `${event.fromObjectId}>${event.toObjectType}:${event.toObjectId}`;
  switch (event.action) {
    case 'DELETED':
      state.associations.delete(key);
      return;
    case 'CREATED':
    case 'LABEL_ADDED':
    case 'PRIMARY_SET': {
      const types = state.associations.get(key) ?? new Set<number>();
      types.add(event.associationTypeId);
      state.associations.set(key, types);
      return;
    }
    case 'LABEL_REMOVED':
    case 'PRIMARY_UNSET': {
      const types = state.associations.get(key);
      types?.delete(event.associationTypeId);
      if (types?.size === 0) state.associations.delete(key);
      return;
    }
  }
}
