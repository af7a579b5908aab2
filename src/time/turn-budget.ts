/**
 * Long walks over the RIB from a control request (a million routes) share the event loop: after
 * `ms` of work the walk waits for the next turn, so keepalives, peers and other clients run.
 */
export class TurnBudget {
  private deadline: number;
  private n = 0;

  constructor(private readonly ms = 4) {
    this.deadline = performance.now() + ms;
  }

  /** Whether the turn's time is spent (the clock is read every 256 calls). */
  due(): boolean {
    return (++this.n & 255) === 0 && performance.now() > this.deadline;
  }

  /** Wait for the next event-loop turn, and start a new budget there. */
  async next(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    this.deadline = performance.now() + this.ms;
  }
}
