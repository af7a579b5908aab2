/**
 * OPEN validation and capability negotiation: from our settings and the peer's OPEN, one immutable
 * description of the session (and the codec context every later message is decoded with).
 */
import { printable } from '../wire/printable.js';
import { Afi, Family, OpenSubcode, familyOf } from '../wire/constants.js';
import { AddPathMode, GR_FORWARDING, GR_NOTIFICATION, GR_RESTART_STATE, type Capability } from '../wire/capabilities.js';
import { BgpError, openError } from '../wire/errors.js';
import { makeContext, type CodecContext } from '../wire/context.js';
import { myAsField, openAsn, type OpenMessage } from '../wire/open.js';

export interface LocalSpeaker {
  asn: number;
  routerId: number;
  holdTime: number;
  /** Families we offer, as a bit mask of (1 << Family). */
  families: number;
  /** ADD-PATH we offer per family: bit masks of families we can receive / send several paths for. */
  addPathReceive: number;
  addPathSend: number;
  /**
   * RFC 4724: restart time we announce (s), and whether we are restarting (R bit) with forwarding
   * kept; `notification`: the N bit (RFC 8538, graceful restart across NOTIFICATIONs too).
   */
  gracefulRestart: { restartTime: number; restarting: boolean; forwarding: boolean; notification?: boolean } | null;
  hostname: string;
  /** RFC 8654: offer messages up to 65535 bytes. */
  extendedMessage: boolean;
  /** RFC 8950: offer IPv4 unicast with IPv6 next hops. */
  extendedNextHop?: boolean;
  /** RFC 9494: the long-lived stale time we announce (s); null or absent: no LLGR. */
  longLivedStaleTime?: number | null;
}

export interface SessionParameters {
  peerAs: number;
  peerId: number;
  holdTime: number;
  families: number;
  /** Families for which the peer sends path ids (we receive) / we send path ids. */
  addPathReceive: number;
  addPathSend: number;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  extendedMessage: boolean;
  /** IPv4 NLRI with IPv6 next hops (RFC 8950) both ways. */
  extendedNextHop: boolean;
  /** The peer's graceful-restart capability, when announced (`notification`: its N bit). */
  peerGracefulRestart: { restartTime: number; restarting: boolean; families: number; forwarding: number; notification: boolean } | null;
  /** RFC 8538: both sides set the N bit: a NOTIFICATION other than Hard Reset keeps graceful restart. */
  gracefulNotification: boolean;
  /** Families graceful restart applies to (both sides announced it; the peer listed the family). */
  gracefulRestartFamilies: number;
  /**
   * RFC 9494: families the peer asked to have its routes kept past the restart time (we announced
   * LLGR too), and the shortest stale time it gave for them (s). The peer announced LLGR at all:
   * routes marked LLGR_STALE may go to it.
   */
  longLivedFamilies: number;
  longLivedStaleTime: number;
  peerLongLived: boolean;
  asn4: boolean;
  ebgp: boolean;
  codec: CodecContext;
  peerHostname: string;
}

function familyBits(caps: readonly Capability[]): number {
  let bits = 0;
  let sawMp = false;
  for (const c of caps) {
    if (c.kind !== 'multiprotocol') continue;
    sawMp = true;
    const f = familyOf(c.afi, c.safi);
    if (f >= 0) bits |= 1 << f;
  }
  // RFC 4760: a speaker without the multiprotocol capability carries IPv4 unicast only.
  return sawMp ? bits : 1 << Family.IPV4_UNICAST;
}

/** Our capabilities, in the order BIRD and FRR send them. */
export function localCapabilities(l: LocalSpeaker): Capability[] {
  const caps: Capability[] = [];
  for (const f of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
    if (l.families & (1 << f)) caps.push({ kind: 'multiprotocol', afi: f === Family.IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6, safi: 1 });
  }
  caps.push({ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' });
  if (l.extendedNextHop && l.families & (1 << Family.IPV4_UNICAST)) caps.push({ kind: 'extended-next-hop', entries: [{ afi: Afi.IPV4, safi: 1, nextHopAfi: Afi.IPV6 }] });
  if (l.extendedMessage) caps.push({ kind: 'extended-message' });
  if (l.gracefulRestart) {
    const gr = l.gracefulRestart;
    const families = [Family.IPV4_UNICAST, Family.IPV6_UNICAST]
      .filter((f) => l.families & (1 << f))
      .map((f) => ({ afi: f === Family.IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6, safi: 1, flags: gr.forwarding ? GR_FORWARDING : 0 }));
    caps.push({ kind: 'graceful-restart', flags: (gr.restarting ? GR_RESTART_STATE : 0) | (gr.notification ? GR_NOTIFICATION : 0), restartTime: gr.restartTime, families });
  }
  if (l.longLivedStaleTime) {
    const time = l.longLivedStaleTime;
    const families = [Family.IPV4_UNICAST, Family.IPV6_UNICAST]
      .filter((f) => l.families & (1 << f))
      .map((f) => ({ afi: f === Family.IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6, safi: 1, flags: l.gracefulRestart?.forwarding ? GR_FORWARDING : 0, staleTime: time }));
    caps.push({ kind: 'long-lived-graceful-restart', families });
  }
  caps.push({ kind: 'four-octet-as', asn: l.asn });
  const addPath = [Family.IPV4_UNICAST, Family.IPV6_UNICAST]
    .filter((f) => l.families & (1 << f))
    .map((f) => ({
      afi: f === Family.IPV4_UNICAST ? Afi.IPV4 : Afi.IPV6,
      safi: 1,
      mode: ((l.addPathReceive >> f) & 1 ? AddPathMode.RECEIVE : 0) | ((l.addPathSend >> f) & 1 ? AddPathMode.SEND : 0),
    }))
    .filter((e) => e.mode !== 0);
  if (addPath.length > 0) caps.push({ kind: 'add-path', entries: addPath });
  if (l.hostname) caps.push({ kind: 'fqdn', hostname: l.hostname.slice(0, 64), domain: '' });
  return caps;
}

export function localOpen(l: LocalSpeaker): OpenMessage {
  return { version: 4, myAs: myAsField(l.asn), holdTime: l.holdTime, bgpId: l.routerId, capabilities: localCapabilities(l) };
}

function asData(asn: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(asn > 0xffff ? 23456 : asn, 0);
  return b;
}

/**
 * Check the peer's OPEN against what we expect and negotiate. `expectedAs` is the configured peer
 * ASN (or a list for dynamic neighbours). Throws BgpError with the OPEN Message Error to send.
 */
export function negotiate(local: LocalSpeaker, expectedAs: number, open: OpenMessage): SessionParameters {
  const caps = open.capabilities;
  const peerAs = openAsn(open);
  if (peerAs !== expectedAs) {
    throw openError('open.peer-as', `peer AS ${peerAs}, expected ${expectedAs}`, OpenSubcode.BAD_PEER_AS, asData(open.myAs));
  }
  const ebgp = peerAs !== local.asn;
  // RFC 6286: zero is never valid; equal to ours only between internal peers.
  if (open.bgpId === 0 || (!ebgp && open.bgpId === local.routerId)) {
    const data = Buffer.alloc(4);
    data.writeUInt32BE(open.bgpId >>> 0, 0);
    throw openError('open.bgp-id', `unacceptable BGP identifier ${open.bgpId >>> 0}`, OpenSubcode.BAD_BGP_IDENTIFIER, data);
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    throw openError('open.hold-time', `unacceptable hold time ${open.holdTime}`, OpenSubcode.UNACCEPTABLE_HOLD_TIME);
  }
  const families = familyBits(caps) & local.families;
  if (families === 0) {
    throw new BgpError('open.no-common-family', 'no address family in common', 2, OpenSubcode.UNSUPPORTED_CAPABILITY);
  }
  const asn4 = caps.some((c) => c.kind === 'four-octet-as');
  let addPathReceive = 0;
  let addPathSend = 0;
  for (const c of caps) {
    if (c.kind !== 'add-path') continue;
    for (const e of c.entries) {
      const f = familyOf(e.afi, e.safi);
      if (f < 0 || !(families & (1 << f))) continue;
      if (e.mode & AddPathMode.SEND && local.addPathReceive & (1 << f)) addPathReceive |= 1 << f;
      if (e.mode & AddPathMode.RECEIVE && local.addPathSend & (1 << f)) addPathSend |= 1 << f;
    }
  }
  const gr = caps.find((c) => c.kind === 'graceful-restart');
  let peerGracefulRestart: SessionParameters['peerGracefulRestart'] = null;
  if (gr?.kind === 'graceful-restart') {
    let grFamilies = 0;
    let forwarding = 0;
    for (const f of gr.families) {
      const fam = familyOf(f.afi, f.safi);
      if (fam < 0) continue;
      grFamilies |= 1 << fam;
      if (f.flags & GR_FORWARDING) forwarding |= 1 << fam;
    }
    peerGracefulRestart = { restartTime: gr.restartTime, restarting: (gr.flags & GR_RESTART_STATE) !== 0, families: grFamilies, forwarding, notification: (gr.flags & GR_NOTIFICATION) !== 0 };
  }
  const llgr = caps.find((c) => c.kind === 'long-lived-graceful-restart');
  let longLivedFamilies = 0;
  let longLivedStaleTime = 0;
  if (llgr?.kind === 'long-lived-graceful-restart' && local.longLivedStaleTime) {
    for (const f of llgr.families) {
      const fam = familyOf(f.afi, f.safi);
      if (fam < 0 || !(families & (1 << fam)) || f.staleTime === 0) continue;
      longLivedStaleTime = longLivedFamilies === 0 ? f.staleTime : Math.min(longLivedStaleTime, f.staleTime);
      longLivedFamilies |= 1 << fam;
    }
  }
  const extendedMessage = local.extendedMessage && caps.some((c) => c.kind === 'extended-message');
  const fqdn = caps.find((c) => c.kind === 'fqdn');
  const holdTime = Math.min(local.holdTime, open.holdTime);
  return {
    peerAs,
    peerId: open.bgpId >>> 0,
    holdTime,
    families,
    addPathReceive,
    addPathSend,
    routeRefresh: caps.some((c) => c.kind === 'route-refresh'),
    enhancedRouteRefresh: caps.some((c) => c.kind === 'enhanced-route-refresh'),
    extendedMessage,
    extendedNextHop:
      Boolean(local.extendedNextHop) &&
      (families & (1 << Family.IPV4_UNICAST)) !== 0 &&
      caps.some((c) => c.kind === 'extended-next-hop' && c.entries.some((e) => e.afi === Afi.IPV4 && e.safi === 1 && e.nextHopAfi === Afi.IPV6)),
    peerGracefulRestart,
    gracefulRestartFamilies: local.gracefulRestart && peerGracefulRestart ? peerGracefulRestart.families & families : 0,
    gracefulNotification: Boolean(local.gracefulRestart?.notification && peerGracefulRestart?.notification),
    longLivedFamilies,
    longLivedStaleTime,
    peerLongLived: llgr !== undefined,
    asn4,
    ebgp,
    codec: makeContext({ asn4, extendedMessage, addPath: addPathReceive, ebgp }),
    peerHostname: fqdn?.kind === 'fqdn' ? printable(fqdn.hostname) : '',
  };
}
