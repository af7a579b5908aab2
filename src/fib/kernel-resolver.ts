/**
 * Next-hop resolution against the kernel: directly connected (an address of an up interface
 * covers it) or recursive through a kernel route that is not wren's own (as Calico's `gateway
 * recursive`). Topology changes bump the epoch, debounced, and the RIB decides again.
 */
import { UNREACHABLE, type NextHopResolver } from '../rib/nexthop.js';
import { AF_INET, RTN_UNICAST, type KernelRoute } from './netlink/rtnl-codec.js';
import { samePrefix, type ConnectedNetworks } from './connected.js';
import { routeKey } from './fib-sync.js';
import { realClock, type Clock } from '../time/clock.js';

export class KernelResolver implements NextHopResolver {
  epoch = 0;
  private readonly routes = new Map<string, KernelRoute>();
  private timer: unknown = null;

  constructor(
    private readonly connected: ConnectedNetworks,
    private readonly ownProtocol: number,
    private readonly onChange: () => void,
    private readonly clock: Clock = realClock,
  ) {}

  cost(nextHop: Buffer): number {
    const nh = nextHop.length === 32 ? nextHop.subarray(0, 16) : nextHop;
    if (this.connected.isConnected(nh)) return 0;
    let best: KernelRoute | null = null;
    for (const r of this.routes.values()) {
      if ((r.family === AF_INET) !== (nh.length === 4) || r.type !== RTN_UNICAST) continue;
      if (!samePrefix(r.dst, nh, r.dstLen)) continue;
      if (!best || r.dstLen > best.dstLen) best = r;
    }
    return best ? 1 + Math.min(best.priority, 1_000_000) : UNREACHABLE;
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
