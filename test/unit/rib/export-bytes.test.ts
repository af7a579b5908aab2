import t from 'tap';
import { AttrStore } from '../../../src/rib/attr-store.js';
import { fieldsOf, type AttrSet } from '../../../src/rib/attr-set.js';
import { canonicalKey, exportWire, KeyFormat, normalizeReceived } from '../../../src/rib/attr-key.js';
import { receivedKey } from '../../helpers/rib-fixtures.js';
import { exportBytesBound, ibgpExportBytes } from '../../../src/rib/export-bytes.js';
import { exportAttributes, exportNextHop, exportSet, type ExportTarget } from '../../../src/rib/export-rules.js';
import { keyedHash } from '../../../src/rib/keyed-hash.js';
import type { RouteSource } from '../../../src/rib/route-source.js';
import { makeContext } from '../../../src/wire/context.js';
import { Family } from '../../../src/wire/constants.js';
import { decodeAttributes, encodePathAttributes, encodeUpdate, scanUpdate } from '../../../src/wire/update.js';
import type { PathAttribute } from '../../../src/wire/attributes/types.js';
import { rng } from '../../../bench/lib/internet-table.js';

// The byte path of iBGP export must build exactly the key and fields the object path builds.

const nlri = { buf: Buffer.from([24, 203, 0, 113]), start: 0, end: 4, family: Family.IPV4_UNICAST, addPath: false };
const store = new AttrStore();
const ASN4 = makeContext({ asn4: true });

function randomAttrs(r: () => number): PathAttribute[] {
  const n = (k: number) => Math.floor(r() * k);
  const u32 = () => Math.floor(r() * 2 ** 32);
  const list: PathAttribute[] = [{ kind: 'origin', type: 1, flags: 0x40, origin: n(3) }];
  const segments = Array.from({ length: n(3) }, () => ({ type: r() < 0.2 ? 1 : 2, asns: Array.from({ length: 1 + n(r() < 0.05 ? 200 : 6) }, u32) }));
  list.push({ kind: 'as-path', type: 2, flags: r() < 0.1 ? 0x50 : 0x40, segments });
  list.push({ kind: 'next-hop', type: 3, flags: 0x40, nextHop: 0xc0000201 });
  if (r() < 0.5) list.push({ kind: 'med', type: 4, flags: 0x80, med: u32() });
  if (r() < 0.5) list.push({ kind: 'local-pref', type: 5, flags: 0x40, localPref: u32() });
  if (r() < 0.2) list.push({ kind: 'atomic-aggregate', type: 6, flags: 0x40 });
  if (r() < 0.2) list.push({ kind: 'aggregator', type: 7, flags: 0xc0, asn: u32(), address: u32() });
  if (r() < 0.6) list.push({ kind: 'communities', type: 8, flags: r() < 0.1 ? 0xe0 : 0xc0, communities: Array.from({ length: n(r() < 0.05 ? 90 : 20) }, u32) });
  if (r() < 0.3) list.push({ kind: 'originator-id', type: 9, flags: 0x80, originatorId: u32() });
  if (r() < 0.3) list.push({ kind: 'cluster-list', type: 10, flags: 0x80, clusterList: Array.from({ length: 1 + n(3) }, u32) });
  if (r() < 0.2) list.push({ kind: 'extended-communities', type: 16, flags: 0xc0, communities: Buffer.from(Array.from({ length: 8 * (1 + n(3)) }, () => n(256))) });
  if (r() < 0.3) list.push({ kind: 'large-communities', type: 32, flags: 0xc0, communities: Array.from({ length: 3 * n(4) }, u32) });
  if (r() < 0.2) list.push({ kind: 'unknown', type: 200 + n(50), flags: r() < 0.5 ? 0xc0 : 0x80, value: Buffer.from(Array.from({ length: n(r() < 0.1 ? 300 : 10) }, () => n(256))) });
  // Senders do not always send attributes in type order.
  if (r() < 0.2) list.reverse();
  return list;
}

function receivedSet(attributes: PathAttribute[], ebgp: boolean): AttrSet | null {
  const ctx = makeContext({ asn4: true, ebgp });
  const wire = encodeUpdate({ attributes, nlri }, ctx);
  const msg = scanUpdate(wire, 0, wire.length, ctx);
  const decoded = decodeAttributes(msg, ctx);
  if (msg.error) return null;
  const key = receivedKey(true, ebgp, msg.spans, null);
  return store.intern(keyedHash(key), key, () => ({ attrs: normalizeReceived(decoded), nextHop: Buffer.from([192, 0, 2, 1]) }));
}

function canonicalSet(attributes: PathAttribute[]): AttrSet {
  const attrs = normalizeReceived(attributes);
  const key = canonicalKey(KeyFormat.DERIVED, attrs, Buffer.from([192, 0, 2, 7]));
  return store.intern(keyedHash(key), key, () => ({ attrs, nextHop: Buffer.from([192, 0, 2, 7]) }));
}

const src = (kind: RouteSource['kind'], routerId: number): RouteSource => ({ id: 1, kind, address: '192.0.2.9', addressBytes: Buffer.from([192, 0, 2, 9]), routerId, peerAs: 64512, isClient: true });
const target = (over: Partial<ExportTarget> = {}): ExportTarget => ({
  kind: 'ibgp', isClient: true, family: Family.IPV4_UNICAST, localAsn: 64512, routerId: 0xc6120001, clusterId: 0xc6120001, nextHopSelf: false, nextHopKeep: false, localNextHop: Buffer.from([198, 18, 0, 1]), ...over,
});

t.test('random sets: the byte path builds the object path key and fields', async (t) => {
  const r = rng(7);
  const sources = [src('ibgp', 0xc6120009), src('ebgp', 0x0a000001), src('local', 0xc6120001)];
  const targets = [target(), target({ isClient: false }), target({ nextHopSelf: true })];
  let compared = 0;
  let mismatched = 0;
  let wired = 0;
  for (let i = 0; i < 3000; i++) {
    const attrs = randomAttrs(r);
    const kind = i % 3;
    const set = kind === 2 ? canonicalSet(attrs) : receivedSet(attrs, kind === 1);
    if (!set) continue;
    for (const s of sources) {
      for (const tg of targets) {
        const best = { source: s, attrs: set, igpCost: 0 };
        const nh = exportNextHop(best, tg);
        const b = ibgpExportBytes(set, s.kind === 'ibgp', s.routerId, tg.clusterId, nh);
        if (!b) continue;
        const o = exportAttributes(best, tg);
        const want = canonicalKey(KeyFormat.EXPORT, o.attrs, o.nextHop);
        compared++;
        if (!b.key.subarray(0, b.keyLength).equals(want) || JSON.stringify(b.fields) !== JSON.stringify(fieldsOf(o.attrs))) {
          if (mismatched++ < 3) t.fail(`set ${i} from ${s.kind}: ${b.key.subarray(0, b.keyLength).toString('hex')} != ${want.toString('hex')}`, { fields: b.fields, want: fieldsOf(o.attrs) });
        }
        // Into a caller's buffer at an offset (the pass-through arena): the same bytes, inside the bound, nothing else touched.
        const bound = exportBytesBound(set, nh);
        const arena = Buffer.alloc(bound + 40, 0xa5);
        const c = ibgpExportBytes(set, s.kind === 'ibgp', s.routerId, tg.clusterId, nh, arena, 17);
        if (!c || c.keyStart !== 17 || c.keyLength > bound || !arena.subarray(17, 17 + c.keyLength).equals(want) || arena[16] !== 0xa5 || arena.subarray(17 + c.keyLength).some((x) => x !== 0xa5)) {
          if (mismatched++ < 3) t.fail(`set ${i} from ${s.kind} into a buffer at an offset`);
        }
        if (i % 7 === 0) {
          // What goes on the wire for the export set: as the update group's object path encodes it.
          const e = exportSet(best, tg, store);
          const nhAttr: PathAttribute = { kind: 'next-hop', type: 3, flags: 0x40, nextHop: o.nextHop.readUInt32BE(0) };
          const list: PathAttribute[] = [...o.attrs, nhAttr].sort((x, y) => x.type - y.type);
          if (exportWire(e.key) !== encodePathAttributes(list, ASN4).toString('latin1')) t.fail(`wire bytes of set ${i}`);
          const v6 = { ...tg, family: Family.IPV6_UNICAST, localNextHop: Buffer.from('20010db8000000000000000000000001', 'hex') };
          const e6 = exportSet(best, v6, store);
          if (exportWire(e6.key) !== encodePathAttributes(exportAttributes(best, v6).attrs, ASN4).toString('latin1')) t.fail(`MP wire bytes of set ${i}`);
          wired++;
        }
      }
    }
  }
  t.equal(mismatched, 0, 'no key or fields differ');
  t.ok(compared > 20_000, `${compared} compared`);
  t.ok(wired > 2000, `${wired} wire encodings compared`);
});

t.test('what the byte path leaves to the object path', async (t) => {
  const attrs = randomAttrs(rng(3)).filter((a) => a.kind !== 'as4-path');
  const ctx = makeContext({ asn4: false });
  const wire = encodeUpdate({ attributes: attrs, nlri }, ctx);
  const msg = scanUpdate(wire, 0, wire.length, ctx);
  const decoded = decodeAttributes(msg, ctx);
  const key = receivedKey(false, false, msg.spans, null);
  const two = store.intern(keyedHash(key), key, () => ({ attrs: normalizeReceived(decoded), nextHop: Buffer.from([192, 0, 2, 1]) }));
  t.equal(ibgpExportBytes(two, true, 5, 1, Buffer.from([192, 0, 2, 1])), null, 'a set from a 2-octet session');
  const set = canonicalSet(randomAttrs(rng(4)));
  t.equal(ibgpExportBytes(set, true, 5, null, Buffer.from([192, 0, 2, 1])), null, 'reflection without a cluster id');
  // exportSet takes the byte path and interns the same set the object path would.
  const viaSet = exportSet({ source: src('ibgp', 5), attrs: set, igpCost: 0 }, target(), store);
  const o = exportAttributes({ source: src('ibgp', 5), attrs: set, igpCost: 0 }, target());
  t.equal(viaSet.key, canonicalKey(KeyFormat.EXPORT, o.attrs, o.nextHop).toString('latin1'));
  t.same(viaSet.attrs, o.attrs, 'and it reads back as the object path list');
});
