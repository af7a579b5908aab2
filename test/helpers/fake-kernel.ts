import type { KernelEvents, KernelPort, RouteOp } from '../../src/fib/kernel-port.js';
import type { KernelAddress, KernelLink, KernelRoute } from '../../src/fib/netlink/rtnl-codec.js';
import { routeKey } from '../../src/fib/fib-sync.js';

/** An in-memory kernel routing table with notifications, for FIB unit tests. */
export class FakeKernel implements KernelPort {
  readonly routes = new Map<string, KernelRoute>();
  links: KernelLink[] = [{ index: 1, name: 'lo', up: true }, { index: 2, name: 'eth0', up: true }];
  addrs: KernelAddress[] = [{ family: 2, index: 2, prefixLen: 24, address: Buffer.from([192, 0, 2, 1]) }];
  events: KernelEvents | null = null;
  ops: RouteOp[] = [];
  applyCalls = 0;
  /** Prefix keys the fake refuses (as the kernel refuses an unreachable gateway). */
  readonly refuse = new Set<string>();

  key(r: KernelRoute): string {
    return `${r.table}|${routeKey(r.family, r.dst, r.dstLen)}|${r.priority}`;
  }

  async dumpRoutes(): Promise<KernelRoute[]> {
    return [...this.routes.values()];
  }
  async dumpRoutesOf(protocol: number, table: number): Promise<KernelRoute[]> {
    return [...this.routes.values()].filter((r) => r.protocol === protocol && r.table === table);
  }
  async dumpLinks(): Promise<KernelLink[]> {
    return this.links;
  }
  async dumpAddresses(): Promise<KernelAddress[]> {
    return this.addrs;
  }
  async apply(ops: RouteOp[]): Promise<number[]> {
    this.applyCalls++;
    this.ops.push(...ops);
    return ops.map((o) => {
      const k = this.key(o.route);
      if (this.refuse.has(routeKey(o.route.family, o.route.dst, o.route.dstLen))) return -101;
      if (o.op === 'delete') {
        if (!this.routes.has(k)) return -3;
        this.routes.delete(k);
        return 0;
      }
      this.routes.set(k, { ...o.route, nexthops: o.route.nexthops.map((n) => ({ ...n })) });
      return 0;
    });
  }
  subscribe(events: KernelEvents): void {
    this.events = events;
  }
  routeEvents = true;
  setRouteEvents(on: boolean): void {
    this.routeEvents = on;
  }
  close(): void {}

  /** Somebody else changes the table: the change is notified as the kernel would. */
  externalAdd(r: KernelRoute): void {
    this.routes.set(this.key(r), r);
    this.events?.route(r, false);
  }
  externalDelete(r: KernelRoute): void {
    this.routes.delete(this.key(r));
    this.events?.route(r, true);
  }

  ours(protocol: number): KernelRoute[] {
    return [...this.routes.values()].filter((r) => r.protocol === protocol);
  }
}
