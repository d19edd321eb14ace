import { createCipheriv, createDecipheriv, createHash, type Hash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { HonoRequest, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_TTL_MS, IDEMPOTENT_REPLAYED_HEADER, idempotencyKey } from '../../shared/idempotency.ts';
import type { Db, DbOrTx, Tx } from '../db/client.ts';
import { col, parseRow, parseRows } from '../db/rows.ts';
import type { AppEnv } from '../env.ts';
import { multipartBoundary } from '../domain/imports/multipart.ts';
import { ApiError } from '../errors.ts';

export interface IdempotencyOptions {
  /** How long a key is remembered (ms). */
  ttlMs?: number;
  /** At most how often this process deletes expired keys (ms). */
  purgeEveryMs?: number;
  /**
   * Writes whose answer holds a secret (a new token): the stored answer is encrypted with a key
   * made from the caller's bearer token, so the table never holds the secret in clear and only
   * that caller can have it replayed.
   */
  secretAnswers?: RegExp;
}

const SECRET_ANSWERS = /^\/api\/(?:workspaces|users|tokens)$/;
const SEALED = 'sealed:v1:';

function sealKey(bearer: string, key: string): Buffer {
  return createHash('sha256').update(`crm-idempotency\0${bearer}\0${key}`).digest();
}

function seal(text: string, bearer: string, key: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(bearer, key), iv);
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `${SEALED}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

/** The sealed answer in clear, or null when this bearer token cannot open it. */
function unseal(stored: string, bearer: string, key: string): string | null {
  const [iv, tag, data] = stored.slice(SEALED.length).split(':');
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(bearer, key), Buffer.from(iv!, 'base64'));
    decipher.setAuthTag(Buffer.from(tag!, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data!, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const storedKey = z.object({
  fingerprint: col.text,
  method: col.text,
  path: col.text,
  status: z.number().int().nullable(),
  content_type: col.textOrNull,
  body: col.textOrNull,
});
type StoredKey = z.output<typeof storedKey>;

/** Thrown inside the transaction to roll it back (a 5xx, or a repeat whose key is taken). */
const ROLLBACK = Symbol('rollback');

function bearerOf(header: string | undefined): string {
  return /^Bearer\s+(\S+)/i.exec(header ?? '')?.[1] ?? '';
}

/** Responses a retry must get again. 5xx and 429 are not kept: a retry runs again. */
function keeps(status: number): boolean {
  return status < 500 && status !== 429;
}

/**
 * Stores the answer under the key, in the write's transaction. A key that is taken (and not
 * expired) is left alone: answers false. On PostgreSQL a concurrent request with the same key
 * waits here for the first one's transaction, then finds the key taken.
 */
async function storeAnswer(tx: Tx, workspaceId: string, key: string, request: { fingerprint: string; method: string; path: string }, answer: { status: number; contentType: string | null; body: string }, ttlMs: number): Promise<boolean> {
  const rows = parseRows(
    'idempotency: store an answer',
    z.object({ stored: z.literal(1) }),
    await tx.execute(sql`
      insert into idempotency_keys (workspace_id, key, fingerprint, method, path, status, content_type, body)
      values (${workspaceId}, ${key}, ${request.fingerprint}, ${request.method}, ${request.path}, ${answer.status}, ${answer.contentType}, ${answer.body})
      on conflict (workspace_id, key) do update
        set fingerprint = excluded.fingerprint, method = excluded.method, path = excluded.path, status = excluded.status,
          content_type = excluded.content_type, body = excluded.body, created_at = now()
        where idempotency_keys.created_at < now() - make_interval(secs => ${ttlMs / 1000}::double precision)
      returning 1 as stored`),
  );
  return rows.length > 0;
}

/** What a key holds, unless it expired. */
async function storedAnswer(db: DbOrTx, workspaceId: string, key: string, ttlMs: number): Promise<StoredKey | undefined> {
  const [row] = parseRows(
    'idempotency: a stored answer',
    storedKey,
    await db.execute(sql`select fingerprint, method, path, status, content_type, body from idempotency_keys
      where workspace_id = ${workspaceId} and key = ${key} and created_at >= now() - make_interval(secs => ${ttlMs / 1000}::double precision)`),
  );
  return row;
}

/** Deletes the keys older than the TTL, in every workspace. Answers how many went. */
export async function purgeExpiredKeys(db: DbOrTx, ttlMs: number = IDEMPOTENCY_TTL_MS): Promise<number> {
  return parseRow(
    'idempotency: purge expired keys',
    z.object({ n: col.id }),
    await db.execute(sql`with gone as (delete from idempotency_keys where created_at < now() - make_interval(secs => ${ttlMs / 1000}::double precision) returning 1) select count(*)::int as n from gone`),
  ).n;
}

/**
 * Hashes a multipart body as it passes with its boundary left out: a client that sends the same
 * form again draws a new random boundary, and must still be seen as the same request. Keeps back
 * only what may be the start of a boundary between two pieces.
 */
function boundaryFreeHash(hash: Hash, boundary: string) {
  const mark = Buffer.from(boundary);
  let tail = Buffer.alloc(0);
  return {
    update(chunk: Uint8Array): void {
      const buf = tail.length === 0 ? Buffer.from(chunk) : Buffer.concat([tail, chunk]);
      let start = 0;
      for (let i = buf.indexOf(mark); i >= 0; i = buf.indexOf(mark, start)) {
        hash.update(buf.subarray(start, i)).update('\0boundary\0');
        start = i + mark.length;
      }
      const keep = Math.max(start, buf.length - (mark.length - 1));
      hash.update(buf.subarray(start, keep));
      tail = Buffer.from(buf.subarray(keep));
    },
    end(): void {
      hash.update(tail);
      tail = Buffer.alloc(0);
    },
  };
}

/**
 * The request's fingerprint: the method, path and body hashed. A JSON body is read once (routes
 * get it from Hono's cache); a multipart body (an import's upload) is hashed as the route reads
 * it, so an upload is never held whole and the route still gets its stream: the fingerprint is
 * then complete once the route is done (it covers what the route read).
 */
async function fingerprintBody(req: HonoRequest, head: string): Promise<() => string> {
  const hash = createHash('sha256').update(head);
  const raw = req.raw;
  const boundary = multipartBoundary(raw.headers.get('content-type') ?? undefined);
  if (boundary && raw.body && !raw.bodyUsed) {
    const streamed = boundaryFreeHash(hash, boundary);
    const body = raw.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          streamed.update(chunk);
          out.enqueue(chunk);
        },
      }),
    );
    req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body, signal: raw.signal, duplex: 'half' } as RequestInit);
    let digest: string | undefined;
    return () => {
      if (digest === undefined) {
        streamed.end();
        digest = hash.digest('hex');
      }
      return digest;
    };
  }
  hash.update(new Uint8Array(await req.arrayBuffer()));
  const digest = hash.digest('hex');
  return () => digest;
}

/**
 * The Idempotency-Key contract (shared/idempotency.ts) for every write behind it. Needs `auth`
 * (keys are per workspace). With a key, the request runs in one transaction: the route gets that
 * transaction as its `db` (its own transactions become savepoints), so the change and the stored
 * answer commit together or not at all. Without a key, nothing changes.
 */
export function idempotency(options: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> {
  const ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
  const purgeEveryMs = options.purgeEveryMs ?? 10 * 60_000;
  const secretAnswers = options.secretAnswers ?? SECRET_ANSWERS;
  let lastPurge = 0;
  return async function idempotencyMiddleware(c, next) {
    const raw = c.req.header(IDEMPOTENCY_HEADER);
    if (raw === undefined || !WRITES.has(c.req.method)) return next();
    const parsed = idempotencyKey.safeParse(raw);
    if (!parsed.success) {
      throw new ApiError('VALIDATION_ERROR', `The ${IDEMPOTENCY_HEADER} header must be 1 to 200 visible ASCII characters (a UUID, say), got ${JSON.stringify(raw.slice(0, 40))}`, {
        errors: [{ message: parsed.error.issues[0]?.message ?? 'invalid key', in: `header:${IDEMPOTENCY_HEADER.toLowerCase()}` }],
      });
    }
    const key = parsed.data;
    const auth = c.get('auth');
    const db = c.get('db');
    if (Date.now() - lastPurge > purgeEveryMs) {
      lastPurge = Date.now();
      await purgeExpiredKeys(db, ttlMs);
    }
    const url = new URL(c.req.url);
    const path = `${url.pathname}${url.search}`;
    const fingerprintOf = await fingerprintBody(c.req, `${c.req.method}\n${path}\n`);

    // The write and its key commit together or not at all. The key is written last: a first
    // request pays one statement for it. A repeat runs the route too, finds the key taken at the
    // end, and is rolled back whole, so nothing of it is applied; its answer is the stored one.
    let fingerprint = '';
    let taken = false;
    try {
      await db.transaction(async (tx) => {
        c.set('db', tx as unknown as Db);
        try {
          await next();
        } finally {
          c.set('db', db);
        }
        const res = c.res;
        if (!keeps(res.status)) throw ROLLBACK;
        fingerprint = fingerprintOf();
        const request = { fingerprint, method: c.req.method, path };
        const answer = await res.clone().text();
        const body = secretAnswers.test(url.pathname) ? seal(answer, bearerOf(c.req.header('authorization')), key) : answer;
        if (!(await storeAnswer(tx as Tx, auth.workspaceId, key, request, { status: res.status, contentType: res.headers.get('content-type'), body }, ttlMs))) {
          taken = true;
          throw ROLLBACK;
        }
      });
    } catch (err) {
      if (err !== ROLLBACK) throw err;
    }
    // a 5xx may be a repeat of a request that went through: its answer stands then
    const stored = taken || !keeps(c.res.status) ? await storedAnswer(db, auth.workspaceId, key, ttlMs) : undefined;
    if (!stored) return;
    fingerprint ||= fingerprintOf();
    // the rolled-back answer goes whole: none of its headers may reach the replay or the refusal
    c.res = undefined;
    if (stored.fingerprint !== fingerprint) {
      throw new ApiError('IDEMPOTENCY_KEY_REUSED', `The ${IDEMPOTENCY_HEADER} "${key}" was already used for ${stored.method} ${stored.path} with a different request; send a new key for a new request`, {
        errors: [{ message: `key first used for ${stored.method} ${stored.path}`, in: `header:${IDEMPOTENCY_HEADER.toLowerCase()}`, code: 'IDEMPOTENCY_KEY_REUSED' }],
      });
    }
    let answer = stored.body ?? '';
    if (answer.startsWith(SEALED)) {
      const opened = unseal(answer, bearerOf(c.req.header('authorization')), key);
      if (opened === null) {
        throw new ApiError('IDEMPOTENCY_KEY_REUSED', `The ${IDEMPOTENCY_HEADER} "${key}" was used by another caller, and its answer is theirs alone; send a new key`, {
          errors: [{ message: 'key used with another token', in: `header:${IDEMPOTENCY_HEADER.toLowerCase()}`, code: 'IDEMPOTENCY_KEY_REUSED' }],
        });
      }
      answer = opened;
    }
    const headers: Record<string, string> = { [IDEMPOTENT_REPLAYED_HEADER]: 'true' };
    if (stored.content_type) headers['content-type'] = stored.content_type;
    c.res = new Response(stored.status === 204 || stored.status === 304 ? null : answer, { status: stored.status ?? 409, headers });
  };
}
