/**
 * The one owner of time: timers and deferred work run on this port, so the daemon runs on the
 * real clock and every test on a fake one (test/helpers/fake-clock.ts) that drives hours of
 * protocol time, and every chunked walk, in milliseconds and in a fixed order.
 */
export interface Clock {
  /** Wall-clock time (ms since the epoch): for what people read and what is recorded. */
  now(): number;
  /** Monotonic ms (any origin): for intervals, which a step of the wall clock must not move. */
  monotonic(): number;
  /** Run `fn` once after `ms` (never keeps the process alive on its own). */
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  /** Run `fn` on a later turn of the event loop, after I/O that is already waiting (setImmediate). */
  defer(fn: () => void): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer: (ms, fn) => {
    const h = setTimeout(fn, ms);
    h.unref?.();
    return h;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
  defer: (fn) => void setImmediate(fn),
};

/** A promise that resolves on a later turn (for async walks that yield between chunks). */
export function nextTurn(clock: Clock): Promise<void> {
  return new Promise<void>((r) => clock.defer(r));
}

/** Run `fn` every `ms` on `clock` until the returned function is called. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let handle: unknown = null;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    handle = clock.setTimer(ms, tick);
    fn();
  };
  handle = clock.setTimer(ms, tick);
  return () => {
    stopped = true;
    clock.clearTimer(handle);
  };
}
