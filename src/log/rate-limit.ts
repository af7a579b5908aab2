/**
 * Bounded log volume for repeated events (a peer sending a million malformed UPDATEs must not
 * write a million lines): per key, at most `burst` lines per `windowMs`; what was held back is
 * counted and reported with the next line that passes.
 */
export class LogRateLimit {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();
  private prunedAt = -Infinity;

  constructor(
    private readonly burst = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to log this occurrence of `key`; with how many were held back since the last one. */
  allow(key: string): { log: boolean; suppressed: number } {
    const t = this.now();
    // Keys come and go (dynamic neighbours): windows long over are dropped once there are many,
    // in one pass per window at most (a pass per call would cost O(keys) each time).
    if (this.windows.size >= 4096 && t - this.prunedAt >= this.windowMs) {
      this.prunedAt = t;
      for (const [k, old] of this.windows) if (t - old.start >= this.windowMs && old.suppressed === 0) this.windows.delete(k);
    }
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
      w.count++;
      return { log: true, suppressed };
    }
    if (w.count < this.burst) {
      w.count++;
      const suppressed = w.suppressed;
      w.suppressed = 0;
      return { log: true, suppressed };
    }
    w.suppressed++;
    return { log: false, suppressed: 0 };
  }

  /**
   * `allow` as log fields: null when this line is held back, otherwise what to add to it
   * (`{ suppressed: n }` after lines were held back, else nothing).
   */
  fields(key: string): { suppressed?: number } | null {
    const r = this.allow(key);
    if (!r.log) return null;
    return r.suppressed ? { suppressed: r.suppressed } : {};
  }

  /** Keys remembered. */
  get size(): number {
    return this.windows.size;
  }

  /** Forget a key (its peer went away). */
  forget(prefix: string): void {
    for (const k of this.windows.keys()) if (k.startsWith(prefix)) this.windows.delete(k);
  }
}
