/**
 * A walk over index ranges that gives the event loop back between chunks: the one way wren walks
 * a million slots (re-deciding every prefix, dropping a peer's paths, filling a new update group,
 * releasing a group's state) without stalling sessions. Runs on the Clock port, so a test with the
 * fake clock drives it step by step.
 */
import type { Clock } from './clock.js';

export interface WalkSpec {
  /** Ranges walked in order, 0..parts-1 (e.g. one per address family). */
  parts: number;
  /** The end of a part's range, read as the walk goes (tables may grow under it). */
  limit(part: number): number;
  /** Visit one index; returning false ends the walk early (done still runs). */
  visit(part: number, index: number): boolean | void;
  /** Visits per turn. */
  chunk: number;
  /** After the last visit (or an early end); not after cancel(). */
  done?(): void;
}

export interface Walk {
  /** Stop at the next chunk boundary; done() is not called. */
  cancel(): void;
  readonly finished: boolean;
}

/** Start a walk: the first chunk runs now, the rest on later turns. */
export function walkChunked(clock: Clock, spec: WalkSpec): Walk {
  let part = 0;
  let index = 0;
  let cancelled = false;
  let finished = false;
  const step = () => {
    if (cancelled) return;
    let n = 0;
    while (part < spec.parts) {
      if (index >= spec.limit(part)) {
        part++;
        index = 0;
        continue;
      }
      if (spec.visit(part, index++) === false) {
        part = spec.parts;
        break;
      }
      if (++n >= spec.chunk) {
        clock.defer(step);
        return;
      }
    }
    finished = true;
    spec.done?.();
  };
  step();
  return {
    cancel: () => {
      cancelled = true;
    },
    get finished() {
      return finished;
    },
  };
}
