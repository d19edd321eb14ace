import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../server/db/client.ts';
import { shapeNumber, shapeText } from '../server/db/prepared.ts';
import * as schema from '../server/db/schema/index.ts';
import { indexPage } from '../server/domain/index-page.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import { indexQuery } from '../shared/views.ts';
import { useTestApp } from './helpers/app.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { seedRecords } from './helpers/records.ts';

/**
 * A prepared statement is planned for its values the first five times, then PostgreSQL keeps a
 * generic plan (planned once, for any values) when that plan looks no worse. An index page's
 * generic plan can read a sort index (records_sort_*) only if the statement names the property,
 * the type and the LIMIT as constants: `properties->>$1` matches no expression index, `type_id = $2`
 * proves no partial index's predicate, and `limit $3` reads as "some share of the table".
 */
const t = useTestApp();
const COLUMNS = 'firstname,lastname,assoc:companies,assoc:deals,primary:company';

/** The statements the index page sends (a second drizzle instance with a logger over the same database). */
function loggingDb(): { db: Db; sent: Array<{ sql: string; params: unknown[] }> } {
  const sent: Array<{ sql: string; params: unknown[] }> = [];
  const logger = { logQuery: (query: string, params: unknown[]) => void sent.push({ sql: query, params }) };
  const client = (t.db.db as unknown as { $client: never }).$client;
  const db = (t.db.kind === 'pglite' ? drizzlePglite(client, { schema, logger }) : drizzlePg(client, { schema, logger })) as unknown as Db;
  return { db, sent };
}

async function sortedPage(db: Db, after?: string) {
  const type = await resolveObjectType(t.db.db, t.workspaceId, 'contacts');
  const q = indexQuery.parse({ columns: COLUMNS, sort: 'lastname', limit: '50', ...(after ? { after } : {}) });
  return indexPage(db, t.workspaceId, type, { columns: q.columns, sorts: q.sort, after: q.after, limit: q.limit });
}

/** A literal for EXPLAIN EXECUTE: the parameters the statement was sent with. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

beforeAll(async () => {
  const names = ['Novak', 'Garcia', 'Smith', 'Rossi', 'Tanaka', 'Okafor'];
  await seedRecords(t.db.db, t.workspaceId, '0-1', Array.from({ length: 3000 }, (_, i) => ({ firstname: `F${i}`, lastname: `${names[i % names.length]} ${i % 97}` })));
  await t.db.db.execute(sql`analyze records`);
});

describe('index pages stay fast as prepared statements (R19)', () => {
  it('shapeText and shapeNumber: plain names and whole numbers go into the text, anything else stays a parameter', () => {
    const text = (s: ReturnType<typeof shapeText>) => {
      const q = new PgDialect().sqlToQuery(s);
      return { sql: q.sql, params: q.params };
    };
    expect(text(shapeText('lastname'))).toEqual({ sql: "'lastname'::text", params: [] });
    expect(text(shapeText('0-1'))).toEqual({ sql: "'0-1'::text", params: [] });
    expect(text(shapeText("x'); drop table records; --"))).toEqual({ sql: '$1::text', params: ["x'); drop table records; --"] });
    expect(text(shapeText('back\\slash')).params).toEqual(['back\\slash']);
    expect(text(shapeNumber(51))).toEqual({ sql: '51', params: [] });
    expect(() => shapeNumber(1.5)).toThrow('not a whole number');
  });

  it('R19: a sorted page names its property, type and limit in the text; the values of the cursor stay parameters', async () => {
    const first = await sortedPage(t.db.db);
    const logged = loggingDb();
    await sortedPage(logged.db, first.after!);
    const page = logged.sent.find((s) => s.sql.includes('union all'))!;
    expect(page, 'the deep page is read as index ranges').toBeDefined();
    expect(page.sql).toContain(`->>'lastname'::text`);
    expect(page.sql).toContain(`"records"."type_id" = '0-1'::text`);
    expect(page.sql).toMatch(/limit 51\b/);
    expect(page.sql).not.toMatch(/limit \$\d/);
    // the cursor's last name and id are values, not text
    const cursorName = first.rows.at(-1)!.values.lastname as string;
    expect(page.sql).not.toContain(cursorName);
    expect(page.params).toContain(cursorName);
  });

  it('R9, R19: an association sort computes each row\'s key once, not again for each comparison with the cursor', async () => {
    const type = await resolveObjectType(t.db.db, t.workspaceId, 'contacts');
    const q = indexQuery.parse({ columns: COLUMNS, sort: '-assoc:deals', limit: '50' });
    const first = await indexPage(t.db.db, t.workspaceId, type, { columns: q.columns, sorts: q.sort, limit: q.limit });
    const logged = loggingDb();
    const next = await indexPage(logged.db, t.workspaceId, type, { columns: q.columns, sorts: q.sort, after: first.after!, limit: q.limit });
    expect(next.rows).toHaveLength(50);
    const page = logged.sent.at(-1)!.sql;
    // the key: how many deals, from the association key alone (nullif: none is empty)
    expect(page.match(/nullif\(\(select count\(\*\)/g)).toHaveLength(1);
    expect(page).toContain('offset 0');
  });

  it('R19: its generic plan reads the sort index, so PostgreSQL can stop planning it for every page', async () => {
    const first = await sortedPage(t.db.db);
    const logged = loggingDb();
    await sortedPage(logged.db, first.after!);
    const page = logged.sent.find((s) => s.sql.includes('union all'))!;
    const client = (t.db.db as unknown as { $client: unknown }).$client;
    const run = async (query: (text: string) => Promise<unknown>) => {
      await query(`prepare plan_probe as ${page.sql}`);
      try {
        await query('set plan_cache_mode = force_generic_plan');
        const plan = rowsOf<{ 'QUERY PLAN': string }>(await query(`explain execute plan_probe(${page.params.map(literal).join(', ')})`)).map((r) => r['QUERY PLAN']);
        return plan.join('\n');
      } finally {
        await query('reset plan_cache_mode');
        await query('deallocate plan_probe');
      }
    };
    let plan: string;
    if (client instanceof PGlite) plan = await run((text) => client.query(text));
    else {
      const conn = await (client as pg.Pool).connect();
      try {
        plan = await run((text) => conn.query(text));
      } finally {
        conn.release();
      }
    }
    expect(plan).toContain('records_sort_0_1_lastname');
  });

  it('R19: on PGlite, pages read by the generic plan are the right rows in the right order', async () => {
    const client = (t.db.db as unknown as { $client: unknown }).$client;
    if (!(client instanceof PGlite)) return; // PostgreSQL runs index pages unprepared (db/prepared.ts)
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 12; i++) {
      const p = await sortedPage(t.db.db, after);
      seen.push(...p.rows.map((r) => r.id));
      after = p.after!;
    }
    expect(new Set(seen).size).toBe(600);
    const expected = rowsOf<{ id: string }>(
      await t.db.db.execute(sql`select id::text from records where workspace_id = ${t.workspaceId} and type_id = '0-1' order by properties->>'lastname', id limit 600`),
    ).map((r) => r.id);
    expect(seen).toEqual(expected);
    const plans = rowsOf<{ generic_plans: number; statement: string }>(await client.query(`select generic_plans, statement from pg_prepared_statements where statement like '%union all%'`));
    expect(plans.some((p) => Number(p.generic_plans) > 0)).toBe(true);
  });
});
