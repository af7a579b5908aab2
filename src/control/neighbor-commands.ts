/**
 * Neighbour commands: `show neighbors [ADDRESS] [detail]`, `node status` (the calicoctl table),
 * and `enable`, `disable`, `restart` of one session.
 */
import { CeaseSubcode, familyNames } from '../wire/constants.js';
import type { NeighborConfig } from '../config/load.js';
import type { Peer } from '../session/peer.js';
import type { ControlServer, ReplyStream } from './server.js';
import type { ControlRequest } from './protocol.js';
import type { ControlHost } from './host.js';
import { State } from '../session/fsm.js';
import { isoString } from '../time/iso-time.js';

export const PEER_TYPES: Record<NeighborConfig['origin'], string> = {
  mesh: 'node-to-node mesh',
  routeReflectors: 'global',
  routeReflector: 'route reflector client',
  neighbors: 'node specific',
};

export interface NeighborRow {
  address: string;
  asn: number;
  type: string;
  state: string;
  since: string;
  /** Seconds in the current state. */
  forSeconds: number;
  lastError: string;
  lastNotification: string;
  routesReceived: number;
  description: string;
}

export function peerType(d: ControlHost, address: string): string {
  const n = d.neighborConfig(address);
  if (n && d.isReflectorClient(address)) return PEER_TYPES.routeReflector;
  return n ? PEER_TYPES[n.origin] : PEER_TYPES.neighbors;
}

function row(d: ControlHost, p: Peer): NeighborRow {
  const s = p.status();
  return {
    address: s.address,
    asn: s.asn,
    type: peerType(d, s.address),
    state: s.state,
    since: isoString(s.since),
    forSeconds: Math.max(0, Math.round((Date.now() - s.since) / 1000)),
    lastError: s.lastError,
    lastNotification: s.lastNotification,
    routesReceived: d.routeCounts()?.received(p) ?? 0,
    description: p.config.description,
  };
}

/** Everything known about one session, for `show neighbors ADDRESS detail`. */
function detail(d: ControlHost, p: Peer): Record<string, unknown> {
  const n = d.neighborConfig(p.config.address);
  const params = p.status().params;
  return {
    ...row(d, p),
    localAddress: p.localAddress || null,
    localAs: n?.localAs ?? d.asn,
    passive: p.config.passive,
    configured: n ? { holdTime: n.holdTime, keepaliveTime: n.keepaliveTime, connectRetryTime: n.connectRetryTime, families: n.families, addPaths: n.addPaths, routeReflectorClient: n.routeReflectorClient, nextHopSelf: n.nextHopSelf, md5: Boolean(n.password), ttlSecurity: n.ttlSecurity ?? null, multihop: n.multihop ?? null } : null,
    session: params
      ? {
          peerId: `${params.peerId >>> 24}.${(params.peerId >>> 16) & 255}.${(params.peerId >>> 8) & 255}.${params.peerId & 255}`,
          peerHostname: params.peerHostname || null,
          holdTime: params.holdTime,
          families: familyNames(params.families),
          asn4: params.asn4,
          ebgp: params.ebgp,
          routeRefresh: params.routeRefresh,
          enhancedRouteRefresh: params.enhancedRouteRefresh,
          extendedMessage: params.extendedMessage,
          addPathReceive: familyNames(params.addPathReceive),
          addPathSend: familyNames(params.addPathSend),
          gracefulRestart: params.peerGracefulRestart ? { ...params.peerGracefulRestart, families: familyNames(params.peerGracefulRestart.families), forwarding: familyNames(params.peerGracefulRestart.forwarding) } : null,
          gracefulRestartFamilies: familyNames(params.gracefulRestartFamilies),
        }
      : null,
    staleRoutes: d.routeCounts()?.staleRoutes(p.config.address) ?? 0,
    bfd: bfdDetail(d, p, n),
    /** Bytes queued towards the peer that its socket has not taken yet (bounded: a slow reader lags, see update groups). */
    outputQueueBytes: p.pendingBytes,
    routes: { received: d.routeCounts()?.received(p) ?? 0, rejectedUpdates: d.routeCounts()?.rejected(p) ?? 0, advertised: d.routeCounts()?.advertised(p) ?? 0 },
    counters: { ...p.counters },
  };
}

/** The BFD session of a neighbour, for its detail: state, and whether BGP waits for it. */
function bfdDetail(d: ControlHost, p: Peer, n: NeighborConfig | undefined): Record<string, unknown> | null {
  const state = d.bfd().state(p.config.address);
  if (state === null || !n?.bfd) return null;
  return { state, minRx: n.bfd.minRx, minTx: n.bfd.minTx, multiplier: n.bfd.multiplier, strict: n.bfd.strict, bgpHeld: p.held };
}

export function neighborRows(d: ControlHost): NeighborRow[] {
  return [...d.peers()].map((p) => row(d, p));
}

export interface SummaryRow {
  address: string;
  asn: number;
  state: string;
  /** Seconds in the current state (up for, or down for), and since when. */
  forSeconds: number;
  since: string;
  messagesIn: number;
  messagesOut: number;
  /** Prefixes in the RIB from the peer, announcements its import policy rejected, prefixes sent to it. */
  accepted: number;
  filtered: number;
  advertised: number;
  flaps: number;
  description: string;
}

/** `show summary`: the vtysh `show bgp summary` view, one row per session. */
function summary(d: ControlHost): { routerId: string; asn: number; neighbors: number; established: number; prefixes: number; rows: SummaryRow[] } {
  const now = Date.now();
  const counts = d.routeCounts();
  const rows = [...d.peers()].map((p): SummaryRow => {
    const s = p.status();
    return {
      address: s.address,
      asn: s.asn,
      state: s.state,
      forSeconds: Math.max(0, Math.round((now - s.since) / 1000)),
      since: isoString(s.since),
      messagesIn: p.counters.messagesIn,
      messagesOut: p.counters.messagesOut,
      accepted: counts?.received(p) ?? 0,
      filtered: counts?.filtered(p) ?? 0,
      advertised: counts?.advertised(p) ?? 0,
      flaps: p.counters.flaps,
      description: p.config.description,
    };
  });
  return { routerId: d.routerId, asn: d.asn, neighbors: rows.length, established: rows.filter((r) => r.state === State.ESTABLISHED).length, prefixes: d.rib()?.routes ?? 0, rows };
}

export function registerNeighborCommands(server: ControlServer, d: ControlHost): void {
  server.on('show summary', (_req, out) => out.result(summary(d)));

  server.on('show neighbors', (req, out) => {
    const addr = typeof req.args?.address === 'string' ? req.args.address : null;
    const peers = [...d.peers()].filter((p) => !addr || p.config.address === addr);
    if (addr && peers.length === 0) return out.error(`no neighbor ${addr}`);
    out.result(req.args?.detail === true ? peers.map((p) => detail(d, p)) : peers.map((p) => row(d, p)));
  });

  // The table Calico users know from `calicoctl node status`.
  server.on('node status', (_req, out) => {
    out.result(
      neighborRows(d).map((n) => ({
        peerAddress: n.address,
        peerType: n.type,
        state: n.state === State.ESTABLISHED ? 'up' : 'start',
        since: n.since.slice(11, 19),
        info: n.state === State.ESTABLISHED ? 'Established' : `${n.state}${n.lastError ? ` (${n.lastError})` : ''}`,
      })),
    );
  });

  const withPeer = (verb: string, act: (p: Peer, req: ControlRequest) => void) => (req: ControlRequest, out: ReplyStream) => {
    const p = typeof req.args?.address === 'string' ? d.peer(req.args.address) : undefined;
    if (!p) return out.error(`usage: ${verb} ADDRESS (a configured neighbor)`);
    act(p, req);
    out.result({ address: p.config.address, state: p.state });
  };
  const message = (req: ControlRequest, dflt: string) => (typeof req.args?.message === 'string' ? req.args.message : dflt);
  server.on('disable', withPeer('disable', (p, req) => p.stop(message(req, 'disabled by wrenc'))));
  server.on('enable', withPeer('enable', (p) => p.start()));
  // Soft reset (no session reset): routes asked for again (in) or sent again (out).
  server.on('refresh', (req, out) => {
    const address = typeof req.args?.address === 'string' ? req.args.address : '';
    const dir = req.args?.direction;
    if (dir !== 'in' && dir !== 'out') return out.error('usage: refresh in|out ADDRESS');
    out.result({ address, direction: dir, done: d.refresh(address, dir) });
  });
  // Cease / Administrative Reset (RFC 4486), then connect again at once.
  server.on(
    'restart',
    withPeer('restart', (p, req) => {
      p.stop(message(req, 'restarted by wrenc'), CeaseSubcode.ADMIN_RESET);
      p.start();
    }),
  );
}
