import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll } from 'vitest';
import type { TestApp } from './app.ts';

/**
 * HubSpot's own Node client pointed at the test app, served on a real loopback port (the client
 * speaks HTTP, not `app.request`). Read `.client` inside tests, after beforeAll ran.
 */
export function useHubSpotClient(t: TestApp): { client: Client } {
  const ctx = {} as { client: Client };
  let server: ServerType;
  beforeAll(async () => {
    server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    ctx.client = new Client({ accessToken: t.token, basePath: `http://127.0.0.1:${port}`, numberOfApiCallRetries: 0 });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return ctx;
}
