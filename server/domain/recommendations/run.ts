/**
 * Runs the recommendation statements (sql.ts) as prepared statements of the session: planning
 * them costs more than running them. Values reach PGlite's EXECUTE as escaped literals.
 */
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { DbOrTx } from '../../db/client.ts';

const dialect = new PgDialect();
const preparedOn = new WeakMap<PGlite, Set<string>>();
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

/**
 * Runs a recommendation statement as a prepared statement of the session, so each shape (source
 * and target types, which signals apply) is parsed and planned once, not per request: planning
 * these statements costs more than running them. PGlite: SQL PREPARE/EXECUTE on its one session;
 * PostgreSQL: node-postgres named statements, per pooled connection. Inside a transaction the
 * statement runs unprepared. Answers the driver's result, as `db.execute` does: parse its rows
 * with parseRows.
 */
export async function runStatement(db: DbOrTx, statement: SQL): Promise<unknown> {
  const client = (db as unknown as { $client?: unknown }).$client;
  const q = dialect.sqlToQuery(statement);
  const name = `rec_${createHash('sha1').update(q.sql).digest('hex').slice(0, 20)}`;
  if (client instanceof PGlite) {
    let names = preparedOn.get(client);
    if (!names) preparedOn.set(client, (names = new Set()));
    if (!names.has(name)) {
      try {
        await client.query(`prepare ${name} as ${q.sql}`);
      } catch (err) {
        // 42P05: prepared by an earlier instance of this module on the same session
        if ((err as { code?: string }).code !== '42P05') throw err;
      }
      names.add(name);
    }
    const args = q.params.length > 0 ? `(${q.params.map(literal).join(', ')})` : '';
    return client.query(`execute ${name}${args}`);
  }
  if (client instanceof pg.Pool) {
    const conn = await client.connect();
    try {
      // JIT compiling these statements (their cost estimates pass jit_above_cost) took 70 ms to
      // save nothing: a connection that runs recommendations runs without it
      if (!jitOff.has(conn)) {
        await conn.query('set jit = off');
        jitOff.add(conn);
      }
      return await conn.query({ name, text: q.sql, values: q.params as unknown[] });
    } finally {
      conn.release();
    }
  }
  return db.execute(statement);
}
