/**
 * Wiring: builds routing, the kernel sync, the sessions (peer-registry.ts), the TCP listener and
 * the control sockets from a Config, and owns their lifecycle; start-up (startup.ts) and reload
 * (reload.ts) are modules of their own.
 */
import { isDeepStrictEqual } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { MemoryGuard, defaultMemoryLimit, type MemoryGuardOptions } from './memory-guard.js';
import { Unnumbered } from './unnumbered.js';
import type { Logger } from 'pino';
import { Family } from '../wire/constants.js';
import { Peer, type Dialer, type PeerEvents } from '../session/peer.js';
import { BgpListener } from '../session/transport.js';
import { every, realClock, type Clock } from '../time/clock.js';
import type { LocalSpeaker } from '../session/negotiate.js';
import { ConfigError, type Config, type NeighborConfig } from '../config/load.js';
import { fileSource, type ConfigSource } from './config-source.js';
import type { CalicoSource } from './calico-source.js';
import type { ReloadPlan } from '../config/diff.js';
import { LoopMonitor } from './loop-monitor.js';
import { Routing } from './routing.js';
import { Convergence } from './convergence.js';
// Loaded only when used (fib.enabled, metrics): netlink and prom-client cost 10-15 MB of RSS each.
import type { KernelSync } from '../fib/kernel-sync.js';
import { ControlServer } from '../control/server.js';
import { registerCommands } from '../control/commands.js';
import { BirdCompatServer } from '../control/bird-compat.js';
import type { MetricsServer } from '../control/metrics.js';
import type { ControlHost } from '../control/host.js';
import { controlHost } from './control-host.js';
import { bindEvents, localSpeaker, peerConfig, tcpDialer } from './peer-settings.js';
import { PeerRegistry } from './peer-registry.js';
import { Startup } from './startup.js';
import { applyReload, planStep, type ReloadTarget } from './reload.js';
import { BfdGate } from './bfd-gate.js';
import { BmpExport } from './bmp-export.js';
import { RibDumper, strftimeUtc } from '../mrt/dumper.js';
import { UpdateLog, type SessionEnds } from '../mrt/update-log.js';
import { parseAddress, parseIpv4 } from '../wire/address.js';

export { DYNAMIC_MAX_PREFIXES } from './peer-registry.js';
export { peerConfig, tcpDialer } from './peer-settings.js';

/**
 * How often the memory guard looks (a flood of unique sets grows wrend by 100+ MB a second, so a
 * check a second overshot the budget by 150 MB), and how many checks it waits after stopping a
 * session for the freed memory to show (5 s).
 */
const GUARD_INTERVAL_MS = 250;
const GUARD_COOL_DOWN_CHECKS = 20;
/** How long stop() lets NOTIFICATIONs leave before the sockets go (real time: socket I/O). */
const STOP_FLUSH_MS = 200;

export class Daemon implements ReloadTarget {
  private listenerRef: BgpListener | null = null;
  /** The real event loop's delay (real time, whatever clock drives the protocol). */
  readonly loop = new LoopMonitor(realClock);
  private stopLoopSamples: (() => void) | null = null;

  /** The file the config came from; `configure` and SIGHUP read it again. */
  configFile: string | null = null;
  /** How that file becomes a config: alone, or merged with the Calico datastore. */
  configSource: ConfigSource = fileSource;
  /** The Calico datastore, when the config comes from it (status, stop). */
  calico: CalicoSource | null = null;
  /** Reloads run one after another (a datastore change may arrive while a SIGHUP is applied). */
  private reloadChain: Promise<unknown> = Promise.resolve();
  /** The config as given (file or datastore), before discovered unnumbered neighbours are added. */
  private baseConfig: Config;
  /** Unnumbered neighbours: router advertisements sent and heard on their interfaces. */
  readonly unnumbered: Unnumbered;

  constructor(
    public config: Config,
    readonly log: Logger,
    readonly clock: Clock = realClock,
    private readonly dialer: Dialer = tcpDialer,
    private events?: PeerEvents,
    private readonly socketPath: string | null = null,
  ) {
    this.baseConfig = config;
    this.unnumbered = new Unnumbered(log, () => {
      this.reload(this.baseConfig).catch((err: unknown) => this.log.warn({ error: (err as Error).message }, 'unnumbered neighbors not applied'));
    });
    this.registry = new PeerRegistry({
      config: () => this.config,
      makePeer: (n, openHoldTime) => {
        const pc = peerConfig(n);
        if (openHoldTime !== undefined) pc.fsm.openHoldTime = openHoldTime;
        return new Peer(pc, this.localSpeaker(n), this.clock, this.log, this.dialer, this.events);
      },
      clock,
      log,
    });
    this.bfd = new BfdGate({
      peers: () => this.registry.peers,
      // Listen-range clients have no BFD: their sessions exist only once they have connected.
      neighbors: () => new Map([...this.registry.neighbors].filter(([a]) => !this.registry.isDynamic(a))),
      log,
    });
    this.bmp = new BmpExport({
      config: () => this.config,
      peers: () => this.registry.peers,
      rib: () => this.routing?.rib.reader ?? null,
      filtered: (p) => this.routing?.filtered(p) ?? 0,
      clock,
      log,
    });
  }

  /** RIB dumps in MRT format, on request and every mrt.rib.interval seconds. */
  readonly dumper = new RibDumper(
    () => this.routing?.rib.reader ?? null,
    () => ({ routerId: parseIpv4(this.config.routerId), asn: this.config.asn, dumpDir: this.config.mrt.dumpDir, viewName: 'wren' }),
  );
  private stopRibDumps: (() => void) | null = null;

  /** BMP monitoring stations (bmp.stations). */
  readonly bmp: BmpExport;

  /** mrt.updates: every UPDATE and state change, when configured. */
  updateLog: UpdateLog | null = null;

  /** Set up, change or stop the update log as the config says. */
  private configureUpdateLog(): void {
    const u = this.config.mrt.updates;
    if (!u) {
      void this.updateLog?.close();
      this.updateLog = null;
      return;
    }
    const o = { path: u.path, interval: u.interval, queueBytes: u.queueMB * 1048576 };
    if (this.updateLog) this.updateLog.reconfigure(o);
    else this.updateLog = new UpdateLog(o, this.clock, (message) => this.log.warn({ message }, 'MRT'));
  }

  /** Both ends of a session, as BGP4MP records name them. */
  private sessionEnds(peer: Peer): SessionEnds {
    const n = this.registry.neighbor(peer.config.address);
    const remote = parseAddress(peer.config.address) ?? new Uint8Array(4);
    const local = peer.localAddress ? (parseAddress(peer.localAddress) ?? new Uint8Array(remote.length)) : new Uint8Array(remote.length);
    return { peerAs: peer.params?.peerAs ?? peer.config.asn, localAs: n?.localAs ?? this.config.asn, peer: remote, local };
  }

  /** The periodic RIB dump (mrt.rib): its timer follows the config in force. */
  private scheduleRibDumps(): void {
    this.stopRibDumps?.();
    this.stopRibDumps = null;
    const rib = this.config.mrt.rib;
    if (!rib || !this.routing) return;
    this.stopRibDumps = every(this.clock, rib.interval * 1000, () => {
      const file = strftimeUtc(rib.path, new Date(this.clock.now()));
      this.dumper.dump(file, [Family.IPV4_UNICAST, Family.IPV6_UNICAST], false).then(
        (r) => this.log.info({ file, prefixes: r.prefixes, paths: r.paths, bytes: r.bytes, ms: r.ms }, 'MRT RIB dump written'),
        (err: Error) => this.log.error({ file, error: err.message }, 'MRT RIB dump failed'),
      );
    });
  }

  /** Who is told of every session state change (wrenc monitor). */
  readonly sessionListeners = new Set<(address: string, from: string, to: string, reason: string) => void>();

  /** BFD for the neighbours that ask for it (the worker starts with the first one). */
  readonly bfd: BfdGate;

  syncBfd(): void {
    this.bfd.sync();
  }

  /** Every session by neighbour address, configured and dynamic. */
  readonly registry: PeerRegistry;
  routing: Routing | null = null;
  /** What the control layer is given of this daemon (control never imports src/daemon). */
  readonly host: ControlHost = controlHost(this);
  control: ControlServer | null = null;
  /** The read-only control socket (show commands only), when control.readOnlySocket is set. */
  private readOnlyControl: ControlServer | null = null;
  readonly birdCompat: BirdCompatServer[] = [];
  metrics: MetricsServer | null = null;
  kernel: KernelSync | null = null;
  /** Restart or cold start, and the deferral of exports after a restart (with routing only). */
  startup: Startup | null = null;
  private fibConvergence: Convergence | null = null;

  get peers(): ReadonlyMap<string, Peer> {
    return this.registry.peers;
  }

  get listener(): BgpListener | null {
    return this.listenerRef;
  }

  /** Startup: exports wait for it (graceful restart). */
  get exportConvergence(): Convergence | null {
    return this.startup?.exportConvergence ?? null;
  }

  localSpeaker(n: NeighborConfig): LocalSpeaker {
    return localSpeaker(this.config, n, this.startup?.restarting ?? false);
  }

  /** The settings of a neighbour (configured or dynamic). */
  neighborConfig(address: string): NeighborConfig | undefined {
    return this.registry.neighbor(address);
  }

  async start(): Promise<void> {
    this.configureUpdateLog();
    if (!this.events) {
      const routing = new Routing(this.config, this.registry.neighbors, this.log, this.clock);
      this.routing = routing;
      const startup = new Startup({
        config: () => this.config,
        peers: () => this.registry.peers,
        socketPath: this.socketPath,
        clock: this.clock,
        log: this.log,
        onTableComplete: () => this.refreshLocalSpeakers(),
      });
      this.startup = startup;
      this.events = {
        ...bindEvents(routing),
        update: (peer, u) => {
          // Route history first: the message as received, before the RIB sees it.
          this.updateLog?.update(this.sessionEnds(peer), u.buf.subarray(u.start, u.end), (peer.params?.addPathReceive ?? 0) !== 0);
          routing.update(peer, u);
          this.bmp.update(peer, u);
        },
        established: (peer, params) => {
          routing.established(peer, params);
          this.bmp.established(peer);
        },
        down: (peer, reason, notified, graceful) => {
          this.bmp.down(peer, notified);
          routing.down(peer, reason, graceful);
        },
        stateChange: (peer, from, to, reason) => {
          this.updateLog?.stateChange(this.sessionEnds(peer), from, to);
          routing.stateChange(peer, from, to, reason);
          startup.stateChange(peer, from, to);
          this.registry.stateChange(peer, from, to);
          for (const l of this.sessionListeners) l(peer.config.address, from, to, reason);
        },
      };
      startup.decide(routing);
    }
    for (const n of this.config.neighbors) this.registry.add(n);
    if (this.routing && this.config.fib.enabled) await this.startKernel(this.routing);
    const listener = new BgpListener((conn, socket) => this.registry.accept(conn, socket));
    this.listenerRef = listener;
    await listener.listen(this.config.listen.address, this.config.listen.port);
    for (const p of this.peers.values()) if (p.config.password) listener.setPeerPassword(p.config.address, p.config.password);
    await this.startControl();
    this.log.info({ listen: this.config.listen, peers: this.peers.size, routerId: this.config.routerId, asn: this.config.asn, socket: this.socketPath }, 'wrend started');
    // Started before the sessions, so the first connect-retry timers are watched.
    this.startup?.start();
    this.bfd.sync();
    for (const p of this.peers.values()) p.start();
    this.startMemoryGuard();
    this.scheduleRibDumps();
    this.bmp.configure();
    this.unnumbered.configure(this.config.unnumbered);
    this.stopLoopSamples = every(this.clock, 10_000, () => {
      const s = this.loop.sample();
      if (s.maxMs >= 100) this.log.warn({ maxMs: Math.round(s.maxMs), p99Ms: Math.round(s.p99Ms) }, 'event loop stalled');
      else this.log.debug({ maxMs: Math.round(s.maxMs), p99Ms: Math.round(s.p99Ms) }, 'event loop delay');
    });
  }

  /** The control socket, the read-only socket, metrics and the BIRD-compatible sockets. */
  private async startControl(): Promise<void> {
    const startedAt = Date.now();
    if (this.socketPath) {
      this.control = new ControlServer(this.socketPath, this.log, this.config.control.group);
      registerCommands(this.control, this.host, startedAt);
      await this.control.start();
    }
    if (this.config.control.readOnlySocket) {
      this.readOnlyControl = new ControlServer(this.config.control.readOnlySocket, this.log, this.config.control.readOnlyGroup, true);
      registerCommands(this.readOnlyControl, this.host, startedAt);
      await this.readOnlyControl.start();
    }
    if (this.config.metrics) {
      const { MetricsServer, buildRegistry } = await import('../control/metrics.js');
      this.metrics = new MetricsServer(this.config.metrics.listen, buildRegistry(this.host), this.log, () => this.host.health());
      await this.metrics.start();
    }
    const compat: [string | null, Family][] = [[this.config.control.birdCompat, Family.IPV4_UNICAST], [this.config.control.birdCompat6, Family.IPV6_UNICAST]];
    for (const [path, family] of compat) {
      if (!path) continue;
      const s = new BirdCompatServer(path, this.host, this.log, this.config.control.group, family);
      await s.start();
      this.birdCompat.push(s);
    }
  }

  /** The memory budget, checked every GUARD_INTERVAL_MS (see memory-guard.ts). */
  guard: MemoryGuard | null = null;
  private stopGuard: (() => void) | null = null;

  private guardOptions(c: Config): MemoryGuardOptions {
    return { limitBytes: c.memory.limitMB !== null ? c.memory.limitMB * 1048576 : defaultMemoryLimit(), heapShare: c.memory.heapShare, coolDownChecks: GUARD_COOL_DOWN_CHECKS };
  }

  private startMemoryGuard(): void {
    const routing = this.routing;
    if (!routing) return;
    const guard = new MemoryGuard(
      this.guardOptions(this.config),
      () => {
        const m = process.memoryUsage();
        return { rss: m.rss, live: m.heapUsed + m.external, heapUsed: m.heapUsed, heapLimit: getHeapStatistics().heap_size_limit };
      },
      () => routing.heldSessions(),
      (w) => this.log.error({ peer: w.session, paths: w.held, grew: w.grew, rssMB: Math.round(w.reading.rss / 1048576), heapUsedMB: Math.round(w.reading.heapUsed / 1048576), why: w.why }, 'memory budget exceeded: stopping the session that grew most (Cease / Out of Resources)'),
    );
    this.guard = guard;
    this.stopGuard = every(this.clock, GUARD_INTERVAL_MS, () => guard.check());
  }

  /** The restart record (restart-state.ts), or null when there is nowhere to keep it. */
  get restartFile() {
    return this.startup?.restartFile ?? null;
  }

  /** Every peer's OPEN from now on follows the current settings (restart state, graceful restart). */
  refreshLocalSpeakers(): void {
    for (const [address, peer] of this.peers) {
      const n = this.registry.neighbor(address);
      if (n) peer.reconfigure(peer.config, this.localSpeaker(n));
    }
  }

  /** Kernel sync: adopt the kernel's wren routes, and prune the stale ones once converged. */
  private async startKernel(routing: Routing): Promise<void> {
    const { KernelSync } = await import('../fib/kernel-sync.js');
    const k = new KernelSync(this.config.fib, routing.rib, this.log, routing.ownAddresses, undefined, routing.policies, this.clock);
    this.kernel = k;
    await k.start();
    const c = new Convergence(
      this.config.neighbors.map((n) => n.address),
      (why) => {
        this.log.info({ why }, 'converged');
        void k.fib.prune();
      },
      this.clock,
    );
    this.fibConvergence = c;
    routing.endOfRibListeners.push((address) => c.endOfRib(address));
    c.start(this.config.fib.convergenceTimeout);
  }

  get listenPorts(): number[] {
    return this.listenerRef?.ports ?? [];
  }

  /** Listen-range connections refused by the caps. */
  get refusedDynamic(): number {
    return this.registry.refusedDynamic;
  }

  /**
   * Apply a new config: only the difference (config/diff.ts), in two steps (reload.ts): what can
   * fail first and undone on failure, then the rest. Sessions whose settings did not change stay
   * up; settings that need a restart are reported and left as they are; a change of identity
   * (routerId, asn) is refused as a whole.
   */
  async reload(given: Config, check = false): Promise<ReloadPlan> {
    const run = this.reloadChain.then(async () => {
      // Discovered unnumbered neighbours stay through every reload (the file does not list them).
      const next = this.unnumbered.expand(given);
      if (check) return planStep(this.config, next);
      const plan = await applyReload(this, next);
      // What later discoveries build on: the config last applied, not one that was refused.
      this.baseConfig = given;
      return plan;
    });
    this.reloadChain = run.catch(() => undefined);
    if (!check) {
      run.then(
        () => this.reloadCounts.applied++,
        () => this.reloadCounts.failed++,
      );
    }
    return run;
  }

  /** Reloads applied and refused (a file that does not load counts as refused too: reloadFile). */
  readonly reloadCounts = { applied: 0, failed: 0 };

  /** Part of a reload: settings outside sessions and routing. */
  applyOperational(effective: Config, old: Config): void {
    if (JSON.stringify(effective.mrt.rib) !== JSON.stringify(old.mrt.rib)) this.scheduleRibDumps();
    if (JSON.stringify(effective.mrt.updates) !== JSON.stringify(old.mrt.updates)) this.configureUpdateLog();
    this.bmp.configure();
    if (this.guard) this.guard.options = this.guardOptions(effective);
    this.kernel?.fib.setBlackholes(effective.fib.blackhole);
    if (!isDeepStrictEqual(effective.fib.staticRoutes, old.fib.staticRoutes)) this.kernel?.setStaticRoutes(effective.fib.staticRoutes).catch((err: unknown) => this.log.warn({ err }, 'static routes not applied'));
    if (!isDeepStrictEqual(effective.unnumbered.map((u) => u.interface), old.unnumbered.map((u) => u.interface))) this.unnumbered.configure(effective.unnumbered);
    if (!isDeepStrictEqual(effective.fib.excludeWithin, old.fib.excludeWithin)) this.kernel?.fib.setExcludeWithin(effective.fib.excludeWithin);
    if (!isDeepStrictEqual(effective.fib.ignoreInterfaces, old.fib.ignoreInterfaces)) this.kernel?.setIgnoredInterfaces(effective.fib.ignoreInterfaces);
    if (effective.control.group !== old.control.group) this.control?.setGroup(effective.control.group);
    if (effective.control.readOnlyGroup !== old.control.readOnlyGroup) this.readOnlyControl?.setGroup(effective.control.readOnlyGroup);
    if (effective.logging.level !== old.logging.level && effective.logging.level) this.log.level = effective.logging.level;
    for (const s of this.birdCompat) s.reconfigured();
  }

  /** Read `file` (default: the file wrend started with), then reload() or, with check, only plan. */
  async reloadFile(file: string | null, check = false): Promise<ReloadPlan> {
    const path = file ?? this.configFile;
    if (!path) throw new ConfigError('wrend was not started from a config file; name one');
    // A file named over the socket must be under control.configDir when that is set, and cannot
    // change who may use the sockets: that comes from wrend's own file only.
    let next: Config;
    try {
      next = await this.configSource.load(path, file === null ? null : this.config.control.configDir);
    } catch (err) {
      if (!check) this.reloadCounts.failed++;
      throw err;
    }
    if (file !== null && path !== this.configFile) {
      const c = this.config.control;
      const changed = (['group', 'configDir', 'readOnlyGroup'] as const).filter((k) => next.control[k] !== c[k]);
      if (changed.length > 0) {
        throw new ConfigError(`${path}: ${changed.map((k) => `control.${k}`).join(', ')} change only through wrend's own file (SIGHUP, or configure without FILE); nothing was applied`);
      }
    }
    return this.reload(next, check);
  }

  /**
   * Stop wrend. `restart` (SIGTERM): with graceful restart, sessions close without a NOTIFICATION
   * so peers keep our routes until we are back, and the kernel routes stay (fib.persist).
   * `down` (wrenc down): Cease with `message` to every peer, and wren's kernel routes removed.
   */
  async stop(message: string, mode: 'restart' | 'down' = 'restart'): Promise<void> {
    this.listenerRef?.close();
    this.unnumbered.stop();
    this.control?.close();
    this.readOnlyControl?.close();
    for (const s of this.birdCompat) s.close();
    this.metrics?.close();
    // Freeze the kernel FIB first: the sessions about to close must not withdraw its routes.
    await this.kernel?.stop(mode === 'down' ? true : undefined);
    this.stopLoopSamples?.();
    this.stopGuard?.();
    this.stopRibDumps?.();
    this.log.info({ worstEventLoopDelayMs: Math.round(this.loop.worstMs), mode }, 'stopping');
    // The next start: a restart (peers keep our routes) or, after `wrenc down`, a cold one.
    this.startup?.stop(mode);
    this.loop.stop();
    for (const p of this.peers.values()) {
      // Sessions that negotiated graceful restart (both sides announced it) close for a restart.
      if (mode === 'restart' && p.params?.gracefulRestartFamilies) p.close('wrend restarting (graceful restart)');
      else p.stop(mode === 'down' ? (this.downMessage ?? message) : message);
    }
    // Let the NOTIFICATIONs leave before the process goes; BFD says AdminDown after them, so
    // peers do not take it for a failure (RFC 5882 §3.2).
    await new Promise((r) => setTimeout(r, STOP_FLUSH_MS));
    await this.bfd.stop();
    await this.updateLog?.close();
    await this.bmp.stop();
    for (const p of this.peers.values()) p.dispose();
    this.fibConvergence?.stop();
    await this.calico?.stop();
  }

  /** The Cease message `wrenc down` asked for. */
  downMessage: string | null = null;

  /** Set by wrend: ends the process after stop() (`wrenc down`). */
  requestShutdown: (mode: 'restart' | 'down') => void = () => undefined;
}
