/**
 * The Loc-RIB: every candidate path per prefix and the one chosen. Changes of the best path are
 * reported to a listener (export, FIB) as they happen.
 */
import { bestOf, DEFAULT_DECISION, type DecisionOptions, type Path } from './decision.js';
import type { AttrSet } from './attr-set.js';
import type { RouteSource } from './route-source.js';
import type { PrefixKey } from './prefix-key.js';

export interface Destination {
  paths: Path[];
  best: Path | null;
}

export type BestChange = (key: PrefixKey, best: Path | null, dest: Destination | null) => void;

export class LocRib {
  readonly dests = new Map<PrefixKey, Destination>();
  onBestChange: BestChange = () => undefined;

  constructor(private readonly options: DecisionOptions = DEFAULT_DECISION) {}

  get size(): number {
    return this.dests.size;
  }

  /** Add or replace the path from `source` for `key`. */
  upsert(key: PrefixKey, source: RouteSource, attrs: AttrSet): void {
    let d = this.dests.get(key);
    if (!d) {
      d = { paths: [], best: null };
      this.dests.set(key, d);
    }
    const i = d.paths.findIndex((p) => p.source === source);
    if (i >= 0) (d.paths[i] as Path).attrs = attrs;
    else d.paths.push({ source, attrs, igpCost: 0 });
    this.decide(key, d, i >= 0 && d.best?.source === source);
  }

  remove(key: PrefixKey, source: RouteSource): void {
    const d = this.dests.get(key);
    if (!d) return;
    const i = d.paths.findIndex((p) => p.source === source);
    if (i < 0) return;
    const wasBest = d.best === d.paths[i];
    d.paths.splice(i, 1);
    if (d.paths.length === 0) {
      this.dests.delete(key);
      if (wasBest) this.onBestChange(key, null, null);
      return;
    }
    this.decide(key, d, wasBest);
  }

  private decide(key: PrefixKey, d: Destination, bestAttrsChanged: boolean): void {
    const before = d.best;
    const i = bestOf(d.paths, this.options);
    d.best = i >= 0 ? (d.paths[i] as Path) : null;
    if (d.best !== before || bestAttrsChanged) this.onBestChange(key, d.best, d);
  }
}
