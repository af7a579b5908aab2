/** The RIB's read API (rib-reader.ts): what fib/ and control/ see, on a RIB fed by fake peers. */
import t from 'tap';
import { Rib } from '../../../src/rib/rib.js';
import { Family } from '../../../src/wire/constants.js';
import { parsePrefix, type Prefix } from '../../../src/wire/nlri.js';
import { RR, announce, base, ribPeer, withdraw } from '../../helpers/rib-fixtures.js';

const P = (s: string) => parsePrefix(s) as Prefix;

t.test('prefixes, best path, paths and their fields, without touching columns', async (t) => {
  const rib = new Rib(RR);
  const r = rib.reader;
  const a = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const b = ribPeer(rib, '192.0.2.12', 'ibgp', 12, true);
  rib.applyUpdate(a, announce(['198.51.100.0/26'], base([], 0xc000020b)));
  rib.applyUpdate(b, announce(['198.51.100.0/26'], base([], 0xc000020c)));
  const s = r.find(P('198.51.100.0/26'));
  t.ok(s >= 0, 'found by prefix');
  t.equal(r.findBytes(Family.IPV4_UNICAST, Buffer.from([198, 51, 100, 0]), 26), s, 'found by bytes');
  t.equal(r.find(P('198.51.100.0/27')), -1, 'another length is another prefix');
  t.equal(r.prefixText(Family.IPV4_UNICAST, s), '198.51.100.0/26');
  t.equal(r.prefixLength(Family.IPV4_UNICAST, s), 26);
  const out = Buffer.alloc(4);
  r.writeAddress(Family.IPV4_UNICAST, s, out);
  t.same([...out], [198, 51, 100, 0]);
  t.ok(r.hasPaths(Family.IPV4_UNICAST, s));
  t.equal(r.pathCount(Family.IPV4_UNICAST, s), 2);
  const best = r.best(Family.IPV4_UNICAST, s);
  t.equal(r.source(best).address, '192.0.2.11', 'lower router id wins');
  t.same([...r.attrs(best).nextHop], [192, 0, 2, 11]);
  t.equal(r.pathFrom(Family.IPV4_UNICAST, s, b.source) >= 0, true, "a neighbour's path at a prefix");
  t.ok(r.reachable(best));
  const seen: string[] = [];
  for (let p = r.firstPath(Family.IPV4_UNICAST, s); p >= 0; p = r.nextPath(p)) seen.push(r.source(p).address);
  t.same(seen.sort(), ['192.0.2.11', '192.0.2.12'], 'the chain walk sees both');
  t.match(r.stats(), { prefixes: 1, paths: 2 });
  t.equal(r.routesOf(Family.IPV4_UNICAST), 1);
  t.equal(r.routesOf(Family.IPV6_UNICAST), 0);
});

t.test('multipath: the decision module rule, best first, bounded, and only equal paths', async (t) => {
  const rib = new Rib(RR);
  const r = rib.reader;
  const peers = [11, 12, 13].map((n) => ribPeer(rib, `192.0.2.${n}`, 'ibgp', n, true));
  for (const [i, p] of peers.entries()) rib.applyUpdate(p, announce(['198.51.100.0/26'], base(i === 2 ? [65001] : [], 0xc0000200 + 11 + i)));
  const s = r.find(P('198.51.100.0/26'));
  const set: number[] = [];
  t.equal(r.multipath(Family.IPV4_UNICAST, s, 8, set), 2, 'the longer AS path is not multipath');
  t.equal(set[0], r.best(Family.IPV4_UNICAST, s), 'best first');
  t.same(set.slice(0, 2).map((p) => r.source(p).address).sort(), ['192.0.2.11', '192.0.2.12']);
  t.equal(r.multipath(Family.IPV4_UNICAST, s, 1, set), 1, 'bounded by max');
  rib.applyUpdate(peers[0]!, withdraw(['198.51.100.0/26']));
  t.equal(r.multipath(Family.IPV4_UNICAST, s, 8, set), 1, 'one left equal');
  t.equal(r.multipath(Family.IPV4_UNICAST, r.find(P('203.0.113.0/24')), 8, set), 0, 'no prefix, no set');
});

t.test('change events: subscribe, hear best and candidate changes, unsubscribe', async (t) => {
  const rib = new Rib(RR);
  const heard: string[] = [];
  const off = rib.reader.onChange((f, s) => heard.push(rib.reader.prefixText(f, s)));
  const a = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const b = ribPeer(rib, '192.0.2.12', 'ibgp', 12, true);
  rib.applyUpdate(a, announce(['198.51.100.0/26'], base([], 0xc000020b)));
  rib.applyUpdate(b, announce(['198.51.100.0/26'], base([], 0xc000020c)));
  t.same(heard, ['198.51.100.0/26', '198.51.100.0/26'], 'a new best, then a new candidate');
  off();
  rib.applyUpdate(a, withdraw(['198.51.100.0/26']));
  t.equal(heard.length, 2, 'nothing after unsubscribing');
});

t.test("a neighbour's routes: the slots where its source has a path, in slot order", async (t) => {
  const rib = new Rib(RR);
  const r = rib.reader;
  const a = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const b = ribPeer(rib, '192.0.2.12', 'ibgp', 12, true);
  rib.applyUpdate(a, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc000020b)));
  rib.applyUpdate(b, announce(['198.51.100.64/26', '198.51.100.128/26'], base([], 0xc000020c)));
  const src = r.sourceOf('192.0.2.12');
  t.equal(src, b.source, 'found by address');
  t.equal(r.sourceOf('192.0.2.99'), undefined);
  const of = (s: NonNullable<typeof src>) => {
    const out: string[] = [];
    for (let slot = r.nextRouteFrom(Family.IPV4_UNICAST, s, 0); slot >= 0; slot = r.nextRouteFrom(Family.IPV4_UNICAST, s, slot + 1)) out.push(r.prefixText(Family.IPV4_UNICAST, slot));
    return out.sort();
  };
  t.same(of(b.source), ['198.51.100.128/26', '198.51.100.64/26']);
  t.same(of(a.source), ['198.51.100.0/26', '198.51.100.64/26']);
  rib.applyUpdate(a, withdraw(['198.51.100.0/26']));
  t.same(of(a.source), ['198.51.100.64/26'], 'a withdrawn route is gone from the walk');
});

t.test('longest match of an address, and prefixes within a prefix', async (t) => {
  const rib = new Rib(RR);
  const r = rib.reader;
  const a = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  rib.applyUpdate(a, announce(['0.0.0.0/0', '198.51.100.0/24', '198.51.100.0/26', '198.51.100.64/26', '198.51.100.5/32', '203.0.113.0/24'], base([], 0xc000020b)));
  const v4 = Family.IPV4_UNICAST;
  const lm = (addr: number[]) => {
    const s = r.longestMatch(v4, Buffer.from(addr));
    return s < 0 ? null : r.prefixText(v4, s);
  };
  t.equal(lm([198, 51, 100, 5]), '198.51.100.5/32', 'a host route');
  t.equal(lm([198, 51, 100, 6]), '198.51.100.0/26', 'the /26 holds .6');
  t.equal(lm([198, 51, 100, 70]), '198.51.100.64/26');
  t.equal(lm([198, 51, 100, 200]), '198.51.100.0/24', 'past the /26s: the /24');
  t.equal(lm([192, 0, 2, 1]), '0.0.0.0/0', 'the default route');
  rib.applyUpdate(a, withdraw(['0.0.0.0/0']));
  t.equal(lm([192, 0, 2, 1]), null, 'nothing once the default is withdrawn');
  const within = (p: string) => {
    const q = P(p);
    const out: string[] = [];
    for (let s = 0; s < r.slotLimit(v4); s++) if (r.hasPaths(v4, s) && r.within(v4, s, q.bytes, q.length)) out.push(r.prefixText(v4, s));
    return out.sort();
  };
  t.same(within('198.51.100.0/24'), ['198.51.100.0/24', '198.51.100.0/26', '198.51.100.5/32', '198.51.100.64/26'], 'longer: the prefix and its more specifics');
  t.same(within('198.51.100.0/25'), ['198.51.100.0/26', '198.51.100.5/32', '198.51.100.64/26']);
  t.same(within('198.51.100.64/27'), [], 'a /27 holds no /26');
  t.same(within('0.0.0.0/0').length, 5, '/0 holds every prefix');
});
