/** RIB scenarios with fake peers: import, withdraw, loops, split horizon, reflection, update groups. */
import t from 'tap';
import { Rib, type RibPeer } from '../../../src/rib/rib.js';
import { MessageFramer } from '../../../src/wire/framer.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { listPrefixes, prefixToString } from '../../../src/wire/nlri.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';
import type { ExportMember } from '../../../src/rib/update-group.js';
import { Family } from '../../../src/wire/constants.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import { encodeNlri, parsePrefix, type Prefix } from '../../../src/wire/nlri.js';
import { RR, Receiver, announce, base, ctx, exportTarget, ribPeer, settle, withdraw } from '../../helpers/rib-fixtures.js';

const target = exportTarget;

t.test('a reflector passes client routes to clients and non-clients, non-client routes only to clients', async (t) => {
  const rib = new Rib(RR);
  const c1 = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const c2 = ribPeer(rib, '192.0.2.12', 'ibgp', 12, true);
  const n1 = ribPeer(rib, '192.0.2.21', 'ibgp', 21, false);
  const toClients = new Receiver('clients');
  const toNonClients = new Receiver('non-clients');
  rib.joinGroup(c2, target('ibgp', true), true, toClients);
  rib.joinGroup(n1, target('ibgp', false), true, toNonClients);
  rib.applyUpdate(c1, announce(['198.51.100.0/26'], base([], 0xc000020b)));
  rib.applyUpdate(n1, announce(['198.51.100.64/26'], base([], 0xc0000215)));
  rib.applyUpdate(c2, announce(['198.51.100.128/26'], base([], 0xc000020c)));
  await settle();
  t.same([...toClients.table.keys()].sort(), ['198.51.100.0/26', '198.51.100.64/26'], 'c2 gets every route but its own');
  t.same([...toNonClients.table.keys()].sort(), ['198.51.100.0/26', '198.51.100.128/26'], 'non-client route not reflected to non-clients');
  const reflected = toNonClients.table.get('198.51.100.0/26') ?? [];
  t.match(reflected.find((a) => a.kind === 'originator-id'), { originatorId: 11 }, 'ORIGINATOR_ID set to the client');
  t.match(reflected.find((a) => a.kind === 'cluster-list'), { clusterList: [RR.clusterId] });
  t.match(reflected.find((a) => a.kind === 'next-hop'), { nextHop: 0xc000020b }, 'next hop kept');
  t.equal(toClients.eor, 1, 'End-of-RIB after the initial table');
  rib.applyUpdate(c1, withdraw(['198.51.100.0/26']));
  await settle();
  t.notOk(toClients.table.has('198.51.100.0/26'), 'withdrawal propagated');
  t.notOk(toNonClients.table.has('198.51.100.0/26'));
});

t.test('loops are refused: own ASN, own ORIGINATOR_ID, own cluster id, own next hop', async (t) => {
  const rib = new Rib(RR);
  const e = ribPeer(rib, '192.0.2.30', 'ebgp', 30);
  const i = ribPeer(rib, '192.0.2.31', 'ibgp', 31, true);
  t.equal(rib.applyUpdate(e, announce(['198.51.100.0/24'], base([65001, 64512], 0xc000021e))), 'AS path loop');
  t.equal(rib.applyUpdate(i, announce(['198.51.100.0/24'], base([], 0xc000021f, [{ kind: 'originator-id', type: 9, flags: 0x80, originatorId: RR.routerId }]))), 'ORIGINATOR_ID is ours');
  t.equal(rib.applyUpdate(i, announce(['198.51.100.0/24'], base([], 0xc000021f, [{ kind: 'cluster-list', type: 10, flags: 0x80, clusterList: [5, RR.clusterId] }]))), 'cluster list loop');
  t.equal(rib.applyUpdate(i, announce(['198.51.100.0/24'], base([], 0xc0000201))), 'next hop is ours');
  t.equal(rib.loc.size, 0);
  e.allowOwnAs = 1;
  t.equal(rib.applyUpdate(e, announce(['198.51.100.0/24'], base([65001, 64512], 0xc000021e))), null, 'allowOwnAs 1 accepts one occurrence');
  t.equal(rib.loc.size, 1);
  t.equal(rib.applyUpdate(e, announce(['198.51.100.0/24'], base([65001, 64512], 0xc000021e, [{ kind: 'med', type: 4, flags: 0xc0, med: 1 }]))), 'attribute 4 with flags 0xc0', 'RFC 7606 treat-as-withdraw');
  t.equal(rib.loc.size, 0, 'the refused announcement withdrew the earlier one');
});

t.test('eBGP export prepends our ASN, sets next hop self, drops LOCAL_PREF and MED; iBGP split horizon without reflection', async (t) => {
  const rib = new Rib({ ...RR, clusterId: null });
  const i1 = ribPeer(rib, '192.0.2.41', 'ibgp', 41);
  const e1 = ribPeer(rib, '192.0.2.42', 'ebgp', 42);
  const toEbgp = new Receiver('ebgp');
  const toIbgp = new Receiver('ibgp');
  rib.joinGroup(e1, target('ebgp', false), true, toEbgp);
  rib.joinGroup(i1, target('ibgp', false), true, toIbgp);
  rib.applyUpdate(i1, announce(['198.51.100.0/24'], base([], 0xc0000229, [{ kind: 'med', type: 4, flags: 0x80, med: 5 }, { kind: 'local-pref', type: 5, flags: 0x40, localPref: 300 }])));
  rib.applyUpdate(e1, announce(['203.0.113.0/24'], base([65001], 0xc000022a)));
  rib.announce(parsePrefix('192.0.2.128/26') as Prefix);
  await settle();
  const out = toEbgp.table.get('198.51.100.0/24') ?? [];
  t.match(out.find((a) => a.kind === 'as-path'), { segments: [{ type: 2, asns: [64512] }] });
  t.match(out.find((a) => a.kind === 'next-hop'), { nextHop: 0xc0000201 });
  t.notOk(out.some((a) => a.kind === 'local-pref' || a.kind === 'med'));
  t.same([...toIbgp.table.keys()].sort(), ['192.0.2.128/26', '203.0.113.0/24'], 'iBGP-learned route not sent to iBGP');
  t.match(toIbgp.table.get('203.0.113.0/24')?.find((a) => a.kind === 'local-pref'), { localPref: 100 });
  t.match(toIbgp.table.get('192.0.2.128/26')?.find((a) => a.kind === 'next-hop'), { nextHop: 0xc0000201 }, 'own routes: next hop self');
  rib.peerDown(e1);
  await settle();
  t.notOk(toIbgp.table.has('203.0.113.0/24'), 'routes of a peer that went down are withdrawn');
});

t.test('identical attributes are interned once and freed with the last route', async (t) => {
  const rib = new Rib(RR);
  const p = ribPeer(rib, '192.0.2.50', 'ibgp', 50, true);
  const many = Array.from({ length: 500 }, (_, i) => `198.18.${i >> 8}.${i & 255}/32`);
  rib.applyUpdate(p, announce(many.slice(0, 250), base([], 0xc0000232)));
  rib.applyUpdate(p, announce(many.slice(250), base([], 0xc0000232)));
  t.equal(rib.importStore.size, 1, 'one set for 500 routes');
  t.equal(p.received, 500);
  rib.applyUpdate(p, withdraw(many));
  t.equal(rib.importStore.size, 0, 'freed');
  t.equal(rib.loc.size, 0);
});

t.test('a slow member never holds the group back, and catches up with the latest state only', async (t) => {
  const rib = new Rib(RR);
  const src = ribPeer(rib, '192.0.2.60', 'ibgp', 60, true);
  const fast = new Receiver('fast');
  class Slow extends Receiver {
    blocked = true;
    writes = 0;
    override write(bytes: Buffer): void {
      this.writes++;
      super.write(bytes);
    }
    override pendingBytes(): number {
      return this.blocked ? 64 * 1024 * 1024 : 0;
    }
  }
  const slow = new Slow('slow');
  const g = rib.joinGroup(ribPeer(rib, '192.0.2.62', 'ibgp', 62, true), target('ibgp', true), true, fast);
  rib.joinGroup(ribPeer(rib, '192.0.2.61', 'ibgp', 61, true), target('ibgp', true), true, slow);
  await settle();
  const writesBefore = slow.writes;
  // Churn: announce 2000 prefixes, change half of them, withdraw a quarter.
  const all = Array.from({ length: 2000 }, (_, i) => `198.18.${i >> 8}.${i & 255}/32`);
  const chunks = (xs: string[]) => Array.from({ length: Math.ceil(xs.length / 500) }, (_, i) => xs.slice(i * 500, i * 500 + 500));
  for (const c of chunks(all)) rib.applyUpdate(src, announce(c, base([], 0xc000023c)));
  await settle();
  for (const c of chunks(all.slice(0, 1000))) rib.applyUpdate(src, announce(c, base([65010], 0xc000023c)));
  for (const c of chunks(all.slice(1500))) rib.applyUpdate(src, withdraw(c));
  await settle();
  t.equal(fast.table.size, 1500, 'the fast member is up to date');
  t.equal(slow.writes, writesBefore, 'nothing written to the blocked member');
  t.equal(g.live.size, 1, 'the slow member left the live set');
  slow.blocked = false;
  g.drained(slow);
  await settle();
  t.equal(slow.table.size, 1500, 'caught up: same table as the fast member');
  t.match(slow.table.get('198.18.0.5/32')?.find((a) => a.kind === 'as-path'), { segments: [{ type: 2, asns: [65010] }] }, 'latest attributes');
  t.equal(g.live.size, 2, 'back in the live set');
});

t.test('ADD-PATH: several paths of one peer for one prefix, withdrawn one by one', async (t) => {
  const rib = new Rib(RR);
  const p = ribPeer(rib, '192.0.2.70', 'ibgp', 70, true);
  p.ctx = makeContext({ addPath: 1 << Family.IPV4_UNICAST });
  const pctx = p.ctx;
  const block = (ids: number[]) => encodeNlri(ids.map((id) => ({ ...(parsePrefix('198.51.100.0/24') as Prefix), pathId: id })), Family.IPV4_UNICAST, true);
  const ann = (id: number, lp: number) => {
    const buf = encodeUpdate({ attributes: base([], 0xc0000246, [{ kind: 'local-pref', type: 5, flags: 0x40, localPref: lp }]), nlri: block([id]) }, pctx);
    return scanUpdate(buf, 0, buf.length, pctx);
  };
  const wd = (id: number) => {
    const buf = encodeUpdate({ attributes: [], withdrawn: block([id]) }, pctx);
    return scanUpdate(buf, 0, buf.length, pctx);
  };
  const out = new Receiver('out');
  rib.joinGroup(ribPeer(rib, '192.0.2.71', 'ibgp', 71, true), target('ibgp', true), true, out);
  rib.applyUpdate(p, ann(1, 100));
  rib.applyUpdate(p, ann(2, 300));
  await settle();
  t.equal(p.received, 2, 'two paths kept');
  t.match(out.table.get('198.51.100.0/24')?.find((a) => a.kind === 'local-pref'), { localPref: 300 }, 'the better path is chosen');
  rib.applyUpdate(p, wd(2));
  await settle();
  t.match(out.table.get('198.51.100.0/24')?.find((a) => a.kind === 'local-pref'), { localPref: 100 }, 'withdrawing path 2 falls back to path 1');
  rib.applyUpdate(p, wd(1));
  await settle();
  t.notOk(out.table.has('198.51.100.0/24'));
  t.equal(p.received, 0);
});

t.test('route refresh: the member gets the whole Adj-RIB-Out again, then the completion callback', async (t) => {
  const rib = new Rib(RR);
  const src = ribPeer(rib, '192.0.2.80', 'ibgp', 80, true);
  const out = new Receiver('out');
  const g = rib.joinGroup(ribPeer(rib, '192.0.2.81', 'ibgp', 81, true), target('ibgp', true), true, out);
  rib.applyUpdate(src, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc0000250)));
  await settle();
  out.table.clear(); // as if the peer had dropped what it had
  let done = 0;
  g.resync(out, () => done++);
  await settle();
  t.same([...out.table.keys()].sort(), ['198.51.100.0/26', '198.51.100.64/26'], 'everything re-sent');
  t.equal(done, 1, 'completion reported once (EoRR with enhanced route refresh)');
});

t.test('members joining while routes are pending get each route once, then End-of-RIB', async (t) => {
  const rib = new Rib(RR);
  const src = ribPeer(rib, '192.0.2.90', 'ibgp', 90, true);
  const blocks = (from: number, n: number) => Array.from({ length: n }, (_, i) => `198.51.100.${(from + i) * 4}/30`);
  // A group that has announced nothing yet (a restarted reflector's first members).
  rib.applyUpdate(src, announce(blocks(0, 10), base([], 0xc000025a)));
  const first = [new Receiver('a'), new Receiver('b'), new Receiver('c')];
  first.forEach((m, i) => rib.joinGroup(ribPeer(rib, `192.0.2.${91 + i}`, 'ibgp', 91 + i, true), target('ibgp', true), true, m));
  await settle();
  t.same(first.map((m) => m.announced), [10, 10, 10], 'each of the 10 routes once per member');
  t.same(first.map((m) => m.eor), [1, 1, 1], 'End-of-RIB after them');
  // A group that has announced: 10 more routes pending, and a new member joins in the same turn.
  rib.applyUpdate(src, announce(blocks(10, 10), base([], 0xc000025a)));
  const late = new Receiver('late');
  rib.joinGroup(ribPeer(rib, '192.0.2.99', 'ibgp', 99, true), target('ibgp', true), true, late);
  await settle();
  t.equal(late.announced, 20, 'the late member gets all 20 routes, each once');
  t.equal(late.table.size, 20);
  t.same(first.map((m) => m.announced), [20, 20, 20], 'the others get the 10 new ones once');
});

/** Five wren RIBs in an iBGP full mesh, connected by their update groups' bytes. */
t.test('mesh of five: every node learns every block once, split horizon holds; a withdraw storm clears everything', async (t) => {
  const nodes = Array.from({ length: 5 }, (_, i) => ({ rib: new Rib({ ...RR, routerId: 0xc0000200 + i + 1, clusterId: null }), addr: `192.0.2.${i + 1}` }));
  // peers[i][j]: node i's view of node j.
  const peers = nodes.map((n, i) =>
    nodes.map((m, j) => {
      if (i === j) return null;
      const p = ribPeer(n.rib, m.addr, 'ibgp', 0xc0000200 + j + 1);
      p.ownAddresses = new Set([n.addr]);
      return p;
    }),
  );
  let messages = 0;
  nodes.forEach((n, i) => {
    nodes.forEach((_m, j) => {
      if (i === j) return;
      // What node i's group sends to j is applied to node j's RIB as coming from i.
      const framer = new MessageFramer(ctx);
      const member: ExportMember = {
        name: `${i}->${j}`,
        pendingBytes: () => 0,
        write: (bytes) => {
          framer.push(Buffer.from(bytes));
          for (let f = framer.next(); f; f = framer.next()) {
            messages++;
            const u = scanUpdate(f.buf, f.offset, f.offset + f.length, ctx);
            if (u.endOfRib < 0) nodes[j]?.rib.applyUpdate(peers[j]?.[i] as RibPeer, u);
          }
        },
      };
      n.rib.joinGroup(peers[i]?.[j] as RibPeer, { ...target('ibgp', false), clusterId: null, localNextHop: Buffer.from([192, 0, 2, i + 1]) }, true, member);
    });
  });
  nodes.forEach((n, i) => n.rib.announce(parsePrefix(`198.51.100.${i * 32}/27`) as Prefix));
  for (let k = 0; k < 10; k++) await settle();
  for (const [i, n] of nodes.entries()) {
    t.equal(n.rib.loc.size, 5, `node ${i + 1}: its own block and four others`);
    t.same(peers[i]?.map((p) => p?.received ?? null), nodes.map((_m, j) => (i === j ? null : 1)), `node ${i + 1}: one route from each peer (no re-advertised copies)`);
  }
  // Withdraw storm: node 1 originates 5000 more routes as a peer of node 2, then withdraws them.
  const storm = Array.from({ length: 5000 }, (_, k) => `198.18.${k >> 8}.${k & 255}/32`);
  const ext = ribPeer(nodes[1]!.rib, '192.0.2.99', 'ebgp', 99);
  for (let k = 0; k < storm.length; k += 500) nodes[1]!.rib.applyUpdate(ext, announce(storm.slice(k, k + 500), base([65001], 0xc0000263)));
  for (let k = 0; k < 10; k++) await settle();
  t.same(nodes.map((n) => n.rib.loc.size), [5005, 5005, 5005, 5005, 5005], 'the storm reached every node');
  for (let k = 0; k < storm.length; k += 500) nodes[1]!.rib.applyUpdate(ext, withdraw(storm.slice(k, k + 500)));
  for (let k = 0; k < 10; k++) await settle();
  t.same(nodes.map((n) => n.rib.loc.size), [5, 5, 5, 5, 5], 'and its withdrawal cleared every node');
  t.ok(messages > 0);
});

t.test("an eBGP session's own routes are not sent back to it; other peers' are", async (t) => {
  const rib = new Rib({ ...RR, clusterId: null });
  const e1 = ribPeer(rib, '192.0.2.51', 'ebgp', 51);
  const e2 = ribPeer(rib, '192.0.2.52', 'ebgp', 52);
  const to1 = new Receiver('e1');
  const to2 = new Receiver('e2');
  rib.joinGroup(e1, { ...target('ebgp', false), exclude: e1.source }, true, to1);
  rib.joinGroup(e2, { ...target('ebgp', false), exclude: e2.source }, true, to2);
  rib.applyUpdate(e1, announce(['198.51.100.0/26'], base([65001], 0xc0000233)));
  rib.applyUpdate(e2, announce(['198.51.100.64/26'], base([65001], 0xc0000234)));
  await settle();
  t.same([...to1.table.keys()], ['198.51.100.64/26'], 'e1 gets only what e2 sent');
  t.same([...to2.table.keys()], ['198.51.100.0/26'], 'e2 gets only what e1 sent');
  t.equal(rib.groups.size, 2, 'one group per eBGP session');
});

t.test('graceful restart: the restarted peer sending the same attributes again keeps them interned (its stale path goes after)', async (t) => {
  const rib = new Rib(RR);
  const before = ribPeer(rib, '192.0.2.13', 'ibgp', 13, true);
  const rx = new Receiver('rx');
  rib.joinGroup(ribPeer(rib, '192.0.2.50', 'ibgp', 50, true), target('ibgp', true), true, rx);
  const attrs = base([], 0xc000020d);
  // The set is held by this one path only.
  rib.applyUpdate(before, announce(['198.51.100.0/26'], attrs));
  rib.applyUpdate(before, announce(['198.51.100.64/26'], base([65001], 0xc000020d)));
  await settle();
  // The session drops; its paths stay as stale for the new session to replace.
  rib.detach(before);
  const after = ribPeer(rib, '192.0.2.13', 'ibgp', 13, true);
  after.stale = [before];
  rib.applyUpdate(after, announce(['198.51.100.0/26'], attrs));
  const r = rib.reader;
  const slot = r.find(parsePrefix('198.51.100.0/26') as Prefix);
  const best = r.best(Family.IPV4_UNICAST, slot);
  t.equal(r.source(best), after.source, 'the new session holds the prefix');
  t.ok(r.attrs(best), 'and its attribute set is still interned (it was freed under it before)');
  t.equal(r.pathCount(Family.IPV4_UNICAST, slot), 1, 'the stale path is gone');
  t.equal(before.received, 1, 'one stale path left (the prefix not sent again yet)');
  await settle();
  t.match(rx.table.get('198.51.100.0/26')?.find((a) => a.kind === 'next-hop'), { nextHop: 0xc000020d }, 'still exported');
  rib.applyUpdate(after, withdraw(['198.51.100.0/26']));
  await settle();
  t.notOk(rx.table.has('198.51.100.0/26'), 'and withdrawn when the peer withdraws it');
});

t.test('the cluster ID is part of an update group: a new one never joins a group that encodes the old', async (t) => {
  const rib = new Rib(RR);
  const a = ribPeer(rib, '192.0.2.71', 'ibgp', 71, true);
  const b = ribPeer(rib, '192.0.2.72', 'ibgp', 72, true);
  const g1 = rib.joinGroup(a, { ...target('ibgp', true), clusterId: 1 }, true, new Receiver('a'));
  const g2 = rib.joinGroup(b, { ...target('ibgp', true), clusterId: 2 }, true, new Receiver('b'));
  t.not(g1, g2, 'two cluster IDs, two groups');
  t.equal(rib.joinGroup(b, { ...target('ibgp', true), clusterId: 1 }, true, new Receiver('c')), g1, 'the same one shares');
});

t.test('split horizon in a shared group: no client gets its own route back, the others get it in the same bytes', async (t) => {
  const rib = new Rib(RR);
  const clients = [11, 12, 13].map((i) => ribPeer(rib, `192.0.2.${i}`, 'ibgp', i, true));
  class Counting extends Receiver {
    writes: Buffer[] = [];
    override write(bytes: Buffer): void {
      this.writes.push(Buffer.from(bytes));
      super.write(bytes);
    }
  }
  const rx = clients.map((c, i) => {
    const r = new Counting(`c${i}`);
    return { r, g: rib.joinGroup(c, target('ibgp', true), true, r) };
  });
  t.equal(new Set(rx.map((x) => x.g)).size, 1, 'one group for the three clients');
  await settle();
  const [a, b, c] = clients as [RibPeer, RibPeer, RibPeer];
  const [ra, rb, rc] = rx.map((x) => x.r) as [Counting, Counting, Counting];
  for (const r of [ra, rb, rc]) r.writes.length = 0;
  rib.applyUpdate(a, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc000020b)));
  await settle();
  t.notOk(ra.table.has('198.51.100.0/26') || ra.table.has('198.51.100.64/26'), 'the client does not get its own routes');
  t.ok(rb.table.has('198.51.100.0/26') && rc.table.has('198.51.100.64/26'), 'the others do');
  t.same(rb.writes, rc.writes, 'the same bytes to the others: encoded once');
  t.equal(ra.writes.length, 0, 'nothing at all to the owner (it held nothing for them)');
  // The best path moves from b's route to a's own: a loses b's route, the others get a's.
  rib.applyUpdate(b, announce(['198.51.100.128/26'], base([65001, 65002], 0xc000020c)));
  await settle();
  t.ok(ra.table.has('198.51.100.128/26'), "a holds b's route");
  rib.applyUpdate(a, announce(['198.51.100.128/26'], base([], 0xc000020b)));
  await settle();
  t.notOk(ra.table.has('198.51.100.128/26'), "its own path is best now: b's is withdrawn from it");
  t.match(rc.table.get('198.51.100.128/26')?.find((x) => x.kind === 'originator-id'), { originatorId: 11 }, "c gets a's route");
  t.match(rb.table.get('198.51.100.128/26')?.find((x) => x.kind === 'originator-id'), { originatorId: 11 }, "and so does b, whose own route lost");
  // A client joining later is synced without its own routes; one that catches up neither.
  const late = ribPeer(rib, '192.0.2.14', 'ibgp', 14, true);
  rib.applyUpdate(late, announce(['203.0.113.0/26'], base([], 0xc000020e)));
  const rl = new Counting('late');
  rib.joinGroup(late, target('ibgp', true), true, rl);
  await settle();
  t.same([...rl.table.keys()].sort(), ['198.51.100.0/26', '198.51.100.128/26', '198.51.100.64/26'], 'the initial sync leaves out its own route');
  t.equal(rl.eor, 1);
  t.ok(ra.table.has('203.0.113.0/26'), "the others have the late client's route");
  rib.applyUpdate(c, withdraw([]));
  await settle();
  t.equal(rx[0]?.g.announced, 4, 'the Adj-RIB-Out of the group holds every route');
});

/** A member that decodes ADD-PATH UPDATEs and keeps every (prefix, path id) it holds. */
class PathReceiver implements ExportMember {
  readonly paths = new Map<string, PathAttribute[]>();
  readonly c = makeContext({ addPath: 1 << Family.IPV4_UNICAST });
  private readonly framer = new MessageFramer(this.c);
  blocked = false;
  constructor(readonly name: string) {}
  write(bytes: Buffer): void {
    this.framer.push(Buffer.from(bytes));
    for (let f = this.framer.next(); f; f = this.framer.next()) {
      const r = decodeMessage(f.buf.subarray(f.offset, f.offset + f.length), 0, this.c);
      if (!r.ok || r.value.type !== 'update') throw new Error('bad UPDATE');
      const u = r.value.update;
      for (const p of listPrefixes(u.withdrawn)) this.paths.delete(`${prefixToString(p)}#${p.pathId ?? 0}`);
      for (const p of listPrefixes(u.nlri)) this.paths.set(`${prefixToString(p)}#${p.pathId ?? 0}`, u.attributes ?? []);
    }
  }
  pendingBytes(): number {
    return this.blocked ? 64 * 1024 * 1024 : 0;
  }
  /** Local preferences of the paths held for a prefix, by path id. */
  prefs(prefix: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const [k, attrs] of this.paths) {
      const [p, id] = k.split('#') as [string, string];
      if (p !== prefix) continue;
      const lp = attrs.find((a) => a.kind === 'local-pref');
      out.set(Number(id), lp?.kind === 'local-pref' ? lp.localPref : -1);
    }
    return out;
  }
}

t.test('ADD-PATH send of all paths, the best N and the ECMP set: stable ids, withdrawn by id, caught up when lagging', async (t) => {
  const rib = new Rib(RR);
  const srcs = [11, 12, 13].map((i) => ribPeer(rib, `192.0.2.${i}`, 'ibgp', i, true));
  const lp = (v: number) => ({ kind: 'local-pref' as const, type: 5, flags: 0x40, localPref: v });
  const say = (i: number, pref: number) => rib.applyUpdate(srcs[i] as RibPeer, announce(['198.51.100.0/24'], base([], 0xc000020b + i, [lp(pref)])));
  const all = new PathReceiver('all');
  const best2 = new PathReceiver('best-2');
  const ecmp = new PathReceiver('ecmp');
  const g = rib.joinGroup(ribPeer(rib, '192.0.2.31', 'ibgp', 31, true), target('ibgp', true), true, all, true, false, null, 'all');
  rib.joinGroup(ribPeer(rib, '192.0.2.32', 'ibgp', 32, true), target('ibgp', true), true, best2, true, false, null, 2);
  rib.joinGroup(ribPeer(rib, '192.0.2.33', 'ibgp', 33, true), target('ibgp', true), true, ecmp, true, false, null, 'multipath');
  say(0, 300);
  say(1, 200);
  say(2, 100);
  await settle();
  const P = '198.51.100.0/24';
  const allIds = all.prefs(P);
  t.same([...allIds.values()].sort(), [100, 200, 300], 'all: every path, each under its own id');
  t.equal(new Set(allIds.keys()).size, 3);
  t.same([...best2.prefs(P).values()].sort(), [200, 300], 'best-2: the two best');
  t.same([...ecmp.prefs(P).values()], [300], 'multipath: the ECMP set (one path: the others lose on LOCAL_PREF)');
  // A path changes its attributes: announced again under the same id.
  const idOf = (r: PathReceiver, pref: number) => [...r.prefs(P)].find(([, v]) => v === pref)?.[0];
  const id200 = idOf(all, 200);
  say(1, 250);
  await settle();
  t.equal(idOf(all, 250), id200, 'a changed path keeps its id');
  t.equal(all.prefs(P).size, 3, 'and replaces itself, no extra path');
  // The best path goes: withdrawn by its id; best-2 takes the third.
  rib.applyUpdate(srcs[0] as RibPeer, withdraw([P]));
  await settle();
  t.same([...all.prefs(P).values()].sort(), [100, 250], 'all: the withdrawn path is gone by its id');
  t.same([...best2.prefs(P).values()].sort(), [100, 250], 'best-2: the next one comes in');
  t.same([...ecmp.prefs(P).values()], [250], 'multipath: the new best');
  // Two equal paths: the ECMP set holds both.
  say(2, 250);
  await settle();
  t.same([...ecmp.prefs(P).values()], [250, 250], 'multipath: equal paths down to the IGP cost go together');
  // A member that lags misses a withdrawal, and catches up with it.
  all.blocked = true;
  say(0, 50);
  await settle();
  rib.applyUpdate(srcs[1] as RibPeer, withdraw([P]));
  await settle();
  all.blocked = false;
  g.drained(all);
  await settle();
  t.same([...all.prefs(P).values()].sort((a, b) => a - b), [50, 250], 'caught up: the withdrawn id went, the new path came');
  t.equal(g.announced, 1, 'one prefix in the Adj-RIB-Out');
});

t.test('RFC 8950: IPv4 routes to a peer with an IPv6 next hop go inside MP_REACH_NLRI (AFI 1), not the NLRI field', async (t) => {
  const rib = new Rib(RR);
  const src = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const frames: Buffer[] = [];
  const member: ExportMember = { name: 'v6', write: (b) => frames.push(Buffer.from(b)), pendingBytes: () => 0 };
  const nh = Buffer.from('20010db8000000000000000000000001fe800000000000000000000000000001', 'hex');
  rib.joinGroup(ribPeer(rib, '192.0.2.12', 'ebgp', 12), { ...target('ebgp', false), localAsn: 64512, localNextHop: nh }, true, member);
  rib.applyUpdate(src, announce(['198.51.100.0/24'], base([], 0xc000020b)));
  await settle();
  const all = Buffer.concat(frames);
  const framer = new MessageFramer(ctx);
  framer.push(all);
  const updates = [];
  for (let f = framer.next(); f; f = framer.next()) {
    const r = decodeMessage(f.buf.subarray(f.offset, f.offset + f.length), 0, ctx);
    if (r.ok && r.value.type === 'update' && r.value.update.endOfRib < 0) updates.push(r.value.update);
  }
  const u = updates.find((x) => x.mpReach);
  t.ok(u, 'an UPDATE with MP_REACH_NLRI');
  t.equal(u?.mpReach?.afi, 1, 'AFI 1 (IPv4)');
  t.equal(u?.mpReach?.nextHop.toString('hex'), nh.toString('hex'), 'our IPv6 next hop, global and link-local');
  const mpNlri = u?.mpReach?.nlri;
  t.same(mpNlri ? listPrefixes(mpNlri).map((p) => prefixToString(p)) : [], ['198.51.100.0/24']);
  t.equal(u?.nlri ? listPrefixes(u.nlri).length : 0, 0, 'nothing in the IPv4 NLRI field');
  t.notOk(u?.attributes?.some((a) => a.kind === 'next-hop'), 'and no NEXT_HOP attribute');
});
