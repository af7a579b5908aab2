import t from 'tap';
import { AttrSet, fieldsOf } from '../../../src/rib/attr-set.js';
import { canonicalKey, KeyFormat } from '../../../src/rib/attr-key.js';
import { Step, bestOf, comparePaths, explain, multipathOf, type Path } from '../../../src/rib/decision.js';
import type { RouteSource } from '../../../src/rib/route-source.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';

let ids = 1;
function source(kind: RouteSource['kind'], address: string, routerId: number, peerAs = 64512): RouteSource {
  return { id: ids++, kind, address, addressBytes: Buffer.from(address.split('.').map(Number)), routerId, peerAs, isClient: false };
}

interface A { lp?: number; path?: number[]; origin?: number; med?: number; originator?: number; clusters?: number[]; nh?: string }
function attrs(a: A): AttrSet {
  const list: PathAttribute[] = [
    { kind: 'origin', type: 1, flags: 0x40, origin: a.origin ?? 0 },
    { kind: 'as-path', type: 2, flags: 0x40, segments: a.path && a.path.length > 0 ? [{ type: 2, asns: a.path }] : [] },
  ];
  if (a.med !== undefined) list.push({ kind: 'med', type: 4, flags: 0x80, med: a.med });
  if (a.lp !== undefined) list.push({ kind: 'local-pref', type: 5, flags: 0x40, localPref: a.lp });
  if (a.originator !== undefined) list.push({ kind: 'originator-id', type: 9, flags: 0x80, originatorId: a.originator });
  if (a.clusters) list.push({ kind: 'cluster-list', type: 10, flags: 0x80, clusterList: a.clusters });
  const nh = Buffer.from((a.nh ?? '192.0.2.9').split('.').map(Number));
  return new AttrSet(fieldsOf(list), list, nh, canonicalKey(KeyFormat.EXPORT, list, nh).toString('latin1'), ids++);
}
const path = (src: RouteSource, a: A, igpCost = 0): Path => ({ source: src, attrs: attrs(a), igpCost });

const i1 = source('ibgp', '192.0.2.1', 1);
const i2 = source('ibgp', '192.0.2.2', 2);
const e3 = source('ebgp', '192.0.2.3', 3, 65001);
const e4 = source('ebgp', '192.0.2.4', 4, 65002);
const local = source('local', 'local', 0);

const cases: [string, Path, Path, Step][] = [
  ['local routes win', path(local, {}), path(i1, { lp: 500 }), Step.LOCAL],
  ['higher local preference', path(i1, { lp: 200, path: [1, 2, 3] }), path(i2, { lp: 100 }), Step.LOCAL_PREF],
  ['missing local preference counts as 100', path(i1, { lp: 101 }), path(i2, {}), Step.LOCAL_PREF],
  ['shorter AS path', path(i2, { path: [65001] }), path(i1, { path: [65001, 65002] }), Step.AS_PATH],
  ['lower origin', path(i2, { path: [65001], origin: 0 }), path(i1, { path: [65001], origin: 2 }), Step.ORIGIN],
  ['lower MED from the same neighbour AS', path(i2, { path: [65001], med: 5 }), path(i1, { path: [65001], med: 10 }), Step.MED],
  ['MED ignored between different neighbour ASes', path(e3, { path: [65001], med: 50 }), path(i1, { path: [65002], med: 10 }), Step.EBGP],
  ['eBGP over iBGP', path(e4, { path: [65002] }), path(i1, { path: [65002] }), Step.EBGP],
  ['lower IGP cost', path(i2, { path: [65001] }, 1), path(i1, { path: [65001] }, 10), Step.IGP_COST],
  ['shorter cluster list', path(i2, { clusters: [1] }), path(i1, { clusters: [1, 2] }), Step.CLUSTER_LIST],
  ['lower router id', path(i1, {}), path(i2, {}), Step.ROUTER_ID],
  ['ORIGINATOR_ID stands for the router id', path(i2, { originator: 1 }), path(i1, { originator: 9 }), Step.ROUTER_ID],
  ['lower peer address', path(source('ibgp', '192.0.2.5', 7), {}), path(source('ibgp', '192.0.2.6', 7), {}), Step.PEER_ADDRESS],
];

for (const [name, winner, loser, step] of cases) {
  t.test(name, async (t) => {
    const v = comparePaths(winner, loser);
    t.ok(v.order < 0, 'the first path wins');
    t.equal(v.step, step);
    t.ok(comparePaths(loser, winner).order > 0, 'and loses the other way round');
    t.equal(bestOf([loser, winner]), 1);
  });
}

t.test('options: always compare MED, missing MED worst', async (t) => {
  const a = path(e3, { path: [65001], med: 50 });
  const b = path(e4, { path: [65002], med: 10 });
  t.equal(comparePaths(a, b, { alwaysCompareMed: true, missingMedWorst: false }).step, Step.MED);
  t.ok(comparePaths(a, b, { alwaysCompareMed: true, missingMedWorst: false }).order > 0);
  const none = path(i1, { path: [65001] });
  const some = path(i2, { path: [65001], med: 7 });
  t.ok(comparePaths(none, some).order < 0, 'missing MED is 0 by default');
  t.ok(comparePaths(none, some, { alwaysCompareMed: false, missingMedWorst: true }).order > 0, 'or worst');
});

t.test('explain and multipath', async (t) => {
  const paths = [path(i1, { path: [65001] }), path(i2, { path: [65001] }), path(source('ibgp', '192.0.2.7', 9), { path: [65001, 65003] }), path(source('ibgp', '192.0.2.8', 10), { path: [65001] }, 5)];
  const ex = explain(paths);
  t.same(ex.map((e) => e.lostAt), [null, Step.ROUTER_ID, Step.AS_PATH, Step.IGP_COST]);
  t.same(multipathOf(paths, bestOf(paths), 8), [0, 1], 'equal down to IGP cost');
  t.same(multipathOf(paths, bestOf(paths), 1), [0], 'bounded by max paths');
});

t.test('MED cycles: RFC 4271 9.1.2.2 (c) removes every path with a worse MED from its neighbour AS first', async (t) => {
  // A (AS 65001, MED 10, router id 3) beats B (AS 65001, MED 20, router id 1) on MED; B beats C
  // (AS 65002, router id 2) on router id; C beats A on router id. Pairwise, the winner depends on
  // arrival order; the RFC removes B (a same-AS path has a lower MED), then A vs C: C (router id 2).
  const a = path(source('ibgp', '192.0.2.13', 3), { path: [65001], med: 10 });
  const b = path(source('ibgp', '192.0.2.11', 1), { path: [65001], med: 20 });
  const c = path(source('ibgp', '192.0.2.12', 2), { path: [65002], med: 0 });
  t.ok(comparePaths(a, b).order < 0 && comparePaths(b, c).order < 0 && comparePaths(c, a).order < 0, 'a cycle pairwise');
  for (const order of [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]]) {
    t.equal(order[bestOf(order)], c, `best is C whatever the order (${order.map((p) => (p === a ? 'A' : p === b ? 'B' : 'C')).join('')})`);
  }
  const why = explain([a, b, c]);
  t.equal(why[1]?.lostAt, Step.MED, 'B was removed by the MED step');
  t.equal(why[0]?.lostAt, Step.ROUTER_ID, 'A lost to C on router id');
  t.equal(bestOf([a, b, c], { alwaysCompareMed: true, missingMedWorst: false }), 2, 'alwaysCompareMed: C has MED 0, the lowest of all');
  const cNoMed = path(source('ibgp', '192.0.2.12', 2), { path: [65002] });
  t.equal(bestOf([a, b, cNoMed], { alwaysCompareMed: true, missingMedWorst: true }), 0, 'missing MED worst: A (MED 10) wins');
});

t.test('property: the best path never depends on the order the routes arrived in', async (t) => {
  // A small deterministic generator (no Math.random: the failure must be reproducible).
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  let checked = 0;
  for (let round = 0; round < 400; round++) {
    const n = 3 + rnd(6);
    const paths: Path[] = [];
    for (let i = 0; i < n; i++) {
      const kind = rnd(3) === 0 ? 'ebgp' : 'ibgp';
      const p: A = { path: [65001 + rnd(3), 65100], med: rnd(4) === 0 ? undefined : rnd(4) * 10, lp: rnd(5) === 0 ? 200 : undefined, origin: rnd(6) === 0 ? 1 : 0 };
      paths.push(path(source(kind, `192.0.2.${10 + i}`, 1 + rnd(50), 65000 + i), p, rnd(3)));
    }
    for (const o of [{ alwaysCompareMed: false, missingMedWorst: false }, { alwaysCompareMed: true, missingMedWorst: false }, { alwaysCompareMed: false, missingMedWorst: true }]) {
      const want = paths[bestOf(paths, o)];
      for (let k = 0; k < 6; k++) {
        const shuffled = [...paths];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = rnd(i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as Path, shuffled[i] as Path];
        }
        const got = shuffled[bestOf(shuffled, o)];
        if (got !== want) t.fail(`round ${round}: order changed the best path`);
        checked++;
      }
    }
  }
  t.equal(checked, 400 * 3 * 6, 'every shuffle gave the same best path');
});

t.test('the RIB decides MED cycles the RFC way whatever the arrival order, and bestPath rules apply', async (t) => {
  const { Rib } = await import('../../../src/rib/rib.js');
  const { announce, base, ribPeer } = await import('../../helpers/rib-fixtures.js');
  const med = (m: number): PathAttribute => ({ kind: 'med', type: 4, flags: 0x80, med: m });
  const routes = [
    { addr: '192.0.2.13', id: 3, asns: [65001], extra: [med(10)] },
    { addr: '192.0.2.11', id: 1, asns: [65001], extra: [med(20)] },
    { addr: '192.0.2.12', id: 2, asns: [65002], extra: [] as PathAttribute[] },
  ];
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 0, 2], [1, 2, 0]]) {
    const rib = new Rib({ localAsn: 64512, routerId: 0xc0000201, clusterId: 0xc0000201 });
    const peers = routes.map((r) => ribPeer(rib, r.addr, 'ibgp', r.id, true));
    for (const i of order) {
      const r = routes[i] as (typeof routes)[number];
      rib.applyUpdate(peers[i] as ReturnType<typeof ribPeer>, announce(['198.51.100.0/24'], base(r.asns, 0xc0000200 + r.id, r.extra)));
    }
    const slot = rib.loc.tables[0].findPrefix({ family: 0, bytes: Buffer.from([198, 51, 100, 0]), length: 24 });
    const best = rib.loc.best[0][slot] as number;
    t.equal(rib.sources[rib.loc.paths.source[best] as number]?.address, '192.0.2.12', `order ${order.join('')}: the AS 65002 path`);
  }
});
