import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { createApp } from './app.ts';
import { type Config, loadConfigOrExit } from './config.ts';
import { type Database, InstanceLockedError, openDatabase } from './db/client.ts';
import { col, parseRow } from './db/rows.ts';
import { type ChangeListener, listenForChanges } from './domain/history/live.ts';
import { sweepImportFiles } from './domain/imports/retention.ts';
import { JobRunner } from './domain/imports/runner.ts';
import { type IdleReclaim, reclaimWhenIdle } from './idle-reclaim.ts';
import { serverHosts } from './middleware/cors.ts';
import { bootstrapInstance } from './domain/workspaces.ts';
import { useServerSecret } from './secret.ts';

export interface RunningServer {
  /** Where clients reach it, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The database in use, for people: `PGlite in /srv/crm/data (fsync on)`. */
  database: string;
  /** Where the key of stored token hashes comes from (CRM_SECRET or a file). */
  tokenKey: string;
  /** Things the operator chose that they should be reminded of at every start. */
  warnings: string[];
  /** First start only: the instance owner's token (from CRM_ADMIN_TOKEN, or generated). */
  ownerToken?: string;
  /** True when `ownerToken` was generated here: it is shown this once and never again. */
  ownerTokenGenerated: boolean;
  /** Stop taking requests, let the ones in flight finish, close the database, release the lock. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** How long a verified token is trusted before the database is asked again (ms). */
  tokenCacheMs?: number;
  /** How long `close()` waits for requests in flight before cutting their connections (ms). */
  drainMs?: number;
  /** Serve the demo mailbox (`npm start -- --demo`). */
  demo?: boolean;
}

/**
 * Open the database (migrations apply there), set up the instance on first start, and listen.
 * The only place in the project that listens; tests and benchmarks call it in process.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const database = await openDatabase(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir, durable: config.durability === 'fsync' },
  );
  let server: Server | undefined;
  let listener: ChangeListener | undefined;
  try {
    // before any token is made or checked: the key of stored token hashes
    const secret = await useServerSecret(database.db, config);
    const boot = await bootstrapInstance(database.db, { plan: config.plan, ...(config.adminToken ? { adminToken: config.adminToken } : {}) });
    const description = await describeDatabase(database, config);
    // uploads a killed server left half way go before anyone can upload again; PGlite has one
    // process per data directory, so none of them can be in flight (PostgreSQL: after a grace)
    const fileRetentionMs = config.importFileRetentionDays * 86_400_000;
    await sweepImportFiles(database.db, { fileRetentionMs, ...(database.kind === 'pglite' ? { orphanGraceMs: 0 } : {}) });
    // imports and auto-domain jobs run in the background; jobs a stopped server left running resume
    const jobs = new JobRunner(database.db, { sweep: { fileRetentionMs } });
    // changes committed by other processes on the same PostgreSQL wake this one's live streams
    if (config.databaseUrl) listener = await listenForChanges(config.databaseUrl);
    // known once listening (PORT=0 picks the port): until then no request can arrive anyway
    let hosts: Set<string> | null = null;
    const app = createApp({
      db: database.db,
      jobs,
      ...(options.tokenCacheMs !== undefined ? { tokenCacheMs: options.tokenCacheMs } : {}),
      rateLimits: config.rateLimits,
      maxBodyBytes: config.maxBodyBytes,
      extensionOrigins: config.extensionOrigins,
      hosts: () => hosts,
      ...(options.demo ? { demoMail: true } : {}),
    });
    server = await listen(app.fetch, config.port, config.host, config.connections);
    const reclaim = reclaimWhenIdle(server, 10_000);
    hosts = serverHosts(config.host, (server.address() as AddressInfo).port, config.allowedHosts);
    jobs.start({ exclusive: database.kind === 'pglite' });
    const stop = shutdown(server, database, options.drainMs ?? 5_000, jobs, listener, reclaim);
    return {
      url: urlOf(server.address() as AddressInfo),
      database: description,
      warnings: [...warningsFor(config), ...(secret.warning ? [secret.warning] : [])],
      tokenKey: secret.source,
      ...(boot ? { ownerToken: boot.token } : {}),
      ownerTokenGenerated: boot?.generated ?? false,
      close: stop,
    };
  } catch (err) {
    server?.close();
    await listener?.close();
    await database.close();
    throw err;
  }
}

/**
 * How long past the announced keep-alive timeout ("Keep-Alive: timeout=5") an idle connection is
 * still held (Node's default: 1 s). The event loop can stop for seconds (PGlite runs its queries
 * on it; an overloaded machine), and a request a client sent on a connection it still counted as
 * alive would then find the connection timed out before it was read: closed, and the client's
 * request reset (ECONNRESET; test/connections.test.ts holds the server up with SIGSTOP).
 */
const KEEP_ALIVE_GRACE_MS = 10_000;

/**
 * Listen with bounded connections: a client that trickles its headers or body is cut after the
 * timeouts (checked every second, not Node's 30 s), and past `maxConnections` new sockets are
 * closed at once. A change stream is a request whose answer lasts, not one still being received:
 * the request timeout does not cut it, and its heartbeats keep it from being idle.
 */
function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number, hostname: string, limits: Config['connections']): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const serverOptions = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      keepAliveTimeoutBuffer: KEEP_ALIVE_GRACE_MS,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    };
    const server = serve({ fetch, port, hostname, serverOptions }, () => {
      server.off('error', reject);
      resolvePromise(server as Server);
    }) as Server;
    server.maxConnections = limits.maxConnections;
    server.once('error', reject);
  });
}

/** A `close()` that runs once however often it is called. */
function shutdown(server: Server, database: Database, drainMs: number, jobs: JobRunner, listener: ChangeListener | undefined, reclaim: IdleReclaim | undefined): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      reclaim?.stop();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), drainMs);
      await closed;
      clearTimeout(cut);
      // the batch in progress commits; its job resumes at the next start
      await jobs.stop();
      await listener?.close();
      await database.close();
    })();
    return closing;
  };
}

function urlOf(address: AddressInfo): string {
  // a wildcard address is not something a client can connect to: name the loopback instead
  const host =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

async function describeDatabase(database: Database, config: Config): Promise<string> {
  if (database.kind === 'postgres') {
    const url = new URL(config.databaseUrl!);
    url.password = '';
    return `PostgreSQL at ${url.toString()}`;
  }
  // ask the running instance rather than trust the setting that was asked for
  const { fsync } = parseRow('start: fsync', z.object({ fsync: col.text }), await database.db.execute(sql`show fsync`));
  const where = config.dataDir.startsWith('memory://') ? 'memory, kept nowhere' : resolve(config.dataDir);
  return `PGlite in ${where} (fsync ${fsync})`;
}

function warningsFor(config: Config): string[] {
  if (config.durability !== 'relaxed') return [];
  if (config.databaseUrl) return ['CRM_PGLITE_DURABILITY=relaxed has no effect with DATABASE_URL: PostgreSQL keeps its own settings.'];
  return ['CRM_PGLITE_DURABILITY=relaxed: fsync is off. Commits survive a crash of this process but can be lost on an OS crash or power loss.'];
}

/** `startServer`, or a clear message and exit code 1: for the command-line entries. */
export async function startServerOrExit(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  try {
    return await startServer(config, options);
  } catch (err) {
    if (err instanceof InstanceLockedError) {
      process.stderr.write(`${err.message}\n`);
    } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`Port ${config.port} on ${config.host} is already in use. Stop what uses it, or set PORT.\n`);
    } else {
      process.stderr.write(`Could not start the server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  }
}

/**
 * The line every entry ends its start with: the address, and how long the process took from its
 * own start (Node's, module loading included) to listening, so a slow start shows at once.
 */
export function listeningLine(running: RunningServer, secondsSinceProcessStart: number): string {
  return `Listening on ${running.url} (started in ${secondsSinceProcessStart.toFixed(1)} s)`;
}

/** Lines every entry prints at start. */
export function startLines(running: RunningServer): { out: string[]; err: string[] } {
  return { out: [`Database: ${running.database}`, `Token key: ${running.tokenKey}`], err: running.warnings.map((w) => `WARNING: ${w}`) };
}

/** Close gracefully on SIGINT/SIGTERM; a second signal exits at once. */
export function closeOnSignals(running: RunningServer): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const running = await startServerOrExit(config);
  const startedIn = process.uptime();
  // before anything is printed: whoever reads the address may signal at once
  closeOnSignals(running);
  const lines = startLines(running);
  for (const line of lines.err) process.stderr.write(`${line}\n`);
  for (const line of lines.out) process.stdout.write(`${line}\n`);
  if (running.ownerToken && running.ownerTokenGenerated) {
    process.stdout.write(`Owner token (admin of the first workspace; shown only this once, keep it): ${running.ownerToken}\n`);
  }
  process.stdout.write(`${listeningLine(running, startedIn)}\n`);
}

if (import.meta.main) await main();
