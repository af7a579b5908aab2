/**
 * A legal UPDATE whose attributes, after export adds its own, leave no room for the prefix in a
 * 4096-byte message (issue 16.1): the route is not sent and counted, what was announced for the
 * prefix is withdrawn, other routes flow, and a group with RFC 8654 extended messages sends it.
 */
import t from 'tap';
import { Rib } from '../../../src/rib/rib.js';
import { makeContext } from '../../../src/wire/context.js';
import { encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import { encodeNlri, parsePrefix, type Prefix } from '../../../src/wire/nlri.js';
import { Family } from '../../../src/wire/constants.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';
import { announce, base, ctx, exportTarget, Receiver, ribPeer, RR, settle } from '../../helpers/rib-fixtures.js';

const target = exportTarget('ibgp', true);

let lastLength = 0;
/** A full 4096-byte UPDATE: 1012 communities, one prefix (legal as received). */
function maximal(prefix: string, communities: number): ReturnType<typeof announce> {
  const extra: PathAttribute[] = [{ kind: 'communities', type: 8, flags: 0xd0, communities: Array.from({ length: communities }, (_, i) => (64512 * 65536 + i) >>> 0) }];
  const buf = encodeUpdate({ attributes: base([], 0xc000020b, extra), nlri: encodeNlri([parsePrefix(prefix) as Prefix], Family.IPV4_UNICAST, false) }, ctx);
  lastLength = buf.length;
  return scanUpdate(buf, 0, buf.length, ctx);
}

t.test('a route whose attributes do not fit is withdrawn and counted, never looped on', async (t) => {
  const rib = new Rib(RR);
  const c1 = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const c2 = ribPeer(rib, '192.0.2.12', 'ibgp', 12, true);
  const small = new Receiver('small');
  const big = new Receiver('big', makeContext({ extendedMessage: true }));
  const told: { prefix: string; bytes: number }[] = [];
  rib.onUnsendable = (g, slot, bytes) => told.push({ prefix: rib.prefixText(g.family, slot), bytes });
  const g = rib.joinGroup(c2, target, true, small);
  const gx = rib.joinGroup(c2, target, true, big, false, true);
  t.not(g, gx, 'extended-message members are a group of their own');
  rib.applyUpdate(c1, announce(['198.51.100.0/26', '198.51.100.64/26'], base([], 0xc000020b)));
  await settle();
  t.equal(small.table.size, 2);

  const msg = maximal('198.51.100.0/26', 1012);
  t.equal(msg.error, null, 'the UPDATE is legal');
  t.ok(lastLength > 4080 && lastLength <= 4096, `and ${lastLength} bytes long`);
  t.equal(rib.applyUpdate(c1, msg), null, 'accepted into the RIB');
  await settle();
  t.notOk(small.table.has('198.51.100.0/26'), 'the earlier announcement is withdrawn from the 4096-byte group');
  t.ok(small.table.has('198.51.100.64/26'), 'other routes stay');
  t.equal(g.unsendable, 1, 'counted');
  t.equal(told.length, 1, 'reported once');
  t.equal(told[0]?.prefix, '198.51.100.0/26');
  t.ok((told[0]?.bytes ?? 0) > 4069, 'with the attribute length');
  const comm = big.table.get('198.51.100.0/26')?.find((a) => a.kind === 'communities');
  t.equal(comm?.kind === 'communities' ? comm.communities.length : 0, 1012, 'the extended-message group sends it whole');
  t.ok(big.longest > 4096, 'in a message longer than 4096 bytes');
  t.equal(gx.unsendable, 0);

  // A later route that fits again is announced again.
  rib.applyUpdate(c1, announce(['198.51.100.0/26'], base([], 0xc000020b)));
  await settle();
  t.ok(small.table.has('198.51.100.0/26'), 'announced again once it fits');

  // One that never fit and was never announced: counted, nothing withdrawn, nothing looped on.
  rib.applyUpdate(c1, maximal('198.51.100.128/26', 1012));
  await settle();
  t.equal(g.unsendable, 2);
  t.notOk(small.table.has('198.51.100.128/26'));
  t.equal(g.announced, 2, 'the Adj-RIB-Out holds only what was sent');
});

t.test('the export set made for a route that cannot go is not kept', async (t) => {
  const rib = new Rib(RR);
  const c1 = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  const c2 = ribPeer(rib, '192.0.2.12', 'ibgp', 12, true);
  const g = rib.joinGroup(c2, target, true, new Receiver('small'));
  rib.applyUpdate(c1, maximal('198.51.100.0/26', 1012));
  await settle();
  t.equal(g.unsendable, 1);
  t.equal(rib.exportStore.size, 0, 'nothing left in the export store');
});

t.test('a joining member of a group that left a route out is synced without it', async (t) => {
  const rib = new Rib(RR);
  const c1 = ribPeer(rib, '192.0.2.11', 'ibgp', 11, true);
  rib.applyUpdate(c1, maximal('198.51.100.0/26', 1012));
  rib.applyUpdate(c1, announce(['198.51.100.64/26'], base([], 0xc000020b)));
  const late = new Receiver('late');
  rib.joinGroup(ribPeer(rib, '192.0.2.12', 'ibgp', 12, true), target, true, late);
  await settle();
  t.same([...late.table.keys()], ['198.51.100.64/26']);
  t.equal(late.eor, 1);
});
