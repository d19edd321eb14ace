import { describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { useTestApp } from './helpers/app.ts';
import { testDatabase } from './helpers/db.ts';

// issue 17, deployment: a load balancer asks /ready whether a process can serve; /health stays
// the liveness check that needs nothing.
const t = useTestApp();

describe('GET /ready (issue 17: readiness checks the database)', () => {
  it('answers 200 ready without a token while the database answers', async () => {
    const r = await t.call('GET', '/ready', undefined, null);
    expect(r).toEqual({ status: 200, body: { status: 'ready', database: 'ok' } });
  });

  it('answers 503 with the reason when the database is gone; /health still answers 200', async () => {
    const gone = await testDatabase();
    const app = createApp({ db: gone.db, tokenCacheMs: 0 });
    await gone.destroy();
    const ready = await app.request('/ready');
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; database: string };
    expect(body.status).toBe('unavailable');
    expect(body.database.length).toBeGreaterThan(0);
    expect((await app.request('/health')).status).toBe(200);
  });
});
