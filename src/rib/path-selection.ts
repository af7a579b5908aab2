/**
 * Which paths of a prefix an ADD-PATH send session gets (RFC 7911): the best only, all of them,
 * the ECMP set (the RIB's multipath rule), or the N best in decision order. The candidates come
 * in as parallel arrays (sources, attribute sets, next-hop costs); the answer is their indexes,
 * best first. The N best are found by taking the best of what is left, N times: N is small.
 */
import { selectBest, sharesMultipath, type DecisionOptions } from './decision.js';
import type { AttrSet } from './attr-set.js';
import type { RouteSource } from './route-source.js';

/** `best`, `all`, `multipath`, or a number N for the N best. */
export type PathSelection = 'best' | 'all' | 'multipath' | number;

/** The indexes of the candidates to send, best first (into `out`); returns how many. */
export function selectPaths(sel: PathSelection, n: number, src: RouteSource[], attrs: AttrSet[], cost: number[], o: DecisionOptions, out: number[]): number {
  if (n === 0) return 0;
  const best = selectBest(n, src, attrs, cost, o);
  if (best < 0) return 0;
  out[0] = best;
  if (sel === 'best') return 1;
  let k = 1;
  if (sel === 'all' || sel === 'multipath') {
    for (let i = 0; i < n; i++) {
      if (i === best) continue;
      if (sel === 'all' || sharesMultipath(src[best] as RouteSource, attrs[best] as AttrSet, cost[best] as number, src[i] as RouteSource, attrs[i] as AttrSet, cost[i] as number, o)) out[k++] = i;
    }
    return k;
  }
  // The N best: the best of what is left, until N are taken or none is left.
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (i !== best) idx.push(i);
  while (k < sel && idx.length > 0) {
    const i = selectBest(idx.length, idx.map((j) => src[j] as RouteSource), idx.map((j) => attrs[j] as AttrSet), idx.map((j) => cost[j] as number), o);
    if (i < 0) break;
    out[k++] = idx[i] as number;
    idx.splice(i, 1);
  }
  return k;
}
