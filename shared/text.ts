/**
 * Text that can be stored. PostgreSQL `text` cannot hold U+0000 (it answers an error for the
 * whole statement), and a lone UTF-16 surrogate is no Unicode character: it cannot be encoded as
 * UTF-8 and would come back as U+FFFD. Both are refused where a request enters the server (path,
 * query, JSON body) and per input in batches, so no statement is ever sent with one.
 */

/** Why `s` cannot be stored, or null when it can. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'holds a NUL character (\\u0000), which text cannot hold';
  if (!s.isWellFormed()) return 'holds a lone UTF-16 surrogate, which is not a Unicode character';
  return null;
}

export interface UnstorableAt {
  /** A JSON path: `inputs[3].properties.firstname` (an object key is named by its own path; '' is the root). */
  in: string;
  message: string;
}

/**
 * The first string (value or object key) in a JSON value that cannot be stored, or null. Walks
 * with its own stack, so a deeply nested body cannot overflow the call stack. `skip` leaves out a
 * path and all under it (a batch's inputs, checked one by one by the batch itself).
 */
export function findUnstorable(value: unknown, skip?: (path: string) => boolean): UnstorableAt | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (skip?.(path)) continue;
    if (typeof v === 'string') {
      const why = unstorableText(v);
      if (why) return { in: path, message: `the value ${why}` };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        const why = unstorableText(k);
        if (why) return { in: at, message: `the name ${why}` };
        stack.push([child, at]);
      }
    }
  }
  return null;
}

/** The longest piece of a caller's value that an error message or error file repeats back. */
export const ECHO_LIMIT = 200;

/** A caller's value as an error repeats it: cut to ECHO_LIMIT characters, saying how long it was. */
export function echoed(value: string, limit: number = ECHO_LIMIT): string {
  if (value.length <= limit) return value;
  // never cut a surrogate pair in two: the cut text must stay storable
  const end = /[\uD800-\uDBFF]/.test(value[limit - 1] ?? '') ? limit - 1 : limit;
  return `${value.slice(0, end)}… (${value.length} characters)`;
}
