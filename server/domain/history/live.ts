import pg from 'pg';

/**
 * Wake-ups for the live change streams (/api/changes/stream). A stream reads the feed, then waits
 * here until its workspace may have changed: a write of this process has finished (the change
 * notifier middleware), another process committed one (PostgreSQL NOTIFY, below), or its poll
 * interval ran out. A stream that wakes for nothing reads an empty page.
 */
const waiting = new Map<string, Set<() => void>>();

/** Wakes the streams waiting on a workspace. */
export function wakeStreams(workspaceId: string): void {
  const set = waiting.get(workspaceId);
  if (!set) return;
  waiting.delete(workspaceId);
  for (const resolve of set) resolve();
}

/** Wakes every waiting stream: after notifications may have been missed. */
function wakeAll(): void {
  for (const workspaceId of [...waiting.keys()]) wakeStreams(workspaceId);
}

/** Resolves at the next wake-up of the workspace, or after `ms`, or when one of `aborts` is called. */
export function nextWrite(workspaceId: string, ms: number, aborts: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    let set = waiting.get(workspaceId);
    if (!set) waiting.set(workspaceId, (set = new Set()));
    const done = () => {
      clearTimeout(timer);
      waiting.get(workspaceId)?.delete(done);
      aborts.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    set.add(done);
    aborts.add(done);
  });
}

/** The channel the change_feed_notify migration notifies on, with the workspace id as payload, when a change commits. */
export const CHANGES_CHANNEL = 'crm_changes';

export interface ChangeListener {
  /** True while the LISTEN connection is up (streams then wake within milliseconds, not a poll interval). */
  connected(): boolean;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Wait this long before connecting again after the connection was lost (ms). */
  retryMs?: number;
  /** Where a lost connection is reported (default: stderr). */
  log?: (message: string) => void;
}

/**
 * LISTENs for committed changes of every process on the database (PostgreSQL only: PGlite serves
 * one process, whose own writes wake its streams directly). It holds one connection of its own,
 * outside the pool: a pooled connection would lose the LISTEN when handed back. A lost connection
 * is opened again after `retryMs`; until then the streams' polling finds the changes, and at
 * reconnection every stream reads once, for the notifications sent while nobody listened.
 * Resolves once the first LISTEN is in place (or has failed, and retries in the background).
 */
export async function listenForChanges(databaseUrl: string, options: ListenOptions = {}): Promise<ChangeListener> {
  const retryMs = options.retryMs ?? 1_000;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let client: pg.Client | undefined;
  let up = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const lost = (client: pg.Client, err?: Error) => {
    if (closed) return;
    if (up) log(`Change notifications: connection lost (${err?.message ?? 'closed'}); live streams poll until it is back`);
    up = false;
    client.removeAllListeners();
    client.on('error', () => {});
    void client.end().catch(() => {});
    clearTimeout(retry);
    retry = setTimeout(() => void connect(), retryMs);
  };

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: databaseUrl });
    client = next;
    next.on('error', (err) => lost(next, err));
    next.on('end', () => lost(next));
    next.on('notification', (msg) => {
      if (msg.channel === CHANGES_CHANNEL && msg.payload) wakeStreams(msg.payload);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGES_CHANNEL}`);
      if (closed) return void (await next.end().catch(() => {}));
      up = true;
      wakeAll();
    } catch (err) {
      lost(next, err as Error);
    }
  };

  await connect();
  return {
    connected: () => up,
    close: async () => {
      closed = true;
      up = false;
      clearTimeout(retry);
      if (client) {
        client.removeAllListeners();
        client.on('error', () => {});
        await client.end().catch(() => {});
      }
    },
  };
}
