/**
 * The Loc-RIB, in typed arrays: per family a PrefixTable of slots; per slot the chain of candidate
 * paths (one per source: together they are the Adj-RIBs-In) and the chosen one. A slot stays
 * allocated while anything still refers to it (an update group that must announce or withdraw
 * it), so a slot number always means one prefix to everybody holding it.
 */
import { Family } from '../wire/constants.js';
import { DEFAULT_DECISION, selectBest, type DecisionOptions } from './decision.js';
import { PrefixTable } from './prefix-table.js';
import { PathPool } from './path-pool.js';
import { grownInt32, grownUint8 } from './columns.js';
import type { AttrStore } from './attr-store.js';
import { ALWAYS_REACHABLE, UNREACHABLE, type NextHopResolver } from './nexthop.js';
import type { AttrSet } from './attr-set.js';
import type { RouteSource } from './route-source.js';

export class LocRib {
  readonly tables: [PrefixTable, PrefixTable] = [new PrefixTable(Family.IPV4_UNICAST), new PrefixTable(Family.IPV6_UNICAST)];
  /** First path of each slot's chain, and the best path (-1: none). */
  readonly head: [Int32Array, Int32Array] = [new Int32Array(1024).fill(-1), new Int32Array(1024).fill(-1)];
  readonly best: [Int32Array, Int32Array] = [new Int32Array(1024).fill(-1), new Int32Array(1024).fill(-1)];
  /**
   * How many holders (update-group state) refer to each slot besides its paths: a byte each, and
   * 255 means the count (255 or more: hundreds of groups) is in `manyRefs`.
   */
  private readonly refs: [Uint8Array, Uint8Array] = [new Uint8Array(1024), new Uint8Array(1024)];
  private readonly manyRefs: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  readonly paths = new PathPool();
  /** Prefixes with a best path. */
  routes = 0;
  onBestChange: (family: Family, slot: number) => void = () => undefined;
  /** The candidate paths changed but the best did not (ECMP sets may have). */
  onPathsChange: (family: Family, slot: number) => void = () => undefined;
  /** Decides whether next hops are reachable; the kernel sync installs a real one. */
  resolver: NextHopResolver = ALWAYS_REACHABLE;

  /** The IGP cost of a path's next hop (cached per attribute set), or UNREACHABLE. */
  nextHopCost(a: AttrSet, local: boolean): number {
    if (local || a.nextHop.length === 0) return 0;
    return this.attrs.nextHopCost(a, this.resolver);
  }

  constructor(
    private readonly attrs: AttrStore,
    private readonly sources: (RouteSource | undefined)[],
    /** The best-path rules (config `bestPath`); a change is followed by a re-decision of every prefix. */
    public options: DecisionOptions = DEFAULT_DECISION,
  ) {
    for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      this.tables[f].growListeners.push((cap) => {
        this.head[f] = grownInt32(this.head[f], cap, -1);
        this.best[f] = grownInt32(this.best[f], cap, -1);
        this.refs[f] = grownUint8(this.refs[f], cap);
      });
    }
  }

  get size(): number {
    return this.routes;
  }

  /** The path of (`source`, `pathId`) at `slot`, or -1. */
  pathOf(family: Family, slot: number, source: number, pathId = 0): number {
    const pool = this.paths;
    for (let p = this.head[family][slot] as number; p >= 0; p = pool.next[p] as number) {
      if (pool.source[p] === source && pool.idOf(p) === pathId) return p;
    }
    return -1;
  }

  /** How many paths `source` has at `slot` (ADD-PATH: more than one). */
  pathsFrom(family: Family, slot: number, source: number): number {
    const pool = this.paths;
    let n = 0;
    for (let p = this.head[family][slot] as number; p >= 0; p = pool.next[p] as number) if (pool.source[p] === source) n++;
    return n;
  }

  /** Add or replace the path (`source`, `pathId`); returns the attribute id it replaced, or -1. */
  upsert(family: Family, slot: number, source: number, attr: number, pathId = 0): number {
    const pool = this.paths;
    const p = this.pathOf(family, slot, source, pathId);
    let old = -1;
    if (p >= 0) {
      old = pool.attr[p] as number;
      pool.attr[p] = attr;
      if (old === attr) return old;
    } else {
      this.head[family][slot] = pool.alloc(source, pathId, attr, this.head[family][slot] as number);
    }
    this.decide(family, slot, p >= 0 && this.best[family][slot] === p);
    return old;
  }

  /**
   * Remove the path (`source`, `pathId`) — any path of `source` when `pathId` is -1; returns its
   * attribute id, or -1 when there was none.
   */
  remove(family: Family, slot: number, source: number, pathId = 0): number {
    const pool = this.paths;
    const head = this.head[family];
    let prev = -1;
    let p = head[slot] as number;
    while (p >= 0 && (pool.source[p] !== source || (pathId >= 0 && pool.idOf(p) !== pathId))) {
      prev = p;
      p = pool.next[p] as number;
    }
    if (p < 0) return -1;
    const attr = pool.attr[p] as number;
    if (prev < 0) head[slot] = pool.next[p] as number;
    else pool.next[prev] = pool.next[p] as number;
    const wasBest = this.best[family][slot] === p;
    pool.free(p);
    this.decide(family, slot, wasBest);
    return attr;
  }

  /** Decide again (the next-hop view changed). */
  redecide(family: Family, slot: number): void {
    this.decide(family, slot, false);
  }

  /**
   * Scratch arrays of decide(), reused (the longest chain seen bounds them; what they still point
   * to after a decision is at most that many sets and sources).
   */
  private readonly scratchPath: number[] = [];
  private readonly scratchSource: RouteSource[] = [];
  private readonly scratchAttrs: AttrSet[] = [];
  private readonly scratchCost: number[] = [];

  private decide(family: Family, slot: number, changed: boolean): void {
    const pool = this.paths;
    const before = this.best[family][slot] as number;
    // The eligible paths into scratch arrays, then the RFC's selection (order-independent); a
    // prefix with one path (most of a table) needs neither.
    const first = this.head[family][slot] as number;
    if (first >= 0 && (pool.next[first] as number) < 0) {
      const s = this.sources[pool.source[first] as number] as RouteSource;
      const eligible = this.nextHopCost(this.attrs.get(pool.attr[first] as number), s.kind === 'local') !== UNREACHABLE;
      this.settle(family, slot, before, eligible ? first : -1, changed);
      return;
    }
    let n = 0;
    for (let p = this.head[family][slot] as number; p >= 0; p = pool.next[p] as number) {
      const s = this.sources[pool.source[p] as number] as RouteSource;
      const a = this.attrs.get(pool.attr[p] as number);
      const c = this.nextHopCost(a, s.kind === 'local');
      if (c === UNREACHABLE) continue; // ineligible until its next hop can be reached
      this.scratchPath[n] = p;
      this.scratchSource[n] = s;
      this.scratchAttrs[n] = a;
      this.scratchCost[n] = c;
      n++;
    }
    const i = selectBest(n, this.scratchSource, this.scratchAttrs, this.scratchCost, this.options);
    this.settle(family, slot, before, i < 0 ? -1 : (this.scratchPath[i] as number), changed);
  }

  /** Record the decision for a slot and tell whoever listens. */
  private settle(family: Family, slot: number, before: number, best: number, changed: boolean): void {
    this.best[family][slot] = best;
    if (before < 0 && best >= 0) this.routes++;
    else if (before >= 0 && best < 0) this.routes--;
    if (best !== before || changed) this.onBestChange(family, slot);
    else this.onPathsChange(family, slot);
    this.release(family, slot);
  }

  /** Free the slot when nothing refers to it any more. */
  release(family: Family, slot: number): void {
    if (this.head[family][slot] === -1 && this.refs[family][slot] === 0) this.tables[family].remove(slot);
  }

  hold(family: Family, slot: number): void {
    const refs = this.refs[family];
    const v = refs[slot] as number;
    if (v < 254) {
      refs[slot] = v + 1;
    } else {
      const many = this.manyRefs[family];
      refs[slot] = 255;
      many.set(slot, v === 254 ? 255 : (many.get(slot) as number) + 1);
    }
  }

  unhold(family: Family, slot: number): void {
    const refs = this.refs[family];
    const v = refs[slot] as number;
    if (v === 255) {
      const many = this.manyRefs[family];
      const n = (many.get(slot) as number) - 1;
      if (n === 254) {
        many.delete(slot);
        refs[slot] = 254;
      } else {
        many.set(slot, n);
      }
    } else {
      refs[slot] = v - 1;
    }
    this.release(family, slot);
  }

  /** How many holders refer to the slot (for tests). */
  holders(family: Family, slot: number): number {
    const v = this.refs[family][slot] as number;
    return v === 255 ? (this.manyRefs[family].get(slot) as number) : v;
  }
}
