/**
 * Pass-through exports (src/rib/pass-through.ts): a reflector's group announces received sets
 * without interning an export set per set (the bytes are export-bytes.ts's, compared with the
 * object path in export-bytes.test.ts); the received sets it holds go when the routes go, and the same set from two clients keeps each
 * client's ORIGINATOR_ID.
 */
import t from 'tap';
import { Rib, type RibPeer } from '../../../src/rib/rib.js';
import { PassThrough } from '../../../src/rib/pass-through.js';
import { exportWire } from '../../../src/rib/attr-key.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';
import type { ExportMember } from '../../../src/rib/update-group.js';
import { announce, base, exportTarget, Receiver, ribPeer, RR, settle, withdraw } from '../../helpers/rib-fixtures.js';

const target = exportTarget('ibgp', true);

/** A reflector and three clients 192.0.2.11, .12 and .13 (BGP identifiers 11, 12 and 13). */
function reflector(): { rib: Rib; c1: RibPeer; c2: RibPeer; c3: RibPeer } {
  const rib = new Rib(RR);
  const client = (i: number) => ribPeer(rib, `192.0.2.${i}`, 'ibgp', i, true);
  return { rib, c1: client(11), c2: client(12), c3: client(13) };
}

const originator = (attrs: PathAttribute[] | undefined): number => {
  const a = attrs?.find((x) => x.kind === 'originator-id');
  return a?.kind === 'originator-id' ? a.originatorId : -1;
};
const clusters = (attrs: PathAttribute[] | undefined): number[] => {
  const a = attrs?.find((x) => x.kind === 'cluster-list');
  return a?.kind === 'cluster-list' ? [...a.clusterList] : [];
};
const communities = [{ kind: 'communities' as const, type: 8, flags: 0xc0, communities: [0xfde80001, 0xfde80002] }];

t.test('reflected routes go without export sets kept', async (t) => {
  const { rib, c1, c2 } = reflector();
  const r = new Receiver('c2');
  const g = rib.joinGroup(c2, target, true, r);
  rib.applyUpdate(c1, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc000020b, communities)));
  rib.applyUpdate(c1, announce(['203.0.113.0/24'], base([], 0xc000020c)));
  await settle();
  t.equal(r.table.size, 3);
  t.equal(rib.exportStore.size, 0, 'no export set interned');
  t.equal(g.passThroughSets, 2, 'two received sets announced as they are');
  t.equal(rib.reader.stats().exportAttributeSets, 2, 'and counted as export sets');
  const a = r.table.get('198.51.100.0/26');
  t.equal(originator(a), 11, 'ORIGINATOR_ID added');
  t.same(clusters(a), [RR.clusterId], 'CLUSTER_LIST added');
  t.same(a?.find((x) => x.kind === 'local-pref'), { kind: 'local-pref', type: 5, flags: 0x40, localPref: 100 }, 'LOCAL_PREF added');
  t.ok(a?.some((x) => x.kind === 'communities'), 'communities kept');

  // What `show route export` reads.
  const view = rib.reader.advertisedTo('c2')[0];
  const slot = view?.next(0) ?? -1;
  t.ok(slot >= 0 && view?.attrs(slot) !== null, 'the advertised view reads a pass-through set');
  t.equal(view?.attrs(slot)?.originatorId, 11);

  // Withdrawn: the received sets the group held go with the routes.
  rib.applyUpdate(c1, withdraw(['198.51.100.0/26', '198.51.100.64/26', '203.0.113.0/24']));
  await settle();
  t.equal(r.table.size, 0);
  t.equal(g.passThroughSets, 0);
  t.equal(rib.importStore.size, 0, 'no received set left');
});

t.test('the same attributes from two clients keep each one its ORIGINATOR_ID', async (t) => {
  const { rib, c1, c2, c3 } = reflector();
  const r = new Receiver('c3');
  const g = rib.joinGroup(c3, target, true, r);
  const attrs = base([], 0xc000020b);
  rib.applyUpdate(c1, announce(['198.51.100.0/26'], attrs));
  rib.applyUpdate(c2, announce(['198.51.100.64/26'], attrs));
  await settle();
  t.equal(rib.importStore.size, 1, 'one received set');
  t.equal(originator(r.table.get('198.51.100.0/26')), 11);
  t.equal(originator(r.table.get('198.51.100.64/26')), 12, 'the second client’s export is its own');
  t.equal(g.passThroughSets + rib.exportStore.size, 2);

  // The best path of one prefix moves to the other client with the same set: announced again.
  rib.applyUpdate(c2, announce(['198.51.100.0/26'], attrs));
  await settle();
  t.equal(originator(r.table.get('198.51.100.0/26')), 11, 'the lower router id wins the tie and nothing changes');
  rib.applyUpdate(c1, withdraw(['198.51.100.0/26']));
  await settle();
  t.equal(originator(r.table.get('198.51.100.0/26')), 12, 'moved to the other client: sent again with its ORIGINATOR_ID');
  rib.applyUpdate(c2, withdraw(['198.51.100.0/26', '198.51.100.64/26']));
  await settle();
  t.equal(r.table.size, 0);
  t.equal(rib.importStore.size, 0, 'nothing held');
  t.equal(rib.exportStore.size + g.passThroughSets, 0);
});

t.test('a member that lags is caught up from pass-through entries', async (t) => {
  const { rib, c1, c2, c3 } = reflector();
  const live = new Receiver('c2');
  rib.joinGroup(c2, target, true, live);
  const prefixes = Array.from({ length: 200 }, (_, i) => `240.0.${i}.0/24`);
  for (let i = 0; i < prefixes.length; i += 10) rib.applyUpdate(c1, announce(prefixes.slice(i, i + 10), base([65000 + i], 0xc000020b)));
  await settle();
  t.equal(live.table.size, 200);
  // A member joining once the table is announced catches up from the Adj-RIB-Out.
  const late = new Receiver('c3');
  rib.joinGroup(c3, target, true, late);
  await settle();
  t.equal(late.table.size, 200, 'the whole table');
  t.equal(late.eor, 1, 'then End-of-RIB');
  t.same(late.table.get('240.0.50.0/24'), live.table.get('240.0.50.0/24'), 'with the attributes the live member got');
  // A member whose socket backs up is caught up when it drains.
  let backlog = true;
  const slow: ExportMember & { r: Receiver } = { name: 'c2b', r: new Receiver('c2b'), write(b) { this.r.write(b); }, pendingBytes: () => (backlog ? 64 * 1024 * 1024 : 0) };
  const g = rib.joinGroup(c2, target, true, slow);
  await settle();
  for (let i = 0; i < prefixes.length; i += 10) rib.applyUpdate(c1, announce(prefixes.slice(i, i + 10), base([64000 + i], 0xc000020b)));
  await settle();
  backlog = false;
  g.drained(slow);
  await settle();
  t.equal(slow.r.table.size, 200);
  t.same(slow.r.table.get('240.0.50.0/24'), live.table.get('240.0.50.0/24'), 'the changed table');
  t.equal(g.passThroughSets, 20);
  t.equal(rib.importStore.size, 20, 'the first sets went when their routes changed');
});

t.test('many sets: the byte arena grows and starts again, and every route keeps its own attributes', async (t) => {
  const { rib, c1, c2, c3 } = reflector();
  const live = new Receiver('c2');
  const g = rib.joinGroup(c2, target, true, live);
  // 3000 sets of ~60 bytes each: far past the arena's first 16 KB and its 64 KB kept across flushes.
  const n = 3000;
  const path = (i: number): number[] => [65000 + (i % 500), 4200000000 + i, 64496 + (i % 7)];
  for (let i = 0; i < n; i++) rib.applyUpdate(c1, announce([`240.${i >> 8}.${i & 255}.0/24`], base(path(i), 0xc000020b, communities)));
  await settle();
  t.equal(live.table.size, n);
  t.equal(g.passThroughSets, n);
  t.equal(rib.exportStore.size, 0);
  const asPathOf = (attrs: PathAttribute[] | undefined): number[] => {
    const a = attrs?.find((x) => x.kind === 'as-path');
    return a?.kind === 'as-path' ? a.segments.flatMap((seg) => seg.asns) : [];
  };
  let wrong = 0;
  for (let i = 0; i < n; i++) if (asPathOf(live.table.get(`240.${i >> 8}.${i & 255}.0/24`)).join() !== path(i).join()) wrong++;
  t.equal(wrong, 0, 'every prefix with its own AS path');
  // A member joining later is sent the table from the Adj-RIB-Out: the bytes are worked out again.
  const late = new Receiver('c3');
  rib.joinGroup(c3, target, true, late);
  await settle();
  t.equal(late.table.size, n);
  wrong = 0;
  for (const [p, attrs] of late.table) if (JSON.stringify(attrs) !== JSON.stringify(live.table.get(p))) wrong++;
  t.equal(wrong, 0, 'the same attributes as the live member got');
});

t.test('arena lives wrap: bytes placed before are worked out again, never read stale', async (t) => {
  const { rib, c1 } = reflector();
  const n = 1200;
  const path = (i: number): number[] => [65000 + (i % 500), 4200000000 + i, 64496];
  for (let i = 0; i < n; i++) rib.applyUpdate(c1, announce([`240.${i >> 8}.${i & 255}.0/24`], base(path(i), 0xc000020b, communities)));
  await settle();
  const sets = rib.importStore.byId.filter((s): s is NonNullable<typeof s> => s !== undefined);
  t.equal(sets.length, n);
  const p = new PassThrough(target, rib.importStore, 0x7ffffffe);
  const wire = (code: number): string => {
    const at = p.wireAt(code);
    return p.bytes.toString('hex', at, at + p.wireLengthOf(code));
  };
  const codes = sets.map((s) => p.code(s, c1.source));
  t.ok(codes.every((c) => c < 0), 'every set passes through');
  // What each set's bytes must be, worked out apart from the arena.
  const first = codes.map((c) => Buffer.from(exportWire(p.setOf(c).key), 'latin1').toString('hex'));
  t.ok(codes.every((c, k) => wire(c) === first[k]), 'the arena holds them, across its growth past the wrap');
  // Each round fills the arena past what it keeps: three rounds take its life past 2^31 - 1 and round to 1.
  for (let round = 0; round < 3; round++) {
    p.endFlush();
    const again = codes.map(wire);
    let wrong = 0;
    for (let k = 0; k < n; k++) if (again[k] !== first[k]) wrong++;
    t.equal(wrong, 0, `round ${round}: the same bytes for every set`);
  }
});
