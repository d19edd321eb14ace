import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { npmScriptArgs } from '../test/helpers/server-process.ts';
import { reclaimWhenIdle } from './idle-reclaim.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('memory back once the server is idle (issue 18)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** A server whose `/stream` answer stays open (a change stream) and whose other paths answer at once. */
  async function listening(): Promise<string> {
    server = createServer((req, res) => {
      if (req.url === '/stream') res.writeHead(200).write('open\n');
      else res.end('ok');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it('one collection per quiet spell after requests, pushed back by each request; none without requests; none once stopped', async () => {
    const url = await listening();
    const kinds: unknown[] = [];
    const reclaim = reclaimWhenIdle(server!, 800, (options) => kinds.push(options))!;
    await sleep(1_000);
    expect(reclaim.collections).toBe(0);
    // requests 100 ms apart for 600 ms: no collection while they come
    for (let i = 0; i < 6; i++) {
      await fetch(`${url}/x`).then((r) => r.text());
      await sleep(100);
    }
    expect(reclaim.collections).toBe(0);
    await expect.poll(() => reclaim.collections, { timeout: 5_000 }).toBe(1);
    // the kind that gives pages back, not a plain full collection
    expect(kinds).toEqual([{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
    await sleep(1_200);
    expect(reclaim.collections).toBe(1);
    reclaim.stop();
    await fetch(`${url}/x`).then((r) => r.text());
    await sleep(1_200);
    expect(reclaim.collections).toBe(1);
  });

  it('an open change stream is no activity: the collection runs while it stays open', async () => {
    const url = await listening();
    const reclaim = reclaimWhenIdle(server!, 200, () => {})!;
    const controller = new AbortController();
    const stream = await fetch(`${url}/stream`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    await expect.poll(() => reclaim.collections, { timeout: 5_000 }).toBe(1);
    controller.abort();
    reclaim.stop();
  });

  it('without an exposed gc it does nothing; npm start and npm run server expose it', async () => {
    await listening();
    expect(reclaimWhenIdle(server!, 100, undefined as never)).toBeUndefined();
    expect(npmScriptArgs('server')).toContain('--expose-gc');
    expect(npmScriptArgs('start')).toContain('--expose-gc');
  });
});
