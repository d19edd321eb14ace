import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOutbox, type Outbox } from './index.ts';
import type { Operation, SendResult } from './operation.ts';

/** What the server does with one attempt: applies and answers, applies but the answer is lost, fails, refuses. */
type Attempt = 'confirm' | 'lost' | 'fail' | 'refuse';

const script = fc.oneof(
  fc.tuple(fc.array(fc.constantFrom<Attempt>('fail', 'lost'), { maxLength: 3 }), fc.constant<Attempt>('confirm')).map(([before, last]) => [...before, last]),
  fc.tuple(fc.array(fc.constant<Attempt>('fail'), { maxLength: 2 }), fc.constant<Attempt>('refuse')).map(([before, last]) => [...before, last]),
);

let run = 0;

describe('outbox invariants (X4, property-based)', () => {
  it('X4: whatever the server answers and however often the worker restarts, each operation is confirmed or kept refused, sent in order, deleted only after its confirmation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ createdAt: fc.integer({ min: 0, max: 4 }), attempts: script }), { minLength: 1, maxLength: 7 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        async (specs, restarts) => {
          const dbName = `outbox-property-${++run}`;
          let t = 1_000;
          const ops: Operation[] = specs.map((s, i) => ({
            opId: `prop-op-${run}-${i}`,
            createdAt: s.createdAt,
            kind: 'associate',
            from: { objectType: 'contacts', id: String(i + 1) },
            to: { objectType: 'deals', id: String(100 + i) },
          }));
          // the order they must go in: createdAt, then submission
          const order = ops.map((op, i) => ({ op, i })).sort((a, b) => a.op.createdAt - b.op.createdAt || a.i - b.i).map((x) => x.op.opId);
          const tried = new Map<string, number>();
          const applied = new Set<string>();
          const finished = new Map<string, 'confirmed' | 'refused'>();
          const violations: string[] = [];
          // offline while the rep makes the changes: the order is checked once all are stored
          let online = false;
          const send = async (op: Operation): Promise<SendResult> => {
            if (!online) return { outcome: 'retry', reason: 'offline' };
            // every operation ahead of this one is settled (strict order; refused ones are set aside)
            for (const ahead of order.slice(0, order.indexOf(op.opId))) {
              if (!finished.has(ahead)) violations.push(`${op.opId} sent before ${ahead} was settled`);
            }
            const n = tried.get(op.opId) ?? 0;
            tried.set(op.opId, n + 1);
            const spec = specs[ops.findIndex((o) => o.opId === op.opId)]!;
            const attempt = spec.attempts[Math.min(n, spec.attempts.length - 1)]!;
            switch (attempt) {
              case 'confirm':
                applied.add(op.opId);
                finished.set(op.opId, 'confirmed');
                return { outcome: 'confirmed' };
              case 'lost':
                applied.add(op.opId);
                return { outcome: 'retry', reason: 'connection reset after the server applied it' };
              case 'fail':
                return { outcome: 'retry', reason: 'HTTP 503' };
              case 'refuse':
                finished.set(op.opId, 'refused');
                return { outcome: 'refused', status: 400, code: 'ASSOCIATION_LIMIT_EXCEEDED', message: 'limit' };
            }
          };
          const open = () => createOutbox({ dbName, timers: false, now: () => t, random: () => 0.5, send });
          let outbox: Outbox = open();
          for (const op of ops) await outbox.submit(op);
          await outbox.drain();
          online = true;
          for (const restart of restarts) {
            if (restart) {
              await outbox.close();
              outbox = open();
            }
            t += 10 * 60_000;
            await outbox.drain();
            // nothing confirmed is still there; nothing unconfirmed is gone
            const present = new Set((await outbox.entries()).map((e) => e.opId));
            for (const op of ops) {
              if (finished.get(op.opId) === 'confirmed' && present.has(op.opId)) violations.push(`${op.opId} confirmed but kept`);
              if (finished.get(op.opId) !== 'confirmed' && !present.has(op.opId)) violations.push(`${op.opId} gone without confirmation`);
            }
          }
          // enough rounds for every script (at most 4 attempts each, in order): drain to the end
          for (let i = 0; i < 4 * ops.length && (await outbox.pendingCount()) > 0; i++) {
            t += 10 * 60_000;
            await outbox.drain();
          }
          const left = await outbox.entries();
          await outbox.close();
          expect(violations).toEqual([]);
          expect(left.every((e) => e.state === 'refused' && finished.get(e.opId) === 'refused')).toBe(true);
          for (const op of ops) expect(finished.has(op.opId), `${op.opId} settled`).toBe(true);
          expect([...applied].every((id) => finished.get(id) === 'confirmed')).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});
