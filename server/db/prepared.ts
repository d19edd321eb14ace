/**
 * Statements run as prepared statements of the session, so that each shape is parsed and planned
 * once rather than at every request: for the recommendation statements, the companion's contact
 * summaries and the index pages, planning costs as much as running, or more (on PGlite, planning
 * an index page was 40% of its time). Values reach PGlite's EXECUTE as escaped literals.
 */
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { DbOrTx } from './client.ts';

const dialect = new PgDialect();
/**
 * Shapes kept prepared per PGlite session; past it the least recently used goes (DEALLOCATE). An
 * index page's shape depends on the columns, filters and sort a rep picks, so without a bound a
 * long-running server would keep every shape it ever saw.
 */
export const MAX_PREPARED = 200;
/** Per session: the prepared names, least recently used first (a Map keeps insertion order). */
const preparedOn = new WeakMap<PGlite, Map<string, true>>();
const jitOff = new WeakSet<pg.PoolClient>();

/** A value as an SQL literal for EXECUTE: escaped whatever standard_conforming_strings says. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = String(value).replace(/\u0000/g, '');
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export interface RunOptions {
  /**
   * On PostgreSQL: `prepared` (node-postgres named statements, per pooled connection) for the few
   * shapes of the recommendation statements; `plain` for statements of many shapes, which
   * PostgreSQL plans in a millisecond or two anyway. PGlite always prepares (bounded above).
   */
  postgres?: 'prepared' | 'plain';
}

/**
 * Runs a statement as a prepared statement of the session. PGlite: SQL PREPARE/EXECUTE on its one
 * session; PostgreSQL: see `RunOptions`. Inside a transaction the statement runs unprepared.
 * Answers the driver's result, as `db.execute` does: parse its rows with parseRows.
 */
export async function runStatement(db: DbOrTx, statement: SQL, options: RunOptions = {}): Promise<unknown> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof PGlite) {
    const q = dialect.sqlToQuery(statement);
    logged(db, q);
    const name = nameOf(q.sql);
    let names = preparedOn.get(client);
    if (!names) preparedOn.set(client, (names = new Map()));
    if (names.delete(name)) names.set(name, true);
    else {
      try {
        await client.query(`prepare ${name} as ${q.sql}`);
      } catch (err) {
        // 42P05: prepared by an earlier instance of this module on the same session
        if ((err as { code?: string }).code !== '42P05') throw err;
      }
      names.set(name, true);
      if (names.size > MAX_PREPARED) {
        const oldest = names.keys().next().value!;
        names.delete(oldest);
        await client.query(`deallocate ${oldest}`);
      }
    }
    const args = q.params.length > 0 ? `(${q.params.map(literal).join(', ')})` : '';
    return client.query(`execute ${name}${args}`);
  }
  if (client instanceof pg.Pool && options.postgres !== 'plain') {
    const q = dialect.sqlToQuery(statement);
    logged(db, q);
    const conn = await client.connect();
    try {
      // JIT compiling these statements (their cost estimates pass jit_above_cost) took 70 ms to
      // save nothing: a connection that runs recommendations runs without it
      if (!jitOff.has(conn)) {
        await conn.query('set jit = off');
        jitOff.add(conn);
      }
      return await conn.query({ name: nameOf(q.sql), text: q.sql, values: q.params as unknown[] });
    } finally {
      conn.release();
    }
  }
  return db.execute(statement);
}

/**
 * Ids as one array value (`${idArray(ids)}::bigint[]`, or `::int[]`), a literal both drivers pass
 * through unchanged: one statement shape whatever their number, so it is prepared once, where a
 * list of parameters makes a new statement for each length.
 */
export function idArray(ids: readonly (number | string)[]): string {
  return `{${ids
    .map((id) => {
      const n = Number(id);
      if (!Number.isSafeInteger(n)) throw new Error(`not an id: ${id}`);
      return String(n);
    })
    .join(',')}}`;
}

/** Texts as one array value (`${textArray(texts)}::text[]`), each quoted: see idArray. */
export function textArray(texts: readonly string[]): string {
  return `{${texts.map((t) => `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** Told to the database's query logger (drizzle's `logger` option), as `db.execute` tells it. */
function logged(db: DbOrTx, q: { sql: string; params: unknown[] }): void {
  (db as unknown as { session?: { logger?: { logQuery(query: string, params: unknown[]): void } } }).session?.logger?.logQuery(q.sql, q.params);
}

/** The prepared statement's name: one per statement text. */
function nameOf(text: string): string {
  return `rec_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
}

/** The names prepared on a PGlite session, least recently used first (tests). */
export function preparedNames(client: PGlite): string[] {
  return [...(preparedOn.get(client)?.keys() ?? [])];
}

/**
 * A constant of a statement's shape (a property name, an object type id) written into its text
 * rather than passed as a parameter, when it is made of plain characters: a prepared statement's
 * generic plan can then match the expression and partial indexes that name it
 * (records_sort_*: `properties->>'lastname'` where `type_id = '0-1'`), which it cannot with a
 * parameter there. Anything else stays a parameter.
 */
export function shapeText(value: string): SQL {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(value) ? sql.raw(`'${value}'::text`) : sql`${value}::text`;
}

/** A whole number of a statement's shape (a LIMIT) in its text: see shapeText. */
export function shapeNumber(value: number): SQL {
  if (!Number.isSafeInteger(value)) throw new Error(`not a whole number: ${value}`);
  return sql.raw(String(value));
}
