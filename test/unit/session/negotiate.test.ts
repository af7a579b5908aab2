import t from 'tap';
import { localOpen, negotiate, type LocalSpeaker } from '../../../src/session/negotiate.js';
import { Family } from '../../../src/wire/constants.js';
import { BgpError } from '../../../src/wire/errors.js';
import { decodeOpen, encodeOpen, type OpenMessage } from '../../../src/wire/open.js';
import type { Capability } from '../../../src/wire/capabilities.js';

const V4 = 1 << Family.IPV4_UNICAST;
const V6 = 1 << Family.IPV6_UNICAST;
const local: LocalSpeaker = {
  asn: 64512, routerId: 0xc0000201, holdTime: 90, families: V4 | V6, addPathReceive: V4, addPathSend: V6,
  gracefulRestart: null, hostname: 'node-1', extendedMessage: true,
};

function open(caps: Capability[], patch: Partial<OpenMessage> = {}): OpenMessage {
  return { version: 4, myAs: 64512, holdTime: 30, bgpId: 0xc0000202, capabilities: caps, ...patch };
}
const mp = (afi: number): Capability => ({ kind: 'multiprotocol', afi, safi: 1 });

function openError(o: OpenMessage, expectAs = 64512): [number, number] {
  try {
    negotiate(local, expectAs, o);
  } catch (err) {
    if (err instanceof BgpError) return [err.errorCode, err.subcode];
    throw err;
  }
  return [0, 0];
}

t.test('our OPEN survives the codec and carries what we offer', async (t) => {
  const bytes = encodeOpen(localOpen(local));
  const back = decodeOpen(bytes, 0, bytes.length);
  const kinds = back.capabilities.map((c) => c.kind);
  t.same(kinds, ['multiprotocol', 'multiprotocol', 'route-refresh', 'enhanced-route-refresh', 'extended-message', 'four-octet-as', 'add-path', 'fqdn']);
  t.equal(back.myAs, 64512);
  const big = localOpen({ ...local, asn: 4200000000 });
  t.equal(big.myAs, 23456, 'AS_TRANS for a 4-octet ASN');
});

t.test('negotiation matrix', async (t) => {
  const p = negotiate(local, 64512, open([mp(1), mp(2), { kind: 'four-octet-as', asn: 64512 }, { kind: 'route-refresh' }]));
  t.equal(p.families, V4 | V6);
  t.equal(p.asn4, true);
  t.equal(p.holdTime, 30, 'smaller hold time');
  t.equal(p.routeRefresh, true);
  t.equal(p.enhancedRouteRefresh, false);
  t.equal(p.extendedMessage, false, 'only when both offer it');
  t.equal(p.ebgp, false);
  const legacy = negotiate(local, 64512, open([]));
  t.equal(legacy.families, V4, 'no MP capability: IPv4 unicast only');
  t.equal(legacy.asn4, false);
  t.equal(legacy.codec.asn4, false, 'decode with 2-octet AS paths');
  const ap = negotiate(local, 64512, open([mp(1), mp(2), { kind: 'add-path', entries: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 3 }] }]));
  t.equal(ap.addPathReceive, V4, 'receive path ids where we asked to');
  t.equal(ap.addPathSend, V6);
  t.equal(ap.codec.addPath, V4);
  const v6only = negotiate(local, 64512, open([mp(2), { kind: 'extended-message' }, { kind: 'fqdn', hostname: 'tor1', domain: '' }]));
  t.equal(v6only.families, V6);
  t.equal(v6only.extendedMessage, true);
  t.equal(v6only.peerHostname, 'tor1');
  const gr = negotiate(local, 64512, open([mp(1), { kind: 'graceful-restart', flags: 8, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 0x80 }] }]));
  t.same(gr.peerGracefulRestart, { restartTime: 120, restarting: true, families: V4, forwarding: V4, notification: false });
  const e = negotiate(local, 4200000000, open([mp(1), { kind: 'four-octet-as', asn: 4200000000 }], { myAs: 23456 }));
  t.equal(e.peerAs, 4200000000);
  t.equal(e.ebgp, true);
  t.equal(e.codec.ebgp, true);
});

t.test('OPEN errors', async (t) => {
  t.same(openError(open([mp(1)]), 65001), [2, 2], 'bad peer AS');
  t.same(openError(open([mp(1)], { bgpId: 0 })), [2, 3], 'zero BGP identifier');
  t.same(openError(open([mp(1)], { bgpId: local.routerId })), [2, 3], 'our own identifier from an internal peer');
  t.same(openError(open([mp(1)], { bgpId: local.routerId, myAs: 65001 }), 65001), [0, 0], 'allowed from an external peer (RFC 6286)');
  t.same(openError(open([mp(1)], { holdTime: 2 })), [2, 6], 'hold time 2');
  t.same(openError(open([mp(1)], { holdTime: 0 })), [0, 0], 'hold time 0 is fine');
  t.same(openError(open([{ kind: 'multiprotocol', afi: 1, safi: 128 }])), [2, 7], 'no family in common');
});

t.test('long-lived graceful restart (RFC 9494): the capability on the wire, and what is negotiated', async (t) => {
  const { encodeCapability, decodeCapabilities } = await import('../../../src/wire/capabilities.js');
  const cap: Capability = { kind: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, flags: 0x80, staleTime: 3600 }, { afi: 2, safi: 1, flags: 0, staleTime: 0xffffff }] };
  const bytes = encodeCapability(cap);
  t.equal(bytes.toString('hex'), '470e' + '0001018000' + '0e10' + '00020100ffffff', 'code 71; AFI, SAFI, flags (F), 24-bit stale time per family');
  const back: Capability[] = [];
  decodeCapabilities(bytes, 0, bytes.length, back);
  t.same(back, [cap]);
  const bad: Capability[] = [];
  t.throws(() => decodeCapabilities(Buffer.from('4706000101800e10', 'hex'), 0, 8, bad), /malformed long-lived graceful restart/, 'not a multiple of 7 bytes');
  // Ours in the OPEN only when configured.
  const withLl = { ...local, gracefulRestart: { restartTime: 120, restarting: false, forwarding: true }, longLivedStaleTime: 600 };
  t.match(localOpen(withLl).capabilities.find((c) => c.kind === 'long-lived-graceful-restart'), { families: [{ afi: 1, staleTime: 600, flags: 0x80 }, { afi: 2, staleTime: 600 }] });
  t.notOk(localOpen(local).capabilities.some((c) => c.kind === 'long-lived-graceful-restart'));
  // Negotiated: the families both have, the shortest time; a zero time keeps nothing.
  const peer = open([mp(1), mp(2), { kind: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, flags: 0x80, staleTime: 900 }, { afi: 2, safi: 1, flags: 0x80, staleTime: 300 }] }]);
  const p = negotiate(withLl, 64512, peer);
  t.equal(p.longLivedFamilies, V4 | V6);
  t.equal(p.longLivedStaleTime, 300);
  t.equal(p.peerLongLived, true);
  const off = negotiate(local, 64512, peer);
  t.equal(off.longLivedFamilies, 0, 'we do not do LLGR: we keep nothing past the restart time');
  t.equal(off.peerLongLived, true, 'but the peer may still get LLGR_STALE routes from others');
  const zero = negotiate(withLl, 64512, open([mp(1), { kind: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, flags: 0, staleTime: 0 }] }]));
  t.equal(zero.longLivedFamilies, 0, 'a stale time of 0 keeps nothing');
});

t.test('extended next hop (RFC 8950): offered when configured, negotiated when both offer IPv4 with IPv6 next hops', async (t) => {
  const enh = { ...local, extendedNextHop: true };
  const cap = localOpen(enh).capabilities.find((c) => c.kind === 'extended-next-hop');
  t.same(cap, { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] });
  const { encodeCapability } = await import('../../../src/wire/capabilities.js');
  t.equal(encodeCapability(cap as Capability).toString('hex'), '0506000100010002', 'code 5: AFI 1, SAFI 1, next hop AFI 2');
  const theirs: Capability = { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] };
  t.equal(negotiate(enh, 64512, open([mp(1), mp(2), theirs])).extendedNextHop, true);
  t.equal(negotiate(local, 64512, open([mp(1), mp(2), theirs])).extendedNextHop, false, 'not offered by us');
  t.equal(negotiate(enh, 64512, open([mp(1), mp(2)])).extendedNextHop, false, 'not offered by the peer');
  t.equal(negotiate(enh, 64512, open([mp(2), theirs])).extendedNextHop, false, 'IPv4 not negotiated at all');
});
