import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

/** A record the rep has seen, as the server last showed it (or the change feed since). */
export interface CachedRecord {
  /** The server's record id (unique in a workspace across object types). */
  id: string;
  objectType: string;
  properties: Record<string, string | null>;
  status: 'live' | 'archived' | 'merged';
  mergedIntoObjectId?: string;
  /** Lowercased email of a contact, for lookups by participant address (schema version 2). */
  email?: string;
  /** True once the record's associations were stored: only then do feed events keep them up to date. */
  associationsLoaded: boolean;
  /** Epoch ms of the last read or write through the cache: the least recently used leave first. */
  lastUsed: number;
}

/** One direction of an association: `fromId` → (`toType`, `toId`) with its type ids. */
export interface CachedAssociation {
  fromId: string;
  toType: string;
  toId: string;
  typeIds: number[];
}

/** An address the rep looked up that the CRM did not know: a contact created for it later is cached. */
export interface Watched {
  email: string;
  lastUsed: number;
}

export interface CacheSchema extends DBSchema {
  records: { key: string; value: CachedRecord; indexes: { byLastUsed: number; byEmail: string } };
  associations: { key: [string, string, string]; value: CachedAssociation; indexes: { byFrom: string } };
  watched: { key: string; value: Watched; indexes: { byLastUsed: number } };
  meta: { key: string; value: string };
}

export type CacheDb = IDBPDatabase<CacheSchema>;

/** The cache's current schema version. */
export const CACHE_VERSION = 2;

/**
 * Opens the cache database at `version` (the current one unless a test asks for an older one),
 * running each upgrade step from the version found on disk.
 */
export function openCacheDb(name: string, version: number = CACHE_VERSION): Promise<CacheDb> {
  return openDB<CacheSchema>(name, version, {
    async upgrade(db, oldVersion, newVersion, tx) {
      const target = newVersion ?? version;
      // 1: records by id, LRU order, associations per direction, the feed cursor
      if (oldVersion < 1) {
        const records = db.createObjectStore('records', { keyPath: 'id' });
        records.createIndex('byLastUsed', 'lastUsed');
        const associations = db.createObjectStore('associations', { keyPath: ['fromId', 'toType', 'toId'] });
        associations.createIndex('byFrom', 'fromId');
        db.createObjectStore('meta');
      }
      // 2: contacts found by email, and addresses watched for a contact to appear
      if (oldVersion < 2 && target >= 2) {
        const records = tx.objectStore('records');
        records.createIndex('byEmail', 'email');
        const watched = db.createObjectStore('watched', { keyPath: 'email' });
        watched.createIndex('byLastUsed', 'lastUsed');
        // records cached by version 1 get their email field
        let cursor = await records.openCursor();
        while (cursor) {
          const email = cursor.value.objectType === 'contacts' ? cursor.value.properties.email?.toLowerCase() : undefined;
          if (email) await cursor.update({ ...cursor.value, email });
          cursor = await cursor.continue();
        }
      }
    },
  });
}
