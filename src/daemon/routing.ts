/**
 * Connects sessions to the RIB: an Established peer becomes a route source and joins the update
 * groups of its families; its UPDATEs go to the RIB; when it goes down its routes go with it.
 */
import { networkInterfaces } from 'node:os';
import { maxPrefixesCeaseData } from '../wire/notification.js';
import type { GuardedSession } from './memory-guard.js';
import type { Logger } from 'pino';
import { ALL_FAMILIES, CeaseSubcode, Family, RouteRefreshSubtype, familyNames, familyOf } from '../wire/constants.js';
import { encodeRouteRefresh, type RouteRefreshMessage } from '../wire/route-refresh.js';
import { parseAddress, parseIpv4, isLinkLocal } from '../wire/address.js';
import { parsePrefix } from '../wire/nlri.js';
import { MAX_PATHS_PER_PREFIX, Rib, type RibPeer } from '../rib/rib.js';
import type { ExportMember, UpdateGroup } from '../rib/update-group.js';
import type { Peer, PeerEvents } from '../session/peer.js';
import type { SessionParameters } from '../session/negotiate.js';
import { State } from '../session/fsm.js';
import type { Config, NeighborConfig } from '../config/load.js';
import { PolicyRegistry, type PolicyChain } from '../policy/policy.js';
import { LogRateLimit } from '../log/rate-limit.js';
import { realClock, type Clock } from '../time/clock.js';

/** A neighbour's paths kept across its restart (RFC 4724, receiving speaker). */
interface StaleRoutes {
  /** Ended sessions whose paths are kept (usually one). */
  sessions: RibPeer[];
  /** Families still stale, as a bit mask. */
  families: number;
  /** Restart time while the neighbour is down, then stale time until its End-of-RIB. */
  timer: unknown;
  /** RFC 9494: families kept past the restart time as long-lived stale, and for how long (s). */
  longLived: number;
  longLivedTime: number;
}


/** An IPv6 address of an interface that is not link-local, or null. */
function globalAddressOn(name: string): Buffer | null {
  for (const a of networkInterfaces()[name] ?? []) {
    if (a.family !== 'IPv6' || a.internal) continue;
    const b = parseAddress(a.address.split('%')[0] as string);
    if (b && b.length === 16 && !isLinkLocal(b)) return b;
  }
  return null;
}

/** For IPv6 routes over an IPv4 session: a global IPv6 address of the interface holding `v4`, else ::ffff:v4. */
function ipv6Beside(v4: Buffer): Buffer {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (!(addrs ?? []).some((a) => a.family === 'IPv4' && parseAddress(a.address)?.equals(v4))) continue;
    const g = globalAddressOn(name);
    if (g) return g;
  }
  return Buffer.concat([Buffer.from('00000000000000000000ffff', 'hex'), v4]);
}

export class Routing implements PeerEvents {
  readonly rib: Rib;
  private readonly ribPeers = new Map<Peer, RibPeer>();
  /** Per session, the families graceful restart applies to and the peer's restart time. */
  private readonly grSessions = new Map<Peer, { families: number; restartTime: number; longLived: number; longLivedTime: number }>();
  /** Neighbours (by address) whose stale paths are kept. */
  private readonly stale = new Map<string, StaleRoutes>();
  /**
   * Set while wrend starts (RFC 4724 restarting speaker): sessions wait to get our routes until
   * the table is complete (endDeferral), so peers keeping our old routes never see a partial one.
   */
  private deferring = false;
  private readonly deferred = new Set<Peer>();
  readonly ownAddresses = new Set<string>();
  /** Told of every End-of-RIB received (startup convergence of exports and of the FIB). */
  readonly endOfRibListeners: ((address: string) => void)[] = [];

  /** Repeated warnings per peer are bounded (10 a minute, the rest counted). */
  private readonly logLimit = new LogRateLimit();

  /** Compiled policy chains of the running config. */
  policies: PolicyRegistry;

  constructor(
    private config: Config,
    private readonly neighbors: Map<string, NeighborConfig>,
    private readonly log: Logger,
    private readonly clock: Clock = realClock,
  ) {
    const rr = config.routeReflector;
    this.rib = new Rib({ localAsn: config.asn, routerId: parseIpv4(config.routerId), clusterId: rr ? parseIpv4(rr.clusterId) : null, decision: { ...config.bestPath }, clock });
    this.policies = new PolicyRegistry(config.policies);
    this.rib.onUnsendable = (g, slot, attrsLength) => {
      const f = this.logLimit.fields(`${g.key}|unsendable`);
      if (f) {
        this.log.warn(
          { prefix: this.rib.prefixText(g.family, slot), peers: g.memberNames.slice(0, 8), attributeBytes: attrsLength, notSent: g.unsendable, ...f },
          'route not sent: its attributes leave no room for the prefix in one UPDATE (RFC 4271 9.2); any earlier announcement of it is withdrawn',
        );
      }
    };
    this.announce(config.announce);
  }

  /** Originate `announce` prefixes through the announce policy. */
  private announce(prefixes: string[]): void {
    const chain = this.policies.chain(this.config.announcePolicy);
    for (const p of prefixes) {
      const prefix = parsePrefix(p);
      if (prefix && !this.rib.originate(this.rib.local, prefix, chain)) this.log.info({ prefix: p }, 'announce: rejected by the announce policy');
    }
  }

  private isClient(address: string): boolean {
    const n = this.neighbors.get(address);
    return Boolean(n?.routeReflectorClient || this.config.routeReflector?.clients.includes(address));
  }

  established(peer: Peer, params: SessionParameters): void {
    const address = peer.config.address;
    const n = this.neighbors.get(address);
    const local = peer.localAddress;
    if (local) this.ownAddresses.add(local);
    const rp: RibPeer = {
      source: this.rib.newSource({
        kind: params.ebgp ? 'ebgp' : 'ibgp',
        address,
        addressBytes: parseAddress(address) ?? Buffer.alloc(0),
        routerId: params.peerId,
        peerAs: params.peerAs,
        isClient: this.isClient(address),
        ...(peer.config.interface ? { interface: peer.config.interface } : {}),
      }),
      ctx: params.codec,
      localAsn: n?.localAs ?? this.config.asn,
      allowOwnAs: n?.allowOwnAs ?? 0,
      ownAddresses: this.ownAddresses,
      members: [],
      received: 0,
      rejected: 0,
      importPolicy: this.policies.chain(n?.import),
      filtered: 0,
    };
    this.ribPeers.set(peer, rp);
    if (n?.keepReceived) this.rib.keepReceived(rp);
    // The peer asks for its restart time; we keep its routes no longer than our own cap.
    const asked = params.peerGracefulRestart?.restartTime ?? 0;
    // RFC 9494: no longer than our own long-lived stale time either.
    const longLivedTime = Math.min(params.longLivedStaleTime, this.config.gracefulRestart.longLivedStaleTime);
    this.grSessions.set(peer, {
      families: params.gracefulRestartFamilies,
      restartTime: Math.min(asked, this.config.gracefulRestart.maxPeerRestartTime),
      longLived: longLivedTime > 0 ? params.longLivedFamilies : 0,
      longLivedTime,
    });
    this.resumeStale(peer, rp, params);
    if (this.deferring) this.deferred.add(peer);
    else this.joinGroups(peer, rp, params);
  }

  /** Hold back exports to sessions established from now until endDeferral(). */
  deferExports(): void {
    this.deferring = true;
  }

  /** The table is complete: sessions established meanwhile get our routes (and End-of-RIB). */
  endDeferral(): void {
    if (!this.deferring) return;
    this.deferring = false;
    let n = 0;
    for (const peer of this.deferred) {
      const rp = this.ribPeers.get(peer);
      if (!rp || !peer.params) continue;
      this.joinGroups(peer, rp, peer.params);
      n++;
    }
    this.deferred.clear();
    this.log.info({ sessions: n }, 'startup deferral over: routes sent');
  }

  /**
   * The neighbour is back after a graceful restart: its stale paths are replaced by what it sends
   * again and swept at its End-of-RIB (or after staleTime). Families it did not keep forwarding
   * for (F bit clear, RFC 4724 §4.2) lose their stale paths now.
   */
  private resumeStale(peer: Peer, rp: RibPeer, params: SessionParameters): void {
    const address = peer.config.address;
    const entry = this.stale.get(address);
    if (!entry) return;
    if (entry.timer !== null) this.clock.clearTimer(entry.timer);
    entry.timer = null;
    const keep = entry.families & ((params.gracefulRestartFamilies & (params.peerGracefulRestart?.forwarding ?? 0)) | params.longLivedFamilies);
    this.sweep(address, entry.families & ~keep, 'forwarding state not kept by the restarted peer');
    if (!this.stale.has(address)) return;
    rp.stale = entry.sessions;
    entry.timer = this.clock.setTimer(this.config.gracefulRestart.staleTime * 1000, () => this.sweep(address, ALL_FAMILIES, 'stale time expired before End-of-RIB'));
  }

  /** Remove a neighbour's stale paths of the families in `families`, now. */
  private sweep(address: string, families: number, why: string): void {
    const entry = this.stale.get(address);
    if (!entry || !(entry.families & families)) return;
    const fams = entry.families & families;
    entry.families &= ~families;
    let routes = 0;
    for (const s of entry.sessions) {
      routes += s.received;
      this.rib.dropPaths(s, fams);
    }
    if (entry.families === 0) {
      if (entry.timer !== null) this.clock.clearTimer(entry.timer);
      this.stale.delete(address);
      for (const rp of this.ribPeers.values()) if (rp.stale === entry.sessions) rp.stale = undefined;
    }
    this.log.info({ peer: address, families: familyNames(fams), routes, why }, 'graceful restart: stale routes removed');
  }

  /** Established sessions with the paths each holds (its stale ones too), for the memory guard. */
  *heldSessions(): Iterable<GuardedSession> {
    for (const [peer, rp] of this.ribPeers) {
      const address = peer.config.address;
      yield {
        name: address,
        held: rp.received + this.staleRoutes(address),
        stop: (reason) => peer.stop(reason.slice(0, 128), CeaseSubcode.OUT_OF_RESOURCES),
      };
    }
  }

  /** Paths kept as stale for a neighbour (graceful restart), 0 when none. */
  staleRoutes(address: string): number {
    let n = 0;
    for (const s of this.stale.get(address)?.sessions ?? []) n += s.received;
    return n;
  }

  /** Join the update groups of the session's families, as the neighbour's settings say. */
  private joinGroups(peer: Peer, rp: RibPeer, params: SessionParameters, sentBefore: Map<Family, number[]> | null = null): void {
    const address = peer.config.address;
    const n = this.neighbors.get(address);
    const localBytes = parseAddress(peer.localAddress);
    for (const family of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      if (!(params.families & (1 << family))) continue;
      const v4 = family === Family.IPV4_UNICAST;
      let nh = localBytes && (localBytes.length === 4) === v4 ? localBytes : null;
      // RFC 8950: IPv4 routes over an IPv6 session go with our IPv6 next hop.
      if (!nh && v4 && localBytes?.length === 16 && params.extendedNextHop) nh = localBytes;
      // IPv6 routes over an IPv4 session: our IPv6 address on the interface of the session's
      // address, else the IPv4-mapped one (as BIRD does).
      if (!nh && !v4 && localBytes?.length === 4) nh = ipv6Beside(localBytes);
      // A link-local session: our global address on that interface first, the link-local one
      // second (RFC 2545), so receivers elsewhere on the link can use the global one.
      if (nh && nh.length === 16 && isLinkLocal(nh) && peer.config.interface) {
        const global = globalAddressOn(peer.config.interface);
        if (global) nh = Buffer.concat([global, nh]);
      }
      if (!nh) {
        if (this.logLimit.allow(`${address}|no-next-hop`).log) this.log.warn({ peer: address, family: family === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6' }, 'no local address of this family on the session to use as next hop; not exporting it');
        continue;
      }
      const member: ExportMember = { name: address, write: (b) => peer.sendRaw(b), pendingBytes: () => peer.pendingBytes };
      const g: UpdateGroup = this.rib.joinGroup(
        rp,
        {
          kind: params.ebgp ? 'ebgp' : 'ibgp',
          isClient: rp.source.isClient,
          family,
          localAsn: n?.localAs ?? this.config.asn,
          routerId: parseIpv4(this.config.routerId),
          clusterId: this.rib.options.clusterId,
          nextHopSelf: n?.nextHopSelf ?? false,
          nextHopKeep: n?.nextHopKeep ?? false,
          localNextHop: nh,
          policy: this.policies.chain(n?.export),
          exclude: params.ebgp ? rp.source : null,
          longLived: params.peerLongLived,
        },
        params.asn4,
        member,
        (params.addPathSend & (1 << family)) !== 0,
        params.extendedMessage,
        sentBefore?.get(family) ?? null,
        n?.addPathsSend ?? 'best',
      );
      this.log.debug({ peer: address, group: g.key, members: g.size }, 'joined update group');
    }
  }

  /** The running config changed (reload): later decisions use the new one. */
  reconfigure(config: Config, announce: { added: string[]; removed: string[]; reapply: boolean }): void {
    const rules = this.rib.decisionOptions;
    // New MED rules: every prefix is decided again (a chunk per turn).
    if (rules.alwaysCompareMed !== config.bestPath.alwaysCompareMed || rules.missingMedWorst !== config.bestPath.missingMedWorst) this.rib.setDecisionOptions(config.bestPath);
    this.config = config;
    this.policies = new PolicyRegistry(config.policies);
    // Becoming (or no longer being) a reflector: reflection and CLUSTER_LIST follow the cluster ID,
    // which is part of an update group's key, so every session moves to a new group whose walk
    // decides each route again; no session is reset.
    const clusterId = config.routeReflector ? parseIpv4(config.routeReflector.clusterId) : null;
    if (clusterId !== this.rib.options.clusterId) {
      this.rib.setClusterId(clusterId);
      for (const peer of this.ribPeers.keys()) this.reexport(peer);
    }
    for (const p of announce.removed) {
      const prefix = parsePrefix(p);
      if (prefix) this.rib.unoriginate(this.rib.local, prefix);
    }
    this.announce(announce.reapply ? config.announce : announce.added);
  }

  /**
   * Export settings of a peer changed (next hop self/keep): move its session to the update groups
   * the new settings select; joining one sends every route again with the new attributes.
   */
  reexport(peer: Peer): void {
    const rp = this.ribPeers.get(peer);
    if (!rp || !peer.params) return;
    // Client status changed: where its routes go is decided again, and what it is sent.
    const client = this.isClient(peer.config.address);
    if (rp.source.isClient !== client) {
      rp.source.isClient = client;
      this.rib.reexportFrom(rp.source);
    }
    // What it was sent: the new groups withdraw whatever of it they do not announce.
    const sent = this.rib.sentTo(rp);
    for (const { group, member } of rp.members) group.leave(member);
    rp.members = [];
    this.joinGroups(peer, rp, peer.params, sent);
    // A family the new settings no longer export: its slots are not waited on.
    for (const [family, slots] of sent) if (!rp.members.some((m) => m.group.family === family)) for (const s of slots) this.rib.unholdSlot(family, s);
    this.rib.pruneGroups();
  }

  /**
   * Import settings of a peer changed: ask it for its routes again (ROUTE-REFRESH); each
   * re-sent route passes the new checks or is treated as withdraw. False when the peer did not
   * negotiate route refresh (the caller resets the session instead).
   */
  refreshImport(peer: Peer): boolean {
    const rp = this.ribPeers.get(peer);
    const params = peer.params;
    if (!rp || !params) return true;
    if (!params.routeRefresh) return false;
    const n = this.neighbors.get(peer.config.address);
    rp.allowOwnAs = n?.allowOwnAs ?? 0;
    rp.importPolicy = this.policies.chain(n?.import);
    // keepReceived turned on: the refresh fills a new Adj-RIB-In; turned off: it goes.
    if (n?.keepReceived && !rp.source.adjIn) this.rib.keepReceived(rp);
    if (!n?.keepReceived && rp.source.adjIn) this.rib.dropReceived(rp);
    for (const family of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
      if (!(params.families & (1 << family))) continue;
      const afi = family === Family.IPV4_UNICAST ? 1 : 2;
      peer.sendRaw(encodeRouteRefresh({ afi, subtype: RouteRefreshSubtype.REQUEST, safi: 1 }));
    }
    this.log.info({ peer: peer.config.address }, 'import settings changed: route refresh requested');
    return true;
  }

  /** `graceful`: the session ended as RFC 4724 / RFC 8538 let a helper keep the peer's routes. */
  down(peer: Peer, reason: string, graceful: boolean): void {
    const rp = this.ribPeers.get(peer);
    if (!rp) return;
    const address = peer.config.address;
    this.ribPeers.delete(peer);
    this.deferred.delete(peer);
    // RFC 4724: a session that ended without a NOTIFICATION keeps its paths for the restart time
    // (RFC 8538: or with one other than Hard Reset, when both sides set the N bit).
    const gr = this.grSessions.get(peer);
    this.grSessions.delete(peer);
    // A restart time of 0 keeps nothing (the peer cannot be back in time), unless long-lived
    // graceful restart keeps the family (RFC 9494; it may go without graceful restart at all).
    const shortKept = !graceful || !gr?.restartTime ? 0 : gr.families;
    const longKept = graceful && gr ? gr.longLived : 0;
    const kept = shortKept | longKept;
    const routes = rp.received;
    if (kept === 0) {
      this.sweep(address, ALL_FAMILIES, 'session ended without graceful restart');
      this.rib.peerDown(rp, () => {
        this.rib.pruneGroups();
        const f = this.logLimit.fields(`${address}|down`);
        if (f) this.log.info({ peer: address, routes, reason, ...f }, 'routes of the peer removed');
      });
      return;
    }
    this.rib.detach(rp);
    this.rib.pruneGroups();
    rp.stale = undefined;
    this.sweep(address, ALL_FAMILIES & ~kept, 'family without graceful restart');
    this.rib.dropPaths(rp, ALL_FAMILIES & ~kept);
    let entry = this.stale.get(address);
    if (!entry) {
      entry = { sessions: [], families: kept, timer: null, longLived: 0, longLivedTime: 0 };
      this.stale.set(address, entry);
    }
    if (entry.timer !== null) this.clock.clearTimer(entry.timer);
    if (rp.received > 0) entry.sessions.push(rp);
    entry.families = kept;
    entry.longLived = longKept;
    entry.longLivedTime = gr?.longLivedTime ?? 0;
    const restartTime = shortKept ? (gr?.restartTime ?? 0) : 0;
    entry.timer = this.clock.setTimer(restartTime * 1000, () => this.restartTimeOver(address));
    this.log.info({ peer: address, routes, families: familyNames(kept), restartTime, longLived: familyNames(longKept), reason }, 'graceful restart: routes of the peer kept as stale');
  }

  /**
   * The restart time of a neighbour that is still away is over: its stale routes go, but for the
   * families it asked to keep longer (RFC 9494), which become long-lived stale until that time ends.
   */
  private restartTimeOver(address: string): void {
    const entry = this.stale.get(address);
    if (!entry) return;
    entry.timer = null;
    const longLived = entry.families & entry.longLived;
    this.sweep(address, ALL_FAMILIES & ~longLived, 'restart time expired');
    if (!longLived || !this.stale.has(address)) return;
    let routes = 0;
    for (const s of entry.sessions) {
      routes += s.received;
      this.rib.markLongLivedStale(s, longLived);
    }
    entry.timer = this.clock.setTimer(entry.longLivedTime * 1000, () => this.sweep(address, ALL_FAMILIES, 'long-lived stale time expired'));
    this.log.info({ peer: address, routes, families: familyNames(longLived), longLivedStaleTime: entry.longLivedTime }, 'long-lived graceful restart: routes of the peer kept as LLGR_STALE, least preferred');
  }

  update(peer: Peer, update: Parameters<PeerEvents['update']>[1]): void {
    const rp = this.ribPeers.get(peer);
    if (!rp) return;
    if (update.endOfRib >= 0) {
      this.sweep(peer.config.address, 1 << update.endOfRib, 'End-of-RIB');
      for (const l of this.endOfRibListeners) l(peer.config.address);
      this.log.info({ peer: peer.config.address, family: update.endOfRib === Family.IPV4_UNICAST ? 'ipv4' : 'ipv6', routes: rp.received }, 'End-of-RIB received');
      return;
    }
    const refusedBefore = rp.pathsRefused ?? 0;
    const why = this.rib.applyUpdate(rp, update);
    if ((rp.pathsRefused ?? 0) > refusedBefore) {
      const f = this.logLimit.fields(`${peer.config.address}|paths`);
      if (f) this.log.warn({ peer: peer.config.address, refused: rp.pathsRefused, limit: MAX_PATHS_PER_PREFIX, ...f }, 'ADD-PATH: more paths for one prefix than kept; the extra ones are ignored');
    }
    if (why) {
      const f = this.logLimit.fields(`${peer.config.address}|withdraw`);
      if (f) this.log.warn({ peer: peer.config.address, reason: why, ...f }, 'UPDATE treated as withdraw');
    }
    const max = this.neighbors.get(peer.config.address)?.maxPrefixes;
    if (max) this.checkMaxPrefixes(peer, rp, max);
  }

  /**
   * Prefixes over the neighbour's limit: warn once per crossing, or end the session (RFC 4486).
   * Paths still kept as stale from the neighbour's earlier sessions count too: a peer that drops
   * its session without NOTIFICATION and comes back with other prefixes must not pile up more
   * than its limit (they go as the new session re-sends or withdraws them, or at End-of-RIB).
   */
  private checkMaxPrefixes(peer: Peer, rp: RibPeer, max: NonNullable<NeighborConfig['maxPrefixes']>): void {
    const held = rp.received + this.staleRoutes(peer.config.address);
    if (held <= max.limit) {
      rp.overLimit = false;
      return;
    }
    if (rp.overLimit) return;
    rp.overLimit = true;
    const action = max.action ?? 'stop';
    const address = peer.config.address;
    this.log.warn({ peer: address, received: rp.received, stale: held - rp.received, limit: max.limit, action }, 'maximum number of prefixes exceeded');
    if (action === 'warn') return;
    // Data: AFI, SAFI (of the family that crossed it: IPv4 unless the session has only IPv6) and the limit.
    const data = maxPrefixesCeaseData(peer.params && !(peer.params.families & (1 << Family.IPV4_UNICAST)) ? 2 : 1, 1, max.limit);
    peer.stop(`maximum number of prefixes (${max.limit}) exceeded`, CeaseSubcode.MAX_PREFIXES, data);
    if (action === 'restart') {
      this.clock.setTimer((max.restartAfter ?? 60) * 1000, () => {
        if (this.neighbors.get(address)?.maxPrefixes && peer.state === State.IDLE && !peer.enabled) peer.start();
      });
    }
  }

  /**
   * Answer a ROUTE-REFRESH from the Adj-RIB-Out (no session reset, no re-decision). With enhanced
   * route refresh (RFC 7313) the re-sent routes are framed by BoRR and EoRR.
   */
  routeRefresh(peer: Peer, msg: RouteRefreshMessage): void {
    const rp = this.ribPeers.get(peer);
    if (!rp || msg.subtype !== RouteRefreshSubtype.REQUEST) return;
    const family = familyOf(msg.afi, msg.safi);
    const enhanced = peer.params?.enhancedRouteRefresh === true;
    for (const { group, member } of rp.members) {
      if (group.family !== family) continue;
      if (enhanced) peer.sendRaw(encodeRouteRefresh({ afi: msg.afi, subtype: RouteRefreshSubtype.BORR, safi: msg.safi }));
      group.resync(member, enhanced ? () => peer.sendRaw(encodeRouteRefresh({ afi: msg.afi, subtype: RouteRefreshSubtype.EORR, safi: msg.safi })) : undefined);
    }
    this.log.debug({ peer: peer.config.address, afi: msg.afi, enhanced }, 'route refresh answered from the Adj-RIB-Out');
  }

  stateChange(_peer: Peer, _from: State, _to: State, _reason: string): void {}

  drain(peer: Peer): void {
    const rp = this.ribPeers.get(peer);
    if (!rp) return;
    for (const { group, member } of rp.members) group.drained(member);
  }

  /** The import policy chain of a neighbour, as the running config says. */
  importChain(address: string): PolicyChain | null {
    return this.policies.chain(this.neighbors.get(address)?.import);
  }

  /** Prefixes announced to a peer (by the update groups of its session). */
  advertised(peer: Peer): number {
    let n = 0;
    for (const { group } of this.ribPeers.get(peer)?.members ?? []) n += group.announced;
    return n;
  }

  /** Announcements from a peer that its import policy rejected. */
  filtered(peer: Peer): number {
    return this.ribPeers.get(peer)?.filtered ?? 0;
  }

  /** Routes refused from a peer's UPDATEs (loops, own next hop, malformed attributes). */
  rejected(peer: Peer): number {
    return this.ribPeers.get(peer)?.rejected ?? 0;
  }

  /** Routes received from a peer (for show output and tests). */
  received(peer: Peer): number {
    return this.ribPeers.get(peer)?.received ?? 0;
  }
}
