/**
 * RFC 4724 in Routing, with fake sessions: a helper keeps a restarting peer's paths as stale, the
 * restarted peer's routes replace them and End-of-RIB sweeps the rest; timers and the F bit end
 * them early; a restarting wren holds exports back until its table is complete.
 */
import t from 'tap';
import { pino } from 'pino';
import { parseConfig, type NeighborConfig } from '../../../src/config/load.js';
import { Routing } from '../../../src/daemon/routing.js';
import type { Peer } from '../../../src/session/peer.js';
import type { SessionParameters } from '../../../src/session/negotiate.js';
import { Family } from '../../../src/wire/constants.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import { Receiver, announce, base, clock, settle } from '../../helpers/rib-fixtures.js';

const V4 = 1 << Family.IPV4_UNICAST;
const config = parseConfig(
  `routerId: 192.0.2.1
asn: 64512
gracefulRestart: { staleTime: 1 }
routeReflector: { clusterId: 192.0.2.1 }
neighbors:
  - { address: 192.0.2.2, asn: 64512, routeReflectorClient: true }
  - { address: 192.0.2.3, asn: 64512, routeReflectorClient: true }
`,
  'wren.yaml',
);

function params(grFamilies: number, forwarding: number, restartTime = 120, longLived = 0, longLivedStaleTime = 0, peerLongLived = longLived !== 0): SessionParameters {
  return {
    peerAs: 64512, peerId: 2, holdTime: 90, families: V4, addPathReceive: 0, addPathSend: 0, routeRefresh: true, enhancedRouteRefresh: false,
    extendedMessage: false, extendedNextHop: false, peerGracefulRestart: grFamilies ? { restartTime, restarting: true, families: grFamilies, forwarding, notification: false } : null,
    gracefulRestartFamilies: grFamilies, gracefulNotification: false, longLivedFamilies: longLived, longLivedStaleTime, peerLongLived, asn4: true, ebgp: false, codec: makeContext({ asn4: true }), peerHostname: '',
  };
}

/** A session as Routing sees it: an address, a local address, params, and bytes it is sent. */
function fakePeer(address: string, p: SessionParameters): { peer: Peer; rx: Receiver } {
  const rx = new Receiver(address);
  const peer = { config: { address }, localAddress: '192.0.2.1', params: p, sendRaw: (b: Buffer) => rx.write(b), pendingBytes: 0, state: 'Established' };
  return { peer: peer as unknown as Peer, rx };
}

const ctx4 = makeContext({ asn4: true });
const eor = () => {
  const buf = encodeUpdate({ attributes: [] }, ctx4);
  return scanUpdate(buf, 0, buf.length, ctx4);
};
const routes = (r: Routing) => r.rib.loc.size;

function setup(): Routing {
  const neighbors = new Map<string, NeighborConfig>(config.neighbors.map((n) => [n.address, n]));
  return new Routing(config, neighbors, pino({ level: 'silent' }), clock);
}

t.test('helper: a session lost without NOTIFICATION keeps its routes until the restarted peer says End-of-RIB', async (t) => {
  const r = setup();
  const a = fakePeer('192.0.2.2', params(V4, V4));
  const watcher = fakePeer('192.0.2.3', params(0, 0));
  r.established(a.peer, a.peer.params as SessionParameters);
  r.established(watcher.peer, watcher.peer.params as SessionParameters);
  r.update(a.peer, announce(['198.51.100.0/26', '198.51.100.64/26', '198.51.100.128/26'], base([], 0xc0000202)));
  await settle();
  t.equal(watcher.rx.table.size, 3);
  r.down(a.peer, 'connection reset', true);
  await settle();
  t.equal(routes(r), 3, 'routes kept');
  t.equal(r.staleRoutes('192.0.2.2'), 3, 'as stale');
  t.equal(watcher.rx.table.size, 3, 'nothing withdrawn from other peers');

  const back = fakePeer('192.0.2.2', params(V4, V4));
  r.established(back.peer, back.peer.params as SessionParameters);
  r.update(back.peer, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc0000202)));
  await settle();
  t.equal(r.staleRoutes('192.0.2.2'), 1, 're-announced routes are no longer stale');
  t.equal(routes(r), 3, 'one path per prefix: new ones replaced the stale ones');
  r.update(back.peer, eor());
  await settle();
  t.equal(r.staleRoutes('192.0.2.2'), 0);
  t.equal(routes(r), 2, 'End-of-RIB swept the route the peer no longer has');
  t.same([...watcher.rx.table.keys()].sort(), ['198.51.100.0/26', '198.51.100.64/26'], 'and only that one was withdrawn');
});

t.test('helper: a NOTIFICATION ends graceful restart; so does a peer without the capability', async (t) => {
  const r = setup();
  const a = fakePeer('192.0.2.2', params(V4, V4));
  r.established(a.peer, a.peer.params as SessionParameters);
  r.update(a.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  r.down(a.peer, 'received Cease', false);
  await settle();
  t.equal(routes(r), 0, 'removed at once');
  const b = fakePeer('192.0.2.2', params(0, 0));
  r.established(b.peer, b.peer.params as SessionParameters);
  r.update(b.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  r.down(b.peer, 'connection reset', true);
  await settle();
  t.equal(routes(r), 0, 'no capability negotiated: removed at once');
});

t.test('helper: restart time, stale time and a cleared forwarding bit each end the stale routes', async (t) => {
  const r = setup();
  const a = fakePeer('192.0.2.2', params(V4, V4, 1));
  r.established(a.peer, a.peer.params as SessionParameters);
  r.update(a.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  r.down(a.peer, 'connection reset', true);
  await settle();
  t.equal(routes(r), 1);
  clock.advance(1100);
  await settle();
  t.equal(routes(r), 0, 'the peer was not back within its restart time (1 s)');

  const b = fakePeer('192.0.2.2', params(V4, V4));
  r.established(b.peer, b.peer.params as SessionParameters);
  r.update(b.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  r.down(b.peer, 'connection reset', true);
  const c = fakePeer('192.0.2.2', params(V4, V4));
  r.established(c.peer, c.peer.params as SessionParameters);
  await settle();
  t.equal(routes(r), 1, 'back, stale until End-of-RIB');
  clock.advance(1100);
  await settle();
  t.equal(routes(r), 0, 'no End-of-RIB within staleTime (1 s): swept');

  const d = fakePeer('192.0.2.2', params(V4, V4));
  r.established(d.peer, d.peer.params as SessionParameters);
  r.update(d.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  r.down(d.peer, 'connection reset', true);
  const e = fakePeer('192.0.2.2', params(V4, 0));
  r.established(e.peer, e.peer.params as SessionParameters);
  await settle();
  t.equal(routes(r), 0, 'the restarted peer did not keep its forwarding state (F bit clear): swept at once');
});

t.test('restarting speaker: exports wait for the table, then every session gets it and End-of-RIB', async (t) => {
  const r = setup();
  r.deferExports();
  const a = fakePeer('192.0.2.2', params(V4, V4));
  const b = fakePeer('192.0.2.3', params(V4, V4));
  r.established(a.peer, a.peer.params as SessionParameters);
  r.established(b.peer, b.peer.params as SessionParameters);
  r.update(a.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  await settle();
  t.equal(b.rx.table.size + b.rx.eor, 0, 'nothing sent while deferring');
  r.update(a.peer, eor());
  r.endDeferral();
  await settle();
  t.equal(b.rx.table.size, 1, 'the table');
  t.equal(b.rx.eor, 1, 'then End-of-RIB');
  t.equal(a.rx.eor, 1);
});

t.test('helper: a peer that had no routes restarts; what it sends afterwards stays', async (t) => {
  const r = setup();
  const a = fakePeer('192.0.2.2', params(V4, V4));
  r.established(a.peer, a.peer.params as SessionParameters);
  r.down(a.peer, 'connection reset', true);
  const b = fakePeer('192.0.2.2', params(V4, V4));
  r.established(b.peer, b.peer.params as SessionParameters);
  r.update(b.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  await settle();
  t.equal(routes(r), 1, 'the new route is not taken for a stale one (source ids are reused)');
  r.update(b.peer, eor());
  await settle();
  t.equal(routes(r), 1);
});

t.test('maxPrefixes counts the stale paths of earlier sessions; a peer cannot ask for more than maxPeerRestartTime', async (t) => {
  const limited = parseConfig(
    `routerId: 192.0.2.1
asn: 64512
gracefulRestart: { maxPeerRestartTime: 30 }
routeReflector: { clusterId: 192.0.2.1 }
neighbors:
  - { address: 192.0.2.2, asn: 64512, routeReflectorClient: true, maxPrefixes: { limit: 10 } }
`,
    'wren.yaml',
  );
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const r = new Routing(limited, new Map(limited.neighbors.map((n) => [n.address, n])), log, clock);
  const stops: string[] = [];
  const session = () => {
    const f = fakePeer('192.0.2.2', params(V4, V4, 4000));
    (f.peer as unknown as { stop: (m: string) => void }).stop = (m: string) => void stops.push(m);
    r.established(f.peer, f.peer.params as SessionParameters);
    return f;
  };
  const blocks = (from: number) => Array.from({ length: 8 }, (_, i) => `198.51.${100 + ((from + i) >> 2)}.${((from + i) & 3) * 64}/26`);
  const first = session();
  r.update(first.peer, announce(blocks(0), base([], 0xc0000202)));
  t.same(stops, [], '8 of 10');
  r.down(first.peer, 'connection reset', true);
  t.equal(r.staleRoutes('192.0.2.2'), 8, 'kept as stale');
  const kept = lines.find((l) => l.msg === 'graceful restart: routes of the peer kept as stale');
  t.equal(kept?.restartTime, 30, 'the 4000 s the peer asked for is cut to maxPeerRestartTime');
  const second = session();
  r.update(second.peer, announce(blocks(0).slice(0, 4), base([], 0xc0000202)));
  t.same(stops, [], 'prefixes sent again replace their stale paths: still 8');
  r.update(second.peer, announce(blocks(8).slice(0, 4), base([], 0xc0000202)));
  t.equal(stops.length, 1, '8 live (under the limit alone) + 4 stale cross it');
  t.match(stops[0], /maximum number of prefixes \(10\)/);
  const warn = lines.find((l) => l.msg === 'maximum number of prefixes exceeded');
  t.equal(warn?.stale, 4, 'the warning says how many were stale');
});

t.test('a node becomes a route reflector on reload: its iBGP peers become clients and get each other\'s routes, no reset', async (t) => {
  const plain = parseConfig(
    `routerId: 192.0.2.1
asn: 64512
neighbors:
  - { address: 192.0.2.2, asn: 64512 }
  - { address: 192.0.2.3, asn: 64512 }
`,
    'wren.yaml',
  );
  const neighbors = new Map<string, NeighborConfig>(plain.neighbors.map((n) => [n.address, n]));
  const r = new Routing(plain, neighbors, pino({ level: 'silent' }), clock);
  const a = fakePeer('192.0.2.2', params(0, 0));
  const b = fakePeer('192.0.2.3', params(0, 0));
  r.established(a.peer, a.peer.params as SessionParameters);
  r.established(b.peer, b.peer.params as SessionParameters);
  r.update(a.peer, announce(['198.51.100.0/26'], base([], 0xc0000202)));
  await settle();
  t.equal(b.rx.table.size, 0, 'not a reflector: iBGP split horizon');
  // The reload: a cluster ID and both neighbours as clients (what the datastore makes of routeReflectorClusterID).
  const rr = parseConfig(
    `routerId: 192.0.2.1
asn: 64512
routeReflector: { clusterId: 244.0.0.1 }
neighbors:
  - { address: 192.0.2.2, asn: 64512, routeReflectorClient: true }
  - { address: 192.0.2.3, asn: 64512, routeReflectorClient: true }
`,
    'wren.yaml',
  );
  for (const n of rr.neighbors) neighbors.set(n.address, n);
  r.reconfigure(rr, { added: [], removed: [], reapply: false });
  r.reexport(a.peer);
  r.reexport(b.peer);
  await settle();
  const got = b.rx.table.get('198.51.100.0/26');
  t.ok(got, 'reflected to the other client');
  t.match(got?.find((x) => x.kind === 'cluster-list'), { clusterList: [0xf4000001] }, 'with our cluster ID');
  t.match(got?.find((x) => x.kind === 'originator-id'), { originatorId: 2 });
  // Back to a plain iBGP speaker: the reflected route is withdrawn.
  for (const n of plain.neighbors) neighbors.set(n.address, n);
  r.reconfigure(plain, { added: [], removed: [], reapply: false });
  r.reexport(a.peer);
  r.reexport(b.peer);
  await settle();
  t.equal(b.rx.table.size, 0, 'no longer a reflector: withdrawn');
});

t.test('long-lived graceful restart (RFC 9494): past the restart time the routes stay as LLGR_STALE, least preferred, only to LLGR peers; NO_LLGR ones go', async (t) => {
  const llgrConfig = parseConfig(
    `routerId: 192.0.2.1
asn: 64512
gracefulRestart: { staleTime: 1, longLivedStaleTime: 30 }
routeReflector: { clusterId: 192.0.2.1 }
neighbors:
  - { address: 192.0.2.2, asn: 64512, routeReflectorClient: true }
  - { address: 192.0.2.3, asn: 64512, routeReflectorClient: true }
  - { address: 192.0.2.4, asn: 64512, routeReflectorClient: true }
  - { address: 192.0.2.5, asn: 64512, routeReflectorClient: true }
`,
    'wren.yaml',
  );
  const r = new Routing(llgrConfig, new Map(llgrConfig.neighbors.map((n) => [n.address, n])), pino({ level: 'silent' }), clock);
  // a: graceful restart for 2 s, then 3600 s asked as long-lived (capped at our 30 s).
  const a = fakePeer('192.0.2.2', params(V4, V4, 2, V4, 3600));
  const llgrWatcher = fakePeer('192.0.2.3', params(0, 0, 120, 0, 0, true));
  const plainWatcher = fakePeer('192.0.2.4', params(0, 0));
  for (const p of [a, llgrWatcher, plainWatcher]) r.established(p.peer, p.peer.params as SessionParameters);
  const comm = (values: number[]) => ({ kind: 'communities' as const, type: 8, flags: 0xc0, communities: values });
  r.update(a.peer, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc0000202)));
  r.update(a.peer, announce(['198.51.100.128/26'], base([], 0xc0000202, [comm([0xffff0007])])));
  await settle();
  t.equal(plainWatcher.rx.table.size, 3);
  r.down(a.peer, 'connection reset', true);
  await settle();
  t.equal(llgrWatcher.rx.table.size, 3, 'within the restart time: plain graceful restart, nothing changes');
  clock.advance(2100);
  await settle();
  const stale = llgrWatcher.rx.table.get('198.51.100.0/26');
  t.match(stale?.find((x) => x.kind === 'communities'), { communities: [0xffff0006] }, 'past it: sent on with LLGR_STALE to a peer that announced LLGR');
  t.notOk(llgrWatcher.rx.table.has('198.51.100.128/26'), 'a NO_LLGR route is not kept');
  t.equal(plainWatcher.rx.table.size, 0, 'a peer without LLGR has them withdrawn');
  t.equal(routes(r), 2, 'both long-lived stale routes are in the RIB (and so in the kernel)');
  // Any other route wins over a long-lived stale one, however much worse.
  const c = fakePeer('192.0.2.5', params(0, 0));
  r.established(c.peer, c.peer.params as SessionParameters);
  r.update(c.peer, announce(['198.51.100.0/26'], base([65001, 65002, 65003], 0xc0000205, [{ kind: 'local-pref', type: 5, flags: 0x40, localPref: 10 }])));
  await settle();
  t.match(llgrWatcher.rx.table.get('198.51.100.0/26')?.find((x) => x.kind === 'as-path'), { segments: [{ asns: [65001, 65002, 65003] }] }, 'the fresh route is best, whatever its attributes');
  t.notOk(llgrWatcher.rx.table.get('198.51.100.0/26')?.some((x) => x.kind === 'communities'), 'without LLGR_STALE');
  t.ok(plainWatcher.rx.table.has('198.51.100.0/26'), 'and goes to the plain peer again');
  clock.advance(30_500);
  await settle();
  t.equal(routes(r), 1, 'the long-lived stale time over: only the fresh route is left');
  t.notOk(llgrWatcher.rx.table.has('198.51.100.64/26'), 'withdrawn');
});
