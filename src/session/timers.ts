import type { Clock } from '../time/clock.js';
import type { TimerName } from './fsm.js';

/** The five FSM timers of one peer on a Clock; an expiry calls `onExpire(name)`. */
export class PeerTimers {
  private readonly handles = new Map<TimerName, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (name: TimerName) => void,
  ) {}

  start(name: TimerName, seconds: number): void {
    this.stop(name);
    const h = this.clock.setTimer(seconds * 1000, () => {
      this.handles.delete(name);
      this.onExpire(name);
    });
    this.handles.set(name, h);
  }

  stop(name: TimerName): void {
    const h = this.handles.get(name);
    if (h !== undefined) {
      this.clock.clearTimer(h);
      this.handles.delete(name);
    }
  }

  running(name: TimerName): boolean {
    return this.handles.has(name);
  }

  stopAll(): void {
    for (const name of [...this.handles.keys()]) this.stop(name);
  }
}
