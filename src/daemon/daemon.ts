/**
 * Wiring: builds the local speaker, one Peer per neighbour and the TCP listener from a Config, and
 * owns their lifecycle.
 */
import { getHeapStatistics } from 'node:v8';
import { MemoryGuard, defaultMemoryLimit, type MemoryGuardOptions } from './memory-guard.js';
import type net from 'node:net';
import type { Logger } from 'pino';
import { CeaseSubcode, Family } from '../wire/constants.js';
import { parseAddress, parseIpv4 } from '../wire/address.js';
import { maskBytes, parsePrefix } from '../wire/nlri.js';
import { DEFAULT_FSM_CONFIG } from '../session/fsm.js';
import { Peer, type Dialer, type PeerConfig, type PeerEvents } from '../session/peer.js';
import { BgpListener, dial, secureAccepted, type Connection, type ListenChange } from '../session/transport.js';
import { realClock, type Clock } from '../session/clock.js';
import type { LocalSpeaker } from '../session/negotiate.js';
import { ConfigError, loadConfigAsync, makeNeighbor, type Config, type NeighborConfig } from '../config/load.js';
import { formatPlan, planReload, type ReloadPlan } from '../config/diff.js';
import { LoopMonitor } from './loop-monitor.js';
import { LogRateLimit } from '../log/rate-limit.js';
import { Routing } from './routing.js';
import { Convergence } from './convergence.js';
import { RestartStateFile, isRestart } from './restart-state.js';
// Loaded only when used (fib.enabled, metrics): netlink and prom-client cost 10-15 MB of RSS each.
import type { KernelSync } from '../fib/kernel-sync.js';
import { ControlServer } from '../control/server.js';
import { registerCommands } from '../control/commands.js';
import { BirdCompatServer } from '../control/bird-compat.js';
import type { MetricsServer } from '../control/metrics.js';
import type { ControlHost } from '../control/host.js';
import { controlHost } from './control-host.js';

function familyMask(fams: readonly string[]): number {
  let m = 0;
  if (fams.includes('ipv4')) m |= 1 << Family.IPV4_UNICAST;
  if (fams.includes('ipv6')) m |= 1 << Family.IPV6_UNICAST;
  return m;
}

/** The prefix limit of a listen-range client unless its template sets one (a Calico node announces a few blocks). */
export const DYNAMIC_MAX_PREFIXES = { limit: 20_000, action: 'restart', restartAfter: 60 } as const;

/**
 * How often the memory guard looks (a flood of unique sets grows wrend by 100+ MB a second, so a
 * check a second overshot the budget by 150 MB), and how many checks it waits after stopping a
 * session for the freed memory to show (5 s).
 */
const GUARD_INTERVAL_MS = 250;
const GUARD_COOL_DOWN_CHECKS = 20;

export function peerConfig(n: NeighborConfig): PeerConfig {
  const { address, asn, port, passive, description, sourceAddress, sourcePort, multihop, ttlSecurity, password } = n;
  return {
    address, asn, port, passive, description, sourceAddress, sourcePort, multihop, ttlSecurity, password,
    fsm: {
      ...DEFAULT_FSM_CONFIG,
      passive,
      passiveFallback: n.passiveFallback,
      holdTime: n.holdTime,
      keepaliveTime: n.keepaliveTime,
      connectRetryTime: n.connectRetryTime,
      delayOpenTime: n.delayOpenTime,
    },
  };
}

export const tcpDialer: Dialer = (p, timeoutSeconds, done) => {
  const spec: Parameters<typeof dial>[0] = { address: p.address, port: p.port, timeoutSeconds };
  if (p.sourceAddress) spec.sourceAddress = p.sourceAddress;
  if (p.sourcePort) spec.sourcePort = p.sourcePort;
  if (p.password) spec.password = p.password;
  if (p.ttlSecurity) {
    spec.ttl = 255;
    spec.minTtl = 256 - p.ttlSecurity;
  } else if (p.multihop) {
    spec.ttl = p.multihop;
  }
  return dial(spec, done);
};

/** A PeerEvents object whose methods stay bound to `events` when spread. */
function bindEvents(events: PeerEvents): PeerEvents {
  return {
    established: (p, params) => events.established(p, params),
    down: (p, reason, notified) => events.down(p, reason, notified),
    update: (p, u) => events.update(p, u),
    routeRefresh: (p, m) => events.routeRefresh(p, m),
    stateChange: (p, from, to, reason) => events.stateChange(p, from, to, reason),
    drain: (p) => events.drain(p),
  };
}

export class Daemon {
  readonly peers = new Map<string, Peer>();
  private listener: BgpListener | null = null;
  readonly loop = new LoopMonitor();
  /** Connection attempts from strangers are logged, but not without bound. */
  private readonly logLimit = new LogRateLimit();
  private loopTimer: NodeJS.Timeout | null = null;

  /** The file the config came from; `configure` and SIGHUP read it again. */
  configFile: string | null = null;

  constructor(
    public config: Config,
    private readonly log: Logger,
    private readonly clock: Clock = realClock,
    private readonly dialer: Dialer = tcpDialer,
    private events?: PeerEvents,
    private readonly socketPath: string | null = null,
  ) {}

  routing: Routing | null = null;
  /** What the control layer is given of this daemon (control never imports src/daemon). */
  readonly host: ControlHost = controlHost(this);
  control: ControlServer | null = null;
  /** The read-only control socket (show commands only), when control.readOnlySocket is set. */
  private readOnlyControl: ControlServer | null = null;
  readonly birdCompat: BirdCompatServer[] = [];
  metrics: MetricsServer | null = null;
  kernel: KernelSync | null = null;
  /** Startup: exports wait for it (graceful restart), and the FIB prunes adopted routes after it. */
  exportConvergence: Convergence | null = null;
  private fibConvergence: Convergence | null = null;
  /**
   * True from start until the table is complete: our OPENs carry the Restart State bit (RFC 4724),
   * telling peers that keep our routes not to wait for our End-of-RIB before sending theirs.
   */
  private restarting = false;

  localSpeaker(n: NeighborConfig): LocalSpeaker {
    const families = familyMask(n.families);
    return {
      asn: n.localAs ?? this.config.asn,
      routerId: parseIpv4(this.config.routerId),
      holdTime: n.holdTime,
      families,
      addPathReceive: n.addPaths === 'receive' || n.addPaths === 'both' ? families : 0,
      addPathSend: n.addPaths === 'send' || n.addPaths === 'both' ? families : 0,
      gracefulRestart: (n.gracefulRestart ?? this.config.gracefulRestart.enabled)
        ? { restartTime: this.config.gracefulRestart.restartTime, restarting: this.restarting, forwarding: true }
        : null,
      hostname: this.config.hostname,
      extendedMessage: n.extendedMessages,
    };
  }

  /** The settings of a neighbour (configured or dynamic). */
  neighborConfig(address: string): NeighborConfig | undefined {
    return this.neighbors.get(address);
  }

  /** Neighbours by address, including dynamic ones accepted from routeReflector.listenRange. */
  private readonly neighbors = new Map<string, NeighborConfig>();
  private readonly dynamic = new Set<string>();

  async start(): Promise<void> {
    for (const n of this.config.neighbors) this.neighbors.set(n.address, n);
    if (!this.events) {
      const routing = new Routing(this.config, this.neighbors, this.log);
      this.routing = routing;
      // Dynamic neighbours go away with their session.
      this.events = {
        ...bindEvents(routing),
        stateChange: (peer, from, to, reason) => {
          routing.stateChange(peer, from, to, reason);
          // A failed attempt or an ended session: no End-of-RIB to wait for from this neighbour.
          if (from !== 'Idle' && (to === 'Active' || to === 'Idle')) this.exportConvergence?.gone(peer.config.address);
          // RFC 4724 4.1: not waited for either when it has no graceful restart or is restarting itself.
          const gr = peer.params?.peerGracefulRestart;
          if (to === 'Established' && (!gr || gr.restarting)) this.exportConvergence?.gone(peer.config.address);
          if (to === 'Established' || from === 'Established') this.restartFile?.schedule();
          const address = peer.config.address;
          if (this.dynamic.has(address) && this.peers.get(address) === peer) {
            if (to === 'Established') this.pendingDynamic.delete(address);
            // Idle, or back to waiting for a connection after one: the connection is gone.
            else if (to === 'Idle' || (to === 'Active' && from !== 'Idle')) this.removeDynamic(address);
          }
        },
      };
      this.restartFile = this.restartStateFile();
      const previous = this.restartFile?.read() ?? null;
      if (this.config.gracefulRestart.enabled && previous && isRestart(previous, Date.now(), this.config.gracefulRestart.restartTime)) {
        this.deferExports(routing, previous.neighbors);
      } else {
        this.log.info({ stateFile: this.restartFile?.path ?? null }, 'cold start: no recent run to recover from, routes are sent at once');
      }
    }
    for (const n of this.config.neighbors) {
      const peer = new Peer(peerConfig(n), this.localSpeaker(n), this.clock, this.log, this.dialer, this.events);
      this.peers.set(n.address, peer);
    }
    if (this.routing && this.config.fib.enabled) await this.startKernel(this.routing);
    this.listener = new BgpListener((conn, socket) => this.accept(conn, socket));
    await this.listener.listen(this.config.listen.address, this.config.listen.port);
    for (const p of this.peers.values()) if (p.config.password) this.listener.setPeerPassword(p.config.address, p.config.password);
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
      this.metrics = new MetricsServer(this.config.metrics.listen, buildRegistry(this.host), this.log);
      await this.metrics.start();
    }
    const compat: [string | null, Family][] = [[this.config.control.birdCompat, Family.IPV4_UNICAST], [this.config.control.birdCompat6, Family.IPV6_UNICAST]];
    for (const [path, family] of compat) {
      if (!path) continue;
      const s = new BirdCompatServer(path, this.host, this.log, this.config.control.group, family);
      await s.start();
      this.birdCompat.push(s);
    }
    this.log.info({ listen: this.config.listen, peers: this.peers.size, routerId: this.config.routerId, asn: this.config.asn, socket: this.socketPath }, 'wrend started');
    this.exportConvergence?.start(this.config.gracefulRestart.deferralTime);
    for (const p of this.peers.values()) p.start();
    this.watchFirstAttempts();
    this.restartFile?.start();
    this.startMemoryGuard();
    this.loopTimer = setInterval(() => {
      const s = this.loop.sample();
      if (s.maxMs >= 100) this.log.warn({ maxMs: Math.round(s.maxMs), p99Ms: Math.round(s.p99Ms) }, 'event loop stalled');
      else this.log.debug({ maxMs: Math.round(s.maxMs), p99Ms: Math.round(s.p99Ms) }, 'event loop delay');
    }, 10_000);
    this.loopTimer.unref();
  }

  /** The memory budget, checked every GUARD_INTERVAL_MS (see memory-guard.ts). */
  guard: MemoryGuard | null = null;
  private guardTimer: NodeJS.Timeout | null = null;

  private guardOptions(c: Config): MemoryGuardOptions {
    return { limitBytes: c.memory.limitMB !== null ? c.memory.limitMB * 1048576 : defaultMemoryLimit(), heapShare: c.memory.heapShare, coolDownChecks: GUARD_COOL_DOWN_CHECKS };
  }

  private startMemoryGuard(): void {
    const routing = this.routing;
    if (!routing) return;
    this.guard = new MemoryGuard(
      this.guardOptions(this.config),
      () => {
        const m = process.memoryUsage();
        return { rss: m.rss, live: m.heapUsed + m.external, heapUsed: m.heapUsed, heapLimit: getHeapStatistics().heap_size_limit };
      },
      () => routing.heldSessions(),
      (w) => this.log.error({ peer: w.session, paths: w.held, grew: w.grew, rssMB: Math.round(w.reading.rss / 1048576), heapUsedMB: Math.round(w.reading.heapUsed / 1048576), why: w.why }, 'memory budget exceeded: stopping the session that grew most (Cease / Out of Resources)'),
    );
    this.guardTimer = setInterval(() => this.guard?.check(), GUARD_INTERVAL_MS);
    this.guardTimer.unref();
  }

  /** The restart record (restart-state.ts), or null when there is nowhere to keep it. */
  restartFile: RestartStateFile | null = null;
  /** While restarting: the neighbours the previous run had, still recorded until the table is complete. */
  private previousNeighbors: string[] = [];

  private restartStateFile(): RestartStateFile | null {
    const path = this.config.gracefulRestart.stateFile ?? (this.socketPath ? this.socketPath.replace(/(\.sock)?$/, '.state') : null);
    if (!path) return null;
    return new RestartStateFile(
      path,
      () => {
        const out = this.restarting ? [...this.previousNeighbors] : [];
        for (const [address, p] of this.peers) if (p.state === 'Established' && p.params?.gracefulRestartFamilies) out.push(address);
        return out;
      },
      (what, err) => this.log.warn({ file: path, error: err.message }, what),
    );
  }

  /**
   * RFC 4724 restarting speaker: until End-of-RIB from every neighbour that had a graceful-restart
   * session with the previous run or is configured (or gracefulRestart.deferralTime), sessions get
   * no routes, so a peer that kept our routes across our restart never sees a partial table; then
   * every session gets the whole table and End-of-RIB. Dynamic neighbours (listen range) are
   * waited for by the previous run's record: a reflector waits for the clients it had.
   */
  private deferExports(routing: Routing, previous: string[]): void {
    this.restarting = true;
    this.previousNeighbors = previous;
    routing.deferExports();
    const expected = new Set([...this.config.neighbors.map((n) => n.address), ...previous]);
    const c = new Convergence(expected, (why) => {
      this.restarting = false;
      this.previousNeighbors = [];
      this.log.info({ why }, 'startup: table complete, exporting');
      routing.endDeferral();
      this.refreshLocalSpeakers();
      this.restartFile?.schedule();
    });
    this.log.info({ waitFor: expected.size, deferralTime: this.config.gracefulRestart.deferralTime }, 'restart: exports wait for End-of-RIB from the neighbors of the previous run');
    this.exportConvergence = c;
    routing.endOfRibListeners.push((address) => c.endOfRib(address));
  }

  /** Every peer's OPEN from now on follows the current settings (restart state, graceful restart). */
  private refreshLocalSpeakers(): void {
    for (const [address, peer] of this.peers) {
      const n = this.neighbors.get(address);
      if (n) peer.reconfigure(peer.config, this.localSpeaker(n));
    }
  }

  /**
   * A neighbour that has no session under way one connect-retry time (plus a second) after start
   * is not waited for: an absent host must not hold back the exports to the others.
   */
  private watchFirstAttempts(): void {
    const c = this.exportConvergence;
    if (!c) return;
    for (const [address, peer] of this.peers) {
      const t = setTimeout(() => {
        if (peer.state !== 'OpenSent' && peer.state !== 'OpenConfirm' && peer.state !== 'Established') c.gone(address);
      }, (peer.config.fsm.connectRetryTime + 1) * 1000);
      t.unref();
    }
  }

  /** Kernel sync: adopt the kernel's wren routes, and prune the stale ones once converged. */
  private async startKernel(routing: Routing): Promise<void> {
    const { KernelSync } = await import('../fib/kernel-sync.js');
    const k = new KernelSync(this.config.fib, routing.rib, this.log, routing.ownAddresses, undefined, routing.policies);
    this.kernel = k;
    await k.start();
    const c = new Convergence(this.config.neighbors.map((n) => n.address), (why) => {
      this.log.info({ why }, 'converged');
      void k.fib.prune();
    });
    this.fibConvergence = c;
    routing.endOfRibListeners.push((address) => c.endOfRib(address));
    c.start(this.config.fib.convergenceTimeout);
  }

  get listenPorts(): number[] {
    return this.listener?.ports ?? [];
  }

  private inListenRange(address: string): boolean {
    const range = this.config.routeReflector?.listenRange;
    if (!range) return false;
    const p = parsePrefix(range);
    const a = parseAddress(address);
    if (!p || !a || a.length !== p.bytes.length) return false;
    maskBytes(a, p.length);
    return a.equals(p.bytes);
  }

  /** A client from the listen range: a passive iBGP route-reflector client for as long as its session lives. */
  private addDynamic(address: string): Peer {
    const rr = this.config.routeReflector;
    const template = rr?.template ?? {};
    const n = makeNeighbor(address, 'routeReflector', this.config.asn, { maxPrefixes: DYNAMIC_MAX_PREFIXES }, template, {
      asn: this.config.asn, passive: true, description: 'dynamic', routeReflectorClient: true,
    });
    this.neighbors.set(address, n);
    this.dynamic.add(address);
    this.pendingDynamic.add(address);
    const pc = peerConfig(n);
    // A client that connects and says nothing gives its slot back soon.
    pc.fsm.openHoldTime = rr?.openTimeout ?? pc.fsm.openHoldTime;
    const peer = new Peer(pc, this.localSpeaker(n), this.clock, this.log, this.dialer, this.events);
    this.peers.set(address, peer);
    const f = this.logLimit.fields('dynamic|added');
    if (f) this.log.info({ peer: address, range: rr?.listenRange, ...f }, 'dynamic neighbor from the listen range');
    peer.start();
    return peer;
  }

  /** A dynamic neighbour goes as soon as its connection does (it is a new Peer on each connection). */
  private removeDynamic(address: string): void {
    const peer = this.peers.get(address);
    if (!peer || !this.dynamic.has(address)) return;
    this.dynamic.delete(address);
    this.pendingDynamic.delete(address);
    this.peers.delete(address);
    this.neighbors.delete(address);
    setImmediate(() => {
      peer.stop('dynamic neighbor gone');
      peer.dispose();
    });
  }

  /** Whether a new listen-range neighbour may be added now (the caps of routeReflector). */
  private dynamicRoom(address: string): boolean {
    const rr = this.config.routeReflector;
    if (!rr) return false;
    const why = this.dynamic.size >= rr.maxDynamicNeighbors ? 'maxDynamicNeighbors' : this.pendingDynamic.size >= rr.maxPendingDynamic ? 'maxPendingDynamic' : null;
    if (!why) return true;
    this.refusedDynamic++;
    const f = this.logLimit.fields(`dynamic-cap|${why}`);
    if (f) this.log.warn({ remote: address, limit: why, dynamic: this.dynamic.size, pending: this.pendingDynamic.size, refused: this.refusedDynamic, ...f }, 'listen-range connection refused: too many dynamic neighbors');
    return false;
  }
  /** Listen-range connections refused by the caps. */
  refusedDynamic = 0;
  private readonly pendingDynamic = new Set<string>();

  private accept(conn: Connection, socket: net.Socket): void {
    let peer = this.peers.get(conn.remoteAddress);
    if (!peer && this.inListenRange(conn.remoteAddress)) {
      if (!this.dynamicRoom(conn.remoteAddress)) {
        conn.destroy();
        return;
      }
      peer = this.addDynamic(conn.remoteAddress);
    }
    if (!peer) {
      // One budget for every stranger: thousands of addresses must not each get their ten lines.
      const f = this.logLimit.fields('stranger');
      if (f) this.log.warn({ remote: conn.remoteAddress, port: conn.remotePort, ...f }, 'connection from an address that is not a configured neighbor; closed');
      conn.destroy();
      return;
    }
    try {
      secureAccepted(socket, conn.remoteAddress, peer.config);
    } catch (err) {
      this.log.error({ peer: conn.remoteAddress, error: (err as Error).message }, 'cannot set socket options on accepted connection');
      conn.destroy();
      return;
    }
    peer.offerInbound(conn);
  }

  /**
   * Apply a new config: only the difference (see planReload). Sessions whose settings did not
   * change stay up. Settings that need a restart are reported and left as they are; a change of
   * identity (routerId, asn) is refused as a whole.
   */
  async reload(next: Config, check = false): Promise<ReloadPlan> {
    const plan = planReload(this.config, next);
    if (check) return plan;
    if (this.config.routerId !== next.routerId || this.config.asn !== next.asn) {
      throw new ConfigError(`routerId and asn changes need a restart of wrend (${plan.restartNeeded.join(', ')}); nothing was applied`);
    }
    // What cannot change live keeps its running value.
    const effective: Config = {
      ...next,
      fib: this.config.fib,
      control: {
        ...next.control,
        socket: this.config.control.socket,
        birdCompat: this.config.control.birdCompat,
        birdCompat6: this.config.control.birdCompat6,
        readOnlySocket: this.config.control.readOnlySocket,
      },
      metrics: this.config.metrics,
      routeReflector: next.routeReflector && { ...next.routeReflector, clusterId: this.config.routeReflector?.clusterId ?? next.routeReflector.clusterId },
    };
    // What can fail is done first, and undone on failure: nothing else is applied then.
    let listening: ListenChange | null = null;
    if (plan.listen && this.listener) {
      try {
        listening = await this.listener.change(next.listen.address, next.listen.port);
      } catch (err) {
        throw new ConfigError(`cannot listen on ${next.listen.address.join(', ')} port ${next.listen.port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was applied`);
      }
    }
    const old = this.config;
    this.config = effective;
    for (const address of plan.removed) {
      const peer = this.peers.get(address);
      this.neighbors.delete(address);
      this.peers.delete(address);
      if (!peer) continue;
      if (peer.config.password) this.clearPassword(address);
      peer.stop('neighbor removed from the configuration', CeaseSubcode.PEER_DECONFIGURED);
      setTimeout(() => peer.dispose(), 200).unref();
    }
    this.routing?.reconfigure(effective, plan.announce);
    const byAddress = new Map(effective.neighbors.map((n) => [n.address, n]));
    for (const c of plan.changed) {
      const n = byAddress.get(c.address) as NeighborConfig;
      const peer = this.peers.get(c.address);
      const was = this.neighbors.get(c.address);
      this.neighbors.set(c.address, n);
      if (!peer) continue;
      peer.reconfigure(peerConfig(n), this.localSpeaker(n));
      if (n.password !== was?.password) {
        if (n.password) this.listener?.setPeerPassword(n.address, n.password);
        else this.clearPassword(n.address);
      }
      let reset = c.action === 'reset';
      if (c.action === 'export') this.routing?.reexport(peer);
      if (c.action === 'import' && this.routing && !this.routing.refreshImport(peer)) reset = true;
      if (reset && peer.state !== 'Idle') {
        peer.stop(`configuration changed: ${c.changes.join('; ')}`.slice(0, 128), CeaseSubcode.OTHER_CONFIG_CHANGE);
        peer.start();
      }
    }
    for (const address of plan.added) {
      const n = byAddress.get(address) as NeighborConfig;
      // A dynamic client (from the listen range) now configured by name: its session restarts
      // with the configured settings.
      const dynamic = this.dynamic.has(address) ? this.peers.get(address) : undefined;
      if (dynamic) {
        this.dynamic.delete(address);
        this.pendingDynamic.delete(address);
        dynamic.stop('neighbor now configured explicitly', CeaseSubcode.OTHER_CONFIG_CHANGE);
        setTimeout(() => dynamic.dispose(), 200).unref();
      }
      this.neighbors.set(address, n);
      const peer = new Peer(peerConfig(n), this.localSpeaker(n), this.clock, this.log, this.dialer, this.events);
      this.peers.set(address, peer);
      if (n.password) this.listener?.setPeerPassword(address, n.password);
      peer.start();
    }
    // Graceful-restart settings go into the OPENs of sessions established from now on.
    if (JSON.stringify(old.gracefulRestart) !== JSON.stringify(effective.gracefulRestart)) this.refreshLocalSpeakers();
    if (listening) {
      listening.commit();
      // Sockets bound for this change need the MD5 keys of the neighbours that have one.
      for (const p of this.peers.values()) if (p.config.password) this.listener?.setPeerPassword(p.config.address, p.config.password);
    }
    if (this.guard) this.guard.options = this.guardOptions(effective);
    if (effective.control.group !== old.control.group) this.control?.setGroup(effective.control.group);
    if (effective.control.readOnlyGroup !== old.control.readOnlyGroup) this.readOnlyControl?.setGroup(effective.control.readOnlyGroup);
    if (effective.logging.level !== old.logging.level && effective.logging.level) this.log.level = effective.logging.level;
    for (const s of this.birdCompat) s.reconfigured();
    this.log.info({ plan: formatPlan(plan).trimEnd().split('\n') }, 'configuration reloaded');
    return plan;
  }

  /** Read `file` (default: the file wrend started with), then reload() or, with check, only plan. */
  async reloadFile(file: string | null, check = false): Promise<ReloadPlan> {
    const path = file ?? this.configFile;
    if (!path) throw new ConfigError('wrend was not started from a config file; name one');
    // A file named over the socket must be under control.configDir when that is set, and cannot
    // change who may use the sockets: that comes from wrend's own file only.
    const next = await loadConfigAsync(path, file === null ? null : this.config.control.configDir);
    if (file !== null && path !== this.configFile) {
      const c = this.config.control;
      const changed = (['group', 'configDir', 'readOnlyGroup'] as const).filter((k) => next.control[k] !== c[k]);
      if (changed.length > 0) {
        throw new ConfigError(`${path}: ${changed.map((k) => `control.${k}`).join(', ')} change only through wrend's own file (SIGHUP, or configure without FILE); nothing was applied`);
      }
    }
    return this.reload(next, check);
  }

  private clearPassword(address: string): void {
    try {
      this.listener?.setPeerPassword(address, '');
    } catch {
      // no key was set
    }
  }

  /**
   * Stop wrend. `restart` (SIGTERM): with graceful restart, sessions close without a NOTIFICATION
   * so peers keep our routes until we are back, and the kernel routes stay (fib.persist).
   * `down` (wrenc down): Cease with `message` to every peer, and wren's kernel routes removed.
   */
  async stop(message: string, mode: 'restart' | 'down' = 'restart'): Promise<void> {
    this.listener?.close();
    this.control?.close();
    this.readOnlyControl?.close();
    for (const s of this.birdCompat) s.close();
    this.metrics?.close();
    // Freeze the kernel FIB first: the sessions about to close must not withdraw its routes.
    await this.kernel?.stop(mode === 'down' ? true : undefined);
    if (this.loopTimer) clearInterval(this.loopTimer);
    if (this.guardTimer) clearInterval(this.guardTimer);
    this.log.info({ worstEventLoopDelayMs: Math.round(this.loop.worstMs), mode }, 'stopping');
    // The next start: a restart (peers keep our routes) or, after `wrenc down`, a cold one.
    if (mode === 'restart') this.restartFile?.stopForRestart();
    else this.restartFile?.remove();
    this.loop.stop();
    for (const p of this.peers.values()) {
      // Sessions that negotiated graceful restart (both sides announced it) close for a restart.
      if (mode === 'restart' && p.params?.gracefulRestartFamilies) p.close('wrend restarting (graceful restart)');
      else p.stop(mode === 'down' ? (this.downMessage ?? message) : message);
    }
    // Let the NOTIFICATIONs leave before the process goes.
    await new Promise((r) => setTimeout(r, 200));
    for (const p of this.peers.values()) p.dispose();
    this.exportConvergence?.stop();
    this.fibConvergence?.stop();
  }

  /** The Cease message `wrenc down` asked for. */
  downMessage: string | null = null;

  /** Set by wrend: ends the process after stop() (`wrenc down`). */
  requestShutdown: (mode: 'restart' | 'down') => void = () => undefined;
}
