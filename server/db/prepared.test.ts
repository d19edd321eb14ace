import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabase } from '../../test/helpers/db.ts';
import { rowsOf } from '../../test/helpers/raw-rows.ts';
import { idArray, MAX_PREPARED, preparedNames, runStatement, textArray } from './prepared.ts';

describe('statements run prepared (db/prepared.ts)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await testDatabase();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('values come back exactly as given, quotes, backslashes and all; each shape runs again and again', async () => {
    for (const value of ["it's", 'back\\slash', "\\'; drop table records; --", 'ünïcode ✓', '']) {
      for (let i = 0; i < 3; i++) {
        const rows = rowsOf(await runStatement(t.db, sql`select ${value}::text as v, ${i}::int as i`));
        expect(rows).toEqual([{ v: value, i }]);
      }
    }
    const plain = rowsOf(await runStatement(t.db, sql`select ${'plain'}::text as v`, { postgres: 'plain' }));
    expect(plain).toEqual([{ v: 'plain' }]);
  });

  it('a list as one array value: every element back exactly, one shape whatever the length', async () => {
    const texts = ['<a@x.example>', 'say "hi"', 'back\\slash', '{braces}, and commas', "it's", 'NULL', ' spaced ', '', 'ünïcode ✓'];
    for (const n of [1, 3, texts.length]) {
      const rows = rowsOf<{ t: string }>(await runStatement(t.db, sql`select unnest(${textArray(texts.slice(0, n))}::text[]) as t`));
      expect(rows.map((r) => r.t)).toEqual(texts.slice(0, n));
    }
    const ids = rowsOf<{ id: string | number }>(await runStatement(t.db, sql`select unnest(${idArray(['7', 9007199254740991, 12])}::bigint[]) as id`));
    expect(ids.map((r) => String(r.id))).toEqual(['7', '9007199254740991', '12']);
    expect(() => idArray(['1; drop table records'])).toThrow('not an id');
    expect(() => idArray([1.5])).toThrow('not an id');
  });

  it(`PGlite keeps at most ${MAX_PREPARED} shapes: the least recently used goes, one in use stays`, async () => {
    const client = (t.db as unknown as { $client: unknown }).$client;
    if (!(client instanceof PGlite)) return; // PostgreSQL: node-postgres keeps its named statements per connection
    const kept = sql`select ${1}::int as n, 'kept' as shape`;
    await runStatement(t.db, kept);
    const keptName = preparedNames(client).at(-1)!;
    let firstShape = '';
    for (let i = 0; i < MAX_PREPARED + 20; i++) {
      // a shape of its own each (the text differs), with the kept one used all along
      expect(rowsOf(await runStatement(t.db, sql`select ${i}::int as n, ${sql.raw(`'shape ${i}'`)} as shape`))).toEqual([{ n: i, shape: `shape ${i}` }]);
      if (i === 0) firstShape = preparedNames(client).at(-1)!;
      if (i % 50 === 0) expect(rowsOf(await runStatement(t.db, kept))).toEqual([{ n: 1, shape: 'kept' }]);
    }
    const names = preparedNames(client);
    expect(names).toHaveLength(MAX_PREPARED);
    const inSession = rowsOf<{ name: string }>(await client.query('select name from pg_prepared_statements')).map((r) => r.name);
    expect(new Set(inSession)).toEqual(new Set(names));
    // the kept shape was used at i = 200, so it is still prepared; the first shapes went
    expect(names).toContain(keptName);
    expect(names).not.toContain(firstShape);
    expect(rowsOf(await runStatement(t.db, kept))).toEqual([{ n: 1, shape: 'kept' }]);
    expect(preparedNames(client)).toHaveLength(MAX_PREPARED);
  });
});
