// What says "run the transaction again": kept apart from the transaction runner so that the
// error mapping (server/errors.ts) can recognise it without importing the runner.

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
