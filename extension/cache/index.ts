import type { ChangeEvent } from '../../shared/history.ts';
import type { RecordRef } from '../outbox/operation.ts';
import { type StageBook, stageBook } from '../api/stages.ts';
import { type CacheDb, type CachedAssociation, type CachedRecord, openCacheDb } from './store.ts';

export type { CachedAssociation, CachedRecord } from './store.ts';
export { CACHE_VERSION } from './store.ts';

export interface CacheOptions {
  /** IndexedDB database name. */
  dbName?: string;
  /** At most this many records; the least recently used leave first (with their associations). */
  maxRecords?: number;
  /** At most this many watched addresses. */
  maxWatched?: number;
  now?: () => number;
}

/** A record as a server read gives it, to put in the cache. */
export interface RecordInput {
  objectType: string;
  id: string;
  properties: Record<string, string | null>;
  status?: CachedRecord['status'];
  mergedIntoObjectId?: string;
}

export interface Cache {
  /** Stores records the rep has seen (from a server read). */
  putRecords(records: RecordInput[]): Promise<void>;
  /** A cached record (counts as a use), or undefined. */
  getRecord(id: string): Promise<CachedRecord | undefined>;
  /** The live contact with this email, or undefined; an unknown address is watched for a contact created later. */
  contactByEmail(email: string): Promise<CachedRecord | undefined>;
  /** Replaces what the cache knows of a record's associations (from a server read); the record must be cached. */
  putAssociations(fromId: string, associations: Array<Omit<CachedAssociation, 'fromId'>>): Promise<void>;
  /** A cached record's associations, or undefined when they were never loaded. */
  associationsOf(fromId: string): Promise<CachedAssociation[] | undefined>;
  /** The id to use for a record now: a merged record's survivor (merges may chain). */
  resolve(ref: RecordRef): Promise<RecordRef>;
  /** Applies change feed events (B2) and stores `cursor` in the same transaction. Answers the record ids touched. */
  applyChanges(events: readonly ChangeEvent[], cursor: string): Promise<string[]>;
  /** The change feed cursor the cache is at, or undefined when it never followed the feed. */
  cursor(): Promise<string | undefined>;
  /** Keeps the workspace's stages (labels, closed flags) as the server last gave them. */
  putStages(book: StageBook): Promise<void>;
  /** The stages kept, or undefined when none were (or what was kept no longer reads as a book). */
  stages(): Promise<StageBook | undefined>;
  recordCount(): Promise<number>;
  /** Forgets everything, cursor included: what one account on one server may see is not another's. */
  clear(): Promise<void>;
  close(): void;
}

const DEFAULT_MAX_RECORDS = 2_000;
const DEFAULT_MAX_WATCHED = 500;

/**
 * The companion's local cache (X4): records and associations the rep has seen, in IndexedDB so it
 * survives restarts of the browser and of the service worker. Bounded: past `maxRecords`, the
 * least recently used records leave first. Kept fresh by the change feed (extension/sync/feed.ts),
 * whose cursor it stores with the changes applied, in one transaction.
 */
export function createCache(options: CacheOptions = {}): Cache {
  const now = options.now ?? Date.now;
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  const maxWatched = options.maxWatched ?? DEFAULT_MAX_WATCHED;
  const opened: Promise<CacheDb> = openCacheDb(options.dbName ?? 'crm-cache');

  const emailOf = (objectType: string, properties: Record<string, string | null>) => (objectType === 'contacts' ? properties.email?.trim().toLowerCase() || undefined : undefined);

  function withEmail(record: Omit<CachedRecord, 'email'>): CachedRecord {
    const email = emailOf(record.objectType, record.properties);
    return email ? { ...record, email } : record;
  }

  /** Removes the least recently used records (and their associations) past the bound. */
  async function evict(db: CacheDb): Promise<void> {
    const over = (await db.count('records')) - maxRecords;
    if (over > 0) {
      const tx = db.transaction(['records', 'associations'], 'readwrite');
      let cursor = await tx.objectStore('records').index('byLastUsed').openCursor();
      for (let removed = 0; cursor && removed < over; removed++) {
        const id = cursor.value.id;
        await cursor.delete();
        for (const key of await tx.objectStore('associations').index('byFrom').getAllKeys(id)) await tx.objectStore('associations').delete(key);
        cursor = await cursor.continue();
      }
      await tx.done;
    }
    const watchedOver = (await db.count('watched')) - maxWatched;
    if (watchedOver > 0) {
      const tx = db.transaction('watched', 'readwrite');
      let cursor = await tx.store.index('byLastUsed').openCursor();
      for (let removed = 0; cursor && removed < watchedOver; removed++) {
        await cursor.delete();
        cursor = await cursor.continue();
      }
      await tx.done;
    }
  }

  return {
    async putRecords(records) {
      const db = await opened;
      const t = now();
      const tx = db.transaction(['records', 'watched'], 'readwrite');
      for (const r of records) {
        const known = await tx.objectStore('records').get(r.id);
        const record = withEmail({
          id: r.id,
          objectType: r.objectType,
          properties: r.properties,
          status: r.status ?? 'live',
          ...(r.mergedIntoObjectId !== undefined ? { mergedIntoObjectId: r.mergedIntoObjectId } : {}),
          associationsLoaded: known?.associationsLoaded ?? false,
          lastUsed: t,
        });
        await tx.objectStore('records').put(record);
        if (record.email) await tx.objectStore('watched').delete(record.email);
      }
      await tx.done;
      await evict(db);
    },

    async getRecord(id) {
      const db = await opened;
      const tx = db.transaction('records', 'readwrite');
      const record = await tx.store.get(id);
      if (record) await tx.store.put({ ...record, lastUsed: now() });
      await tx.done;
      return record;
    },

    async contactByEmail(email) {
      const db = await opened;
      const key = email.trim().toLowerCase();
      const tx = db.transaction(['records', 'watched'], 'readwrite');
      const found = (await tx.objectStore('records').index('byEmail').getAll(key)).find((r) => r.status === 'live');
      if (found) await tx.objectStore('records').put({ ...found, lastUsed: now() });
      else await tx.objectStore('watched').put({ email: key, lastUsed: now() });
      await tx.done;
      if (!found) await evict(db);
      return found;
    },

    async putAssociations(fromId, associations) {
      const db = await opened;
      const tx = db.transaction(['records', 'associations'], 'readwrite');
      const record = await tx.objectStore('records').get(fromId);
      if (!record) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new Error(`Record ${fromId} is not in the cache: put the record before its associations`);
      }
      const store = tx.objectStore('associations');
      for (const key of await store.index('byFrom').getAllKeys(fromId)) await store.delete(key);
      for (const a of associations) await store.put({ fromId, toType: a.toType, toId: a.toId, typeIds: [...a.typeIds].sort((x, y) => x - y) });
      await tx.objectStore('records').put({ ...record, associationsLoaded: true, lastUsed: now() });
      await tx.done;
    },

    async associationsOf(fromId) {
      const db = await opened;
      const record = await db.get('records', fromId);
      if (!record?.associationsLoaded) return undefined;
      return db.getAllFromIndex('associations', 'byFrom', fromId);
    },

    async resolve(ref) {
      const db = await opened;
      let current = ref;
      for (let depth = 0; depth < 20; depth++) {
        const record = await db.get('records', current.id);
        if (record?.status !== 'merged' || record.mergedIntoObjectId === undefined) return current;
        current = { objectType: record.objectType, id: record.mergedIntoObjectId };
      }
      return current;
    },

    async applyChanges(events, cursor) {
      const db = await opened;
      const touched = new Set<string>();
      const tx = db.transaction(['records', 'associations', 'watched', 'meta'], 'readwrite');
      const records = tx.objectStore('records');
      const associations = tx.objectStore('associations');
      for (const event of events) {
        if (event.kind === 'record') {
          const known = await records.get(event.objectId);
          const email = event.properties ? emailOf(event.objectType, event.properties) : undefined;
          const watchedFor = !known && email ? await tx.objectStore('watched').get(email) : undefined;
          if (!known && !watchedFor) continue;
          const base = known ?? { id: event.objectId, objectType: event.objectType, properties: {}, status: 'live' as const, associationsLoaded: false, lastUsed: now() };
          let next: CachedRecord;
          switch (event.action) {
            case 'CREATED':
            case 'UPDATED':
            case 'RESTORED': {
              const { mergedIntoObjectId: _gone, ...rest } = base;
              next = withEmail({ ...rest, objectType: event.objectType, properties: event.properties ?? base.properties, status: 'live' });
              break;
            }
            case 'ARCHIVED':
              next = { ...base, status: 'archived' };
              break;
            case 'MERGED':
              next = { ...base, status: 'merged', ...(event.mergedIntoObjectId !== undefined ? { mergedIntoObjectId: event.mergedIntoObjectId } : {}) };
              break;
          }
          await records.put(next);
          if (watchedFor) await tx.objectStore('watched').delete(watchedFor.email);
          touched.add(event.objectId);
          continue;
        }
        const from = await records.get(event.fromObjectId);
        if (!from?.associationsLoaded) continue;
        const key: [string, string, string] = [event.fromObjectId, event.toObjectType, event.toObjectId];
        const edge = await associations.get(key);
        // the same rule as the server's followers (shared/history.ts applyChange)
        switch (event.action) {
          case 'DELETED':
            await associations.delete(key);
            break;
          case 'CREATED':
          case 'LABEL_ADDED':
          case 'PRIMARY_SET': {
            const typeIds = new Set(edge?.typeIds ?? []);
            typeIds.add(event.associationTypeId);
            await associations.put({ fromId: event.fromObjectId, toType: event.toObjectType, toId: event.toObjectId, typeIds: [...typeIds].sort((x, y) => x - y) });
            break;
          }
          case 'LABEL_REMOVED':
          case 'PRIMARY_UNSET': {
            if (!edge) break;
            const typeIds = edge.typeIds.filter((id) => id !== event.associationTypeId);
            if (typeIds.length === 0) await associations.delete(key);
            else await associations.put({ ...edge, typeIds });
            break;
          }
        }
        touched.add(event.fromObjectId);
      }
      await tx.objectStore('meta').put(cursor, 'cursor');
      await tx.done;
      if (touched.size > 0) await evict(db);
      return [...touched];
    },

    async cursor() {
      return (await opened).get('meta', 'cursor');
    },

    async putStages(book) {
      await (await opened).put('meta', JSON.stringify(book), 'stages');
    },

    async stages() {
      const text = await (await opened).get('meta', 'stages');
      if (text === undefined) return undefined;
      try {
        const parsed = stageBook.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },

    async recordCount() {
      return (await opened).count('records');
    },

    async clear() {
      const db = await opened;
      const tx = db.transaction(['records', 'associations', 'watched', 'meta'], 'readwrite');
      await Promise.all([tx.objectStore('records').clear(), tx.objectStore('associations').clear(), tx.objectStore('watched').clear(), tx.objectStore('meta').clear(), tx.done]);
    },

    close() {
      void opened.then((db) => db.close());
    },
  };
}
