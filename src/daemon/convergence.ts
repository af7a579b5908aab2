/**
 * Startup convergence: the moment the table is complete after wrend starts. That is when every
 * expected neighbour has sent End-of-RIB (or, when `gone` counts, can no longer send one: its
 * connection failed or its session ended), or when the time is up, whichever comes first.
 */
import { realClock, type Clock } from '../time/clock.js';

export class Convergence {
  private readonly waiting: Set<string>;
  private timer: unknown = null;
  done = false;

  constructor(
    expected: Iterable<string>,
    private readonly onDone: (why: string) => void,
    private readonly clock: Clock = realClock,
  ) {
    this.waiting = new Set(expected);
  }

  /** Start the clock; with nobody to wait for, done at once. */
  start(timeoutSeconds: number): void {
    this.timer = this.clock.setTimer(timeoutSeconds * 1000, () => this.finish('timeout'));
    if (this.waiting.size === 0) this.finish('no neighbors to wait for');
  }

  endOfRib(address: string): void {
    if (this.waiting.delete(address)) this.check('End-of-RIB from every neighbor');
  }

  /** The neighbour will not send End-of-RIB soon (its connection failed or its session ended). */
  gone(address: string): void {
    if (this.waiting.delete(address)) this.check('End-of-RIB from every reachable neighbor');
  }

  /** Neighbours still waited for. */
  get pending(): string[] {
    return [...this.waiting];
  }

  private check(why: string): void {
    if (this.waiting.size === 0) this.finish(why);
  }

  private finish(why: string): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.onDone(why);
  }

  stop(): void {
    this.done = true;
    if (this.timer) this.clock.clearTimer(this.timer);
  }
}
