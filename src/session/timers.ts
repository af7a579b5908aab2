import type { Clock } from '../time/clock.js';
import type { TimerName } from './fsm.js';

interface Running {
  handle: unknown;
  /** The timer's length (ms) and when it is due now (monotonic ms). */
  ms: number;
  due: number;
}

/**
 * The five FSM timers of one peer on a Clock; an expiry calls `onExpire(name)`.
 *
 * The hold timer restarts on every message, tens of thousands of times a second while a table
 * arrives. Restarting a running timer of the same length only moves its due time: the clock's
 * timer stays, and when it goes off early it is set again for the rest (at most one clock timer
 * per name, and no timer made per message). Due times are monotonic: a step of the wall clock
 * moves no timer.
 */
export class PeerTimers {
  private readonly timers = new Map<TimerName, Running>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (name: TimerName) => void,
  ) {}

  start(name: TimerName, seconds: number): void {
    const ms = seconds * 1000;
    const r = this.timers.get(name);
    if (r && r.ms === ms) {
      r.due = this.clock.monotonic() + ms;
      return;
    }
    this.stop(name);
    const t: Running = { handle: null, ms, due: this.clock.monotonic() + ms };
    t.handle = this.arm(name, t, ms);
    this.timers.set(name, t);
  }

  private arm(name: TimerName, t: Running, ms: number): unknown {
    return this.clock.setTimer(ms, () => {
      if (this.timers.get(name) !== t) return;
      const left = t.due - this.clock.monotonic();
      if (left > 0) {
        t.handle = this.arm(name, t, left);
        return;
      }
      this.timers.delete(name);
      this.onExpire(name);
    });
  }

  stop(name: TimerName): void {
    const r = this.timers.get(name);
    if (r !== undefined) {
      this.clock.clearTimer(r.handle);
      this.timers.delete(name);
    }
  }

  running(name: TimerName): boolean {
    return this.timers.has(name);
  }

  stopAll(): void {
    for (const name of [...this.timers.keys()]) this.stop(name);
  }
}
