/**
 * Best-path selection (RFC 4271 §9.1.2, as real routers do it), written as numbered steps. The
 * comparison says which step decided, so every losing path can be explained.
 */
import { DEFAULT_LOCAL_PREF, type AttrSet } from './attr-set.js';
import type { RouteSource } from './route-source.js';

export const Step = {
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
const STEPS: readonly Step[] = [Step.LOCAL, Step.LOCAL_PREF, Step.AS_PATH, Step.ORIGIN, Step.MED, Step.EBGP, Step.IGP_COST, Step.CLUSTER_LIST, Step.ROUTER_ID, Step.PEER_ADDRESS];
/** Each step's code (its index in STEPS + 1), for the hot path. */
const CODE = { LOCAL: 1, LOCAL_PREF: 2, AS_PATH: 3, ORIGIN: 4, MED: 5, EBGP: 6, IGP_COST: 7, CLUSTER_LIST: 8, ROUTER_ID: 9, PEER_ADDRESS: 10 } as const;

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
  if (aa.clusterList.length !== ab.clusterList.length) return decided(aa.clusterList.length - ab.clusterList.length, CODE.CLUSTER_LIST);
  // 8. Lowest router id (ORIGINATOR_ID when reflected).
  const ra = aa.originatorId >= 0 ? aa.originatorId : sa.routerId;
  const rb = ab.originatorId >= 0 ? ab.originatorId : sb.routerId;
  if (ra !== rb) return decided(ra < rb ? -1 : 1, CODE.ROUTER_ID);
  // 9. Lowest peer address.
  const c = Buffer.compare(sa.addressBytes, sb.addressBytes);
  if (c !== 0) return decided(c, CODE.PEER_ADDRESS);
  return 0;
}

/** Index of the best path, or -1 for none. */
export function bestOf(paths: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): number {
  let best = -1;
  for (let i = 0; i < paths.length; i++) {
    if (best < 0 || comparePaths(paths[i] as Path, paths[best] as Path, o).order < 0) best = i;
  }
  return best;
}

/** Paths equal to the best down to the IGP-cost step: the ECMP set (best first), at most `max`. */
export function multipathOf(paths: readonly Path[], best: number, max: number, o: DecisionOptions = DEFAULT_DECISION): number[] {
  if (best < 0) return [];
  const out = [best];
  const b = paths[best] as Path;
  for (let i = 0; i < paths.length && out.length < max; i++) {
    if (i === best) continue;
    const p = paths[i] as Path;
    if (p.source.kind === 'local' || b.source.kind === 'local') continue;
    if (MULTIPATH_STEPS.has(comparePaths(b, p, o).step) && p.source.kind === b.source.kind && p.attrs.nextHop.length > 0) out.push(i);
  }
  return out;
}

/** For `show route explain`: each path and the step at which it lost to the best. */
export function explain(paths: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): { index: number; best: boolean; lostAt: Step | null }[] {
  const best = bestOf(paths, o);
  return paths.map((p, i) => ({ index: i, best: i === best, lostAt: i === best ? null : comparePaths(paths[best] as Path, p, o).step }));
}
