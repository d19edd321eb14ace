import { setTimeout as sleep } from 'node:timers/promises';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { ApiError } from '../errors.ts';
import type { DbOrTx, Tx } from './client.ts';

/**
 * Thrown by a writer that finds, once it holds its row locks, that what it read before locking
 * changed meanwhile (a record merged or archived, a new neighbour): the whole transaction runs
 * again from the start, so it decides on the state it now sees. Never reaches a caller.
 */
export class RetryTransaction extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'RetryTransaction';
  }
}

/** PostgreSQL's serialization failure and deadlock: the transaction was rolled back and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/** True for an error (or its cause, as drivers wrap them) that says "run the transaction again". */
export function isRetryable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof RetryTransaction) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) return true;
  }
  return false;
}

/** How often a transaction runs before the caller gets 409 TRANSACTION_CONFLICT. */
export const TRANSACTION_ATTEMPTS = 5;

/** The answer once every attempt lost to concurrent writers; nothing of the request was written. */
export function transactionConflict(): ApiError {
  return new ApiError('TRANSACTION_CONFLICT', `The request collided with concurrent changes to the same records ${TRANSACTION_ATTEMPTS} times in a row and was not applied; nothing was written. Send it again.`, {
    errors: [{ message: 'concurrent writes to the same records' }],
  });
}

/**
 * Runs `work` again when it fails with a deadlock or serialization failure (PostgreSQL rolled it
 * back whole) or a RetryTransaction, up to TRANSACTION_ATTEMPTS times, after a short random wait
 * that grows with each attempt (so two losers do not collide again in lockstep); then 409.
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      if (attempt >= TRANSACTION_ATTEMPTS) throw transactionConflict();
      await sleep(Math.random() * 10 * 2 ** attempt);
    }
  }
}

/**
 * One transaction for a write, retried as `retrying` says. Inside a caller's transaction it is a
 * savepoint and is not retried here: a deadlock rolls back the whole outer transaction, so the
 * outer one is what runs again.
 */
export function transaction<T>(db: DbOrTx, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (db instanceof PgTransaction) return db.transaction((tx) => work(tx as Tx));
  return retrying(() => db.transaction((tx) => work(tx as Tx)));
}
