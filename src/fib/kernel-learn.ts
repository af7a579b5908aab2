/**
 * Kernel -> RIB: routes other agents write (Felix's blackhole routes for local blocks, static
 * routes) become locally originated routes, as BIRD's `protocol kernel { learn; }` does.
 */
import { Family } from '../wire/constants.js';
import { AF_INET, type KernelRoute } from './netlink/rtnl-codec.js';
import { maskBytes, type Prefix } from '../wire/nlri.js';
import { routeKey } from './fib-sync.js';
import type { Rib } from '../rib/rib.js';
import type { RouteSource } from '../rib/route-source.js';
import type { PolicyChain } from '../policy/policy.js';

export class KernelLearn {
  readonly source: RouteSource;
  private readonly learned = new Map<string, Prefix>();

  constructor(
    private readonly rib: Rib,
    private readonly protocols: number[],
    private readonly tables: number[],
    private readonly ownProtocol: number,
    /** Decides what is announced (a blackhole for a pod block, not a route per workload). */
    private readonly policy: PolicyChain | null = null,
    /** Interface names by index, for `interface` matches (`cali*`, `tunl0`). */
    private readonly ifaceName: (index: number) => string = () => '',
  ) {
    this.source = rib.newSource({ kind: 'local', address: 'kernel', addressBytes: Buffer.alloc(0), routerId: rib.options.routerId, peerAs: rib.options.localAsn, isClient: false });
  }

  private wanted(r: KernelRoute): boolean {
    return r.protocol !== this.ownProtocol && this.protocols.includes(r.protocol) && (this.tables.length === 0 || this.tables.includes(r.table));
  }

  route(r: KernelRoute, deleted: boolean): void {
    if (!this.wanted(r)) return;
    const key = routeKey(r.family, r.dst, r.dstLen);
    if (deleted) {
      const p = this.learned.get(key);
      if (!p) return;
      this.learned.delete(key);
      this.rib.unoriginate(this.source, p);
      return;
    }
    if (this.learned.has(key)) return;
    const bytes = Buffer.from(r.dst.subarray(0, r.family === AF_INET ? 4 : 16));
    maskBytes(bytes, r.dstLen);
    const p: Prefix = { family: r.family === AF_INET ? Family.IPV4_UNICAST : Family.IPV6_UNICAST, bytes, length: r.dstLen };
    this.learned.set(key, p);
    const oif = r.nexthops[0]?.oif ?? 0;
    this.rib.originate(this.source, p, this.policy, oif ? this.ifaceName(oif) : '');
  }

  /** After a resync dump: learn what is there, forget what is gone. */
  reconcile(routes: KernelRoute[]): void {
    const seen = new Set<string>();
    for (const r of routes) {
      if (!this.wanted(r)) continue;
      seen.add(routeKey(r.family, r.dst, r.dstLen));
      this.route(r, false);
    }
    for (const [key, p] of this.learned) {
      if (seen.has(key)) continue;
      this.learned.delete(key);
      this.rib.unoriginate(this.source, p);
    }
  }

  get size(): number {
    return this.learned.size;
  }
}
