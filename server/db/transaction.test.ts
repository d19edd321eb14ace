import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRecords } from '../../test/helpers/records.ts';
import { type TestDatabase, testDatabase } from '../../test/helpers/db.ts';
import { bootstrapInstance } from '../domain/workspaces.ts';
import { ApiError, toApiError } from '../errors.ts';
import { rowsOf } from '../../test/helpers/raw-rows.ts';
import { RetryTransaction, TRANSACTION_ATTEMPTS, transaction } from './transaction.ts';

/** Issue 13: a transaction that loses to a deadlock or serialization failure runs again, a bounded number of times, then 409. */
let db: TestDatabase;
let ws = '';
beforeAll(async () => {
  db = await testDatabase();
  ws = (await bootstrapInstance(db.db, { plan: 'enterprise' }))!.workspaceId;
});
afterAll(() => db?.destroy());

describe('transaction retry (issue 13)', () => {
  it('a transaction that asks to start over runs again and its last attempt commits alone', async () => {
    const [id] = await seedRecords(db.db, ws, '0-1', [{ email: 'retry@x.com', n: '0' }]);
    let attempts = 0;
    const out = await transaction(db.db, async (tx) => {
      attempts++;
      await tx.execute(sql`update records set properties = properties || jsonb_build_object('n', (properties->>'n')::int + 1) where workspace_id = ${ws} and id = ${id!}`);
      if (attempts < 3) throw new RetryTransaction('changed meanwhile');
      return 'done';
    });
    expect({ out, attempts }).toEqual({ out: 'done', attempts: 3 });
    // the two attempts that started over were rolled back: one increment
    const [row] = rowsOf<{ n: string }>(await db.db.execute(sql`select properties->>'n' as n from records where id = ${id!}`));
    expect(row!.n).toBe('1');
  });

  it(`after ${TRANSACTION_ATTEMPTS} lost attempts the answer is 409 TRANSACTION_CONFLICT and nothing is written`, async () => {
    let attempts = 0;
    const err = await transaction(db.db, async () => {
      attempts++;
      throw new RetryTransaction('always');
    }).catch((e: unknown) => e);
    expect(attempts).toBe(TRANSACTION_ATTEMPTS);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'TRANSACTION_CONFLICT', status: 409 });
  });

  it('a deadlock or serialization failure that reaches the error handler is 409, not 500', () => {
    for (const code of ['40P01', '40001']) {
      expect(toApiError(Object.assign(new Error('deadlock detected'), { code }))).toMatchObject({ code: 'TRANSACTION_CONFLICT', status: 409 });
      expect(toApiError(new Error('query failed', { cause: Object.assign(new Error('x'), { code }) }))).toMatchObject({ status: 409 });
    }
  });

  // PGlite runs one statement at a time, so two transactions there can never deadlock: PostgreSQL only.
  it.runIf(process.env.TEST_DB === 'postgres')('PostgreSQL: two transactions locking two records in opposite order deadlock; the one PostgreSQL aborts runs again and both commit', async () => {
    const [a, b] = await seedRecords(db.db, ws, '0-1', [{ email: 'dead-a@x.com' }, { email: 'dead-b@x.com' }]);
    let locked = 0;
    let release: () => void = () => {};
    const bothLocked = new Promise<void>((resolve) => (release = resolve));
    const attempts = { ab: 0, ba: 0 };
    const lockBoth = (first: number, second: number, key: 'ab' | 'ba') =>
      transaction(db.db, async (tx) => {
        attempts[key]++;
        await tx.execute(sql`select id from records where workspace_id = ${ws} and id = ${first} for update`);
        if (attempts[key] === 1) {
          if (++locked === 2) release();
          await bothLocked;
        }
        await tx.execute(sql`select id from records where workspace_id = ${ws} and id = ${second} for update`);
        return key;
      });
    expect(await Promise.all([lockBoth(a!, b!, 'ab'), lockBoth(b!, a!, 'ba')])).toEqual(['ab', 'ba']);
    // exactly one of them lost to the deadlock and ran a second time
    expect(attempts.ab + attempts.ba).toBe(3);
  });
});
