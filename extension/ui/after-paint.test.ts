import { describe, expect, it } from 'vitest';
import { afterPaint, type FrameClock, PAINT_WAIT_MS } from './after-paint.ts';

/** A clock whose frames and timers run when the test says so. */
function manualClock() {
  const frames: Array<() => void> = [];
  const timers: Array<{ at: number; run: () => void }> = [];
  let now = 0;
  const clock: FrameClock = {
    requestAnimationFrame: (run) => frames.push(run),
    setTimeout: (run, ms) => timers.push({ at: now + ms, run }),
  };
  const runTimers = () => {
    for (const timer of timers.filter((x) => x.at <= now)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.run();
    }
  };
  return {
    clock,
    frame() {
      frames.splice(0).forEach((run) => run());
      runTimers();
    },
    advance(ms: number) {
      now += ms;
      runTimers();
    },
  };
}

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await Promise.resolve();
  await Promise.resolve();
  return done;
};

describe('afterPaint', () => {
  it('waits for the next frame, then resolves in the task after its paint', async () => {
    const m = manualClock();
    const painted = afterPaint(m.clock);
    expect(await settled(painted)).toBe(false);
    m.frame();
    expect(await settled(painted)).toBe(true);
  });

  it('resolves in a tab that paints no frames once PAINT_WAIT_MS have passed', async () => {
    const m = manualClock();
    const painted = afterPaint(m.clock);
    m.advance(PAINT_WAIT_MS - 1);
    expect(await settled(painted)).toBe(false);
    m.advance(1);
    expect(await settled(painted)).toBe(true);
  });
});
