/**
 * Next-hop resolution: whether a path's next hop can be reached, and at what cost. Directly
 * connected next hops cost 0; next hops reached through a kernel route (BIRD's `gateway
 * recursive`) cost 1 plus the route's metric; unreachable ones make the path ineligible.
 * Results are cached per attribute set and recomputed when the kernel's topology changes.
 */
export const UNREACHABLE = -1;

export interface NextHopResolver {
  /** The cost to reach `nextHop` (4 or 16/32 bytes), or UNREACHABLE. */
  cost(nextHop: Buffer): number;
  /** Bumped whenever answers may have changed. */
  readonly epoch: number;
}

/** Without a kernel view every next hop is taken as reachable at cost 0. */
export const ALWAYS_REACHABLE: NextHopResolver = { cost: () => 0, epoch: 0 };
