import { afterAll, beforeAll } from 'vitest';
import type { Plan } from '../../shared/plans.ts';
import { createApp } from '../../server/app.ts';
import { bootstrapInstance } from '../../server/domain/workspaces.ts';
import { type TestDatabase, testDatabase } from './db.ts';

export interface Reply<T = any> {
  status: number;
  body: T;
}

export interface TestApp {
  db: TestDatabase;
  app: ReturnType<typeof createApp>;
  /** The instance owner's token: admin of the first workspace. */
  token: string;
  workspaceId: string;
  /** A JSON request; `token` defaults to the owner's, `null` sends none. */
  call<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<Reply<T>>;
}

/** A whole server in process on a fresh database, for one test file (beforeAll/afterAll). */
export function useTestApp(options: { plan?: Plan } = {}): TestApp {
  const ctx = {} as TestApp;
  beforeAll(async () => {
    ctx.db = await testDatabase();
    const boot = await bootstrapInstance(ctx.db.db, { plan: options.plan ?? 'enterprise' });
    if (!boot) throw new Error('fresh test database was not empty');
    ctx.token = boot.token;
    ctx.workspaceId = boot.workspaceId;
    ctx.app = createApp({ db: ctx.db.db, tokenCacheMs: 0 });
    ctx.call = async (method, path, body, token) => {
      const headers: Record<string, string> = {};
      const bearer = token === undefined ? ctx.token : token;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await ctx.app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
  });
  afterAll(async () => {
    await ctx.db?.destroy();
  });
  return ctx;
}
