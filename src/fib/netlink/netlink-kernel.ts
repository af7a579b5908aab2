import { AF_INET, AF_INET6, RTM_DELROUTE, RTM_NEWROUTE, encodeRoute, routeMessageSize } from './rtnl-codec.js';
import { RtnlMonitor, RtnlSocket } from './rtnl-socket.js';
import type { KernelEvents, KernelPort, RouteOp } from '../kernel-port.js';
import type { KernelAddress, KernelLink, KernelRoute } from './rtnl-codec.js';

/** The real kernel, over rtnetlink. */
export class NetlinkKernel implements KernelPort {
  private readonly sock = new RtnlSocket();
  private monitor: RtnlMonitor | null = null;

  async dumpRoutes(): Promise<KernelRoute[]> {
    return [...(await this.sock.dumpRoutes(AF_INET)), ...(await this.sock.dumpRoutes(AF_INET6))];
  }

  dumpLinks(): Promise<KernelLink[]> {
    return this.sock.dumpLinks();
  }

  async dumpAddresses(): Promise<KernelAddress[]> {
    return [...(await this.sock.dumpAddresses(AF_INET)), ...(await this.sock.dumpAddresses(AF_INET6))];
  }

  apply(ops: RouteOp[]): Promise<number[]> {
    const msgs = ops.map((o) => {
      const seq = this.sock.nextSeq();
      const buf = Buffer.allocUnsafe(routeMessageSize(o.route));
      encodeRoute(buf, 0, o.op === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE, o.route, seq);
      return { buf, seq };
    });
    return this.sock.batch(msgs);
  }

  subscribe(events: KernelEvents): void {
    this.monitor = new RtnlMonitor(events);
  }

  close(): void {
    this.monitor?.close();
    this.sock.close();
  }
}
