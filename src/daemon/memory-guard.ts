/**
 * The daemon's memory budget. One peer can otherwise grow wrend until the kernel or V8 kills it
 * (each route with an attribute set of its own costs over a kilobyte; 3M such routes ran the V8
 * heap out after multi-second mark-compact pauses that had already dropped every other session).
 * Each check compares the process with its budget and with V8's heap limit. The budget counts
 * resident memory, but only while the memory in use (heap and Buffers) is at least half of it:
 * pages V8 keeps after a collection raise the RSS without anything growing. When over, the session
 * that grew most since the last check is stopped with Cease / Out of Resources and logged; a
 * session that did not grow is never stopped (memory is not getting worse). Then the guard waits a
 * few checks for the freed memory to show before it stops another.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

export interface MemoryReading {
  rss: number;
  /** Memory in use now: the V8 heap's live objects plus Buffers and other memory outside it. */
  live: number;
  heapUsed: number;
  heapLimit: number;
}

/** A session that holds routes: what the guard may stop. */
export interface GuardedSession {
  readonly name: string;
  /** Paths it holds now. */
  readonly held: number;
  stop(reason: string): void;
}

export interface MemoryGuardOptions {
  /** Resident memory budget (bytes). */
  limitBytes: number;
  /** Share of V8's heap limit the heap may use (0-1). */
  heapShare: number;
  /** Checks to wait after stopping a session before stopping another. */
  coolDownChecks: number;
}

export class MemoryGuard {
  private last = new Map<string, number>();
  private coolDown = 0;
  /** Sessions stopped so far. */
  stopped = 0;
  /** The last reading, for show memory and metrics. */
  lastReading: MemoryReading | null = null;

  constructor(
    public options: MemoryGuardOptions,
    private readonly read: () => MemoryReading,
    private readonly sessions: () => Iterable<GuardedSession>,
    private readonly report: (what: { session: string; held: number; grew: number; reading: MemoryReading; why: string }) => void,
  ) {}

  /** Why memory is over budget now, or null. */
  private over(r: MemoryReading): string | null {
    if (r.rss > this.options.limitBytes && r.live > this.options.limitBytes / 2) return `resident memory ${mb(r.rss)} MB over the budget of ${mb(this.options.limitBytes)} MB`;
    if (r.heapUsed > r.heapLimit * this.options.heapShare) return `heap ${mb(r.heapUsed)} MB over ${Math.round(this.options.heapShare * 100)}% of V8's limit of ${mb(r.heapLimit)} MB`;
    return null;
  }

  /** One check (the daemon calls it four times a second); returns the session stopped, if any. */
  check(): string | null {
    const r = this.read();
    this.lastReading = r;
    const now = new Map<string, number>();
    let pick: GuardedSession | null = null;
    let pickGrew = -1;
    for (const s of this.sessions()) {
      now.set(s.name, s.held);
      const grew = s.held - (this.last.get(s.name) ?? 0);
      // The one that grew most; among equal growth, the one holding the most.
      if (grew > 0 && (grew > pickGrew || (grew === pickGrew && pick !== null && s.held > pick.held))) {
        pick = s;
        pickGrew = grew;
      }
    }
    const previous = this.last;
    this.last = now;
    if (this.coolDown > 0) {
      this.coolDown--;
      return null;
    }
    const why = this.over(r);
    if (!why || !pick) return null;
    this.stopped++;
    this.coolDown = this.options.coolDownChecks;
    this.report({ session: pick.name, held: pick.held, grew: Math.max(0, pick.held - (previous.get(pick.name) ?? 0)), reading: r, why });
    pick.stop(`out of resources: ${why}`);
    return pick.name;
  }
}

const mb = (n: number) => Math.round(n / 1048576);

/**
 * The default budget: 80% of the memory this process may use, the smaller of the machine's and
 * its cgroup's limit (v2 memory.max, or v1 memory.limit_in_bytes).
 */
export function defaultMemoryLimit(): number {
  return Math.floor(Math.min(totalmem(), cgroupLimit() ?? Infinity) * 0.8);
}

function cgroupLimit(): number | null {
  let lines: string[];
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return null;
  }
  const candidates: string[] = [];
  for (const l of lines) {
    const [, controllers, path] = l.split(':');
    if (path === undefined) continue;
    if (controllers === '') candidates.push(`/sys/fs/cgroup${path}/memory.max`, '/sys/fs/cgroup/memory.max');
    else if (controllers?.split(',').includes('memory')) candidates.push(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`, '/sys/fs/cgroup/memory/memory.limit_in_bytes');
  }
  let best: number | null = null;
  for (const f of candidates) {
    try {
      const v = readFileSync(f, 'utf8').trim();
      const n = Number(v);
      // "max", or v1's "no limit" (a page-rounded 2^63).
      if (v === 'max' || !Number.isFinite(n) || n <= 0 || n >= 2 ** 60) continue;
      best = best === null ? n : Math.min(best, n);
    } catch {
      // not this cgroup layout
    }
  }
  return best;
}
