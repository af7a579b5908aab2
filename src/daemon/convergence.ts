/**
 * Startup convergence: the moment the table is complete after wrend starts. That is when every
 * expected neighbour has sent End-of-RIB (or, when `gone` counts, can no longer send one: its
 * connection failed or its session ended), or when the time is up, whichever comes first.
 */
export class Convergence {
  private readonly waiting: Set<string>;
  private timer: NodeJS.Timeout | null = null;
  done = false;

  constructor(
    expected: Iterable<string>,
    private readonly onDone: (why: string) => void,
    /** Only the timer ends it (e.g. clients from a listen range: how many will come is unknown). */
    private readonly timerOnly = false,
  ) {
    this.waiting = new Set(expected);
  }

  /** Start the clock; with nobody to wait for, done at once. */
  start(timeoutSeconds: number): void {
    this.timer = setTimeout(() => this.finish('timeout'), timeoutSeconds * 1000);
    this.timer.unref();
    if (!this.timerOnly && this.waiting.size === 0) this.finish('no neighbors to wait for');
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
    if (!this.timerOnly && this.waiting.size === 0) this.finish(why);
  }

  private finish(why: string): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.onDone(why);
  }

  stop(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
