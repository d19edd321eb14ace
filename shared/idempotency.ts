import { z } from 'zod';

/**
 * The Idempotency-Key contract (X4), for any client: send a key you made (a UUID) with a write
 * (POST, PUT, PATCH, DELETE) and the server applies it once. A repeat with the same key, method,
 * path and body answers the first response again (with `Idempotent-Replayed: true`) and changes
 * nothing; the same key with another request is refused (422 IDEMPOTENCY_KEY_REUSED). Keys are per
 * workspace and remembered for 24 hours. Refusals (4xx) are remembered too; server errors (5xx)
 * and 429 are not, so a retry runs again.
 */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** How long the server remembers a key. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** 1 to 200 visible ASCII characters (a UUID is 36). */
export const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'visible ASCII characters only, no spaces');
