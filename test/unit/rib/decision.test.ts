import t from 'tap';
import { AttrSet } from '../../../src/rib/attr-set.js';
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
  return new AttrSet(list, Buffer.from((a.nh ?? '192.0.2.9').split('.').map(Number)), '', 0);
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
