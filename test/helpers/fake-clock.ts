import type { Clock } from '../../src/session/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told: hours of protocol time run in milliseconds. */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Set<Timer>();
  /** Called between timer firings so queued I/O is delivered in time order. */
  idle: () => void = () => undefined;

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): unknown {
    const timer = { at: this.t + ms, seq: this.seq++, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(h: unknown): void {
    this.timers.delete(h as Timer);
  }

  /** Move time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    this.idle();
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: Timer | null = null;
      for (const tm of this.timers) if (tm.at <= end && (!next || tm.at < next.at || (tm.at === next.at && tm.seq < next.seq))) next = tm;
      if (!next) break;
      this.timers.delete(next);
      this.t = next.at;
      next.fn();
      this.idle();
    }
    this.t = end;
  }
}
