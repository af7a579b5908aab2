/**
 * The FIB's view of the kernel, as a port: the reconcile logic talks to this interface; the real
 * implementation speaks rtnetlink, tests use a fake kernel.
 */
import type { KernelAddress, KernelLink, KernelRoute } from './netlink/rtnl-codec.js';

export type RouteOp = { op: 'replace' | 'delete'; route: KernelRoute };

export interface KernelEvents {
  route(r: KernelRoute, deleted: boolean): void;
  link(l: KernelLink, deleted: boolean): void;
  address(a: KernelAddress, deleted: boolean): void;
  resync(): void;
}

export interface KernelPort {
  dumpRoutes(): Promise<KernelRoute[]>;
  dumpLinks(): Promise<KernelLink[]>;
  dumpAddresses(): Promise<KernelAddress[]>;
  /** Apply changes; resolves with an errno per op (0 = done). */
  apply(ops: RouteOp[]): Promise<number[]>;
  subscribe(events: KernelEvents): void;
  close(): void;
}
