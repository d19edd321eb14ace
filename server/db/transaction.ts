import { setTimeout as sleep } from 'node:timers/promises';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { TRANSACTION_ATTEMPTS, transactionConflict } from '../errors.ts';
import { isRetryable } from './retryable.ts';
import type { DbOrTx, Tx } from './client.ts';

export { isRetryable, RetryTransaction } from './retryable.ts';
export { TRANSACTION_ATTEMPTS };

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
