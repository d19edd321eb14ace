import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../shared/history.ts';
import { type Cache, type CacheOptions, createCache } from './index.ts';
import { openCacheDb } from './store.ts';

let counter = 0;
const opened: Cache[] = [];

function cacheFor(options: CacheOptions = {}): Cache {
  const cache = createCache({ dbName: `cache-test-${++counter}`, ...options });
  opened.push(cache);
  return cache;
}

afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, tick: () => (t += 1) };
}

const contact = (id: string, email: string, extra: Record<string, string> = {}) => ({ objectType: 'contacts', id, properties: { email, ...extra } });

function recordEvent(action: 'CREATED' | 'UPDATED' | 'ARCHIVED' | 'RESTORED' | 'MERGED', objectType: string, objectId: string, extra: Partial<ChangeEvent> = {}): ChangeEvent {
  return { kind: 'record', cursor: `9.${objectId}`, committedAt: null, id: `r${objectId}`, action, occurredAt: '2026-11-27T09:00:00.000Z', objectType, objectId, ...extra } as ChangeEvent;
}

function assocEvent(action: 'CREATED' | 'DELETED' | 'LABEL_ADDED' | 'LABEL_REMOVED' | 'PRIMARY_SET' | 'PRIMARY_UNSET', fromId: string, toType: string, toId: string, associationTypeId: number): ChangeEvent {
  return {
    kind: 'association',
    cursor: `9.${fromId}${toId}`,
    committedAt: null,
    id: `h${fromId}-${toId}`,
    action,
    source: 'API',
    occurredAt: '2026-11-27T09:00:00.000Z',
    fromObjectType: 'contacts',
    fromObjectId: fromId,
    toObjectType: toType,
    toObjectId: toId,
    toName: null,
    labels: [],
    associationTypeId,
    link: `/crm/v3/objects/${toType}/${toId}`,
  };
}

describe('local cache (X4)', () => {
  it('X4: the cache is bounded; the least recently used records leave first, with their associations', async () => {
    const t = clock();
    const cache = cacheFor({ maxRecords: 3, now: t.now });
    for (const id of ['1', '2', '3']) {
      t.tick();
      await cache.putRecords([contact(id, `c${id}@lru.example`)]);
    }
    await cache.putAssociations('2', [{ toType: 'companies', toId: '50', typeIds: [1, 279] }]);
    t.tick();
    // 1 is read now: 2 is the least recently used
    expect((await cache.getRecord('1'))?.properties.email).toBe('c1@lru.example');
    t.tick();
    await cache.putRecords([contact('4', 'c4@lru.example')]);
    expect(await cache.recordCount()).toBe(3);
    expect(await cache.getRecord('2')).toBeUndefined();
    expect(await cache.associationsOf('2')).toBeUndefined();
    for (const id of ['4', '1', '3']) {
      t.tick();
      expect(await cache.getRecord(id)).toBeDefined();
    }
    t.tick();
    await cache.putRecords([contact('5', 'c5@lru.example'), contact('6', 'c6@lru.example')]);
    expect(await cache.recordCount()).toBe(3);
    // read in the order 4, 1, 3 above: 4 and 1 leave
    expect(await cache.getRecord('4')).toBeUndefined();
    expect(await cache.getRecord('1')).toBeUndefined();
    expect(await cache.getRecord('3')).toBeDefined();
  });

  it('X4: the cache and its feed cursor survive a restart', async () => {
    const dbName = `cache-restart-${++counter}`;
    const first = createCache({ dbName });
    await first.putRecords([contact('7', 'keep@restart.example')]);
    await first.putAssociations('7', [{ toType: 'deals', toId: '70', typeIds: [4] }]);
    await first.applyChanges([], '41.12');
    first.close();
    const second = createCache({ dbName });
    opened.push(second);
    expect((await second.contactByEmail('KEEP@restart.example'))?.id).toBe('7');
    expect(await second.associationsOf('7')).toEqual([{ fromId: '7', toType: 'deals', toId: '70', typeIds: [4] }]);
    expect(await second.cursor()).toBe('41.12');
  });

  it('X4: the workspace\'s stages are kept across a restart and forgotten with everything else; a kept value that no longer reads as stages is none', async () => {
    const dbName = `cache-stages-${++counter}`;
    const book = { deals: { closedwon: { label: 'Closed Won', closed: true }, qualifiedtobuy: { label: 'Qualified To Buy', closed: false } }, tickets: { '1': { label: 'New', closed: false } } };
    const first = createCache({ dbName });
    expect(await first.stages()).toBeUndefined();
    await first.putStages(book);
    first.close();
    const second = createCache({ dbName });
    opened.push(second);
    expect(await second.stages()).toEqual(book);
    await second.clear();
    expect(await second.stages()).toBeUndefined();
    const db = await openCacheDb(dbName);
    await db.put('meta', '{"deals": "not a book"}', 'stages');
    db.close();
    expect(await second.stages()).toBeUndefined();
  });

  it('X4: schema versions migrate: records cached by version 1 are found by email after the upgrade to 2', async () => {
    const dbName = `cache-migrate-${++counter}`;
    const v1 = await openCacheDb(dbName, 1);
    expect(v1.objectStoreNames.contains('watched')).toBe(false);
    await v1.put('records', { id: '8', objectType: 'contacts', properties: { email: 'Old@Version.example' }, status: 'live', associationsLoaded: false, lastUsed: 1 });
    await v1.put('meta', '3', 'cursor');
    v1.close();
    const cache = createCache({ dbName });
    opened.push(cache);
    expect((await cache.contactByEmail('old@version.example'))?.id).toBe('8');
    expect(await cache.cursor()).toBe('3');
  });

  it('B2: feed events update cached records and loaded associations, and store the cursor with them', async () => {
    const cache = cacheFor();
    await cache.putRecords([contact('10', 'ada@feed.example', { firstname: 'Ada' }), contact('11', 'bo@feed.example')]);
    await cache.putAssociations('10', [{ toType: 'companies', toId: '90', typeIds: [1, 279] }]);
    const touched = await cache.applyChanges(
      [
        recordEvent('UPDATED', 'contacts', '10', { properties: { email: 'ada@feed.example', firstname: 'Ada L.' } } as Partial<ChangeEvent>),
        recordEvent('UPDATED', 'contacts', '99', { properties: { email: 'stranger@feed.example' } } as Partial<ChangeEvent>),
        assocEvent('CREATED', '10', 'deals', '300', 4),
        assocEvent('PRIMARY_UNSET', '10', 'companies', '90', 1),
        // 11's associations were never loaded: nothing to keep up to date
        assocEvent('CREATED', '11', 'deals', '301', 4),
        recordEvent('ARCHIVED', 'contacts', '11'),
      ],
      '12.5',
    );
    expect(touched.sort()).toEqual(['10', '11']);
    expect((await cache.getRecord('10'))?.properties.firstname).toBe('Ada L.');
    expect(await cache.getRecord('99')).toBeUndefined();
    expect((await cache.getRecord('11'))?.status).toBe('archived');
    expect(await cache.associationsOf('11')).toBeUndefined();
    expect(await cache.associationsOf('10')).toEqual([
      { fromId: '10', toType: 'companies', toId: '90', typeIds: [279] },
      { fromId: '10', toType: 'deals', toId: '300', typeIds: [4] },
    ]);
    expect(await cache.cursor()).toBe('12.5');
    await cache.applyChanges([assocEvent('DELETED', '10', 'deals', '300', 4)], '13');
    expect((await cache.associationsOf('10'))?.map((a) => a.toId)).toEqual(['90']);
    expect(await cache.cursor()).toBe('13');
  });

  it('X4: an address looked up without a contact is watched: a contact created for it later lands in the cache', async () => {
    const cache = cacheFor();
    expect(await cache.contactByEmail('new@watch.example')).toBeUndefined();
    await cache.applyChanges([recordEvent('CREATED', 'contacts', '20', { properties: { email: 'New@watch.example', firstname: 'New' } } as Partial<ChangeEvent>)], '14');
    expect((await cache.contactByEmail('new@watch.example'))?.id).toBe('20');
    // an address nobody looked up is not cached
    await cache.applyChanges([recordEvent('CREATED', 'contacts', '21', { properties: { email: 'other@watch.example' } } as Partial<ChangeEvent>)], '15');
    expect(await cache.getRecord('21')).toBeUndefined();
  });

  it('X4: a merged record resolves to its survivor, through chains of merges', async () => {
    const cache = cacheFor();
    await cache.putRecords([contact('30', 'a@merge.example'), contact('31', 'b@merge.example'), contact('32', 'c@merge.example')]);
    await cache.applyChanges([recordEvent('MERGED', 'contacts', '30', { mergedIntoObjectId: '31' } as Partial<ChangeEvent>), recordEvent('MERGED', 'contacts', '31', { mergedIntoObjectId: '32' } as Partial<ChangeEvent>)], '16');
    expect(await cache.resolve({ objectType: 'contacts', id: '30' })).toEqual({ objectType: 'contacts', id: '32' });
    expect(await cache.resolve({ objectType: 'companies', id: '555' })).toEqual({ objectType: 'companies', id: '555' });
    // a merged contact is not the answer for its address
    expect((await cache.contactByEmail('a@merge.example'))).toBeUndefined();
  });

  it('X4: associations of a record that is not cached are refused, and nothing is written', async () => {
    const cache = cacheFor();
    await expect(cache.putAssociations('404', [{ toType: 'deals', toId: '1', typeIds: [4] }])).rejects.toThrow(/Record 404 is not in the cache/);
    expect(await cache.associationsOf('404')).toBeUndefined();
  });
});
