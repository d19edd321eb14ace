import { and, inArray, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { col, parseRow } from '../db/rows.ts';
import { apiTokens, users } from '../db/schema/index.ts';

export interface RevocationOptions {
  db: Db;
  /** While a stream is open, look for tokens revoked by other processes this often (ms). */
  pollMs?: number;
}

/**
 * Where a revoked token (or a deactivated or removed user's) is refused quickly everywhere:
 * - this process: the route that revokes calls `revoked()`: cached entries go and the token's open
 *   change streams are closed at once;
 * - other processes on the same database: their token cache keeps an entry at most a second
 *   (createApp's tokenCacheMs), and while a change stream is open, one query per `pollMs` over the
 *   workspaces with open streams finds what was revoked since the last look.
 */
export class Revocations {
  readonly #db: Db;
  readonly #pollMs: number;
  /** tokenId → what to call when it is revoked (close that stream). */
  readonly #watchers = new Map<number, { workspaceId: string; callbacks: Set<() => void> }>();
  readonly #listeners = new Set<(tokenIds: number[]) => void>();
  #timer: NodeJS.Timeout | undefined;
  #since: string | undefined;

  constructor(options: RevocationOptions) {
    this.#db = options.db;
    this.#pollMs = options.pollMs ?? 500;
  }

  /** Called for every revocation seen (the token cache listens). */
  onRevoked(listener: (tokenIds: number[]) => void): void {
    this.#listeners.add(listener);
  }

  /** These tokens are revoked now: forget them and close what they hold open. */
  revoked(tokenIds: number[]): void {
    if (tokenIds.length === 0) return;
    for (const listener of this.#listeners) listener(tokenIds);
    for (const id of tokenIds) {
      const watcher = this.#watchers.get(id);
      if (!watcher) continue;
      this.#watchers.delete(id);
      for (const callback of watcher.callbacks) callback();
    }
    if (this.#watchers.size === 0) this.#stop();
  }

  /** Calls `callback` once when the token is revoked; answers the function that stops watching. */
  watch(workspaceId: string, tokenId: number, callback: () => void): () => void {
    let watcher = this.#watchers.get(tokenId);
    if (!watcher) this.#watchers.set(tokenId, (watcher = { workspaceId, callbacks: new Set() }));
    watcher.callbacks.add(callback);
    this.#start();
    return () => {
      const current = this.#watchers.get(tokenId);
      current?.callbacks.delete(callback);
      if (current && current.callbacks.size === 0) this.#watchers.delete(tokenId);
      if (this.#watchers.size === 0) this.#stop();
    };
  }

  #start(): void {
    if (this.#timer) return;
    const tick = async () => {
      try {
        await this.#poll();
      } catch {
        // the database is away for a moment (or closing): the next tick tries again
      }
      if (this.#timer) this.#timer = setTimeout(() => void tick(), this.#pollMs).unref();
    };
    this.#timer = setTimeout(() => void tick(), this.#pollMs).unref();
  }

  #stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#since = undefined;
  }

  async #poll(): Promise<void> {
    const workspaceIds = [...new Set([...this.#watchers.values()].map((w) => w.workspaceId))];
    if (workspaceIds.length === 0) return;
    // the database's clock on both sides of the comparison: no skew between processes matters
    // the first look reaches back a little: a token revoked just before its stream started
    // (while another process still had it cached) is found too
    // as text, not Dates: the microseconds a Date would drop matter in the comparison
    const now = parseRow('revocations: the clock', z.object({ now: col.text, back: col.text }), await this.#db.execute(sql`select now()::text as now, (now() - interval '2 seconds')::text as back`));
    const since = this.#since ?? now.back;
    const rows = await this.#db
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .leftJoin(users, sql`${users.workspaceId} = ${apiTokens.workspaceId} and ${users.id} = ${apiTokens.userId}`)
      .where(
        and(
          inArray(apiTokens.workspaceId, workspaceIds),
          or(sql`${apiTokens.revokedAt} >= ${since}`, sql`${users.deactivatedAt} >= ${since}`, sql`${users.removedAt} >= ${since}`),
        ),
      );
    this.#since = now.now;
    this.revoked(rows.map((r) => r.id).filter((id) => this.#watchers.has(id)));
  }
}
