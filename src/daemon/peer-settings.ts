/**
 * Config to session: what a neighbour's settings mean for its Peer (endpoint, FSM timers), for
 * the OPEN we send it (the local speaker) and for how we dial it.
 */
import { Family } from '../wire/constants.js';
import { parseIpv4 } from '../wire/address.js';
import { DEFAULT_FSM_CONFIG } from '../session/fsm.js';
import type { Dialer, PeerConfig, PeerEvents } from '../session/peer.js';
import { dial } from '../session/transport.js';
import type { LocalSpeaker } from '../session/negotiate.js';
import type { Config, NeighborConfig } from '../config/load.js';

export function familyMask(fams: readonly string[]): number {
  let m = 0;
  if (fams.includes('ipv4')) m |= 1 << Family.IPV4_UNICAST;
  if (fams.includes('ipv6')) m |= 1 << Family.IPV6_UNICAST;
  return m;
}

export function peerConfig(n: NeighborConfig): PeerConfig {
  const { address, asn, port, passive, description, sourceAddress, sourcePort, multihop, ttlSecurity, password } = n;
  return {
    address, asn, port, passive, description, sourceAddress, sourcePort, multihop, ttlSecurity, password,
    ...(n.interface ? { interface: n.interface } : {}),
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

/** What we say about ourselves in the OPEN to `n`; `restarting` sets the Restart State bit (RFC 4724). */
export function localSpeaker(config: Config, n: NeighborConfig, restarting: boolean): LocalSpeaker {
  const families = familyMask(n.families);
  return {
    asn: n.localAs ?? config.asn,
    routerId: parseIpv4(config.routerId),
    holdTime: n.holdTime,
    families,
    addPathReceive: n.addPaths === 'receive' || n.addPaths === 'both' ? families : 0,
    addPathSend: n.addPaths === 'send' || n.addPaths === 'both' ? families : 0,
    gracefulRestart: (n.gracefulRestart ?? config.gracefulRestart.enabled) ? { restartTime: n.restartTime ?? config.gracefulRestart.restartTime, restarting, forwarding: true, notification: config.gracefulRestart.notification } : null,
    hostname: config.hostname,
    extendedMessage: n.extendedMessages,
    extendedNextHop: n.extendedNextHop === true,
    longLivedStaleTime: (n.gracefulRestart ?? config.gracefulRestart.enabled) ? config.gracefulRestart.longLivedStaleTime : null,
  };
}

export const tcpDialer: Dialer = (p, timeoutSeconds, done) => {
  const spec: Parameters<typeof dial>[0] = { address: p.address, port: p.port, timeoutSeconds };
  if (p.sourceAddress) spec.sourceAddress = p.sourceAddress;
  if (p.sourcePort) spec.sourcePort = p.sourcePort;
  if (p.interface) spec.interface = p.interface;
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
export function bindEvents(events: PeerEvents): PeerEvents {
  return {
    established: (p, params) => events.established(p, params),
    down: (p, reason, notified, graceful) => events.down(p, reason, notified, graceful),
    update: (p, u) => events.update(p, u),
    routeRefresh: (p, m) => events.routeRefresh(p, m),
    stateChange: (p, from, to, reason) => events.stateChange(p, from, to, reason),
    drain: (p) => events.drain(p),
  };
}
