import t from 'tap';
import { AttrSet, fieldsOf } from '../../../src/rib/attr-set.js';
import { AttrStore } from '../../../src/rib/attr-store.js';
import { canonicalKey, KeyFormat, keyAttributes, normalizeReceived } from '../../../src/rib/attr-key.js';
import { receivedKey } from '../../helpers/rib-fixtures.js';
import { rawUpdate } from '../../helpers/wire-fixtures.js';
import { keyedHash } from '../../../src/rib/keyed-hash.js';
import { makeContext } from '../../../src/wire/context.js';
import { decodeAttributes, encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';
import { Family } from '../../../src/wire/constants.js';

// Sets keep only their key bytes: what a key decodes back to must be exactly what the set was
// made from, for every kind of key, even long after the set's decoded list left the cache.

const nlri = { buf: Buffer.from([24, 203, 0, 113]), start: 0, end: 4, family: Family.IPV4_UNICAST, addPath: false };

function received(attributes: PathAttribute[], ctx = makeContext({ asn4: true })): { attrs: PathAttribute[]; key: string } {
  const wire = encodeUpdate({ attributes, nlri }, ctx);
  const msg = scanUpdate(wire, 0, wire.length, ctx);
  const attrs = normalizeReceived(decodeAttributes(msg, ctx));
  return { attrs, key: receivedKey(ctx.asn4, ctx.ebgp, msg.spans, msg.mpReach?.nextHop ?? null).toString('latin1') };
}

const base: PathAttribute[] = [
  { kind: 'origin', type: 1, flags: 0x40, origin: 1 },
  { kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [65001, 4200000001, 65001] }, { type: 1, asns: [65010, 65011] }] },
  { kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xc0000201 },
  { kind: 'med', type: 4, flags: 0x80, med: 4000000000 },
  { kind: 'local-pref', type: 5, flags: 0x40, localPref: 200 },
  { kind: 'communities', type: 8, flags: 0xc0, communities: [0xfde80001, 0xffff0006, 7] },
  { kind: 'originator-id', type: 9, flags: 0x80, originatorId: 0xc6120005 },
  { kind: 'cluster-list', type: 10, flags: 0x80, clusterList: [0xc6120001, 2] },
  { kind: 'large-communities', type: 32, flags: 0xc0, communities: [64512, 1, 2, 4200000000, 3, 4] },
  { kind: 'unknown', type: 99, flags: 0xc0, value: Buffer.from('cafe', 'hex') },
];

t.test('a received set decodes back from its key as it was decoded on arrival', async (t) => {
  const { attrs, key } = received(base);
  t.ok(attrs.length >= 8);
  t.same(keyAttributes(key), attrs);
  t.notOk(keyAttributes(key).some((a) => a.kind === 'next-hop'), 'NEXT_HOP is kept apart');
});

t.test('a 2-octet session: AS4_PATH folded into AS_PATH again', async (t) => {
  const ctx = makeContext({ asn4: false });
  const attrs: PathAttribute[] = base.filter((a) => a.kind !== 'as-path' && a.kind !== 'large-communities');
  attrs.push({ kind: 'as-path', type: 2, flags: 0x40, segments: [{ type: 2, asns: [65001, 23456] }] });
  attrs.push({ kind: 'as4-path', type: 17, flags: 0xc0, segments: [{ type: 2, asns: [65001, 4200000001] }] });
  const r = received(attrs, ctx);
  const path = keyAttributes(r.key).find((a) => a.kind === 'as-path');
  t.same(path?.kind === 'as-path' ? path.segments : null, [{ type: 2, asns: [65001, 4200000001] }]);
  t.same(keyAttributes(r.key), r.attrs);
});

t.test('an eBGP session: LOCAL_PREF ignored again, a malformed optional attribute dropped again', async (t) => {
  const ctx = makeContext({ asn4: true, ebgp: true });
  const wire = encodeUpdate({ attributes: base.filter((a) => a.kind !== 'originator-id' && a.kind !== 'cluster-list'), nlri }, ctx);
  // Corrupt the AGGREGATOR-less message: add an AGGREGATOR of the wrong length (attribute discard).
  const msg = scanUpdate(wire, 0, wire.length, ctx);
  const attrs = normalizeReceived(decodeAttributes(msg, ctx));
  t.notOk(attrs.some((a) => a.kind === 'local-pref'));
  const key = receivedKey(true, true, msg.spans, null).toString('latin1');
  t.same(keyAttributes(key), attrs);

  // ORIGIN, AS_PATH, NEXT_HOP, and an AGGREGATOR of the wrong length (RFC 7606: attribute discard).
  const bad = Buffer.from('40010100' + '400200' + '400304c0000201' + 'c00703010203', 'hex');
  const fake = scanUpdate(rawUpdate(bad, Buffer.from([24, 203, 0, 113])), 0, 23 + bad.length + 4, ctx);
  const kept = normalizeReceived(decodeAttributes(fake, ctx));
  t.notOk(kept.some((a) => a.kind === 'aggregator'), 'the malformed AGGREGATOR is discarded on arrival');
  t.same(keyAttributes(receivedKey(true, true, fake.spans, null).toString('latin1')), kept, 'and again when read back');
});


t.test('keys wren makes (export, policy, LLGR, local) decode to their attributes', async (t) => {
  const attrs = normalizeReceived(base);
  for (const f of [KeyFormat.EXPORT, KeyFormat.DERIVED, KeyFormat.LLGR, KeyFormat.LOCAL]) {
    const nh = Buffer.from('20010db8000000000000000000000001fe800000000000000000000000000001', 'hex');
    const key = canonicalKey(f, attrs, nh);
    t.equal(key[0], f);
    t.equal(key[1], 32, 'next hop length');
    t.same(keyAttributes(key.toString('latin1')), attrs);
  }
  t.not(canonicalKey(KeyFormat.EXPORT, attrs, Buffer.alloc(0)).toString('latin1'), canonicalKey(KeyFormat.DERIVED, attrs, Buffer.alloc(0)).toString('latin1'), 'formats keep origins apart');
});

t.test('a set whose decoded list left the cache reads the same attributes from its key', async (t) => {
  const store = new AttrStore();
  const { attrs, key } = received(base);
  const kb = Buffer.from(key, 'latin1');
  const set = store.intern(keyedHash(kb), kb, () => ({ attrs, nextHop: Buffer.from([192, 0, 2, 1]) }));
  const first = set.attrs;
  t.equal(first, attrs, 'served from the cache right after interning');
  // Enough other sets to overwrite every cache slot.
  for (let i = 0; i < 20_000; i++) {
    const k = canonicalKey(KeyFormat.EXPORT, [{ kind: 'med', type: 4, flags: 0x80, med: i }], Buffer.alloc(0));
    const list: PathAttribute[] = [{ kind: 'med', type: 4, flags: 0x80, med: i }];
    new AttrSet(fieldsOf(list), list, Buffer.alloc(0), k.toString('latin1'), i * 2654435761);
  }
  t.not(set.attrs, first, 'decoded again');
  t.same(set.attrs, attrs);
  t.same(set.asPath, [{ type: 2, asns: [65001, 4200000001, 65001] }, { type: 1, asns: [65010, 65011] }]);
  t.same(set.communities, [0xfde80001, 0xffff0006, 7]);
  t.same(set.clusterList, [0xc6120001, 2]);
  t.equal(set.clusterLength, 2);
  t.equal(set.med, 4000000000);
  t.ok(set.llgrStale);
  t.ok(set.loops(65001, 1));
  t.notOk(set.loops(65001, 2));
});
