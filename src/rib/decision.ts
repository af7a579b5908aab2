/**
 * Best-path selection (RFC 4271 §9.1.2, as real routers do it), written as numbered steps. The
 * comparison says which step decided, so every losing path can be explained.
 */
import { DEFAULT_LOCAL_PREF, type AttrSet } from './attr-set.js';
import type { RouteSource } from './route-source.js';

export const Step = {
  LLGR_STALE: 'long-lived stale (RFC 9494)',
  LOCAL: 'locally originated',
  LOCAL_PREF: 'local preference',
  AS_PATH: 'AS path length',
  ORIGIN: 'origin',
  MED: 'MED',
  EBGP: 'eBGP over iBGP',
  IGP_COST: 'IGP cost',
  CLUSTER_LIST: 'cluster list length',
  ROUTER_ID: 'router id',
  PEER_ADDRESS: 'peer address',
  EQUAL: 'equal',
} as const;
export type Step = (typeof Step)[keyof typeof Step];

/** Steps after which paths count as equal for ECMP (everything up to and including IGP cost). */
const MULTIPATH_STEPS: ReadonlySet<Step> = new Set([Step.CLUSTER_LIST, Step.ROUTER_ID, Step.PEER_ADDRESS, Step.EQUAL]);

export interface DecisionOptions {
  /** Compare MED between paths from different neighbour ASes too. */
  alwaysCompareMed: boolean;
  /** A path without MED is worst (instead of MED 0). */
  missingMedWorst: boolean;
}

export const DEFAULT_DECISION: DecisionOptions = { alwaysCompareMed: false, missingMedWorst: false };

export interface Path {
  source: RouteSource;
  attrs: AttrSet;
  /** Cost to the next hop (0 while next-hop tracking does not say otherwise). */
  igpCost: number;
}

export interface Verdict {
  /** Negative when `a` is better, positive when `b` is. */
  order: number;
  step: Step;
}

export function comparePaths(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION): Verdict {
  const r = compareRoutes(a.source, a.attrs, a.igpCost, b.source, b.attrs, b.igpCost, o);
  return { order: r, step: stepOf(r) };
}

/** The steps in order; compareRoutes() returns ±(index + 1) of the one that decided, 0 for equal. */
const STEPS: readonly Step[] = [Step.LLGR_STALE, Step.LOCAL, Step.LOCAL_PREF, Step.AS_PATH, Step.ORIGIN, Step.MED, Step.EBGP, Step.IGP_COST, Step.CLUSTER_LIST, Step.ROUTER_ID, Step.PEER_ADDRESS];
/** Each step's code (its index in STEPS + 1), for the hot path. */
const CODE = { LLGR_STALE: 1, LOCAL: 2, LOCAL_PREF: 3, AS_PATH: 4, ORIGIN: 5, MED: 6, EBGP: 7, IGP_COST: 8, CLUSTER_LIST: 9, ROUTER_ID: 10, PEER_ADDRESS: 11 } as const;

/** The step that decided a compareRoutes() result. */
export function stepOf(result: number): Step {
  return result === 0 ? Step.EQUAL : (STEPS[Math.abs(result) - 1] as Step);
}

/** True when two paths compared equal down to the IGP cost: they may share ECMP. */
export function multipathEqual(step: Step): boolean {
  return MULTIPATH_STEPS.has(step);
}

/**
 * The comparison itself, on the parts of two paths so the RIB can call it without building
 * objects. Negative when the first path is better, positive when the second is, 0 when equal; its
 * magnitude names the deciding step (stepOf), so the comparison is one number and no state.
 */
export function compareRoutes(
  sa: RouteSource, aa: AttrSet, ca: number,
  sb: RouteSource, ab: AttrSet, cb: number,
  o: DecisionOptions = DEFAULT_DECISION,
): number {
  const decided = (order: number, code: number): number => (order === 0 ? 0 : order < 0 ? -code : code);
  // RFC 9494: a route kept past its peer's restart (LLGR_STALE) is used only when nothing else is there.
  if (aa.llgrStale !== ab.llgrStale) return decided(aa.llgrStale ? 1 : -1, CODE.LLGR_STALE);
  // 0. Our own routes win over learned ones (as BIRD's static over BGP preference).
  const la = sa.kind === 'local' ? 0 : 1;
  const lb = sb.kind === 'local' ? 0 : 1;
  if (la !== lb) return decided(la - lb, CODE.LOCAL);
  // 1. Highest LOCAL_PREF.
  const pa = aa.localPref >= 0 ? aa.localPref : DEFAULT_LOCAL_PREF;
  const pb = ab.localPref >= 0 ? ab.localPref : DEFAULT_LOCAL_PREF;
  if (pa !== pb) return decided(pb - pa, CODE.LOCAL_PREF);
  // 2. Shortest AS_PATH (AS_SET counts one, confederation segments none).
  if (aa.pathLength !== ab.pathLength) return decided(aa.pathLength - ab.pathLength, CODE.AS_PATH);
  // 3. Lowest ORIGIN.
  if (aa.origin !== ab.origin) return decided(aa.origin - ab.origin, CODE.ORIGIN);
  // 4. Lowest MED, between paths from the same neighbouring AS unless told to always compare.
  if (o.alwaysCompareMed || aa.neighborAs === ab.neighborAs) {
    const ma = aa.med >= 0 ? aa.med : o.missingMedWorst ? 0xffffffff : 0;
    const mb = ab.med >= 0 ? ab.med : o.missingMedWorst ? 0xffffffff : 0;
    if (ma !== mb) return decided(ma < mb ? -1 : 1, CODE.MED);
  }
  // 5. eBGP over iBGP.
  const ea = sa.kind === 'ebgp' ? 0 : 1;
  const eb = sb.kind === 'ebgp' ? 0 : 1;
  if (ea !== eb) return decided(ea - eb, CODE.EBGP);
  // 6. Lowest IGP cost to the next hop.
  if (ca !== cb) return decided(ca - cb, CODE.IGP_COST);
  // 7. Shortest CLUSTER_LIST.
  if (aa.clusterLength !== ab.clusterLength) return decided(aa.clusterLength - ab.clusterLength, CODE.CLUSTER_LIST);
  // 8. Lowest router id (ORIGINATOR_ID when reflected).
  const ra = aa.originatorId >= 0 ? aa.originatorId : sa.routerId;
  const rb = ab.originatorId >= 0 ? ab.originatorId : sb.routerId;
  if (ra !== rb) return decided(ra < rb ? -1 : 1, CODE.ROUTER_ID);
  // 9. Lowest peer address.
  const c = Buffer.compare(sa.addressBytes, sb.addressBytes);
  if (c !== 0) return decided(c, CODE.PEER_ADDRESS);
  return 0;
}

/** The MED a path is compared with (RFC 4271 9.1.2.2 (c); a missing one is 0 or, configured, worst). */
function medOf(a: AttrSet, o: DecisionOptions): number {
  return a.med >= 0 ? a.med : o.missingMedWorst ? 0xffffffff : 0;
}

/**
 * The best of `n` candidate paths (the first n entries of the arrays), as RFC 4271 9.1.2.2 says,
 * independent of the order they arrived in. Pairwise comparison is not: MED is only compared
 * between paths from the same neighbouring AS, so three paths can beat each other in a cycle (A
 * beats B on MED, B beats C on router id, C beats A on router id) and a running "best so far"
 * depends on which came first. Here, as BIRD's `deterministic med` and FRR's
 * `bgp deterministic-med`: (1) only paths equal to the best on the steps before MED stay; (2) of
 * those, a path is removed when another one it is MED-comparable with has a lower MED; (3) the
 * rest are compared on the steps after MED, a total order. Up to two candidates, pairwise
 * comparison gives the same answer and is used. `removedByMed`, when given, is set per index.
 * The arrays are the caller's scratch space: nothing is allocated.
 */
export function selectBest(
  n: number,
  src: readonly RouteSource[],
  attrs: readonly AttrSet[],
  cost: readonly number[],
  o: DecisionOptions = DEFAULT_DECISION,
  removedByMed?: boolean[],
): number {
  if (n <= 0) return -1;
  let best = 0;
  if (n <= 2) {
    if (n === 2 && compareRoutes(src[1] as RouteSource, attrs[1] as AttrSet, cost[1] as number, src[0] as RouteSource, attrs[0] as AttrSet, cost[0] as number, o) < 0) best = 1;
    if (removedByMed) {
      removedByMed[0] = false;
      removedByMed[1] = false;
    }
    return best;
  }
  // (1) The best on the steps before MED, and who is equal to it there.
  for (let i = 1; i < n; i++) {
    const r = compareRoutes(src[i] as RouteSource, attrs[i] as AttrSet, cost[i] as number, src[best] as RouteSource, attrs[best] as AttrSet, cost[best] as number, o);
    if (r < 0 && -r < CODE.MED) best = i;
  }
  const lead = best;
  lowestMed.clear();
  for (let i = 0; i < n; i++) {
    const r = compareRoutes(src[i] as RouteSource, attrs[i] as AttrSet, cost[i] as number, src[lead] as RouteSource, attrs[lead] as AttrSet, cost[lead] as number, o);
    const candidate = r === 0 || Math.abs(r) >= CODE.MED;
    inHead[i] = candidate;
    if (!candidate) continue;
    // (2) The lowest MED per neighbouring AS (one group when MEDs are always compared).
    const a = attrs[i] as AttrSet;
    const group = o.alwaysCompareMed ? -1 : a.neighborAs;
    const m = medOf(a, o);
    const low = lowestMed.get(group);
    if (low === undefined || m < low) lowestMed.set(group, m);
  }
  // (3) Of the candidates with their group's lowest MED, the best on the later steps.
  best = -1;
  for (let i = 0; i < n; i++) {
    const a = attrs[i] as AttrSet;
    const out = !inHead[i] || medOf(a, o) > (lowestMed.get(o.alwaysCompareMed ? -1 : a.neighborAs) as number);
    if (removedByMed) removedByMed[i] = inHead[i] === true && out;
    if (out) continue;
    // Survivors of one group share its lowest MED, so this compares the steps after MED.
    if (best < 0 || compareRoutes(src[i] as RouteSource, a, cost[i] as number, src[best] as RouteSource, attrs[best] as AttrSet, cost[best] as number, o) < 0) best = i;
  }
  return best;
}

/** Scratch space of selectBest (single-threaded, filled and read within one call). */
const inHead: boolean[] = [];
const lowestMed = new Map<number, number>();

/** Index of the best path, or -1 for none. */
export function bestOf(paths: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): number {
  return selectBest(paths.length, paths.map((p) => p.source), paths.map((p) => p.attrs), paths.map((p) => p.igpCost), o);
}

/**
 * Whether a path may share the best path's ECMP set: equal to it down to the IGP-cost step, from
 * the same kind of source, learned (our own routes are never multipath) and with a next hop.
 * The one rule for the RIB's multipath set (LocRib.multipath) and for multipathOf.
 */
export function sharesMultipath(
  sb: RouteSource, ab: AttrSet, cb: number,
  s: RouteSource, a: AttrSet, c: number,
  o: DecisionOptions = DEFAULT_DECISION,
): boolean {
  if (s.kind === 'local' || sb.kind === 'local' || s.kind !== sb.kind || a.nextHop.length === 0) return false;
  const r = compareRoutes(sb, ab, cb, s, a, c, o);
  return r === 0 || Math.abs(r) >= CODE.CLUSTER_LIST;
}

/** Paths equal to the best down to the IGP-cost step: the ECMP set (best first), at most `max`. */
export function multipathOf(paths: readonly Path[], best: number, max: number, o: DecisionOptions = DEFAULT_DECISION): number[] {
  if (best < 0) return [];
  const out = [best];
  const b = paths[best] as Path;
  for (let i = 0; i < paths.length && out.length < max; i++) {
    if (i === best) continue;
    const p = paths[i] as Path;
    if (sharesMultipath(b.source, b.attrs, b.igpCost, p.source, p.attrs, p.igpCost, o)) out.push(i);
  }
  return out;
}

/**
 * For `show route explain`: each path and the step that removed it. A path the MED step removed
 * says MED even where, compared with the best alone, another step would decide (the best may come
 * from another neighbouring AS).
 */
export function explain(paths: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): { index: number; best: boolean; lostAt: Step | null }[] {
  const removed: boolean[] = [];
  const best = selectBest(paths.length, paths.map((p) => p.source), paths.map((p) => p.attrs), paths.map((p) => p.igpCost), o, removed);
  return paths.map((p, i) => ({ index: i, best: i === best, lostAt: i === best ? null : removed[i] ? Step.MED : comparePaths(paths[best] as Path, p, o).step }));
}
