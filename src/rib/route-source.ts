import type { AdjRibIn } from './adj-rib-in.js';

/** Where a path came from: this router (announce) or a BGP peer, with what decisions need of it. */
export interface RouteSource {
  /** Small integer, unique while the source exists. */
  readonly id: number;
  /** Unique for the life of the process (ids are reused): caches keyed by source use it. Rib.newSource sets it. */
  readonly serial?: number;
  readonly kind: 'local' | 'ebgp' | 'ibgp';
  /** Peer address as a string for people, and as a comparable number/bytes for the last step. */
  readonly address: string;
  readonly addressBytes: Buffer;
  /** The peer's BGP identifier (uint32); ours for local routes. */
  readonly routerId: number;
  readonly peerAs: number;
  /**
   * The peer is our route-reflector client. Changes on a reload (Routing.reexport), followed by
   * Rib.reexportFrom: where this source's routes go depends on it.
   */
  isClient: boolean;
  /** The interface of a link-local session: its link-local next hops mean something only there. */
  readonly interface?: string;
  /** The routes as received, before import policy (neighbours with keepReceived only). */
  adjIn?: AdjRibIn;
}
