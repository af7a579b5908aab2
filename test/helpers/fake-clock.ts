import type { Clock } from '../../src/time/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told: hours of protocol time run in milliseconds. Deferred work
 * (chunked walks, update-group and FIB flushes) waits in a queue until the test runs it, so a
 * test sees every step in a fixed order and never sleeps.
 */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Set<Timer>();
  private deferred: (() => void)[] = [];
  /** Called between timer firings so queued I/O is delivered in time order. */
  idle: () => void = () => undefined;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** The fake's one timeline serves as both. */
  monotonic(): number {
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

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Timers set and not yet run or cleared. */
  get armed(): number {
    return this.timers.size;
  }

  /** Deferred tasks waiting. */
  get pending(): number {
    return this.deferred.length;
  }

  /** Run the deferred tasks queued now (not those they queue); returns how many ran. */
  runDeferred(): number {
    const now = this.deferred;
    this.deferred = [];
    for (const fn of now) fn();
    return now.length;
  }

  /**
   * Run deferred work until none is left, letting promise chains (a fake kernel's replies) resolve
   * between rounds; time does not move. Bounded: a walk that never ends fails the test.
   */
  async settle(maxRounds = 100_000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      // Microtasks first (an awaited fake reply queues the next chunk), then the queue.
      for (let i = 0; i < 10; i++) await Promise.resolve();
      if (this.deferred.length === 0) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.deferred.length === 0) return;
      }
      this.runDeferred();
    }
    throw new Error(`deferred work still queued after ${maxRounds} rounds`);
  }

  /** Move time forward by `ms`, firing due timers in order (deferred work runs between them). */
  advance(ms: number): void {
    const end = this.t + ms;
    this.runAllDeferred();
    this.idle();
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: Timer | null = null;
      for (const tm of this.timers) if (tm.at <= end && (!next || tm.at < next.at || (tm.at === next.at && tm.seq < next.seq))) next = tm;
      if (!next) break;
      this.timers.delete(next);
      // A timer made overdue by block() runs late, at the time the loop is free again.
      this.t = Math.max(this.t, next.at);
      next.fn();
      this.runAllDeferred();
      this.idle();
    }
    this.t = end;
  }

  /**
   * The loop is busy for `ms` (a stall): time moves and no timer runs; the ones that fell due
   * run late, on the next advance().
   */
  block(ms: number): void {
    this.t += ms;
  }

  /** Synchronous deferred work to exhaustion (bounded). */
  private runAllDeferred(): void {
    for (let i = 0; i < 1_000_000 && this.deferred.length > 0; i++) this.runDeferred();
  }
}
