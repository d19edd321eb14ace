// The one bounded poll of the test suite. It lives alone, with no Node imports, so tests in a DOM
// environment (the extension's) can use it as well as the server's.

/**
 * Polls `what` (a request, a state read, a plain getter) every `every` ms until `ok` holds, or throws
 * with the last value after `ms`. The answer is that value; a type guard as `ok` narrows it.
 */
export async function until<T, U extends T = T>(what: () => T | Promise<T>, ok: ((v: T) => v is U) | ((v: T) => boolean), ms: number, every = 5): Promise<U> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v)) return v as U;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting; last value: ${describe(v)}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

function describe(value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 500);
  } catch {
    return String(value).slice(0, 500);
  }
}
