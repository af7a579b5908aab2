import t from 'tap';
import type { Test } from 'tap';
import { PrefixTable } from '../../../src/rib/prefix-table.js';
import { Family } from '../../../src/wire/constants.js';
import { seededRandom } from '../../helpers/seeded.js';

/** A random prefix: its Map key, and its lookup and insert in the table. */
type Pick = (rand: (m: number) => number) => { k: string; find: () => number; insert: () => number };

/**
 * `n` random operations against a Map of key -> slot: one in three looks a prefix up (and removes
 * it when found), the others insert one. Returns the disagreements and the Map.
 */
function churn(table: PrefixTable, n: number, seed: number, pick: Pick): { mismatches: number; ref: Map<string, number> } {
  const r = seededRandom(seed);
  const rand = (m: number) => Math.floor(r() * m);
  const ref = new Map<string, number>();
  let mismatches = 0;
  for (let i = 0; i < n; i++) {
    const { k, find, insert } = pick(rand);
    if (rand(3) === 0) {
      const slot = find();
      if ((slot >= 0) !== ref.has(k)) mismatches++;
      if (slot >= 0) {
        table.remove(slot);
        ref.delete(k);
      }
    } else {
      const slot = insert();
      if (ref.has(k) && ref.get(k) !== slot) mismatches++;
      ref.set(k, slot);
    }
  }
  return { mismatches, ref };
}

/** Inserts, removals, growth and slot reuse against a Map; `taggedSlots` low makes the index drop its tags on the way. */
function agreesWithMap(t: Test, taggedSlots?: number): void {
  const table = new PrefixTable(Family.IPV4_UNICAST, 4, taggedSlots);
  const run = churn(table, 200_000, 12345, (rand) => {
    const addr = (0xc6120000 + rand(50_000) * 4) >>> 0;
    const len = 24 + rand(9);
    return { k: `${addr}/${len}`, find: () => table.find4(addr, len), insert: () => table.insert4(addr, len) };
  });
  const ref = run.ref;
  let mismatches = run.mismatches;
  t.equal(mismatches, 0, 'lookups and slots agree with the reference');
  t.equal(table.size, ref.size);
  for (const [k, slot] of ref) {
    const [a, l] = k.split('/').map(Number);
    if (table.find4(a as number, l as number) !== slot) mismatches++;
  }
  t.equal(mismatches, 0, 'every entry found at its slot');
  let used = 0;
  for (let s = 0; s < table.highWater; s++) used += table.inUse(s) ? 1 : 0;
  t.equal(used, ref.size);
}

t.test('IPv4 table agrees with a Map through inserts, removals, growth and slot reuse', async (t) => agreesWithMap(t));

t.test('the same when the table outgrows tagged index entries half-way', async (t) => agreesWithMap(t, 1000));

t.test('every prefix is found across the switch to untagged entries, and after removals', async (t) => {
  const table = new PrefixTable(Family.IPV4_UNICAST, 4, 1000);
  const slots: number[] = [];
  const at = (i: number) => (0xc6120000 + i * 256) >>> 0;
  let lost = 0;
  for (let i = 0; i < 3000; i++) {
    slots.push(table.insert4(at(i), 24));
    // Right after each insert (the switch happens inside one), older prefixes are still found.
    for (const k of [0, i >>> 1, i - 1]) if (k >= 0 && table.find4(at(k), 24) !== slots[k]) lost++;
  }
  t.ok(table.capacity > 1000, 'past the tagged slots');
  t.equal(lost, 0, 'found while the table grew past them');
  for (let i = 0; i < 3000; i++) if (table.find4(at(i), 24) !== slots[i]) lost++;
  t.equal(lost, 0, 'all found at their slots');
  for (let i = 0; i < 3000; i += 2) table.remove(slots[i] as number);
  for (let i = 0; i < 3000; i++) if (table.find4(at(i), 24) !== (i % 2 === 0 ? -1 : slots[i])) lost++;
  t.equal(lost, 0, 'removed ones gone, the others still found');
});

t.test('IPv6 keys ignore host bits beyond the length', async (t) => {
  const table = new PrefixTable(Family.IPV6_UNICAST, 2);
  const a = Buffer.from('20010db8000100ff', 'hex');
  const b = Buffer.from('20010db8000100aa', 'hex');
  const slot = table.insert6(a, 0, 52);
  t.equal(table.find6(b, 0, 52), slot, 'same /52');
  t.equal(table.find6(b, 0, 64), -1, 'different /64');
  for (let i = 0; i < 5000; i++) {
    const p = Buffer.from('20010db800000000', 'hex');
    p.writeUInt16BE(i, 4);
    table.insert6(p, 0, 48);
  }
  t.equal(table.size, 5001);
  t.equal(table.find6(a, 0, 52), slot);
  table.remove(slot);
  t.equal(table.find6(a, 0, 52), -1);
});

t.test('a slot held by hundreds of holders (a byte counts to 254, a map beyond) is freed by the last release only', async (t) => {
  const { LocRib } = await import('../../../src/rib/loc-rib.js');
  const { AttrStore } = await import('../../../src/rib/attr-store.js');
  const loc = new LocRib(new AttrStore(), []);
  const table = loc.tables[Family.IPV4_UNICAST];
  const slot = table.insert4(0xcb007100, 24);
  for (let i = 0; i < 600; i++) loc.hold(Family.IPV4_UNICAST, slot);
  t.equal(loc.holders(Family.IPV4_UNICAST, slot), 600);
  for (let i = 0; i < 599; i++) loc.unhold(Family.IPV4_UNICAST, slot);
  t.equal(loc.holders(Family.IPV4_UNICAST, slot), 1);
  t.ok(table.inUse(slot), 'still held');
  loc.unhold(Family.IPV4_UNICAST, slot);
  t.notOk(table.inUse(slot), 'freed with its last holder');
});

t.test('IPv6: lookups agree with a Map, tagged and after the tags are dropped', async (t) => {
  for (const tagged of [undefined, 500]) {
    const table = new PrefixTable(Family.IPV6_UNICAST, 2, tagged);
    const { mismatches, ref } = churn(table, 30_000, 777, (rand) => {
      const p = Buffer.alloc(16);
      p.writeUInt32BE(0x20010db8, 0);
      p.writeUInt16BE(rand(8000), 4);
      const len = 48 + rand(17);
      return { k: `${p.toString('hex')}/${len}`, find: () => table.find6(p, 0, len), insert: () => table.insert6(p, 0, len) };
    });
    t.equal(mismatches, 0, `${tagged ? 'past 500 slots' : 'tagged'}: lookups and slots agree with the reference`);
    t.equal(table.size, ref.size);
    t.ok(tagged === undefined || table.capacity > tagged, 'the table did outgrow the tagged entries');
  }
});

t.test('an IPv4 address as uint32 or as the same bits in an int32 is the same prefix (the NLRI cursor passes int32)', async (t) => {
  const table = new PrefixTable(Family.IPV4_UNICAST, 16);
  const high = 0xf0000100; // 240.0.1.0: above 2^31
  const s = table.insert4(high, 24);
  t.equal(table.insert4(high | 0, 24), s, 'inserted as uint32, found as int32');
  t.equal(table.find4(high | 0, 24), s);
  const s2 = table.insert4(0xc6336400 | 0, 22);
  t.equal(table.find4(0xc6336400, 22), s2, 'inserted as int32, found as uint32');
  t.equal(table.v4[s2], 0xc6336400, 'the column keeps uint32');
  for (let i = 0; i < 200; i++) table.insert4((0xf1000000 + i * 256) | 0, 24);
  t.equal(table.find4(high, 24), s, 'still found after the index grew');
  t.equal(table.size, 202);
});

t.test('IPv6 of every length, ::/0 included, with host bits set: one prefix per masked key', async (t) => {
  const table = new PrefixTable(Family.IPV6_UNICAST, 2);
  const { mismatches, ref } = churn(table, 40_000, 4242, (rand) => {
    const len = rand(129);
    // A few values per byte, so equal prefixes recur; host bits beyond the length are random.
    const p = Buffer.alloc(16);
    for (let k = 0; k < 16; k++) p[k] = k < 4 ? [0x20, 0x01, 0x0d, 0xb8][k] as number : rand(3) === 0 ? rand(256) : rand(2);
    const masked = Buffer.alloc(16);
    for (let bit = 0; bit < len; bit++) if ((p[bit >>> 3] as number) & (0x80 >>> (bit & 7))) masked[bit >>> 3] = (masked[bit >>> 3] as number) | (0x80 >>> (bit & 7));
    return { k: `${masked.toString('hex')}/${len}`, find: () => table.find6(p, 0, len), insert: () => table.insert6(p, 0, len) };
  });
  t.equal(mismatches, 0, 'lookups and slots agree with the reference');
  t.equal(table.size, ref.size);
  const zero = table.insert6(Buffer.alloc(0), 0, 0);
  t.equal(table.find6(Buffer.from('ff', 'hex'), 0, 0), zero, '::/0 whatever the bytes');
  t.equal(table.lengths[zero], 0);
});

t.test('tombstones: filled and drained again and again, the index neither grows for good nor loses a prefix', async (t) => {
  for (const family of [Family.IPV4_UNICAST, Family.IPV6_UNICAST]) {
    const table = new PrefixTable(family, 16);
    const r = seededRandom(99);
    const ref = new Map<number, number>();
    const key = Buffer.alloc(16);
    const find = (k: number): number => {
      if (family === Family.IPV4_UNICAST) return table.find4((0xc6120000 + k * 256) >>> 0, 24);
      key.writeUInt32BE(0x20010db8, 0);
      key.writeUInt32BE(k, 4);
      return table.find6(key, 0, 64);
    };
    const insert = (k: number): number => {
      if (family === Family.IPV4_UNICAST) return table.insert4((0xc6120000 + k * 256) >>> 0, 24);
      key.writeUInt32BE(0x20010db8, 0);
      key.writeUInt32BE(k, 4);
      return table.insert6(key, 0, 64);
    };
    let mismatches = 0;
    let longest = 0;
    for (let round = 0; round < 12; round++) {
      // Fill to 20k, then drain nine in ten in random order (the last round: all of them).
      while (ref.size < 20_000) {
        const k = Math.floor(r() * 60_000);
        const s = insert(k);
        if (ref.has(k) && ref.get(k) !== s) mismatches++;
        ref.set(k, s);
      }
      longest = Math.max(longest, table.indexStats().length);
      const keys = [...ref.keys()].sort(() => r() - 0.5);
      const drop = round === 11 ? keys.length : Math.floor(keys.length * 0.9);
      for (let i = 0; i < drop; i++) {
        const k = keys[i] as number;
        const s = find(k);
        if (s !== ref.get(k)) mismatches++;
        table.remove(s);
        ref.delete(k);
        // Removed means gone, and every other prefix still there.
        if (i % 997 === 0 && find(k) !== -1) mismatches++;
      }
      for (const [k, s] of ref) if (find(k) !== s) mismatches++;
      const st = table.indexStats(true);
      if (st.scanned !== st.tombstones) mismatches++;
    }
    // A window of 20k prefixes sliding over 400k (each new one in, the oldest out): tombstones
    // pile up where inserts do not reuse them, and rebuilds drop them without growing the index.
    const window: number[] = [];
    for (let k = 100_000; k < 500_000; k++) {
      const s = insert(k);
      ref.set(k, s);
      window.push(k);
      if (window.length > 20_000) {
        const old = window.shift() as number;
        table.remove(find(old));
        ref.delete(old);
      }
      if (k % 50_000 === 0) longest = Math.max(longest, table.indexStats().length);
    }
    for (const [k, s] of ref) if (find(k) !== s) mismatches++;
    for (const k of window) table.remove(find(k));
    ref.clear();
    const name = family === Family.IPV4_UNICAST ? 'IPv4' : 'IPv6';
    t.equal(mismatches, 0, `${name}: every lookup agrees with the reference, and the tombstone count with a scan`);
    t.equal(table.size, 0);
    t.equal(table.indexStats(true).scanned, 0, `${name}: drained, no tombstone is left`);
    t.ok(longest <= 65_536, `${name}: the index stayed at the size 20k prefixes need (${longest} entries)`);
  }
});
