/**
 * Wiring: builds the local speaker, one Peer per neighbour and the TCP listener from a Config, and
 * owns their lifecycle.
 */
import type net from 'node:net';
import type { Logger } from 'pino';
import { Family } from '../wire/constants.js';
import { parseIpv4 } from '../wire/address.js';
import { DEFAULT_FSM_CONFIG } from '../session/fsm.js';
import { Peer, type Dialer, type PeerConfig, type PeerEvents } from '../session/peer.js';
import { BgpListener, dial, secureAccepted, type Connection } from '../session/transport.js';
import { realClock, type Clock } from '../session/clock.js';
import type { LocalSpeaker } from '../session/negotiate.js';
import type { Config, NeighborConfig } from '../config/load.js';
import { LoopMonitor } from './loop-monitor.js';
import { Routing } from './routing.js';

function familyMask(fams: readonly string[]): number {
  let m = 0;
  if (fams.includes('ipv4')) m |= 1 << Family.IPV4_UNICAST;
  if (fams.includes('ipv6')) m |= 1 << Family.IPV6_UNICAST;
  return m;
}

export function peerConfig(n: NeighborConfig): PeerConfig {
  const c: PeerConfig = {
    address: n.address,
    asn: n.asn,
    port: n.port,
    passive: n.passive,
    description: n.description,
    fsm: {
      ...DEFAULT_FSM_CONFIG,
      passive: n.passive,
      holdTime: n.holdTime,
      keepaliveTime: n.keepaliveTime,
      connectRetryTime: n.connectRetryTime,
      delayOpenTime: n.delayOpenTime,
    },
  };
  if (n.sourceAddress) c.sourceAddress = n.sourceAddress;
  if (n.sourcePort) c.sourcePort = n.sourcePort;
  if (n.multihop) c.multihop = n.multihop;
  if (n.ttlSecurity) c.ttlSecurity = n.ttlSecurity;
  if (n.password) c.password = n.password;
  return c;
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

export class Daemon {
  readonly peers = new Map<string, Peer>();
  private listener: BgpListener | null = null;
  readonly loop = new LoopMonitor();
  private loopTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly clock: Clock = realClock,
    private readonly dialer: Dialer = tcpDialer,
    private events?: PeerEvents,
  ) {}

  routing: Routing | null = null;

  localSpeaker(n: NeighborConfig): LocalSpeaker {
    return {
      asn: this.config.asn,
      routerId: parseIpv4(this.config.routerId),
      holdTime: n.holdTime,
      families: familyMask(n.families),
      addPathReceive: 0,
      addPathSend: 0,
      gracefulRestart: null,
      hostname: this.config.hostname,
      extendedMessage: false,
    };
  }

  async start(): Promise<void> {
    if (!this.events) {
      this.routing = new Routing(this.config, new Map(this.config.neighbors.map((n) => [n.address, n])), this.log);
      this.events = this.routing;
    }
    for (const n of this.config.neighbors) {
      const peer = new Peer(peerConfig(n), this.localSpeaker(n), this.clock, this.log, this.dialer, this.events);
      this.peers.set(n.address, peer);
    }
    this.listener = new BgpListener((conn, socket) => this.accept(conn, socket));
    await this.listener.listen(this.config.listen.address, this.config.listen.port);
    for (const p of this.peers.values()) if (p.config.password) this.listener.setPeerPassword(p.config.address, p.config.password);
    this.log.info({ listen: this.config.listen, peers: this.peers.size, routerId: this.config.routerId, asn: this.config.asn }, 'wrend started');
    for (const p of this.peers.values()) p.start();
    this.loopTimer = setInterval(() => {
      const s = this.loop.sample();
      if (s.maxMs >= 100) this.log.warn({ maxMs: Math.round(s.maxMs), p99Ms: Math.round(s.p99Ms) }, 'event loop stalled');
      else this.log.debug({ maxMs: Math.round(s.maxMs), p99Ms: Math.round(s.p99Ms) }, 'event loop delay');
    }, 10_000);
    this.loopTimer.unref();
  }

  get listenPorts(): number[] {
    return this.listener?.ports ?? [];
  }

  private accept(conn: Connection, socket: net.Socket): void {
    const peer = this.peers.get(conn.remoteAddress);
    if (!peer) {
      this.log.warn({ remote: conn.remoteAddress, port: conn.remotePort }, 'connection from an address that is not a configured neighbor; closed');
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

  /** Administrative stop of every session (Cease with `message`), then release everything. */
  async stop(message: string): Promise<void> {
    this.listener?.close();
    if (this.loopTimer) clearInterval(this.loopTimer);
    this.log.info({ worstEventLoopDelayMs: Math.round(this.loop.worstMs) }, 'stopping');
    this.loop.stop();
    for (const p of this.peers.values()) p.stop(message);
    // Let the NOTIFICATIONs leave before the process goes.
    await new Promise((r) => setTimeout(r, 200));
    for (const p of this.peers.values()) p.dispose();
  }
}
