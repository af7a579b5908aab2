/**
 * The wire test vectors: each a hand-assembled message with the decoded form written out by hand.
 * `npm run fixtures:wire` writes them to fixtures/wire/ (NAME.hex + NAME.json); the tests read the
 * files.
 */
import {
  asPath,
  attr,
  capability,
  cat,
  ip4,
  ip6,
  message,
  nextHop,
  open,
  origin,
  prefix,
  u16,
  u32,
  u8,
  update,
  type Bytes,
} from './wire-bytes.js';

export interface ContextSpec {
  asn4?: boolean;
  extendedMessage?: boolean;
  addPath?: number;
  ebgp?: boolean;
}

export interface ValidVector {
  name: string;
  context?: ContextSpec;
  bytes: Bytes;
  expect: unknown;
  /** What the decoded message encodes back to, when decoding leaves something out (else `bytes`). */
  reencoded?: Bytes;
}

export interface MalformedVector {
  name: string;
  context?: ContextSpec;
  bytes: Bytes;
  expect: { errorCode: number; subcode: number; action: string };
}

const mp4 = capability(1, [0, 1, 0, 1]);
const mp6 = capability(1, [0, 2, 0, 1]);
const rr = capability(2, []);
const as4 = (asn: number) => capability(65, u32(asn));
const ORIGIN_IGP = { type: 1, flags: 64, kind: 'origin', origin: 'igp' };
const path = (asns: number[]) => ({ type: 2, flags: 64, kind: 'as-path', segments: [{ type: 2, asns }] });
const nh = (a: string) => ({ type: 3, flags: 64, kind: 'next-hop', nextHop: a });
const base = (asns: number[], hop: string): Bytes => cat(origin(0), asPath([[2, asns]]), nextHop(hop));
const baseJson = (asns: number[], hop: string) => [ORIGIN_IGP, path(asns), nh(hop)];
const upd = (withdrawn: string[], attributes: unknown[], nlri: string[]) => ({ type: 'update', withdrawn, attributes, nlri });
const mpReach6 = (hop: Bytes, nlri: Bytes) => attr(0x90, 14, cat(u16(2), u8(1), u8(hop.length), hop, u8(0), nlri));

export const VALID: ValidVector[] = [
  {
    name: 'open-basic',
    bytes: open(64512, 90, '192.0.2.1', [cat(mp4, rr, as4(64512))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.1',
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 64512 }],
    },
  },
  {
    name: 'open-four-octet-asn',
    bytes: open(23456, 180, '198.51.100.7', [cat(mp4, as4(4200000000))]),
    expect: {
      type: 'open', version: 4, myAs: 23456, holdTime: 180, bgpId: '198.51.100.7',
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 4200000000 }],
    },
  },
  {
    name: 'open-ipv6-multiprotocol',
    bytes: open(64512, 3, '192.0.2.2', [cat(mp4, mp6, as4(64512))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 3, bgpId: '192.0.2.2',
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'four-octet-as', asn: 64512 }],
    },
  },
  {
    name: 'open-enhanced-route-refresh',
    bytes: open(64512, 90, '192.0.2.3', [cat(rr, capability(70, []))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.3',
      capabilities: [{ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }],
    },
  },
  {
    name: 'open-extended-next-hop',
    bytes: open(64512, 90, '192.0.2.4', [capability(5, cat(u16(1), u16(1), u16(2)))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.4',
      capabilities: [{ kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] }],
    },
  },
  {
    name: 'open-extended-message',
    bytes: open(64512, 90, '192.0.2.5', [capability(6, [])]),
    expect: { type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.5', capabilities: [{ kind: 'extended-message' }] },
  },
  {
    name: 'open-graceful-restart',
    bytes: open(64512, 90, '192.0.2.6', [capability(64, cat(u16(0x8000 | 120), u16(1), u8(1), u8(0x80), u16(2), u8(1), u8(0)))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.6',
      capabilities: [{ kind: 'graceful-restart', flags: 8, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 128 }, { afi: 2, safi: 1, flags: 0 }] }],
    },
  },
  {
    name: 'open-graceful-restart-notification',
    bytes: open(64512, 90, '192.0.2.6', [capability(64, cat(u16(0x4000 | 300), u16(1), u8(1), u8(0x80)))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.6',
      capabilities: [{ kind: 'graceful-restart', flags: 4, restartTime: 300, families: [{ afi: 1, safi: 1, flags: 128 }] }],
    },
  },
  {
    name: 'open-long-lived-graceful-restart',
    bytes: open(64512, 90, '192.0.2.6', [capability(71, cat(u16(1), u8(1), u8(0x80), [0x00, 0x0e, 0x10], u16(2), u8(1), u8(0), [0xff, 0xff, 0xff]))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.6',
      capabilities: [{ kind: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, flags: 128, staleTime: 3600 }, { afi: 2, safi: 1, flags: 0, staleTime: 16777215 }] }],
    },
  },
  {
    name: 'open-add-path',
    bytes: open(64512, 90, '192.0.2.7', [capability(69, cat(u16(1), u8(1), u8(3), u16(2), u8(1), u8(1)))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.7',
      capabilities: [{ kind: 'add-path', entries: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 1 }] }],
    },
  },
  {
    // RFC 7911 §4: Send/Receive 0 or 4 are not understood: those entries are ignored, the OPEN is fine.
    name: 'open-add-path-unknown-mode',
    bytes: open(64512, 90, '192.0.2.7', [capability(69, cat(u16(1), u8(1), u8(4), u16(2), u8(1), u8(0), u16(2), u8(1), u8(2)))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.7',
      capabilities: [{ kind: 'add-path', entries: [{ afi: 2, safi: 1, mode: 2 }] }],
    },
    reencoded: open(64512, 90, '192.0.2.7', [capability(69, cat(u16(2), u8(1), u8(2)))]),
  },
  {
    name: 'open-fqdn',
    bytes: open(64512, 90, '192.0.2.8', [capability(73, cat(u8(6), [...Buffer.from('node-1')], u8(11), [...Buffer.from('example.net')]))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.8',
      capabilities: [{ kind: 'fqdn', hostname: 'node-1', domain: 'example.net' }],
    },
  },
  {
    name: 'open-unknown-capability',
    bytes: open(64512, 90, '192.0.2.9', [cat(mp4, capability(200, [1, 2]))]),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.9',
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'unknown', code: 200, value: '0102' }],
    },
  },
  {
    name: 'open-one-capability-per-parameter',
    bytes: open(65001, 90, '203.0.113.1', [mp4, mp6, rr, as4(65001)]),
    expect: {
      type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '203.0.113.1',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65001 },
      ],
    },
  },
  {
    name: 'open-extended-optional-parameters',
    // RFC 9072: non-extended length 255, type 255, 2-byte length, parameters with 2-byte lengths.
    bytes: message(1, cat(u8(4), u16(64512), u16(90), ip4('192.0.2.10'), u8(255), u8(255), u16(3 + 6), u8(2), u16(6), as4(64512))),
    expect: {
      type: 'open', version: 4, myAs: 64512, holdTime: 90, bgpId: '192.0.2.10',
      capabilities: [{ kind: 'four-octet-as', asn: 64512 }], extendedParams: true,
    },
  },
  {
    name: 'open-no-parameters',
    bytes: open(64512, 0, '192.0.2.11', []),
    expect: { type: 'open', version: 4, myAs: 64512, holdTime: 0, bgpId: '192.0.2.11', capabilities: [] },
  },
  {
    name: 'update-ipv4-announce',
    bytes: update([], base([64512], '192.0.2.1'), cat(prefix('198.51.100.0/24'), prefix('203.0.113.0/25'))),
    expect: upd([], baseJson([64512], '192.0.2.1'), ['198.51.100.0/24', '203.0.113.0/25']),
  },
  {
    name: 'update-ipv4-withdraw',
    bytes: update(cat(prefix('198.51.100.0/24'), prefix('192.0.2.64/26')), [], []),
    expect: upd(['198.51.100.0/24', '192.0.2.64/26'], [], []),
  },
  {
    name: 'update-ipv4-withdraw-and-announce',
    bytes: update(prefix('198.18.0.0/24'), base([64512, 65001], '192.0.2.1'), prefix('198.18.1.0/24')),
    expect: upd(['198.18.0.0/24'], baseJson([64512, 65001], '192.0.2.1'), ['198.18.1.0/24']),
  },
  {
    name: 'update-default-and-host-routes',
    bytes: update([], base([65001], '192.0.2.1'), cat(prefix('0.0.0.0/0'), prefix('198.51.100.9/32'))),
    expect: upd([], baseJson([65001], '192.0.2.1'), ['0.0.0.0/0', '198.51.100.9/32']),
  },
  {
    name: 'update-empty-as-path',
    bytes: update([], cat(origin(0), attr(0x40, 2, []), nextHop('192.0.2.2')), prefix('192.0.2.128/26')),
    expect: upd([], [ORIGIN_IGP, { type: 2, flags: 64, kind: 'as-path', segments: [] }, nh('192.0.2.2')], ['192.0.2.128/26']),
  },
  {
    name: 'update-as-set',
    bytes: update([], cat(origin(2), asPath([[2, [65001, 65002]], [1, [65010, 65011]]]), nextHop('192.0.2.1')), prefix('198.51.100.0/24')),
    expect: upd([], [
      { type: 1, flags: 64, kind: 'origin', origin: 'incomplete' },
      { type: 2, flags: 64, kind: 'as-path', segments: [{ type: 2, asns: [65001, 65002] }, { type: 1, asns: [65010, 65011] }] },
      nh('192.0.2.1'),
    ], ['198.51.100.0/24']),
  },
  {
    name: 'update-confederation-segments',
    bytes: update([], cat(origin(1), asPath([[3, [65100, 65101]], [4, [65102]], [2, [65001]]]), nextHop('192.0.2.1')), prefix('198.51.100.0/24')),
    expect: upd([], [
      { type: 1, flags: 64, kind: 'origin', origin: 'egp' },
      { type: 2, flags: 64, kind: 'as-path', segments: [{ type: 3, asns: [65100, 65101] }, { type: 4, asns: [65102] }, { type: 2, asns: [65001] }] },
      nh('192.0.2.1'),
    ], ['198.51.100.0/24']),
  },
  {
    name: 'update-two-octet-as-path',
    context: { asn4: false },
    bytes: update([], cat(origin(0), asPath([[2, [64512, 65001]]], 2), nextHop('192.0.2.1')), prefix('203.0.113.0/24')),
    expect: upd([], baseJson([64512, 65001], '192.0.2.1'), ['203.0.113.0/24']),
  },
  {
    name: 'update-as4-path',
    context: { asn4: false },
    bytes: update([], cat(origin(0), asPath([[2, [64512, 23456, 23456]]], 2), nextHop('192.0.2.1'),
      attr(0xc0, 17, cat(u8(2), u8(2), u32(4200000001), u32(4200000002)))), prefix('203.0.113.0/24')),
    expect: upd([], [
      ...baseJson([64512, 23456, 23456], '192.0.2.1'),
      { type: 17, flags: 192, kind: 'as4-path', segments: [{ type: 2, asns: [4200000001, 4200000002] }] },
    ], ['203.0.113.0/24']),
  },
  {
    name: 'update-med-local-pref',
    bytes: update([], cat(base([], '192.0.2.1').slice(0, 4), attr(0x40, 2, []), nextHop('192.0.2.1'), attr(0x80, 4, u32(50)), attr(0x40, 5, u32(200))), prefix('198.51.100.0/24')),
    expect: upd([], [ORIGIN_IGP, { type: 2, flags: 64, kind: 'as-path', segments: [] }, nh('192.0.2.1'),
      { type: 4, flags: 128, kind: 'med', med: 50 }, { type: 5, flags: 64, kind: 'local-pref', localPref: 200 }], ['198.51.100.0/24']),
  },
  {
    name: 'update-aggregator-four-octet',
    bytes: update([], cat(base([4200000000], '192.0.2.1'), attr(0x40, 6, []), attr(0xc0, 7, cat(u32(4200000000), ip4('192.0.2.1')))), prefix('198.51.100.0/23')),
    expect: upd([], [...baseJson([4200000000], '192.0.2.1'), { type: 6, flags: 64, kind: 'atomic-aggregate' },
      { type: 7, flags: 192, kind: 'aggregator', asn: 4200000000, address: '192.0.2.1' }], ['198.51.100.0/23']),
  },
  {
    name: 'update-as4-aggregator',
    context: { asn4: false },
    bytes: update([], cat(origin(0), asPath([[2, [23456]]], 2), nextHop('192.0.2.1'), attr(0xc0, 7, cat(u16(23456), ip4('192.0.2.1'))),
      attr(0xc0, 18, cat(u32(4200000000), ip4('192.0.2.1')))), prefix('198.51.100.0/23')),
    expect: upd([], [...baseJson([23456], '192.0.2.1'), { type: 7, flags: 192, kind: 'aggregator', asn: 23456, address: '192.0.2.1' },
      { type: 18, flags: 192, kind: 'as4-aggregator', asn: 4200000000, address: '192.0.2.1' }], ['198.51.100.0/23']),
  },
  {
    name: 'update-communities',
    bytes: update([], cat(base([64512], '192.0.2.1'), attr(0xc0, 8, cat(u32((64512 << 16) >>> 0 | 100), u32(0xffffff01)))), prefix('198.51.100.0/24')),
    expect: upd([], [...baseJson([64512], '192.0.2.1'), { type: 8, flags: 192, kind: 'communities', communities: ['64512:100', '65535:65281'] }], ['198.51.100.0/24']),
  },
  {
    name: 'update-route-reflection',
    bytes: update([], cat(base([], '192.0.2.3').slice(0, 4), attr(0x40, 2, []), nextHop('192.0.2.3'), attr(0x40, 5, u32(100)),
      attr(0x80, 9, ip4('192.0.2.3')), attr(0x80, 10, cat(ip4('192.0.2.100'), ip4('192.0.2.101')))), prefix('198.51.100.64/26')),
    expect: upd([], [ORIGIN_IGP, { type: 2, flags: 64, kind: 'as-path', segments: [] }, nh('192.0.2.3'),
      { type: 5, flags: 64, kind: 'local-pref', localPref: 100 },
      { type: 9, flags: 128, kind: 'originator-id', originatorId: '192.0.2.3' },
      { type: 10, flags: 128, kind: 'cluster-list', clusterList: ['192.0.2.100', '192.0.2.101'] }], ['198.51.100.64/26']),
  },
  {
    name: 'update-extended-communities',
    bytes: update([], cat(base([64512], '192.0.2.1'), attr(0xc0, 16, cat([0x00, 0x02], u16(64512), u32(100), [0x80, 0x06, 0, 0, 0, 0, 0, 0]))), prefix('198.51.100.0/24')),
    expect: upd([], [...baseJson([64512], '192.0.2.1'), { type: 16, flags: 192, kind: 'extended-communities', communities: ['rt:64512:100', '8006000000000000'] }], ['198.51.100.0/24']),
  },
  {
    name: 'update-large-communities',
    bytes: update([], cat(base([64512], '192.0.2.1'), attr(0xc0, 32, cat(u32(4200000000), u32(1), u32(2), u32(64512), u32(0), u32(7)))), prefix('198.51.100.0/24')),
    expect: upd([], [...baseJson([64512], '192.0.2.1'), { type: 32, flags: 192, kind: 'large-communities', communities: ['4200000000:1:2', '64512:0:7'] }], ['198.51.100.0/24']),
  },
  {
    name: 'update-unknown-optional-transitive',
    bytes: update([], cat(base([64512], '192.0.2.1'), attr(0xe0, 241, [0xde, 0xad, 0xbe, 0xef])), prefix('198.51.100.0/24')),
    expect: upd([], [...baseJson([64512], '192.0.2.1'), { type: 241, flags: 224, kind: 'unknown', value: 'deadbeef' }], ['198.51.100.0/24']),
  },
  {
    name: 'update-extended-length-flag',
    bytes: update([], cat(attr(0x50, 1, [0]), attr(0x50, 2, cat(u8(2), u8(1), u32(64512))), nextHop('192.0.2.1')), prefix('198.51.100.0/24')),
    expect: upd([], [{ ...ORIGIN_IGP, flags: 80 }, { ...path([64512]), flags: 80 }, nh('192.0.2.1')], ['198.51.100.0/24']),
  },
  {
    name: 'update-ipv6-announce',
    bytes: update([], cat(origin(0), asPath([[2, [64512]]]), mpReach6(ip6('2001:db8::1'), cat(prefix('2001:db8:1::/48'), prefix('2001:db8:2::/48')))), []),
    expect: upd([], [ORIGIN_IGP, path([64512]),
      { type: 14, flags: 144, kind: 'mp-reach', afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: ['2001:db8:1::/48', '2001:db8:2::/48'] }], []),
  },
  {
    name: 'update-ipv6-link-local-next-hop',
    bytes: update([], cat(origin(0), asPath([[2, [64512]]]), mpReach6(cat(ip6('2001:db8::1'), ip6('fe80::1')), prefix('2001:db8:ff::/64'))), []),
    expect: upd([], [ORIGIN_IGP, path([64512]),
      { type: 14, flags: 144, kind: 'mp-reach', afi: 2, safi: 1, nextHop: '2001:db8::1 fe80::1', nlri: ['2001:db8:ff::/64'] }], []),
  },
  {
    name: 'update-ipv6-withdraw',
    bytes: update([], attr(0x90, 15, cat(u16(2), u8(1), prefix('2001:db8:1::/48'), prefix('2001:db8::/32'))), []),
    expect: upd([], [{ type: 15, flags: 144, kind: 'mp-unreach', afi: 2, safi: 1, withdrawn: ['2001:db8:1::/48', '2001:db8::/32'] }], []),
  },
  {
    name: 'update-ipv6-many-prefixes',
    bytes: update([], cat(origin(0), asPath([[2, [65001]]]), mpReach6(ip6('2001:db8::2'),
      cat(prefix('2001:db8:10::/48'), prefix('2001:db8:11::/48'), prefix('2001:db8:12::/47'), prefix('2001:db8::1/128'), prefix('::/0')))), []),
    expect: upd([], [ORIGIN_IGP, path([65001]), { type: 14, flags: 144, kind: 'mp-reach', afi: 2, safi: 1, nextHop: '2001:db8::2',
      nlri: ['2001:db8:10::/48', '2001:db8:11::/48', '2001:db8:12::/47', '2001:db8::1/128', '::/0'] }], []),
  },
  {
    name: 'update-ipv4-extended-next-hop',
    bytes: update([], cat(origin(0), asPath([[2, [64512]]]), attr(0x90, 14, cat(u16(1), u8(1), u8(16), ip6('2001:db8::7'), u8(0), prefix('198.51.100.0/24')))), []),
    expect: upd([], [ORIGIN_IGP, path([64512]), { type: 14, flags: 144, kind: 'mp-reach', afi: 1, safi: 1, nextHop: '2001:db8::7', nlri: ['198.51.100.0/24'] }], []),
  },
  {
    name: 'update-add-path-ipv4',
    context: { addPath: 1 },
    bytes: update(prefix('198.51.100.0/24', 7), base([64512], '192.0.2.1'), cat(prefix('198.51.100.0/24', 1), prefix('198.51.100.0/24', 2))),
    expect: upd(['198.51.100.0/24 id 7'], baseJson([64512], '192.0.2.1'), ['198.51.100.0/24 id 1', '198.51.100.0/24 id 2']),
  },
  {
    name: 'update-add-path-ipv6',
    context: { addPath: 2 },
    bytes: update([], cat(origin(0), asPath([[2, [64512]]]), mpReach6(ip6('2001:db8::1'), cat(prefix('2001:db8:1::/48', 10), prefix('2001:db8:1::/48', 11)))), []),
    expect: upd([], [ORIGIN_IGP, path([64512]), { type: 14, flags: 144, kind: 'mp-reach', afi: 2, safi: 1, nextHop: '2001:db8::1', nlri: ['2001:db8:1::/48 id 10', '2001:db8:1::/48 id 11'] }], []),
  },
  {
    name: 'update-mp-unreach-other-family',
    bytes: update([], attr(0x80, 15, cat(u16(1), u8(128), [0x70, 0, 0, 1, 0, 0, 0xfc, 0, 0, 0, 0, 0x64, 198, 51, 100])), []),
    expect: upd([], [{ type: 15, flags: 128, kind: 'mp-unreach', afi: 1, safi: 128, withdrawn: '700000010000fc0000000064c63364' }], []),
  },
  {
    name: 'end-of-rib-ipv4',
    bytes: update([], [], []),
    expect: { ...upd([], [], []), endOfRib: 'ipv4' },
  },
  {
    name: 'end-of-rib-ipv6',
    bytes: update([], attr(0x80, 15, cat(u16(2), u8(1))), []),
    expect: { ...upd([], [{ type: 15, flags: 128, kind: 'mp-unreach', afi: 2, safi: 1, withdrawn: [] }], []), endOfRib: 'ipv6' },
  },
  {
    name: 'update-extended-message',
    context: { extendedMessage: true },
    bytes: update([], base([64512], '192.0.2.1'), Array.from({ length: 1100 }, (_, i) => prefix(`198.18.${(i >> 8) & 255}.${i & 255}/32`)).flat()),
    expect: upd([], baseJson([64512], '192.0.2.1'), Array.from({ length: 1100 }, (_, i) => `198.18.${(i >> 8) & 255}.${i & 255}/32`)),
  },
  {
    name: 'keepalive',
    bytes: message(4, []),
    expect: { type: 'keepalive' },
  },
  {
    name: 'notification-hold-timer-expired',
    bytes: message(3, [4, 0]),
    expect: { type: 'notification', code: 4, subcode: 0, data: '' },
  },
  {
    name: 'notification-hard-reset',
    bytes: message(3, cat([6, 9], [6, 2], [4], [0x64, 0x6f, 0x77, 0x6e])),
    expect: { type: 'notification', code: 6, subcode: 9, data: '060204646f776e' },
  },
  {
    name: 'notification-bad-peer-as',
    bytes: message(3, cat([2, 2], u16(65001))),
    expect: { type: 'notification', code: 2, subcode: 2, data: 'fde9' },
  },
  {
    name: 'notification-malformed-as-path',
    bytes: message(3, cat([3, 11], attr(0x40, 2, [5, 1, 0, 0, 0xfd, 0xe8]))),
    expect: { type: 'notification', code: 3, subcode: 11, data: '40020605010000fde8' },
  },
  {
    name: 'notification-cease-shutdown-message',
    bytes: message(3, cat([6, 2], u8(11), [...Buffer.from('maintenance')])),
    expect: { type: 'notification', code: 6, subcode: 2, data: '0b6d61696e74656e616e6365', shutdownMessage: 'maintenance' },
  },
  {
    name: 'notification-cease-reset-utf8',
    bytes: message(3, cat([6, 4], u8(Buffer.byteLength('nœud redémarré')), [...Buffer.from('nœud redémarré')])),
    expect: { type: 'notification', code: 6, subcode: 4, data: Buffer.concat([Buffer.from([Buffer.byteLength('nœud redémarré')]), Buffer.from('nœud redémarré')]).toString('hex'), shutdownMessage: 'nœud redémarré' },
  },
  {
    name: 'notification-cease-collision',
    bytes: message(3, [6, 7]),
    expect: { type: 'notification', code: 6, subcode: 7, data: '' },
  },
  {
    name: 'route-refresh-ipv4',
    bytes: message(5, cat(u16(1), u8(0), u8(1))),
    expect: { type: 'route-refresh', afi: 1, subtype: 0, safi: 1 },
  },
  {
    name: 'route-refresh-borr-ipv6',
    bytes: message(5, cat(u16(2), u8(1), u8(1))),
    expect: { type: 'route-refresh', afi: 2, subtype: 1, safi: 1 },
  },
  {
    name: 'route-refresh-eorr-ipv6',
    bytes: message(5, cat(u16(2), u8(2), u8(1))),
    expect: { type: 'route-refresh', afi: 2, subtype: 2, safi: 1 },
  },
];

const SR = 'session-reset';
const TAW = 'treat-as-withdraw';
const DISCARD = 'attribute-discard';
const DISABLE = 'afi-safi-disable';
const ok4 = base([64512], '192.0.2.1');
const nlri = prefix('198.51.100.0/24');
const bad = (name: string, bytes: Bytes, errorCode: number, subcode: number, action: string, context?: ContextSpec): MalformedVector =>
  context ? { name, bytes, context, expect: { errorCode, subcode, action } } : { name, bytes, expect: { errorCode, subcode, action } };
const withAttr = (extra: Bytes): Bytes => update([], cat(ok4, extra), nlri);

export const MALFORMED: MalformedVector[] = [
  bad('bad-marker', [...new Array<number>(15).fill(0xff), 0xfe, 0, 19, 4], 1, 1, SR),
  bad('length-below-header', message(4, [], 18), 1, 2, SR),
  bad('length-above-4096', message(2, new Array<number>(4078).fill(0)), 1, 2, SR),
  bad('unknown-message-type', message(9, []), 1, 3, SR),
  bad('keepalive-with-body', message(4, [0]), 1, 2, SR),
  bad('open-too-short', message(1, new Array<number>(9).fill(0)), 1, 2, SR),
  bad('notification-too-short', message(3, [6]), 1, 2, SR),
  bad('update-too-short', message(2, [0, 0, 0]), 1, 2, SR),
  bad('truncated-message', message(4, []).concat([]).slice(0, 18), 1, 2, SR),
  bad('open-version-3', open(64512, 90, '192.0.2.1', [], 3), 2, 1, SR),
  bad('open-parameters-length-mismatch', message(1, cat(u8(4), u16(64512), u16(90), ip4('192.0.2.1'), u8(10), u8(2), u8(2), rr)), 2, 0, SR),
  bad('open-unsupported-parameter', message(1, cat(u8(4), u16(64512), u16(90), ip4('192.0.2.1'), u8(4), u8(1), u8(2), [0, 0])), 2, 4, SR),
  bad('open-capability-overrun', message(1, cat(u8(4), u16(64512), u16(90), ip4('192.0.2.1'), u8(4), u8(2), u8(2), u8(65), u8(4))), 2, 7, SR),
  bad('open-multiprotocol-capability-length', open(64512, 90, '192.0.2.1', [capability(1, [0, 1, 0])]), 2, 7, SR),
  bad('update-withdrawn-length-overrun', message(2, cat(u16(40), prefix('198.51.100.0/24'), u16(0))), 3, 1, SR),
  bad('update-attribute-length-overrun', message(2, cat(u16(0), u16(200), ok4)), 3, 1, SR),
  bad('update-nlri-prefix-length-33', update([], ok4, [33, 198, 51, 100, 0, 0]), 3, 10, SR),
  bad('update-nlri-overrun', update([], ok4, [24, 198, 51]), 3, 10, SR),
  bad('update-withdrawn-prefix-length-40', update([40, 1, 2, 3, 4, 5], [], []), 3, 10, SR),
  bad('update-attribute-overruns-attributes', update([], cat(ok4, [0xc0, 8, 12, 0, 0, 0, 1]), nlri), 3, 5, TAW),
  bad('update-attribute-header-truncated', update([], cat(ok4, [0xc0, 8]), nlri), 3, 1, TAW),
  bad('origin-invalid-value', update([], cat(origin(3), asPath([[2, [64512]]]), nextHop('192.0.2.1')), nlri), 3, 6, TAW),
  bad('origin-bad-length', update([], cat(attr(0x40, 1, [0, 0]), asPath([[2, [64512]]]), nextHop('192.0.2.1')), nlri), 3, 5, TAW),
  bad('origin-optional-flag', update([], cat(attr(0xc0, 1, [0]), asPath([[2, [64512]]]), nextHop('192.0.2.1')), nlri), 3, 4, TAW),
  bad('as-path-partial-flag', update([], cat(origin(0), attr(0x60, 2, cat(u8(2), u8(1), u32(64512))), nextHop('192.0.2.1')), nlri), 3, 4, TAW),
  bad('as-path-segment-type-5', update([], cat(origin(0), attr(0x40, 2, cat(u8(5), u8(1), u32(64512))), nextHop('192.0.2.1')), nlri), 3, 11, TAW),
  bad('as-path-segment-overrun', update([], cat(origin(0), attr(0x40, 2, cat(u8(2), u8(2), u32(64512))), nextHop('192.0.2.1')), nlri), 3, 11, TAW),
  bad('as-path-empty-segment', update([], cat(origin(0), attr(0x40, 2, [2, 0]), nextHop('192.0.2.1')), nlri), 3, 11, TAW),
  bad('as-path-odd-two-octet', update([], cat(origin(0), attr(0x40, 2, [2, 1, 0xfc]), nextHop('192.0.2.1')), nlri, ), 3, 11, TAW, { asn4: false }),
  bad('next-hop-length-5', update([], cat(origin(0), asPath([[2, [64512]]]), attr(0x40, 3, [192, 0, 2, 1, 0])), nlri), 3, 5, TAW),
  bad('next-hop-zero', update([], base([64512], '0.0.0.0'), nlri), 3, 8, TAW),
  bad('next-hop-multicast', update([], base([64512], '224.0.0.5'), nlri), 3, 8, TAW),
  bad('med-length-2', withAttr(attr(0x80, 4, [0, 1])), 3, 5, TAW),
  bad('med-transitive-flag', withAttr(attr(0xc0, 4, u32(1))), 3, 4, TAW),
  bad('local-pref-length-3', withAttr(attr(0x40, 5, [0, 0, 100])), 3, 5, TAW),
  bad('atomic-aggregate-length-1', withAttr(attr(0x40, 6, [1])), 3, 5, DISCARD),
  bad('aggregator-length-5', withAttr(attr(0xc0, 7, [0, 0, 0, 1, 2])), 3, 5, DISCARD),
  bad('aggregator-non-transitive', withAttr(attr(0x80, 7, cat(u32(64512), ip4('192.0.2.1')))), 3, 4, DISCARD),
  bad('communities-length-5', withAttr(attr(0xc0, 8, [0, 0, 0, 1, 2])), 3, 5, TAW),
  bad('communities-empty', withAttr(attr(0xc0, 8, [])), 3, 5, TAW),
  bad('originator-id-length-3', withAttr(attr(0x80, 9, [192, 0, 2])), 3, 5, TAW),
  bad('cluster-list-length-6', withAttr(attr(0x80, 10, [192, 0, 2, 1, 0, 0])), 3, 5, TAW),
  bad('extended-communities-length-7', withAttr(attr(0xc0, 16, [0, 2, 0, 1, 0, 0, 0])), 3, 5, TAW),
  bad('large-communities-length-10', withAttr(attr(0xc0, 32, new Array<number>(10).fill(0))), 3, 5, TAW),
  bad('missing-origin', update([], cat(asPath([[2, [64512]]]), nextHop('192.0.2.1')), nlri), 3, 3, TAW),
  bad('missing-as-path', update([], cat(origin(0), nextHop('192.0.2.1')), nlri), 3, 3, TAW),
  bad('missing-next-hop', update([], cat(origin(0), asPath([[2, [64512]]])), nlri), 3, 3, TAW),
  bad('missing-as-path-ipv6', update([], cat(origin(0), mpReach6(ip6('2001:db8::1'), prefix('2001:db8:1::/48'))), []), 3, 3, TAW),
  bad('duplicate-med', withAttr(cat(attr(0x80, 4, u32(1)), attr(0x80, 4, u32(2)))), 3, 1, DISCARD),
  bad('duplicate-mp-reach', update([], cat(origin(0), asPath([[2, [64512]]]), mpReach6(ip6('2001:db8::1'), []), mpReach6(ip6('2001:db8::1'), [])), []), 3, 1, SR),
  bad('unrecognized-well-known', withAttr(attr(0x40, 99, [1])), 3, 2, SR),
  bad('mp-reach-ipv6-next-hop-length-4', update([], cat(origin(0), asPath([[2, [64512]]]), mpReach6(ip4('192.0.2.1'), prefix('2001:db8:1::/48'))), []), 3, 9, DISABLE),
  bad('mp-reach-prefix-length-129', update([], cat(origin(0), asPath([[2, [64512]]]), mpReach6(ip6('2001:db8::1'), [129, ...new Array<number>(17).fill(0)])), []), 3, 10, DISABLE),
  bad('mp-unreach-prefix-overrun', update([], attr(0x90, 15, cat(u16(2), u8(1), [64, 0x20, 0x01])), []), 3, 10, DISABLE),
  bad('mp-reach-too-short', update([], cat(origin(0), asPath([[2, [64512]]]), attr(0x80, 14, [0, 2, 1])), []), 3, 5, SR),
  bad('mp-reach-next-hop-overrun', update([], cat(origin(0), asPath([[2, [64512]]]), attr(0x80, 14, [0, 2, 1, 16, 0x20, 1])), []), 3, 5, SR),
  bad('mp-unreach-too-short', update([], attr(0x80, 15, [0, 2]), []), 3, 5, SR),
  bad('mp-reach-transitive-flag', update([], cat(origin(0), asPath([[2, [64512]]]), attr(0xc0, 14, cat(u16(2), u8(1), u8(16), ip6('2001:db8::1'), u8(0)))), []), 3, 4, SR),
  bad('as4-path-malformed', update([], cat(origin(0), asPath([[2, [23456]]], 2), nextHop('192.0.2.1'), attr(0xc0, 17, [2, 2, 0, 0])), nlri), 3, 11, DISCARD, { asn4: false }),
  bad('route-refresh-length-24', message(5, cat(u16(1), u8(0), u8(1), u8(0))), 7, 1, SR),
];
