import { DEMO_MAIL_PATH } from '../shared/api-paths.ts';
import { ApiFailure, type FetchLike } from './api/client.ts';
import { fetchWorkspace } from './api/reads.ts';
import { isLoopback, normaliseServer, originPattern } from './settings.ts';

/**
 * What testing a server address and token found (the welcome page says it in the rep's language):
 * each way a first connection fails has its own answer, with what the rep can do about it.
 */
export type ConnectionCheck =
  | { kind: 'connected'; server: string; workspace: string }
  /** The address is no http(s) origin. */
  | { kind: 'badAddress'; input: string }
  | { kind: 'noToken' }
  /** A remote origin the browser has not let the companion reach: `pattern` is what to request. */
  | { kind: 'noPermission'; server: string; pattern: string }
  /** Nothing answered (refused, no such host, timed out). */
  | { kind: 'unreachable'; server: string; detail: string }
  /** The server answered 401: it does not know this token. */
  | { kind: 'tokenRefused'; server: string }
  /** Something answered, but not as the CRM server does (a proxy's error page, a 403, another service). */
  | { kind: 'failed'; server: string; detail: string };

export interface CheckDeps {
  /** `permissions.contains` for an origin pattern. */
  hasHostPermission(pattern: string): Promise<boolean>;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** Tests a server address and token with the one API client (GET /api/workspace), before anything is stored. */
export async function checkConnection(input: { server: string; token: string }, deps: CheckDeps): Promise<ConnectionCheck> {
  let server: string;
  try {
    server = normaliseServer(input.server);
  } catch {
    return { kind: 'badAddress', input: input.server };
  }
  const token = input.token.trim();
  if (!token) return { kind: 'noToken' };
  if (!isLoopback(server) && !(await deps.hasHostPermission(originPattern(server)))) return { kind: 'noPermission', server, pattern: originPattern(server) };
  try {
    const workspace = await fetchWorkspace({ server, token }, deps.fetch, { timeoutMs: deps.timeoutMs ?? 5_000 });
    return { kind: 'connected', server, workspace: workspace.name };
  } catch (err) {
    if (!(err instanceof ApiFailure)) return { kind: 'failed', server, detail: err instanceof Error ? err.message : String(err) };
    if (err.code === 'UNREACHABLE') return { kind: 'unreachable', server, detail: err.message };
    if (err.status === 401) return { kind: 'tokenRefused', server };
    return { kind: 'failed', server, detail: err.message };
  }
}

/** Where a server started with `--demo` serves its demo mailbox (404 without `--demo`). */

/** Whether the server serves its demo mailbox: a 200 HTML page at DEMO_MAIL_PATH. Any failure is "no". */
export async function hasDemoMailbox(server: string, fetchImpl: FetchLike = (input, init) => fetch(input, init)): Promise<boolean> {
  try {
    const res = await fetchImpl(`${server}${DEMO_MAIL_PATH}`, { method: 'GET', signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/html');
  } catch {
    return false;
  }
}
