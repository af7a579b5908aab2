/** The time port: the FSM's timers run on it, so tests can drive hours in milliseconds. */
export interface Clock {
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const h = setTimeout(fn, ms);
    h.unref?.();
    return h;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};
