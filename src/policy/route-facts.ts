/**
 * What policy reads of a route: its attributes and where it came from. The RIB's AttrSet and
 * RouteSource have these fields (and more); policy needs nothing else of the RIB, so src/policy
 * imports only src/wire and src/rib may import policy.
 */
import type { AsPathSegment, PathAttribute } from '../wire/attributes/types.js';

export interface PolicyAttrs {
  /** Path attributes other than NEXT_HOP and MP_(UN)REACH (communities of every kind are here). */
  readonly attrs: readonly PathAttribute[];
  readonly nextHop: Buffer;
  readonly asPath: readonly AsPathSegment[];
  readonly pathLength: number;
  /** -1 when absent. */
  readonly localPref: number;
  readonly med: number;
  readonly communities: readonly number[];
  /** The attribute of a kind, if present. */
  get(kind: PathAttribute['kind']): PathAttribute | undefined;
}

export interface PolicySource {
  readonly kind: 'local' | 'ebgp' | 'ibgp';
  readonly address: string;
  readonly addressBytes: Buffer;
  readonly peerAs: number;
}
