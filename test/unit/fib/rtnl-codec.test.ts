/** The rtnetlink route encoder against its own decoder: one next hop, onlink, ECMP, IPv6, big tables. */
import t from 'tap';
import { AF_INET, AF_INET6, RTM_NEWROUTE, RTN_UNICAST, RT_SCOPE_UNIVERSE, decodeRoute, encodeRoute, routeMessageSize, type KernelRoute } from '../../../src/fib/netlink/rtnl-codec.js';

const base = { table: 254, protocol: 210, type: RTN_UNICAST, scope: RT_SCOPE_UNIVERSE, priority: 32 };
const routes: KernelRoute[] = [
  { ...base, family: AF_INET, dst: Buffer.from([198, 51, 100, 0]), dstLen: 26, nexthops: [{ gateway: Buffer.from([192, 0, 2, 11]), oif: 0, onlink: false, weight: 1 }] },
  { ...base, family: AF_INET, dst: Buffer.from([198, 51, 100, 64]), dstLen: 26, nexthops: [{ gateway: Buffer.from([192, 0, 2, 12]), oif: 7, onlink: true, weight: 1 }] },
  {
    ...base, family: AF_INET, dst: Buffer.from([203, 0, 113, 0]), dstLen: 24, table: 1000, priority: 2147483557,
    nexthops: [{ gateway: Buffer.from([192, 0, 2, 11]), oif: 7, onlink: true, weight: 1 }, { gateway: Buffer.from([192, 0, 2, 12]), oif: 7, onlink: true, weight: 3 }],
  },
  { ...base, family: AF_INET6, dst: Buffer.from('20010db8000100000000000000000000', 'hex'), dstLen: 48, nexthops: [{ gateway: Buffer.from('20010db8000000000000000000000002', 'hex'), oif: 0, onlink: false, weight: 1 }] },
  // RFC 8950: IPv4 routes via IPv6 next hops (RTA_VIA), one and several, link-local with its interface.
  { ...base, family: AF_INET, dst: Buffer.from([203, 0, 113, 0]), dstLen: 24, nexthops: [{ gateway: Buffer.from('fe800000000000000000000000000002', 'hex'), oif: 3, onlink: false, weight: 1 }] },
  {
    ...base, family: AF_INET, dst: Buffer.from([203, 0, 113, 128]), dstLen: 25,
    nexthops: [{ gateway: Buffer.from('20010db8000000000000000000000002', 'hex'), oif: 0, onlink: false, weight: 1 }, { gateway: Buffer.from('20010db8000000000000000000000003', 'hex'), oif: 0, onlink: false, weight: 1 }],
  },
];

t.test('an IPv4 route via an IPv6 next hop is RTA_VIA (type 18, family AF_INET6, address), not RTA_GATEWAY', async (t) => {
  const r = routes[4] as KernelRoute;
  const b = Buffer.alloc(routeMessageSize(r));
  encodeRoute(b, 0, RTM_NEWROUTE, r, 1, true, false);
  const at = b.indexOf(Buffer.from('fe80', 'hex'));
  t.ok(at > 6, 'the address is there');
  t.equal(b.readUInt16LE(at - 6), 4 + 2 + 16, 'attribute length: header, family, address');
  t.equal(b.readUInt16LE(at - 4), 18, 'RTA_VIA');
  t.equal(b.readUInt16LE(at - 2), AF_INET6, 'the gateway family');
});

t.test('every route encodes to its size and decodes to itself', async (t) => {
  for (const r of routes) {
    const size = routeMessageSize(r);
    const b = Buffer.alloc(size + 8, 0xee);
    const end = encodeRoute(b, 4, RTM_NEWROUTE, r, 77, true, false);
    t.equal(end - 4, size, 'exactly the computed size');
    t.equal(b.readUInt32LE(4), size, 'header length');
    t.equal(b.readUInt32LE(12), 77, 'sequence number');
    t.equal(b[end], 0xee, 'nothing written past the end');
    const d = decodeRoute(b, 4, size);
    t.match(d, { family: r.family, dstLen: r.dstLen, table: r.table, protocol: r.protocol, priority: r.priority });
    t.same(d.dst.subarray(0, r.dst.length), r.dst);
    t.same(d.nexthops.map((n) => [n.gateway.toString('hex'), n.onlink, n.weight]), r.nexthops.map((n) => [n.gateway.toString('hex'), n.onlink, n.weight]));
  }
});
