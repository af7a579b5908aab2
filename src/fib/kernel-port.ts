/**
 * The FIB's view of the kernel, as a port: the reconcile logic talks to this interface; the real
 * implementation speaks rtnetlink, tests use a fake kernel.
 */
import type { KernelAddress, KernelLink, KernelRoute } from './netlink/rtnl-codec.js';

export type RouteOp = { op: 'replace' | 'delete'; route: KernelRoute };

export interface KernelEvents {
  /** Cheap pre-filter (protocol and rtm_table byte) before a route notification is decoded. */
  wantRoute?(deleted: boolean, protocol: number, table: number): boolean;
  route(r: KernelRoute, deleted: boolean): void;
  link(l: KernelLink, deleted: boolean): void;
  address(a: KernelAddress, deleted: boolean): void;
  resync(): void;
}

export interface KernelPort {
  dumpRoutes(): Promise<KernelRoute[]>;
  /** Routes of one protocol and table (filtered before decoding). */
  dumpRoutesOf(protocol: number, table: number): Promise<KernelRoute[]>;
  dumpLinks(): Promise<KernelLink[]>;
  dumpAddresses(): Promise<KernelAddress[]>;
  /** Apply changes; resolves with an errno per op (0 = done). */
  apply(ops: RouteOp[]): Promise<number[]>;
  subscribe(events: KernelEvents): void;
  /** Pause route notifications during bulk changes of our own (the caller rescans afterwards). */
  setRouteEvents(on: boolean): void;
  close(): void;
}
