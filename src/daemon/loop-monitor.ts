import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay, the number that decides whether keepalives leave on time while the daemon is
 * busy: the worst stall since start and since the last report.
 */
export class LoopMonitor {
  private readonly h: IntervalHistogram;
  private worstEver = 0;

  constructor() {
    this.h = monitorEventLoopDelay({ resolution: 10 });
    this.h.enable();
  }

  /** Worst delay (ms) since the previous call, then reset the window. */
  sample(): { maxMs: number; p99Ms: number } {
    const maxMs = this.h.max / 1e6;
    const p99Ms = this.h.percentile(99) / 1e6;
    this.worstEver = Math.max(this.worstEver, maxMs);
    this.h.reset();
    return { maxMs, p99Ms };
  }

  get worstMs(): number {
    return Math.max(this.worstEver, this.h.max / 1e6);
  }

  stop(): void {
    this.h.disable();
  }
}
