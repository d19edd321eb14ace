import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, createOutbox, type Outbox, type OutboxOptions } from './index.ts';
import type { Operation, SendResult } from './operation.ts';
import { until } from '../../test/helpers/until.ts';

let dbCounter = 0;
const opened: Outbox[] = [];

function outboxFor(options: Partial<OutboxOptions> & Pick<OutboxOptions, 'send'>, dbName = `outbox-test-${++dbCounter}`): Outbox {
  const outbox = createOutbox({ dbName, timers: false, ...options });
  opened.push(outbox);
  return outbox;
}

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

type Associate = Extract<Operation, { kind: 'associate' }>;

function associate(opId: string, createdAt: number, toId = '2', fromId = '1'): Associate {
  return { opId, createdAt, kind: 'associate', from: { objectType: 'contacts', id: fromId }, to: { objectType: 'companies', id: toId } };
}

const ok: SendResult = { outcome: 'confirmed' };

/** A fake clock the tests move by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('outbox (X4)', () => {
  it('X4: an operation is stored before it is sent, and deleted only once the server confirms it', async () => {
    const seen: Array<{ opId: string; storedDuringSend: boolean }> = [];
    let outbox!: Outbox;
    outbox = outboxFor({
      send: async (op) => {
        // the entry is still there while the request is out (read, send, then delete)
        const during = await outbox.entries();
        seen.push({ opId: op.opId, storedDuringSend: during.some((e) => e.opId === op.opId && e.state === 'sending') });
        return ok;
      },
    });
    await outbox.submit(associate('op-aaaaaaaa', 1));
    await outbox.drain();
    expect(seen).toEqual([{ opId: 'op-aaaaaaaa', storedDuringSend: true }]);
    expect(await outbox.entries()).toEqual([]);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it('X4: operations are sent in createdAt order, submission order breaking ties, whatever order they were queued in', async () => {
    let online = false;
    const t = clock();
    const sent: string[] = [];
    const outbox = outboxFor({
      now: t.now,
      send: async (op) => {
        if (!online) return { outcome: 'retry', reason: 'offline' };
        sent.push(op.opId);
        return ok;
      },
    });
    await outbox.submit(associate('op-third-c', 300));
    await outbox.submit(associate('op-first-a', 100));
    await outbox.submit(associate('op-second-b', 200, '3'));
    await outbox.submit(associate('op-second-b2', 200, '4'));
    await outbox.drain();
    expect(sent).toEqual([]);
    expect((await outbox.entries()).map((e) => e.opId)).toEqual(['op-first-a', 'op-second-b', 'op-second-b2', 'op-third-c']);
    expect(await outbox.pendingCount()).toBe(4);
    online = true;
    t.advance(10 * 60_000);
    await outbox.drain();
    expect(sent).toEqual(['op-first-a', 'op-second-b', 'op-second-b2', 'op-third-c']);
    expect(await outbox.pendingCount()).toBe(0);
  });

  it('X4: the head of the queue waiting for its retry holds back the operations behind it', async () => {
    const t = clock();
    const sent: string[] = [];
    let failFirst = true;
    const outbox = outboxFor({
      now: t.now,
      send: async (op) => {
        if (op.opId === 'op-head-1' && failFirst) return { outcome: 'retry', reason: 'HTTP 503' };
        sent.push(op.opId);
        return ok;
      },
    });
    await outbox.submit(associate('op-head-1', 1));
    await outbox.submit(associate('op-next-2', 2, '3'));
    await outbox.drain();
    expect(sent).toEqual([]);
    failFirst = false;
    t.advance(60_000);
    await outbox.drain();
    expect(sent).toEqual(['op-head-1', 'op-next-2']);
  });

  it('X4: retries back off exponentially with jitter, capped, and honour Retry-After', async () => {
    const t = clock();
    const outbox = outboxFor({
      now: t.now,
      random: () => 0.5,
      backoff: { baseMs: 1_000, maxMs: 8_000 },
      send: async () => ({ outcome: 'retry', reason: 'offline' }),
    });
    await outbox.submit(associate('op-backoff', 1));
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await outbox.drain();
      const [entry] = await outbox.entries();
      delays.push(entry!.nextTryAt - t.now());
      expect(entry!.lastError).toBe('offline');
      expect(entry!.attempts).toBe(i + 1);
      // not due yet: a drain now sends nothing
      await outbox.drain();
      expect((await outbox.entries())[0]!.attempts).toBe(i + 1);
      t.advance(entry!.nextTryAt - t.now());
    }
    // cap/2 + 0.5·cap/2 with cap = 1s, 2s, 4s, 8s, 8s, 8s
    expect(delays).toEqual([750, 1_500, 3_000, 6_000, 6_000, 6_000]);
    expect(await outbox.nextAttemptAt()).toBe(t.now());

    const limited = outboxFor({ now: t.now, random: () => 0, send: async () => ({ outcome: 'retry', reason: 'HTTP 429', retryAfterMs: 30_000 }) });
    await limited.submit(associate('op-retry-after', 1));
    await limited.drain();
    expect((await limited.entries())[0]!.nextTryAt - t.now()).toBe(30_000);
  });

  it('X4: a rep\'s new click, drain({ now }) and a restarted worker try a waiting head at once; a Retry-After still holds', async () => {
    const dbName = `outbox-now-${++dbCounter}`;
    const t = clock();
    let answer: SendResult = { outcome: 'retry', reason: 'offline' };
    const outbox = outboxFor({ now: t.now, send: async () => answer }, dbName);
    const attempts = async () => (await outbox.entries())[0]!.attempts;
    await outbox.submit(associate('op-now-1', 1));
    await outbox.drain();
    expect(await attempts()).toBe(1);
    // waiting for its backoff: a plain drain does nothing, the clock has not moved
    await outbox.drain();
    expect(await attempts()).toBe(1);
    await outbox.submit(associate('op-now-2', 2, '3'));
    await outbox.drain();
    expect(await attempts()).toBe(2);
    await outbox.drain({ now: true });
    expect(await attempts()).toBe(3);
    // the server asked for 60 s: `now` does not override that
    answer = { outcome: 'retry', reason: 'HTTP 429', retryAfterMs: 60_000 };
    await outbox.drain({ now: true });
    expect(await attempts()).toBe(4);
    await outbox.drain({ now: true });
    expect(await attempts()).toBe(4);
    t.advance(60_000);
    answer = { outcome: 'retry', reason: 'offline' };
    await outbox.drain({ now: true });
    expect(await attempts()).toBe(5);
    await outbox.close();

    // a new instance on the same database (the worker started again) sends at once
    answer = ok;
    const restarted = outboxFor({ now: t.now, send: async () => answer }, dbName);
    await restarted.drain();
    expect(await restarted.pendingCount()).toBe(0);
  });

  it('X4: jitter spreads the delay over the upper half of the exponential step', () => {
    for (const attempts of [1, 2, 5, 12, 40]) {
      const cap = Math.min(300_000, 1_000 * 2 ** (attempts - 1));
      expect(backoffDelay(attempts, () => 0)).toBe(cap / 2);
      expect(backoffDelay(attempts, () => 0.999999)).toBeLessThanOrEqual(cap);
      expect(backoffDelay(attempts, () => 0.999999)).toBeGreaterThan(cap * 0.99);
    }
  });

  it('X4: with timers on, a failed send is retried by itself once its delay has passed', async () => {
    let calls = 0;
    const confirmed = new Promise<void>((resolve) => {
      const outbox = outboxFor({
        timers: true,
        backoff: { baseMs: 20, maxMs: 40 },
        send: async () => {
          calls++;
          if (calls < 3) return { outcome: 'retry', reason: 'offline' };
          resolve();
          return ok;
        },
      });
      void outbox.submit(associate('op-timer', 1));
    });
    await confirmed;
    expect(calls).toBe(3);
  });

  it('X4: a worker that dies mid-send leaves the operation stored; the next instance sends it again with the same opId', async () => {
    const dbName = `outbox-restart-${++dbCounter}`;
    let reachedServer = 0;
    const first = createOutbox({ dbName, timers: false, send: () => new Promise<SendResult>(() => void reachedServer++) });
    await first.submit(associate('op-cut-off', 1));
    await until(() => reachedServer, (n) => n === 1, 5_000);
    expect((await first.entries())[0]!.state).toBe('sending');
    await first.close(); // the service worker is gone; its send never answers

    const sent: string[] = [];
    const second = outboxFor({ send: async (op) => (sent.push(op.opId), ok) }, dbName);
    await second.drain();
    expect(sent).toEqual(['op-cut-off']);
    expect(await second.pendingCount()).toBe(0);
  });

  it('X4: a refused operation stays with its reason until dismissed; the ones behind it still go', async () => {
    const sent: string[] = [];
    const outbox = outboxFor({
      send: async (op) => {
        if (op.opId === 'op-refused') return { outcome: 'refused', status: 400, code: 'ASSOCIATION_LIMIT_EXCEEDED', message: 'The contact 1 has 1 of at most 1 companies' };
        sent.push(op.opId);
        return ok;
      },
    });
    await outbox.submit(associate('op-refused', 1));
    await outbox.submit(associate('op-after', 2, '3'));
    await outbox.drain();
    expect(sent).toEqual(['op-after']);
    const entries = await outbox.entries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ opId: 'op-refused', state: 'refused', refusal: { status: 400, code: 'ASSOCIATION_LIMIT_EXCEEDED', message: 'The contact 1 has 1 of at most 1 companies' } });
    expect(await outbox.pendingCount()).toBe(0);
    // drained again: a refused operation is not sent again by itself
    await outbox.drain();
    expect(sent).toEqual(['op-after']);
    expect(await outbox.dismiss('op-refused')).toBe(true);
    expect(await outbox.entries()).toEqual([]);
    expect(await outbox.dismiss('op-refused')).toBe(false);
  });

  it('X4: a refused operation retried after the rep fixed the cause is sent again and confirmed', async () => {
    let fixed = false;
    const outbox = outboxFor({
      send: async () => (fixed ? ok : { outcome: 'refused', status: 400, code: 'ASSOCIATION_LIMIT_EXCEEDED', message: 'limit' }),
    });
    await outbox.submit(associate('op-fix-me', 1));
    await outbox.drain();
    expect((await outbox.entries())[0]!.state).toBe('refused');
    fixed = true;
    expect(await outbox.retry('op-fix-me')).toBe(true);
    await outbox.drain();
    expect(await outbox.entries()).toEqual([]);
    expect(await outbox.retry('op-unknown')).toBe(false);
  });

  it('X4: pending:<opId> references take the real id once the createContact is confirmed', async () => {
    const sent: Operation[] = [];
    const outbox = outboxFor({
      send: async (op) => {
        sent.push(op);
        return op.kind === 'createContact' ? { outcome: 'confirmed', createdId: '901' } : ok;
      },
    });
    let online = false;
    const gated = outboxFor({
      send: async (op) => {
        if (!online) return { outcome: 'retry', reason: 'offline' };
        return op.kind === 'createContact' ? { outcome: 'confirmed', createdId: '77' } : ok;
      },
    });
    await outbox.submit({ opId: 'op-create-1', createdAt: 1, kind: 'createContact', email: 'ada@acme.example' });
    await outbox.submit({ ...associate('op-link-2', 2), from: { objectType: 'contacts', id: 'pending:op-create-1' } });
    await outbox.drain();
    expect(sent.map((o) => o.opId)).toEqual(['op-create-1', 'op-link-2']);
    expect((sent[1] as Associate).from.id).toBe('901');

    // stored references are rewritten when the contact is confirmed, and a reference made later still resolves
    await gated.submit({ opId: 'op-create-3', createdAt: 1, kind: 'createContact', email: 'bo@acme.example' });
    await gated.submit({ ...associate('op-link-4', 2), from: { objectType: 'contacts', id: 'pending:op-create-3' } });
    await gated.drain();
    online = true;
    await gated.retry('op-create-3');
    await gated.drain();
    expect(await gated.entries()).toEqual([]);
    online = false;
    await gated.submit({ ...associate('op-link-5', 3), from: { objectType: 'contacts', id: 'pending:op-create-3' } });
    const [stored] = await gated.entries();
    expect((stored!.op as Associate).from.id).toBe('77');
  });

  it('X4, R5: a record made by createAssociated is referred to as pending:<opId> until confirmed, like a created contact', async () => {
    const sent: Operation[] = [];
    const outbox = outboxFor({
      send: async (op) => {
        sent.push(op);
        return op.kind === 'createAssociated' ? { outcome: 'confirmed', createdId: '5001' } : ok;
      },
    });
    await outbox.submit({ opId: 'op-deal-1', createdAt: 1, kind: 'createAssociated', objectType: 'deals', properties: { dealname: 'Renewal' }, with: { objectType: 'contacts', id: '11' }, types: [] });
    await outbox.submit({ opId: 'op-deal-link-2', createdAt: 2, kind: 'associate', from: { objectType: 'deals', id: 'pending:op-deal-1' }, to: { objectType: 'contacts', id: '12' } });
    await outbox.drain();
    expect(sent.map((o) => o.opId)).toEqual(['op-deal-1', 'op-deal-link-2']);
    expect((sent[1] as Associate).from).toEqual({ objectType: 'deals', id: '5001' });
    expect(await outbox.entries()).toEqual([]);
  });

  it('X4: operations waiting for a refused createContact are refused with that reason, not sent', async () => {
    const sent: string[] = [];
    const outbox = outboxFor({
      send: async (op) => {
        sent.push(op.opId);
        return op.kind === 'createContact' ? { outcome: 'refused', status: 400, code: 'INVALID_EMAIL', message: 'not an email address' } : ok;
      },
    });
    await outbox.submit({ opId: 'op-create-x', createdAt: 1, kind: 'createContact', email: 'nope' });
    await outbox.submit({ ...associate('op-link-x', 2), from: { objectType: 'contacts', id: 'pending:op-create-x' } });
    await outbox.drain();
    expect(sent).toEqual(['op-create-x']);
    const [, dependent] = await outbox.entries();
    expect(dependent).toMatchObject({ opId: 'op-link-x', state: 'refused', refusal: { code: 'DEPENDS_ON_REFUSED' } });
    expect(dependent!.refusal!.message).toContain('not an email address');
  });

  it('X4: a merged record is sent as its survivor through resolveRef', async () => {
    const sent: Operation[] = [];
    const outbox = outboxFor({
      resolveRef: (ref) => (ref.id === '2' ? { ...ref, id: '20' } : ref),
      send: async (op) => (sent.push(op), ok),
    });
    await outbox.submit(associate('op-merged', 1, '2'));
    await outbox.drain();
    expect((sent[0] as Associate).to.id).toBe('20');
    expect((sent[0] as Associate).from.id).toBe('1');
  });

  it('X4: a bad operation is refused at submit with what is wrong, and nothing is stored', async () => {
    const outbox = outboxFor({ send: async () => ok });
    await expect(outbox.submit({ opId: 'short', createdAt: 1, kind: 'associate' } as unknown as Operation)).rejects.toThrow(/Invalid operation: opId: .*from: /);
    expect(await outbox.entries()).toEqual([]);
  });

  it('X4: the outbox is bounded: past maxEntries a submit is refused with why, and nothing is lost', async () => {
    const outbox = outboxFor({ maxEntries: 2, send: async () => ({ outcome: 'retry', reason: 'offline' }) });
    await outbox.submit(associate('op-full-1', 1));
    await outbox.submit(associate('op-full-2', 2, '3'));
    await expect(outbox.submit(associate('op-full-3', 3, '4'))).rejects.toThrow(/The outbox is full: 2 changes/);
    expect((await outbox.entries()).map((e) => e.opId)).toEqual(['op-full-1', 'op-full-2']);
    // a repeat of a stored one is still fine, and room comes back when one goes
    await outbox.submit(associate('op-full-2', 2, '3'));
    expect(await outbox.dismiss('op-full-1')).toBe(true);
    await outbox.submit(associate('op-full-3', 3, '4'));
    expect(await outbox.pendingCount()).toBe(2);
  });

  it('X4: submitting the same opId twice keeps one operation', async () => {
    const outbox = outboxFor({ send: async () => ({ outcome: 'retry', reason: 'offline' }) });
    await outbox.submit(associate('op-twice-1', 1));
    await outbox.submit(associate('op-twice-1', 1));
    expect(await outbox.pendingCount()).toBe(1);
  });

  it('X4: subscribers see each change; unsubscribe stops them', async () => {
    let online = false;
    const outbox = outboxFor({ send: async () => (online ? ok : { outcome: 'retry', reason: 'offline' }) });
    const counts: number[] = [];
    const stop = outbox.subscribe((entries) => counts.push(entries.length));
    await outbox.submit(associate('op-sub-1', 1));
    await outbox.drain();
    expect(counts[0]).toBe(1);
    online = true;
    await outbox.retry('op-sub-1');
    await outbox.drain();
    expect(counts.at(-1)).toBe(0);
    stop();
    const before = counts.length;
    await outbox.submit(associate('op-sub-2', 2));
    await outbox.drain();
    expect(counts.length).toBe(before);
  });
});
