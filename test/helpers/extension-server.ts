import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/index.ts';
import type { Connection } from '../../extension/settings.ts';

export interface TestServer {
  connection: Connection;
  /** A JSON request with the owner's token (or `token`). */
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** The real server, in this process, on a throwaway PGlite database, listening on a free loopback port: what the extension's tests talk to over HTTP. */
export async function startTestServer(): Promise<TestServer> {
  const running = await startServer(loadConfig({ DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1' }), { tokenCacheMs: 0, drainMs: 200 });
  const connection = { server: running.url, token: running.ownerToken! };
  return {
    connection,
    async call(method, path, body, headers = {}) {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${connection.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    close: () => running.close(),
  };
}
