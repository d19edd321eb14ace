/** How long a hidden tab (no frames) holds back what waits for the paint. */
export const PAINT_WAIT_MS = 100;

export interface FrameClock {
  requestAnimationFrame(callback: () => void): unknown;
  setTimeout(callback: () => void, ms: number): unknown;
}

/**
 * Resolves once the frame being prepared is painted: a task queued from the next animation frame
 * runs after that frame's paint. For reads a page makes only after its data is on screen, so they
 * do not hold up the frame that shows it. A tab in the background paints no frames: there it
 * resolves after `PAINT_WAIT_MS`.
 */
export function afterPaint(clock: FrameClock = globalThis): Promise<void> {
  return new Promise((resolve) => {
    clock.requestAnimationFrame(() => clock.setTimeout(resolve, 0));
    clock.setTimeout(resolve, PAINT_WAIT_MS);
  });
}
