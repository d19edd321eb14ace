import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { onError } from '../server/errors.ts';
import { type TestDatabase, testDatabase } from './helpers/db.ts';

/** Issue 13, logs: a 500 keeps its code, route and correlation id in the log, never the values. */
let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

const EMAIL = 'ann.secret@example.org';
const VALUE = 'Confidential Corp';

/** A tiny app with the real error handler, whose route fails in the database with personal data as parameters. */
function failingApp() {
  const app = new Hono();
  app.onError(onError);
  app.post('/crm/v3/objects/:objectType/search', async () => {
    await db.db.execute(sql`select ${EMAIL}::int as n, ${VALUE} as company`);
    return new Response('unreachable');
  });
  return app;
}

describe('redacted logs of unexpected errors (issue 13)', () => {
  it('issue 13: a failed query logs the route, correlation id, the database error code and the statement, not its parameters', async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '));
    });
    try {
      const res = await failingApp().request(`/crm/v3/objects/contacts/search?email=${encodeURIComponent(EMAIL)}`, { method: 'POST' });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { subCategory: string; correlationId: string; message: string };
      expect(body.subCategory).toBe('INTERNAL');
      expect(body.message).not.toContain(EMAIL);

      const log = logged.join('\n');
      expect(log).toContain(`correlationId=${body.correlationId}`);
      expect(log).toContain('route=POST /crm/v3/objects/:objectType/search');
      expect(log).toContain('code=22P02'); // invalid_text_representation
      expect(log).toMatch(/select \$1::int/);
      expect(log).not.toContain(EMAIL);
      expect(log).not.toContain('ann.secret');
      expect(log).not.toContain(VALUE);
      expect(log).not.toMatch(/params:/);
    } finally {
      spy.mockRestore();
    }
  });
});
