/**
 * The sessions by neighbour address: the configured ones, and the dynamic ones accepted from
 * routeReflector.listenRange, which live exactly as long as their connection (with caps on how
 * many there are and how many are still waiting for an OPEN). Incoming connections are routed
 * here: to their Peer, to a new dynamic Peer, or closed (strangers, logged with one budget).
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { Peer } from '../session/peer.js';
import { State } from '../session/fsm.js';
import { secureAccepted, type Connection } from '../session/transport.js';
import { makeNeighbor, type Config, type NeighborConfig } from '../config/load.js';
import { parsePrefix } from '../wire/nlri.js';
import { LogRateLimit } from '../log/rate-limit.js';
import type { Clock } from '../time/clock.js';

/** The prefix limit of a listen-range client unless its template sets one (a Calico node announces a few blocks). */
export const DYNAMIC_MAX_PREFIXES = { limit: 20_000, action: 'restart', restartAfter: 60 } as const;

export interface RegistryDeps {
  config(): Config;
  /** A Peer for a neighbour (not started); `openHoldTime` overrides the FSM's for dynamic clients. */
  makePeer(n: NeighborConfig, openHoldTime?: number): Peer;
  clock: Clock;
  log: Logger;
}

export class PeerRegistry {
  readonly peers = new Map<string, Peer>();
  /** Neighbour settings by address, dynamic ones included (Routing reads this map). */
  readonly neighbors = new Map<string, NeighborConfig>();
  private readonly dynamic = new Set<string>();
  /** Dynamic neighbours whose session is not Established yet. */
  private readonly pendingDynamic = new Set<string>();
  /** Listen-range connections refused by the caps. */
  refusedDynamic = 0;
  /** Connection attempts from strangers are logged, but not without bound. */
  private readonly logLimit = new LogRateLimit();
  private range: net.BlockList | null = null;
  private rangeText: string | null = null;

  constructor(private readonly deps: RegistryDeps) {}

  get size(): number {
    return this.peers.size;
  }

  get(address: string): Peer | undefined {
    return this.peers.get(address);
  }

  neighbor(address: string): NeighborConfig | undefined {
    return this.neighbors.get(address);
  }

  isDynamic(address: string): boolean {
    return this.dynamic.has(address);
  }

  /** A configured neighbour's Peer (not started). */
  add(n: NeighborConfig): Peer {
    const peer = this.deps.makePeer(n);
    this.neighbors.set(n.address, n);
    this.peers.set(n.address, peer);
    return peer;
  }

  /** Forget a neighbour; returns its Peer for the caller to stop. */
  remove(address: string): Peer | undefined {
    const peer = this.peers.get(address);
    this.neighbors.delete(address);
    this.peers.delete(address);
    this.dynamic.delete(address);
    this.pendingDynamic.delete(address);
    return peer;
  }

  /** New settings for a neighbour that keeps its Peer. */
  setNeighbor(n: NeighborConfig): void {
    this.neighbors.set(n.address, n);
  }

  /** The listen range in force (config routeReflector.listenRange), as a BlockList. */
  private inListenRange(address: string): boolean {
    const text = this.deps.config().routeReflector?.listenRange ?? null;
    if (text !== this.rangeText) {
      this.rangeText = text;
      this.range = null;
      const p = text ? parsePrefix(text) : null;
      if (p && text) {
        this.range = new net.BlockList();
        this.range.addSubnet(text.slice(0, text.indexOf('/')), p.length, p.bytes.length === 4 ? 'ipv4' : 'ipv6');
      }
    }
    return this.range !== null && this.range.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
  }

  /** Whether a new listen-range neighbour may be added now (the caps of routeReflector). */
  private dynamicRoom(address: string): boolean {
    const rr = this.deps.config().routeReflector;
    if (!rr) return false;
    const why = this.dynamic.size >= rr.maxDynamicNeighbors ? 'maxDynamicNeighbors' : this.pendingDynamic.size >= rr.maxPendingDynamic ? 'maxPendingDynamic' : null;
    if (!why) return true;
    this.refusedDynamic++;
    const f = this.logLimit.fields(`dynamic-cap|${why}`);
    if (f) this.deps.log.warn({ remote: address, limit: why, dynamic: this.dynamic.size, pending: this.pendingDynamic.size, refused: this.refusedDynamic, ...f }, 'listen-range connection refused: too many dynamic neighbors');
    return false;
  }

  /** A client from the listen range: a passive iBGP route-reflector client for as long as its session lives. */
  private addDynamic(address: string): Peer {
    const config = this.deps.config();
    const rr = config.routeReflector;
    const n = makeNeighbor(address, 'routeReflector', config.asn, { maxPrefixes: DYNAMIC_MAX_PREFIXES }, rr?.template ?? {}, {
      asn: config.asn, passive: true, description: 'dynamic', routeReflectorClient: true,
    });
    // A client that connects and says nothing gives its slot back soon.
    const peer = this.deps.makePeer(n, rr?.openTimeout);
    this.neighbors.set(address, n);
    this.peers.set(address, peer);
    this.dynamic.add(address);
    this.pendingDynamic.add(address);
    const f = this.logLimit.fields('dynamic|added');
    if (f) this.deps.log.info({ peer: address, range: rr?.listenRange, ...f }, 'dynamic neighbor from the listen range');
    peer.start();
    return peer;
  }

  /** A dynamic neighbour goes as soon as its connection does (it is a new Peer on each connection). */
  private removeDynamic(address: string): void {
    const peer = this.peers.get(address);
    if (!peer || !this.dynamic.has(address)) return;
    this.remove(address);
    this.deps.clock.defer(() => {
      peer.stop('dynamic neighbor gone');
      peer.dispose();
    });
  }

  /** A dynamic client now configured by name: returns its Peer (to be stopped) and forgets it. */
  takeDynamic(address: string): Peer | undefined {
    if (!this.dynamic.has(address)) return undefined;
    const peer = this.peers.get(address);
    this.dynamic.delete(address);
    this.pendingDynamic.delete(address);
    return peer;
  }

  /** Every state change: dynamic neighbours go away with their session. */
  stateChange(peer: Peer, from: State, to: State): void {
    const address = peer.config.address;
    if (!this.dynamic.has(address) || this.peers.get(address) !== peer) return;
    if (to === State.ESTABLISHED) this.pendingDynamic.delete(address);
    // Idle, or back to waiting for a connection after one: the connection is gone.
    else if (to === State.IDLE || (to === State.ACTIVE && from !== State.IDLE)) this.removeDynamic(address);
  }

  /** An accepted connection: to its Peer, to a new dynamic Peer, or closed. */
  accept(conn: Connection, socket: net.Socket): void {
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
      if (f) this.deps.log.warn({ remote: conn.remoteAddress, port: conn.remotePort, ...f }, 'connection from an address that is not a configured neighbor; closed');
      conn.destroy();
      return;
    }
    // A link-local neighbour is the one on its interface: the same address on another link is another host.
    if (peer.config.interface && conn.interface && conn.interface !== peer.config.interface) {
      const f = this.logLimit.fields('stranger');
      if (f) this.deps.log.warn({ remote: conn.remoteAddress, interface: conn.interface, expected: peer.config.interface, ...f }, 'connection from a link-local neighbor address on another interface; closed');
      conn.destroy();
      return;
    }
    try {
      secureAccepted(socket, conn.remoteAddress, peer.config);
    } catch (err) {
      this.deps.log.error({ peer: conn.remoteAddress, error: (err as Error).message }, 'cannot set socket options on accepted connection');
      conn.destroy();
      return;
    }
    peer.offerInbound(conn);
  }
}
