import { until } from './server-process.ts';

/**
 * A moment between writes, as an ISO timestamp: strictly after everything written before the call,
 * strictly before everything written after it returns. The API's time filters take ISO timestamps
 * (milliseconds) while the database keeps microseconds, both from this machine's clock: so the clock
 * is read once it has left the millisecond of the last write, and the call returns once it has left
 * the millisecond it read.
 */
export async function moment(): Promise<string> {
  await nextMillisecond();
  const at = new Date().toISOString();
  await nextMillisecond();
  return at;
}

/** Resolves once the clock reads a later millisecond than it does now. */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  await until(async () => Date.now(), (t) => t > now, 1_000, 1);
}
