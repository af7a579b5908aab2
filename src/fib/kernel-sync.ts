/**
 * Everything between wren and the kernel: the FIB export, route learning, interface and address
 * tracking, and resync when notifications were lost. Built by the daemon when `fib.enabled`.
 */
import type { Logger } from 'pino';
import { FibSync } from './fib-sync.js';
import type { PolicyRegistry } from '../policy/policy.js';
import { KernelLearn } from './kernel-learn.js';
import { ConnectedNetworks } from './connected.js';
import { NetlinkKernel } from './netlink/netlink-kernel.js';
import type { KernelPort } from './kernel-port.js';
import type { FibConfig } from '../config/fib-config.js';
import type { Rib } from '../rib/rib.js';
import { addressToString } from '../wire/address.js';
import { KernelResolver } from './kernel-resolver.js';
import { realClock, type Clock } from '../time/clock.js';

export class KernelSync {
  readonly connected: ConnectedNetworks;
  readonly fib: FibSync;
  readonly learn: KernelLearn | null;
  readonly resolver: KernelResolver;
  private resyncing = false;

  constructor(
    private readonly config: FibConfig,
    rib: Rib,
    private readonly log: Logger,
    private readonly ownAddresses: Set<string>,
    private readonly kernel: KernelPort = new NetlinkKernel(),
    policies: PolicyRegistry | null = null,
    private readonly clock: Clock = realClock,
  ) {
    this.connected = new ConnectedNetworks(config.ignoreInterfaces);
    this.fib = new FibSync(config, rib.reader, kernel, this.connected, log, policies?.chain(config.policy) ?? null, clock);
    this.learn = config.learn
      ? new KernelLearn(rib, config.learn.protocols, config.learn.tables, config.protocol, policies?.chain(config.learn.policy) ?? null, (i) => this.connected.nameOf(i))
      : null;
    rib.reader.onChange((family, slot) => this.fib.touch(family, slot));
    this.resolver = new KernelResolver(
      this.connected,
      config.protocol,
      () => {
        this.fib.resolutionChanged();
        rib.redecideAll();
      },
      clock,
    );
    this.resolver.setStatics(this.fib.staticRoutesOf(config.staticRoutes));
    this.fib.gatewayFor = (nh) => this.resolver.gatewayFor(nh);
    rib.setResolver(this.resolver);
    // Notifications were paused for a bulk change: catch up with whatever else changed meanwhile,
    // once the bulk work has stopped for a second (a resync dumps every route: during a million-
    // route install it must not run every second).
    let pendingRescan: unknown = null;
    this.fib.onBulkDone = () => {
      if (pendingRescan !== null) clock.clearTimer(pendingRescan);
      pendingRescan = clock.setTimer(1000, () => {
        pendingRescan = null;
        void this.resync(false);
      });
    };
  }

  async start(): Promise<void> {
    const own = this.config.protocol;
    const learnProtocols = this.config.learn?.protocols ?? [];
    this.kernel.subscribe({
      // Our own additions echo back by the thousand: only deletions of ours (drift) and routes
      // of learned protocols matter.
      wantRoute: (deleted, protocol) => (protocol === own ? deleted : true),
      route: (r, deleted) => {
        this.resolver.route(r, deleted);
        if (learnProtocols.includes(r.protocol)) this.learn?.route(r, deleted);
        this.fib.onKernelRoute(r, deleted);
      },
      link: (l, deleted) => {
        this.connected.setLink(l, deleted);
        this.fib.refreshTunnel();
        this.resolver.changed();
      },
      address: (a, deleted) => {
        this.connected.setAddress(a, deleted);
        this.fib.connectedChanged();
        this.resolver.changed();
        if (deleted) this.ownAddresses.delete(addressToString(a.address));
        else this.ownAddresses.add(addressToString(a.address));
      },
      resync: () => void this.resync(true),
    });
    await this.readState();
    await this.fib.start();
  }

  private async readState(): Promise<void> {
    for (const l of await this.kernel.dumpLinks()) this.connected.setLink(l);
    for (const a of await this.kernel.dumpAddresses()) {
      this.connected.setAddress(a);
      this.ownAddresses.add(addressToString(a.address));
    }
    const routes = await this.kernel.dumpRoutes();
    this.resolver.reset(routes.filter((r) => r.protocol !== this.config.protocol));
    if (this.learn) this.learn.reconcile(routes);
    this.resolver.changed();
  }

  /** Notifications were lost (ENOBUFS) or paused: read everything again and repair. */
  async resync(lost = true): Promise<void> {
    if (this.resyncing) return;
    this.resyncing = true;
    if (lost) this.log.warn('kernel notifications lost (ENOBUFS): resyncing from a dump');
    try {
      await this.readState();
      await this.fib.scan();
    } finally {
      this.resyncing = false;
    }
  }

  /** A new fib.staticRoutes (a reload): installed, removed, and used for next-hop resolution. */
  async setStaticRoutes(list: readonly { prefix: string; via: string }[]): Promise<void> {
    const routes = this.fib.staticRoutesOf(list);
    this.resolver.setStatics(routes);
    await this.fib.setStaticRoutes(routes);
  }

  /** A new fib.ignoreInterfaces (a reload): connected networks, tunnels and next hops are decided again. */
  setIgnoredInterfaces(patterns: readonly string[]): void {
    this.connected.setIgnored(patterns);
    this.fib.connectedChanged();
    this.resolver.changed();
  }

  async stop(withdraw?: boolean): Promise<void> {
    await this.fib.stop(withdraw);
    this.kernel.close();
  }
}
