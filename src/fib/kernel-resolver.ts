/**
 * Next-hop resolution against the kernel: directly connected (an address of an up interface
 * covers it) or recursive through a kernel route that is not wren's own, or one of wren's static
 * routes (as Calico's `gateway recursive`). A recursive next hop is installed through the gateway
 * of the route that covers it (`gatewayFor`): Linux takes only on-link gateways. Topology changes
 * bump the epoch, debounced, and the RIB decides again.
 */
import { primaryNextHop } from '../wire/address.js';
import { UNREACHABLE, type NextHopResolver } from '../rib/nexthop.js';
import { AF_INET, RTN_UNICAST, type KernelRoute } from './netlink/rtnl-codec.js';
import type { ConnectedNetworks } from './connected.js';
import { samePrefix } from '../wire/nlri.js';
import { routeKey } from './fib-sync.js';
import { realClock, type Clock } from '../time/clock.js';

export class KernelResolver implements NextHopResolver {
  epoch = 0;
  private readonly routes = new Map<string, KernelRoute>();
  /** wren's own static routes (fib.staticRoutes): they resolve next hops as other routes do. */
  private statics: KernelRoute[] = [];
  private timer: unknown = null;

  constructor(
    private readonly connected: ConnectedNetworks,
    private readonly ownProtocol: number,
    private readonly onChange: () => void,
    private readonly clock: Clock = realClock,
  ) {}

  cost(nextHop: Buffer): number {
    // A 32-byte IPv6 next hop is global + link-local; with the global half unspecified (a
    // link-local session without global addresses, as BIRD sends it) the link-local half counts.
    const nh = primaryNextHop(nextHop);
    if (this.connected.isConnected(nh)) return 0;
    const best = this.covering(nh);
    return best ? 1 + Math.min(best.priority, 1_000_000) : UNREACHABLE;
  }

  /** The most specific unicast route covering `nh` (the lowest metric among equals). */
  private covering(nh: Buffer): KernelRoute | null {
    let best: KernelRoute | null = null;
    const consider = (r: KernelRoute) => {
      if ((r.family === AF_INET) !== (nh.length === 4) || r.type !== RTN_UNICAST) return;
      if (!samePrefix(r.dst, 0, nh, 0, r.dstLen)) return;
      if (!best || r.dstLen > best.dstLen || (r.dstLen === best.dstLen && r.priority < best.priority)) best = r;
    };
    for (const r of this.statics) consider(r);
    for (const r of this.routes.values()) consider(r);
    return best;
  }

  /**
   * The on-link gateway to install for a next hop that is not on a connected subnet: the gateway
   * of the route covering it, when that gateway is connected. null: none (the next hop is used as
   * it is, and the kernel decides).
   */
  gatewayFor(nh: Buffer): Buffer | null {
    if (this.statics.length === 0 && this.routes.size === 0) return null;
    const r = this.covering(nh);
    const gw = r?.nexthops[0]?.gateway;
    if (!r || !gw || gw.length !== nh.length || r.nexthops.length !== 1 || r.nexthops[0]?.onlink) return null;
    return this.connected.isConnected(gw) ? gw : null;
  }

  /** wren's static routes changed. */
  setStatics(routes: KernelRoute[]): void {
    this.statics = routes;
    this.changed();
  }

  /** A kernel route that is not ours appeared or went away. */
  route(r: KernelRoute, deleted: boolean): void {
    if (r.protocol === this.ownProtocol) return;
    const key = `${r.table}|${routeKey(r.family, r.dst, r.dstLen)}|${r.priority}`;
    if (deleted) this.routes.delete(key);
    else this.routes.set(key, r);
    this.changed();
  }

  reset(routes: KernelRoute[]): void {
    this.routes.clear();
    for (const r of routes) this.route(r, false);
  }

  /** Links, addresses or routes changed: answers may differ; tell the RIB once things settle. */
  changed(): void {
    if (this.timer !== null) return;
    this.timer = this.clock.setTimer(200, () => {
      this.timer = null;
      this.epoch++;
      this.onChange();
    });
  }
}
