/**
 * received-fields.ts reads a new set's fields from the wire without decoding; whenever it answers,
 * its answer must be the decoder's (fieldsOf(normalizeReceived(decodeAttributes))). Checked on
 * generated UPDATEs (every attribute it reads and some it must refuse, flags right and wrong, both
 * session kinds) and on the same UPDATEs with bytes flipped.
 */
import t from 'tap';
import { ReceivedFields } from '../../../src/rib/received-fields.js';
import { AttrSet, fieldsOf, LLGR_STALE, NO_LLGR, type AttrFields } from '../../../src/rib/attr-set.js';
import { normalizeReceived, receivedKeyLoops } from '../../../src/rib/attr-key.js';
import { receivedKey } from '../../helpers/rib-fixtures.js';
import { makeContext, type CodecContext } from '../../../src/wire/context.js';
import { decodeAttributes, encodeUpdate, scanUpdate, type UpdateMessage } from '../../../src/wire/update.js';
import { ErrorAction } from '../../../src/wire/errors.js';
import { Family } from '../../../src/wire/constants.js';
import type { AsPathSegment, PathAttribute } from '../../../src/wire/attributes/types.js';
import { seededRandom } from '../../helpers/seeded.js';

const nlri = { buf: Buffer.from([24, 203, 0, 113, 22, 198, 51, 100]), start: 0, end: 8, family: Family.IPV4_UNICAST, addPath: false };

function attributes(r: () => number, asn4: boolean): PathAttribute[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const u32 = () => Math.floor(r() * 4294967296);
  const asn = () => (asn4 ? pick([65001, 64512, 4200000001, 174, 3356, u32()]) : pick([65001, 64512, 174, 23456]));
  // Mostly right flags; now and then wrong ones or a Partial bit.
  const flags = (right: number) => (r() < 0.06 ? pick([0x00, 0x40, 0x80, 0xc0, right | 0x20]) : right);
  const list: PathAttribute[] = [];
  if (r() < 0.95) list.push({ kind: 'origin', type: 1, flags: flags(0x40), origin: Math.floor(r() * 3) });
  if (r() < 0.95) {
    const segments: AsPathSegment[] = [];
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) segments.push({ type: r() < 0.8 ? 2 : r() < 0.8 ? 1 : pick([3, 4]), asns: Array.from({ length: 1 + Math.floor(r() * 6) }, asn) });
    list.push({ kind: 'as-path', type: 2, flags: flags(0x40), segments });
  }
  if (r() < 0.95) list.push({ kind: 'next-hop', type: 3, flags: flags(0x40), nextHop: r() < 0.05 ? pick([0, 0x7f000001 & 0, 0xe0000001, 0xffffffff]) : pick([0xc0000201, 0xc6120001, u32() | 0x01000000]) >>> 0 });
  if (r() < 0.5) list.push({ kind: 'med', type: 4, flags: flags(0x80), med: pick([0, 10, 4000000000, u32()]) });
  if (r() < 0.5) list.push({ kind: 'local-pref', type: 5, flags: flags(0x40), localPref: pick([100, 200, u32()]) });
  if (r() < 0.2) list.push({ kind: 'atomic-aggregate', type: 6, flags: flags(0x40) });
  if (r() < 0.2) list.push({ kind: 'aggregator', type: 7, flags: flags(0xc0), asn: asn(), address: 0xc0000201 });
  if (r() < 0.6) {
    const communities = Array.from({ length: 1 + Math.floor(r() * 20) }, () => pick([0xfde80001, 0x00ae0064, u32(), LLGR_STALE, NO_LLGR, 0xffffff01]));
    list.push({ kind: 'communities', type: 8, flags: flags(0xc0), communities });
  }
  if (r() < 0.2) list.push({ kind: 'extended-communities', type: 16, flags: flags(0xc0), communities: Buffer.from('0002fde800000001', 'hex') });
  if (r() < 0.3) list.push({ kind: 'large-communities', type: 32, flags: flags(0xc0), communities: [64512, 1, u32(), 4200000000, 3, 4] });
  if (r() < 0.05) list.push({ kind: 'originator-id', type: 9, flags: 0x80, originatorId: 0xc6120005 });
  if (r() < 0.05) list.push({ kind: 'cluster-list', type: 10, flags: 0x80, clusterList: [0xc6120001] });
  if (r() < 0.05) list.push({ kind: 'unknown', type: 99, flags: 0xc0, value: Buffer.from('cafe', 'hex') });
  if (!asn4 && r() < 0.3) list.push({ kind: 'as4-path', type: 17, flags: 0xc0, segments: [{ type: 2, asns: [4200000001, 65001] }] });
  // Shuffled now and then: the reader must not depend on type order.
  if (r() < 0.2) list.reverse();
  return list;
}

interface Answer {
  fields: AttrFields;
  nextHop: number;
}

/** The decoder's answer: the set it would make, or null (the UPDATE is treated as a withdraw). */
function decoded(msg: UpdateMessage, ctx: CodecContext): { answer: Answer | null; attrs: PathAttribute[] } {
  const attrs = decodeAttributes(msg, ctx);
  if (msg.error && msg.error.action !== ErrorAction.ATTRIBUTE_DISCARD) return { answer: null, attrs };
  const nh = attrs.find((a) => a.kind === 'next-hop');
  const normal = normalizeReceived(attrs);
  return { answer: { fields: fieldsOf(normal), nextHop: nh?.kind === 'next-hop' ? nh.nextHop : -1 }, attrs: normal };
}

function scanned(wire: Buffer, ctx: CodecContext): UpdateMessage | null {
  try {
    return scanUpdate(wire, 0, wire.length, ctx);
  } catch {
    return null;
  }
}

function loopsIn(path: readonly AsPathSegment[], asn: number, allowed: number): boolean {
  let n = 0;
  for (const s of path) for (const a of s.asns) if (a === asn && ++n > allowed) return true;
  return false;
}

t.test('whenever the wire reader answers, it answers what the decoder does; it answers for plain UPDATEs', async (t) => {
  const reader = new ReceivedFields();
  const r = seededRandom(7606);
  let cases = 0;
  let answered = 0;
  let mismatches = 0;
  let loopChecks = 0;
  for (let i = 0; i < 4000; i++) {
    const ctx = makeContext({ asn4: r() < 0.85, ebgp: r() < 0.5 });
    let wire: Buffer;
    try {
      wire = encodeUpdate({ attributes: attributes(r, ctx.asn4), nlri }, ctx);
    } catch {
      continue;
    }
    // Every third case with one to three bytes of the attributes flipped.
    if (i % 3 === 2) {
      const attrStart = 23;
      const attrEnd = wire.length - (nlri.end - nlri.start);
      for (let k = 1 + Math.floor(r() * 3); k > 0 && attrEnd > attrStart; k--) {
        const at = attrStart + Math.floor(r() * (attrEnd - attrStart));
        wire[at] = (wire[at] as number) ^ (1 << Math.floor(r() * 8));
      }
    }
    const fastMsg = scanned(wire, ctx);
    const slowMsg = scanned(wire, ctx);
    if (!fastMsg || !slowMsg) continue;
    cases++;
    const fast = reader.read(fastMsg, ctx);
    const slow = decoded(slowMsg, ctx);
    if (fast === null) continue;
    answered++;
    const same = slow.answer !== null && JSON.stringify(fast) === JSON.stringify(slow.answer.fields) && reader.nextHop === slow.answer.nextHop;
    if (!same) {
      mismatches++;
      if (mismatches <= 3) t.fail(`case ${i}: wire ${wire.toString('hex')}: fast ${JSON.stringify(fast)} nh ${reader.nextHop}, decoded ${JSON.stringify(slow.answer)}`);
      continue;
    }
    // The loop check on such a set reads the key's bytes: the same verdict as the decoded path.
    const key = receivedKey(ctx.asn4, ctx.ebgp, fastMsg.spans, null).toString('latin1');
    const path = slow.attrs.find((a) => a.kind === 'as-path');
    const segments = path?.kind === 'as-path' ? path.segments : [];
    for (const asn of [65001, 4200000001, 64512]) {
      for (const allowed of [0, 1]) {
        const set = new AttrSet(fast, null, Buffer.alloc(0), key, 5);
        if (set.loops(asn, allowed) !== loopsIn(segments, asn, allowed)) t.fail(`case ${i}: loops(${asn}, ${allowed}) differs`);
        loopChecks++;
      }
    }
  }
  t.equal(mismatches, 0, `no answer differs from the decoder's (${answered} of ${cases} UPDATEs answered from the wire)`);
  t.ok(answered > cases * 0.2, 'a good part are answered from the wire (the cases are made to need the decoder often)');
  t.ok(answered < cases, 'and the rest go to the decoder');
  t.ok(loopChecks > 1000);
});

t.test('what goes to the decoder: 2-octet sessions, LOCAL_PREF from eBGP, reflection attributes, a martian next hop, a missing well-known attribute', async (t) => {
  const reader = new ReceivedFields();
  const plain: PathAttribute[] = [
    { kind: 'origin', type: 1, flags: 0x40, origin: 0 },
    { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [65001, 65002] }] },
    { kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xc0000201 },
  ];
  const read = (attrs: PathAttribute[], ctx = makeContext({ asn4: true })) => {
    const wire = encodeUpdate({ attributes: attrs, nlri }, ctx);
    return reader.read(scanUpdate(wire, 0, wire.length, ctx), ctx);
  };
  t.same(read(plain), { origin: 0, pathLength: 2, neighborAs: 65001, localPref: -1, med: -1, originatorId: -1, clusterLength: 0, llgrStale: false, noLlgr: false });
  t.equal(reader.nextHop, 0xc0000201);
  t.equal(read(plain, makeContext({ asn4: false })), null, '2-octet session');
  t.equal(read([...plain, { kind: 'local-pref', type: 5, flags: 0x40, localPref: 200 }], makeContext({ asn4: true, ebgp: true })), null, 'LOCAL_PREF from an external peer');
  t.equal(read([...plain, { kind: 'originator-id', type: 9, flags: 0x80, originatorId: 1 }]), null, 'ORIGINATOR_ID');
  t.equal(read([plain[0] as PathAttribute, plain[1] as PathAttribute, { kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xe0000001 }]), null, 'martian next hop');
  t.equal(read([plain[0] as PathAttribute, plain[2] as PathAttribute]), null, 'no AS_PATH');
  t.equal(read([plain[0] as PathAttribute, { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 3, asns: [65001] }] }, plain[2] as PathAttribute]), null, 'a confederation segment');
  t.equal(receivedKeyLoops(String.fromCharCode(0x10, 0), 1, 0), null, 'an export key is decoded for the loop check');
});
