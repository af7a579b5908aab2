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

function med(p: Path, o: DecisionOptions): number {
  return p.attrs.med >= 0 ? p.attrs.med : o.missingMedWorst ? 0xffffffff : 0;
}

function localPref(p: Path): number {
  return p.attrs.localPref >= 0 ? p.attrs.localPref : DEFAULT_LOCAL_PREF;
}

function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

export function comparePaths(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION): Verdict {
  const v = (order: number, step: Step): Verdict => ({ order, step });
  // 0. Our own routes win over learned ones (as BIRD's static over BGP preference).
  const la = a.source.kind === 'local' ? 0 : 1;
  const lb = b.source.kind === 'local' ? 0 : 1;
  if (la !== lb) return v(la - lb, Step.LOCAL);
  // 1. Highest LOCAL_PREF.
  if (localPref(a) !== localPref(b)) return v(localPref(b) - localPref(a), Step.LOCAL_PREF);
  // 2. Shortest AS_PATH (AS_SET counts one, confederation segments none).
  if (a.attrs.pathLength !== b.attrs.pathLength) return v(a.attrs.pathLength - b.attrs.pathLength, Step.AS_PATH);
  // 3. Lowest ORIGIN.
  if (a.attrs.origin !== b.attrs.origin) return v(a.attrs.origin - b.attrs.origin, Step.ORIGIN);
  // 4. Lowest MED, between paths from the same neighbouring AS unless told to always compare.
  if (o.alwaysCompareMed || a.attrs.neighborAs === b.attrs.neighborAs) {
    const ma = med(a, o);
    const mb = med(b, o);
    if (ma !== mb) return v(ma < mb ? -1 : 1, Step.MED);
  }
  // 5. eBGP over iBGP.
  const ea = a.source.kind === 'ebgp' ? 0 : 1;
  const eb = b.source.kind === 'ebgp' ? 0 : 1;
  if (ea !== eb) return v(ea - eb, Step.EBGP);
  // 6. Lowest IGP cost to the next hop.
  if (a.igpCost !== b.igpCost) return v(a.igpCost - b.igpCost, Step.IGP_COST);
  // 7. Shortest CLUSTER_LIST.
  if (a.attrs.clusterList.length !== b.attrs.clusterList.length) return v(a.attrs.clusterList.length - b.attrs.clusterList.length, Step.CLUSTER_LIST);
  // 8. Lowest router id (ORIGINATOR_ID when reflected).
  const ra = a.attrs.originatorId >= 0 ? a.attrs.originatorId : a.source.routerId;
  const rb = b.attrs.originatorId >= 0 ? b.attrs.originatorId : b.source.routerId;
  if (ra !== rb) return v(ra < rb ? -1 : 1, Step.ROUTER_ID);
  // 9. Lowest peer address.
  const c = compareBytes(a.source.addressBytes, b.source.addressBytes);
  if (c !== 0) return v(c, Step.PEER_ADDRESS);
  return v(0, Step.EQUAL);
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
