/**
 * Event-loop delay, the number that decides whether keepalives leave on time while the daemon is
 * busy: the worst stall since start and since the last report.
 *
 * While the loop works, Node's delay histogram (monitorEventLoopDelay) samples it every 10 ms, so
 * a stall is measured to within 10 ms. Once the loop has been idle for 2 s the histogram is
 * switched off, and only a probe every 250 ms watches it: the histogram's timer woke an idle wrend
 * 100 times a second, three quarters of its idle CPU (a bare node with that histogram alone used
 * 59 ms of CPU in 10 s; an idle wrend 76 ms). The probe reads how late it ran and the busy share of
 * its interval (Node's event-loop utilization), and turns the histogram on again as soon as the
 * loop works. So the first stall out of an idle spell is measured by the probe alone, and can read
 * up to one probe period (250 ms) short; the ones after it are measured every 10 ms.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Clock } from '../time/clock.js';

/** The probe's period (ms). */
export const PROBE_MS = 250;
/** The histogram's resolution (ms) while the loop works. */
export const FINE_MS = 10;
/** A probe interval in which the loop was busy this share of the time or more counts as work. */
export const BUSY_SHARE = 0.05;
/** Idle this long, and the histogram is switched off. */
export const QUIET_MS = 2000;

/** What the monitor needs of Node's IntervalHistogram (nanoseconds), so a test can stand in. */
export interface DelayHistogram {
  enable(): boolean;
  disable(): boolean;
  reset(): void;
  readonly max: number;
  readonly count: number;
  percentile(p: number): number;
}

/** Milliseconds the event loop has spent working since the process started. */
export type ActiveTime = () => number;

export const loopActiveTime: ActiveTime = () => performance.eventLoopUtilization().active;

export class LoopMonitor {
  private worstEver = 0;
  /** The probe's worst lateness in this window (ms), and the histogram's before it was switched off. */
  private probeMax = 0;
  private foldedMax = 0;
  private fine = true;
  private quietSince: number | null = null;
  private handle: unknown = null;
  /** When the probe last ran (it falls due PROBE_MS later), and the loop's working time then. */
  private lastAt: number;
  private lastActive: number;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly active: ActiveTime = loopActiveTime,
    private readonly histogram: DelayHistogram = monitorEventLoopDelay({ resolution: FINE_MS }),
  ) {
    this.lastAt = clock.monotonic();
    this.lastActive = active();
    // Start-up is work: the histogram runs from the first turn.
    histogram.enable();
    this.arm();
  }

  /** Whether the 10 ms histogram is running now (the loop has worked within QUIET_MS). */
  get sampling(): boolean {
    return this.fine;
  }

  private arm(): void {
    this.handle = this.clock.setTimer(PROBE_MS, () => this.probe());
  }

  private probe(): void {
    if (this.stopped) return;
    const now = this.clock.monotonic();
    this.probeMax = Math.max(this.probeMax, now - (this.lastAt + PROBE_MS));
    const active = this.active();
    const spent = now - this.lastAt;
    const busy = spent > 0 && (active - this.lastActive) / spent >= BUSY_SHARE;
    this.lastAt = now;
    this.lastActive = active;
    if (busy) {
      this.quietSince = null;
      if (!this.fine) {
        this.fine = true;
        // Node's histogram keeps the time of its last tick across disable(): enabled again
        // without a reset, its first interval is the whole idle spell (a 2.5 s "stall").
        this.histogram.reset();
        this.histogram.enable();
      }
    } else if (this.fine) {
      this.quietSince ??= now;
      if (now - this.quietSince >= QUIET_MS) {
        this.fine = false;
        // What the histogram saw in this window is kept as a maximum; it restarts empty.
        this.foldedMax = Math.max(this.foldedMax, this.histogramMax());
        this.histogram.disable();
        this.histogram.reset();
      }
    }
    this.arm();
  }

  /**
   * The histogram records the interval between its 10 ms ticks (ns): how late a tick ran is that
   * interval less the resolution.
   */
  private late(ns: number): number {
    return Math.max(0, ns / 1e6 - FINE_MS);
  }

  /** The histogram's worst tick since its last reset, as lateness (ms). */
  private histogramMax(): number {
    return this.histogram.count > 0 ? this.late(this.histogram.max) : 0;
  }

  /**
   * Worst delay (ms) since the previous call and the 99th percentile (the histogram's while it
   * ran; else the probe's worst), then reset the window.
   */
  sample(): { maxMs: number; p99Ms: number } {
    const h = this.histogram;
    const maxMs = Math.max(this.probeMax, this.foldedMax, this.histogramMax());
    const p99Ms = h.count > 0 ? Math.min(maxMs, this.late(h.percentile(99))) : Math.max(this.probeMax, this.foldedMax);
    this.worstEver = Math.max(this.worstEver, maxMs);
    this.probeMax = 0;
    this.foldedMax = 0;
    h.reset();
    return { maxMs, p99Ms };
  }

  get worstMs(): number {
    return Math.max(this.worstEver, this.probeMax, this.foldedMax, this.histogramMax());
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimer(this.handle);
    this.histogram.disable();
  }
}
