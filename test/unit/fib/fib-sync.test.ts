import t from 'tap';
import { pino } from 'pino';
import { Rib, type RibPeer } from '../../../src/rib/rib.js';
import { KernelSync } from '../../../src/fib/kernel-sync.js';
import { DEFAULT_FIB, type FibConfig } from '../../../src/config/fib-config.js';
import { Family } from '../../../src/wire/constants.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import { encodeNlri, parsePrefix, type Prefix } from '../../../src/wire/nlri.js';
import { FakeKernel } from '../../helpers/fake-kernel.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import type { KernelRoute } from '../../../src/fib/netlink/rtnl-codec.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';

const log = pino({ level: 'silent' });
const ctx = makeContext({});
/** Every RIB and FIB here runs on this clock: flushes and scans happen when a test settles it. */
const clock = new FakeClock();
const settle = (): Promise<void> => clock.settle();
/** Work that yields turns on the clock (a scan): settle the clock while it runs. */
async function settled<T>(work: Promise<T>): Promise<T> {
  await settle();
  const out = await work;
  await settle();
  return out;
}

function setup(fib: Partial<FibConfig> = {}, kernel = new FakeKernel()) {
  const rib = new Rib({ localAsn: 64512, routerId: 0xc0000201, clusterId: null, clock });
  const sync = new KernelSync({ ...DEFAULT_FIB, enabled: true, protocol: 210, ...fib }, rib, log, new Set(), kernel, null, clock);
  const peer = (addr: string, routerId: number): RibPeer => ({
    source: rib.newSource({ kind: 'ibgp', address: addr, addressBytes: Buffer.from(addr.split('.').map(Number)), routerId, peerAs: 64512, isClient: false }),
    ctx, localAsn: 64512, allowOwnAs: 0, ownAddresses: new Set(), members: [], received: 0, rejected: 0,
  });
  return { rib, sync, kernel, peer };
}

function announce(prefixes: string[], nh: number): ReturnType<typeof scanUpdate> {
  const attrs: PathAttribute[] = [
    { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
    { kind: 'as-path', type: 2, flags: 0x40, segments: [] },
    { kind: 'next-hop', type: 3, flags: 0x40, nextHop: nh },
  ];
  const buf = encodeUpdate({ attributes: attrs, nlri: encodeNlri(prefixes.map((p) => parsePrefix(p) as Prefix), Family.IPV4_UNICAST, false) }, ctx);
  return scanUpdate(buf, 0, buf.length, ctx);
}
function withdraw(prefixes: string[]): ReturnType<typeof scanUpdate> {
  const buf = encodeUpdate({ attributes: [], withdrawn: encodeNlri(prefixes.map((p) => parsePrefix(p) as Prefix), Family.IPV4_UNICAST, false) }, ctx);
  return scanUpdate(buf, 0, buf.length, ctx);
}
const gw = (r: KernelRoute | undefined) => r?.nexthops.map((n) => `${[...n.gateway].join('.')}${n.onlink ? ' onlink' : ''}${n.oif ? ` dev ${n.oif}` : ''}`).sort();
const find = (k: FakeKernel, dst: string) => [...k.routes.values()].find((r) => `${[...r.dst].join('.')}/${r.dstLen}` === dst);

t.test('best routes go to the kernel with our table, protocol and metric; ECMP as one multipath route', async (t) => {
  const { rib, sync, kernel, peer } = setup({ table: 100, metric: 20 });
  await sync.start();
  const a = peer('192.0.2.11', 11);
  const b = peer('192.0.2.12', 12);
  rib.applyUpdate(a, announce(['198.51.100.0/26', '198.51.100.64/26'], 0xc000020b));
  rib.applyUpdate(b, announce(['198.51.100.0/26'], 0xc000020c));
  rib.announce(parsePrefix('203.0.113.0/24') as Prefix);
  await settle();
  const r = find(kernel, '198.51.100.0/26');
  t.match(r, { table: 100, protocol: 210, priority: 20 });
  t.same(gw(r), ['192.0.2.11', '192.0.2.12'], 'two equal paths: one ECMP route');
  t.same(gw(find(kernel, '198.51.100.64/26')), ['192.0.2.11']);
  t.notOk(find(kernel, '203.0.113.0/24'), 'our own announcements are not installed');
  rib.applyUpdate(b, withdraw(['198.51.100.0/26']));
  await settle();
  t.same(gw(find(kernel, '198.51.100.0/26')), ['192.0.2.11'], 'ECMP shrinks');
  rib.applyUpdate(a, withdraw(['198.51.100.0/26', '198.51.100.64/26']));
  await settle();
  t.equal(kernel.ours(210).length, 0, 'withdrawn routes leave the kernel');
});

t.test('tunnel next hops: always, and cross-subnet only for next hops outside local subnets (ECMP too)', async (t) => {
  for (const mode of ['always', 'cross-subnet'] as const) {
    const k = new FakeKernel();
    k.links.push({ index: 7, name: 'tunl0', up: true });
    // Other nodes' subnets are reached through the default route (recursive next hops).
    const dflt: KernelRoute = { family: 2, dst: Buffer.alloc(4), dstLen: 0, table: 254, protocol: 3, type: 1, scope: 0, priority: 0, nexthops: [{ gateway: Buffer.from([192, 0, 2, 254]), oif: 2, onlink: false, weight: 1 }] };
    k.routes.set(k.key(dflt), dflt);
    const { rib, sync, kernel, peer } = setup({ tunnel: { interface: 'tunl0', mode } }, k);
    await sync.start();
    rib.applyUpdate(peer('192.0.2.11', 11), announce(['198.51.100.0/26'], 0xc000020b)); // on-subnet
    rib.applyUpdate(peer('198.18.0.5', 5), announce(['198.51.100.64/26'], 0xc6120005)); // off-subnet
    rib.applyUpdate(peer('198.18.0.6', 5), announce(['198.51.100.64/26'], 0xc6120006));
    await settle();
    const same = gw(find(kernel, '198.51.100.0/26'));
    const cross = gw(find(kernel, '198.51.100.64/26'));
    t.same(cross, ['198.18.0.5 onlink dev 7', '198.18.0.6 onlink dev 7'], `${mode}: off-subnet ECMP via the tunnel, onlink`);
    t.same(same, mode === 'always' ? ['192.0.2.11 onlink dev 7'] : ['192.0.2.11'], `${mode}: on-subnet next hop`);
  }
});

t.test('restart: existing wren routes are adopted without a flap, stale ones pruned after convergence', async (t) => {
  const k = new FakeKernel();
  const mk = (dst: number[], gwy: number[]): KernelRoute => ({
    family: 2, dst: Buffer.from(dst), dstLen: 26, table: 254, protocol: 210, type: 1, scope: 0, priority: 32, nexthops: [{ gateway: Buffer.from(gwy), oif: 2, onlink: false, weight: 1 }],
  });
  for (const r of [mk([198, 51, 100, 0], [192, 0, 2, 11]), mk([198, 51, 100, 64], [192, 0, 2, 11]), mk([198, 51, 100, 128], [192, 0, 2, 11]), mk([198, 51, 100, 192], [192, 0, 2, 11])]) k.routes.set(k.key(r), r);
  const { rib, sync, kernel, peer } = setup({}, k);
  await sync.start();
  t.equal(sync.fib.counters.adopted, 4);
  const p = peer('192.0.2.11', 11);
  rib.applyUpdate(p, announce(['198.51.100.0/26'], 0xc000020b)); // same as adopted
  rib.applyUpdate(p, announce(['198.51.100.64/26'], 0xc000020c)); // next hop changed
  await settle();
  t.equal(kernel.ops.filter((o) => o.op === 'replace').length, 1, 'only the changed route is rewritten');
  t.equal(kernel.ours(210).length, 4, 'the stale routes stay until convergence');
  // End-of-RIB can come before the FIB's queue is done: a route the RIB has but the flush has
  // not reached yet must not be pruned (it would leave the kernel for a moment).
  rib.applyUpdate(p, announce(['198.51.100.128/26'], 0xc000020b));
  await sync.fib.prune();
  t.notOk(kernel.ops.some((o) => o.op === 'delete' && o.route.dst[3] === 128), 'a route the RIB still has is not pruned before its flush');
  await settle();
  t.same(kernel.ours(210).map((r) => r.dst[3]).sort((a, b) => (a ?? 0) - (b ?? 0)), [0, 64, 128], 'the route nobody has is pruned; the one claimed by the flush is untouched');
  t.notOk(kernel.ops.some((o) => o.op === 'replace' && o.route.dst[3] === 128), 'and was never rewritten');
});

t.test('drift repair: a deleted route comes back at once; a changed one at the next scan; ENOBUFS resyncs', async (t) => {
  const { rib, sync, kernel, peer } = setup();
  await sync.start();
  rib.applyUpdate(peer('192.0.2.11', 11), announce(['198.51.100.0/26', '198.51.100.64/26'], 0xc000020b));
  await settle();
  const r = find(kernel, '198.51.100.0/26') as KernelRoute;
  kernel.externalDelete(r);
  await settle();
  t.ok(find(kernel, '198.51.100.0/26'), 'deleted by someone else: put back');
  const r2 = find(kernel, '198.51.100.64/26') as KernelRoute;
  kernel.routes.set(kernel.key(r2), { ...r2, nexthops: [{ gateway: Buffer.from([192, 0, 2, 99]), oif: 2, onlink: false, weight: 1 }] });
  await settled(sync.fib.scan());
  await settle();
  t.same(gw(find(kernel, '198.51.100.64/26')), ['192.0.2.11'], 'changed by someone else: repaired by the scan');
  kernel.routes.clear();
  kernel.events?.resync();
  await settle();
  t.equal(kernel.ours(210).length, 2, 'after lost notifications a resync restores everything');
  t.ok(sync.fib.counters.repaired >= 4);
});

t.test('learning: kernel routes of chosen protocols become local routes; their removal withdraws them', async (t) => {
  const { rib, sync, kernel } = setup({ learn: { policy: [], protocols: [4], tables: [254] } });
  const blackhole: KernelRoute = { family: 2, dst: Buffer.from([198, 51, 100, 192]), dstLen: 26, table: 254, protocol: 4, type: 6, scope: 0, priority: 0, nexthops: [] };
  kernel.routes.set(kernel.key(blackhole), blackhole);
  await sync.start();
  t.equal(rib.loc.size, 1, 'learned at start');
  const other: KernelRoute = { ...blackhole, dst: Buffer.from([203, 0, 113, 0]), dstLen: 24, protocol: 2 };
  kernel.externalAdd(other);
  t.equal(rib.loc.size, 1, 'other protocols are not learned');
  kernel.externalDelete(blackhole);
  t.equal(rib.loc.size, 0, 'removed from the kernel: withdrawn');
  kernel.externalAdd(blackhole);
  t.equal(rib.loc.size, 1);
  t.equal(kernel.ours(210).length, 0, 'learned routes are not installed back');
});

t.test('persist: routes stay on stop by default, go when persist is off; refused routes are counted', async (t) => {
  for (const persist of [true, false]) {
    const { rib, sync, kernel, peer } = setup({ persist });
    await sync.start();
    kernel.refuse.add('2|c6336480|26');
    rib.applyUpdate(peer('192.0.2.11', 11), announce(['198.51.100.0/26', '198.51.100.128/26'], 0xc000020b));
    await settle();
    t.equal(sync.fib.counters.errors, 1, 'the refused route is counted');
    await sync.stop();
    t.equal(kernel.ours(210).length, persist ? 1 : 0, persist ? 'persist: kept' : 'no persist: removed');
  }
});

t.test('next-hop resolution: unreachable next hops make a path ineligible until a route covers them', async (t) => {
  const { rib, sync, kernel, peer } = setup();
  await sync.start();
  const near = peer('192.0.2.11', 11);
  const far = peer('198.18.0.5', 5);
  rib.applyUpdate(far, announce(['198.51.100.0/26'], 0xc6120005)); // 198.18.0.5: no route to it
  rib.applyUpdate(near, announce(['198.51.100.64/26'], 0xc000020b)); // on the local subnet
  await settle();
  t.equal(rib.loc.size, 1, 'only the path with a reachable next hop is used');
  t.notOk(find(kernel, '198.51.100.0/26'));
  const r: KernelRoute = { family: 2, dst: Buffer.from([198, 18, 0, 0]), dstLen: 16, table: 254, protocol: 4, type: 1, scope: 0, priority: 5, nexthops: [{ gateway: Buffer.from([192, 0, 2, 254]), oif: 2, onlink: false, weight: 1 }] };
  kernel.externalAdd(r);
  // The resolver tells the RIB 200 ms after the kernel changed.
  clock.advance(300);
  await settle();
  t.equal(rib.loc.size, 2, 'a kernel route to the next hop makes the path eligible (recursive)');
  t.same(gw(find(kernel, '198.51.100.0/26')), ['192.0.2.254'], 'installed through the covering route\'s gateway (Linux takes on-link gateways only)');
  kernel.externalDelete(r);
  // The resolver tells the RIB 200 ms after the kernel changed.
  clock.advance(300);
  await settle();
  t.equal(rib.loc.size, 1, 'and ineligible again when the route goes');
  t.notOk(find(kernel, '198.51.100.0/26'), 'its kernel route is withdrawn');
});

t.test('excluded prefixes (the cluster pool itself) are not installed; more specifics are', async (t) => {
  const { rib, sync, kernel, peer } = setup({ exclude: ['198.51.100.0/24'] });
  await sync.start();
  rib.applyUpdate(peer('192.0.2.11', 11), announce(['198.51.100.0/24', '198.51.100.0/26'], 0xc000020b));
  await settle();
  t.notOk(find(kernel, '198.51.100.0/24'), 'the pool is not installed');
  t.ok(find(kernel, '198.51.100.0/26'), 'a block inside it is');
});

t.test('a route the kernel refused is tried again at the next scan, and goes in once the kernel takes it', async (t) => {
  const { rib, sync, kernel, peer } = setup();
  await sync.start();
  kernel.refuse.add('2|c6336480|26');
  rib.applyUpdate(peer('192.0.2.11', 11), announce(['198.51.100.0/26', '198.51.100.128/26'], 0xc000020b));
  await settle();
  t.notOk(find(kernel, '198.51.100.128/26'), 'refused');
  t.equal(sync.fib.counters.errors, 1);
  const scanned = async () => {
    await settled(sync.fib.scan());
    await settle();
  };
  await scanned();
  t.equal(sync.fib.counters.retried, 1, 'retried at the scan');
  t.equal(sync.fib.counters.errors, 2, 'and refused again');
  kernel.refuse.clear();
  await scanned();
  t.ok(find(kernel, '198.51.100.128/26'), 'installed once the kernel accepts it');
  t.equal(sync.fib.counters.retried, 2);
  await scanned();
  t.equal(sync.fib.counters.retried, 2, 'nothing left to retry');
  await sync.stop();
});

t.test('fib.blackhole: our own announcement is installed as a blackhole route while announced, and left alone by scans', async (t) => {
  const { rib, sync, kernel } = setup({ blackhole: ['203.0.113.0/26'] });
  await sync.start();
  rib.announce(parsePrefix('203.0.113.0/26') as Prefix);
  rib.announce(parsePrefix('203.0.113.64/26') as Prefix);
  await settle();
  const r = find(kernel, '203.0.113.0/26');
  t.match(r, { type: 6, protocol: 210, nexthops: [] }, 'a blackhole route, ours');
  t.notOk(find(kernel, '203.0.113.64/26'), 'an announcement not listed is not installed');
  const ops = kernel.ops.length;
  await settled(sync.fib.scan());
  t.equal(kernel.ops.length, ops, 'a scan finds nothing to repair');
  rib.unoriginate(rib.local, parsePrefix('203.0.113.0/26') as Prefix);
  await settle();
  t.notOk(find(kernel, '203.0.113.0/26'), 'withdrawn with the announcement');
});

t.test('a new blackhole list (reload) installs and removes blackholes for announcements already there', async (t) => {
  const { rib, sync, kernel } = setup({ blackhole: [] });
  await sync.start();
  rib.announce(parsePrefix('203.0.113.0/26') as Prefix);
  await settle();
  t.notOk(find(kernel, '203.0.113.0/26'));
  sync.fib.setBlackholes(['203.0.113.0/26']);
  await settle();
  t.match(find(kernel, '203.0.113.0/26'), { type: 6 }, 'added to the list: installed');
  sync.fib.setBlackholes([]);
  await settle();
  t.notOk(find(kernel, '203.0.113.0/26'), 'taken off the list: removed');
});

t.test('fib.staticRoutes: installed as they are, never from the RIB; they win over BGP and are repaired; reload adds and removes', async (t) => {
  const { rib, sync, kernel, peer } = setup({ staticRoutes: [{ prefix: '203.0.113.4/32', via: '192.0.2.254' }] });
  await sync.start();
  await settle();
  t.match(find(kernel, '203.0.113.4/32'), { protocol: 210, table: 254, type: 1 }, 'installed at start');
  t.same(gw(find(kernel, '203.0.113.4/32')), ['192.0.2.254']);
  t.equal(rib.reader.find(parsePrefix('203.0.113.4/32') as Prefix), -1, 'not a RIB route: nothing announces it');
  // A BGP route for the same prefix does not replace it.
  rib.applyUpdate(peer('192.0.2.11', 11), announce(['203.0.113.4/32', '198.51.100.0/26'], 0xc000020b));
  await settle();
  t.same(gw(find(kernel, '203.0.113.4/32')), ['192.0.2.254'], 'the static route wins over BGP');
  t.same(gw(find(kernel, '198.51.100.0/26')), ['192.0.2.11']);
  // Deleted by someone else: back at once; changed: back at the next scan.
  kernel.externalDelete(find(kernel, '203.0.113.4/32') as KernelRoute);
  await settle();
  t.same(gw(find(kernel, '203.0.113.4/32')), ['192.0.2.254'], 'deleted: put back');
  const r = find(kernel, '203.0.113.4/32') as KernelRoute;
  kernel.routes.set(kernel.key(r), { ...r, nexthops: [{ gateway: Buffer.from([192, 0, 2, 99]), oif: 2, onlink: false, weight: 1 }] });
  await settled(sync.fib.scan());
  t.same(gw(find(kernel, '203.0.113.4/32')), ['192.0.2.254'], 'changed: repaired by the scan');
  const ops = kernel.ops.length;
  await settled(sync.fib.scan());
  t.equal(kernel.ops.length, ops, 'a scan of a table in order changes nothing');
  const diff = await settled(sync.fib.diff());
  t.equal(diff.extra, 0, 'show fib diff does not call it extra');
  // Reload: the static route goes, the BGP route takes the prefix; a new one comes.
  await settled(sync.setStaticRoutes([{ prefix: '203.0.113.8/32', via: '192.0.2.253' }]));
  await settle();
  t.same(gw(find(kernel, '203.0.113.4/32')), ['192.0.2.11'], 'taken off the list: the RIB route is installed');
  t.same(gw(find(kernel, '203.0.113.8/32')), ['192.0.2.253'], 'added: installed');
  await sync.stop(true);
  t.notOk(find(kernel, '203.0.113.8/32'), 'a stop that withdraws removes static routes too');
});

t.test('recursive next hops: a peer behind a gateway (static host route) has its routes installed through that gateway', async (t) => {
  const { rib, sync, kernel, peer } = setup();
  await sync.start();
  const far = peer('203.0.113.4', 4);
  rib.applyUpdate(far, announce(['198.51.100.0/26'], 0xcb007104)); // next hop 203.0.113.4: not on a connected subnet
  await settle();
  t.equal(rib.loc.size, 0, 'unreachable next hop: not used');
  await settled(sync.setStaticRoutes([{ prefix: '203.0.113.4/32', via: '192.0.2.254' }]));
  clock.advance(300);
  await settle();
  t.equal(rib.loc.size, 1, 'the static route makes the next hop reachable');
  t.same(gw(find(kernel, '198.51.100.0/26')), ['192.0.2.254'], 'installed via the static route\'s gateway');
  await settled(sync.setStaticRoutes([{ prefix: '203.0.113.0/24', via: '192.0.2.253' }]));
  clock.advance(300);
  await settle();
  t.same(gw(find(kernel, '198.51.100.0/26')), ['192.0.2.253'], 'a new gateway: the route follows it');
  await settled(sync.setStaticRoutes([]));
  clock.advance(300);
  await settle();
  t.equal(rib.loc.size, 0, 'gone: ineligible again');
  t.notOk(find(kernel, '198.51.100.0/26'), 'and out of the kernel');
});

t.test('fib.ignoreInterfaces: addresses of a matching interface are not connected networks', async (t) => {
  const k = new FakeKernel();
  k.links.push({ index: 9, name: 'kube-ipvs0', up: true });
  k.addrs.push({ family: 2, index: 9, prefixLen: 24, address: Buffer.from([198, 18, 7, 1]) });
  const { rib, sync, peer } = setup({ ignoreInterfaces: ['kube-ipvs*', 'cali*'] }, k);
  await sync.start();
  rib.applyUpdate(peer('198.18.7.5', 5), announce(['198.51.100.0/26'], 0xc6120705));
  await settle();
  t.equal(rib.loc.size, 0, 'a next hop on the ignored interface\'s subnet is not directly connected');
  t.equal(sync.connected.interfaceFor(Buffer.from([198, 18, 7, 5])), '', 'nor does it name that interface');
  sync.setIgnoredInterfaces([]);
  clock.advance(300);
  await settle();
  t.equal(rib.loc.size, 1, 'not ignored (reload): connected again');
  t.equal(sync.connected.interfaceFor(Buffer.from([198, 18, 7, 5])), 'kube-ipvs0');
});

t.test('fib.excludeWithin: routes inside the prefixes are left to another agent, our blackholes too; a reload follows', async (t) => {
  const { rib, sync, kernel, peer } = setup({ excludeWithin: ['198.51.100.0/25'], blackhole: ['198.51.100.64/26'] });
  await sync.start();
  rib.applyUpdate(peer('192.0.2.11', 11), announce(['198.51.100.0/26', '198.51.100.128/26', '198.51.100.0/25'], 0xc000020b));
  rib.announce(parsePrefix('198.51.100.64/26') as Prefix);
  await settle();
  t.notOk(find(kernel, '198.51.100.0/26'), 'inside: not installed');
  t.notOk(find(kernel, '198.51.100.0/25'), 'the prefix itself: not installed');
  t.notOk(find(kernel, '198.51.100.64/26'), 'nor our own blackhole inside it');
  t.ok(find(kernel, '198.51.100.128/26'), 'outside: installed');
  sync.fib.setExcludeWithin([]);
  await settle();
  t.ok(find(kernel, '198.51.100.0/26') && find(kernel, '198.51.100.0/25'), 'the list emptied: installed');
  t.match(find(kernel, '198.51.100.64/26'), { type: 6 }, 'and the blackhole');
  sync.fib.setExcludeWithin(['198.51.100.0/24']);
  await settle();
  t.equal(kernel.ours(210).length, 0, 'a wider one: all of them leave the kernel');
});
