/**
 * Prefixes of one family as slots in typed arrays: an open-addressing hash index (linear probing,
 * backward-shift deletion) over slot-indexed key columns. A route costs a few bytes in columns and
 * no object, no string and no Map entry; growing rebuilds only an Int32Array index.
 *
 * An index entry is slot + 1 in its low 24 bits and 7 bits of the prefix's hash above them (the
 * tag): a probe passes over entries whose tag differs without reading the key columns, so a
 * lookup that misses (every new prefix) touches the index alone, and a hit reads the columns of
 * its own slot only (127 in 128 others are told apart by the tag). Past 2^24 - 1 slots the tags
 * give way to slot bits (TAGGED_SLOTS): the index is rewritten without them and every probe reads
 * the columns again.
 *
 * A removed prefix leaves a tombstone in the index, which lookups pass over and inserts reuse; at
 * the end of a run (nothing but tombstones up to an empty entry) it and the tombstones around it
 * are emptied instead. Backward shifting, before, read the key columns of every entry it moved
 * over (to find that entry's home): a cache miss each, most of the index's share of a million
 * withdrawals. Tombstones count towards the load that starts a rebuild; a rebuild drops them, into
 * an index twice as large, or as large as before when most of that load was tombstones.
 */
import { PK0, PK1, mixKeyed } from './keyed-hash.js';
import { Family } from '../wire/constants.js';
import { grownInt32, grownUint32, grownUint8 } from './columns.js';
import { lastByteMask, samePrefix, type Prefix } from '../wire/nlri.js';

const EMPTY = 0;
/** A removed entry. No entry is below 0 (the sign bit is never a tag or slot bit). */
const TOMB = -1;
/** Slots that fit beside a tag (24 bits of slot + 1). */
export const TAGGED_SLOTS = (1 << 24) - 1;
const TAG_MASK = 0x7f000000;
const SLOT_MASK = 0x00ffffff;
/** The slot bits of an entry once the tags are dropped. */
const UNTAGGED_SLOT_MASK = 0x7fffffff;

/**
 * The hash of an IPv4 prefix, keyed per process (see keyed-hash.ts): crafted prefixes cannot aim
 * at one probe run. An int32 (a small integer, where a uint32 above 2^31 is a heap number made per
 * call); the Uint32Array column stores the same 32 bits.
 */
export function hashV4(addr: number, len: number): number {
  return mixKeyed(mixKeyed(addr, PK0) ^ len, PK1) | 0;
}

export class PrefixTable {
  readonly family: Family;
  /** Key columns, by slot: IPv4 address (uint32) or 16 IPv6 bytes, and the length. */
  v4: Uint32Array;
  v6: Uint8Array;
  lengths: Uint8Array;
  /** A bit per slot: in use. */
  private used: Int32Array;
  /**
   * IPv6 only: each slot's full 32-bit hash, so growing the index never re-hashes 16-byte keys.
   * An IPv4 slot's hash is two multiplications away and is made again (4 bytes a route saved).
   */
  private hashes: Uint32Array;
  private index: Int32Array;
  private mask: number;
  /**
   * The next, twice larger index, built a few slots per insert while the current one keeps
   * answering, so growing never stops the event loop for a whole-table rebuild.
   */
  private next: Int32Array | null = null;
  private nextMask = 0;
  private migrated = 0;
  private nextSlot = 0;
  private freeList: number[] = [];
  /** Tombstones in the index, and in the next one. */
  private tombs = 0;
  private nextTombs = 0;
  /** Hash bits kept in index entries (TAG_MASK, or 0 once the table outgrew TAGGED_SLOTS) and the slot bits beside them. */
  private tagMask = TAG_MASK;
  private slotMask = SLOT_MASK;
  size = 0;
  /** Called with the new capacity when slot columns grow (owners grow their own columns). */
  readonly growListeners: ((capacity: number) => void)[] = [];

  /** `taggedSlots`: where tags give way (TAGGED_SLOTS; lower in tests). */
  constructor(family: Family, capacity = 1024, private readonly taggedSlots = TAGGED_SLOTS) {
    this.family = family;
    this.v4 = new Uint32Array(family === Family.IPV4_UNICAST ? capacity : 0);
    this.v6 = new Uint8Array(family === Family.IPV6_UNICAST ? capacity * 16 : 0);
    this.lengths = new Uint8Array(capacity);
    this.used = new Int32Array((capacity + 31) >>> 5);
    this.hashes = new Uint32Array(family === Family.IPV6_UNICAST ? capacity : 0);
    this.index = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
    if (capacity > taggedSlots) this.dropTags();
  }

  get capacity(): number {
    return this.lengths.length;
  }

  /** Index entries, the tombstones counted among them, and those found by a scan (a check: it reads the whole index). */
  indexStats(scan = false): { length: number; tombstones: number; scanned: number } {
    let scanned = 0;
    if (scan) for (let i = 0; i < this.index.length; i++) if (this.index[i] === TOMB) scanned++;
    return { length: this.index.length, tombstones: this.tombs, scanned };
  }

  /** One past the highest slot ever used: iterate slots below it and check `used`. */
  get highWater(): number {
    return this.nextSlot;
  }

  /** The slot holds a prefix. */
  inUse(slot: number): boolean {
    return slot >= 0 && slot < this.nextSlot && ((this.used[slot >>> 5] as number) & (1 << (slot & 31))) !== 0;
  }

  private hash4(addr: number, len: number): number {
    return hashV4(addr, len);
  }

  private hash6(bytes: Uint8Array, at: number, len: number): number {
    // The prefix's bytes (host bits already clear) as big-endian words, each mixed in with the key.
    const nb = (len + 7) >>> 3;
    let h = mixKeyed(len, PK1);
    for (let i = 0; i < nb; i += 4) {
      const w = ((bytes[at + i] as number) << 24) | ((i + 1 < nb ? (bytes[at + i + 1] as number) : 0) << 16) | ((i + 2 < nb ? (bytes[at + i + 2] as number) : 0) << 8) | (i + 3 < nb ? (bytes[at + i + 3] as number) : 0);
      h = mixKeyed(h ^ w, PK0 + i);
    }
    return h | 0;
  }

  /** The full hash of the prefix in `slot`. */
  private hashOf(slot: number): number {
    return this.family === Family.IPV4_UNICAST ? this.hash4((this.v4[slot] as number) | 0, this.lengths[slot] as number) : (this.hashes[slot] as number);
  }

  /** The slot of a parsed prefix of this table's family (config, CLI, policy edges), or -1. */
  findPrefix(p: Prefix): number {
    return p.family === Family.IPV4_UNICAST ? this.find4(p.bytes.readUInt32BE(0), p.length) : this.find6(p.bytes, 0, p.length);
  }

  /** The slot of a parsed prefix, made if it is new. */
  insertPrefix(p: Prefix): number {
    return p.family === Family.IPV4_UNICAST ? this.insert4(p.bytes.readUInt32BE(0), p.length) : this.insert6(p.bytes, 0, p.length);
  }

  /**
   * The slot of an IPv4 prefix, or -1. `addr` as a uint32 or as the same bits in an int32 (what hot
   * callers pass: no heap number is boxed for the call); the column keeps uint32.
   */
  find4(addr: number, len: number): number {
    const a = addr | 0;
    const h = this.hash4(a, len);
    const tm = this.tagMask;
    const tag = h & tm;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const e = this.index[i] as number;
      if (e === EMPTY) return -1;
      if ((e & tm) !== tag || e === TOMB) continue;
      const s = (e & this.slotMask) - 1;
      if (((this.v4[s] as number) | 0) === a && this.lengths[s] === len) return s;
    }
  }

  /** `bytes[at..]` holds the prefix's significant bytes (host bits of the last byte cleared or not). */
  find6(bytes: Uint8Array, at: number, len: number): number {
    const r = this.probe6(bytes, at, len, this.hash6Masked(bytes, at, len));
    return r >= 0 ? r : -1;
  }

  /** The slot of an IPv6 prefix whose hash is `h`, or -(i + 1) for the empty index entry i its probe ended at. */
  private probe6(bytes: Uint8Array, at: number, len: number, h: number): number {
    const tm = this.tagMask;
    const tag = h & tm;
    const index = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = index[i] as number;
      if (e === EMPTY) return -(i + 1);
      if ((e & tm) !== tag || e === TOMB) continue;
      const s = (e & this.slotMask) - 1;
      if (this.lengths[s] === len && samePrefix(this.v6, s * 16, bytes, at, len)) return s;
    }
  }

  private hash6Masked(bytes: Uint8Array, at: number, len: number): number {
    if (len % 8 === 0) return this.hash6(bytes, at, len);
    const nb = (len + 7) >>> 3;
    for (let k = 0; k < nb; k++) SCRATCH[k] = bytes[at + k] as number;
    SCRATCH[nb - 1] = (SCRATCH[nb - 1] as number) & lastByteMask(len);
    return this.hash6(SCRATCH, 0, len);
  }

  private allocSlot(): number {
    const free = this.freeList.pop();
    if (free !== undefined) return free;
    if (this.nextSlot === this.capacity) this.growSlots();
    return this.nextSlot++;
  }

  private growSlots(): void {
    const cap = this.capacity * 2;
    if (cap > this.taggedSlots && this.tagMask !== 0) this.dropTags();
    this.lengths = grownUint8(this.lengths, cap);
    this.used = grownInt32(this.used, (cap + 31) >>> 5);
    if (this.family === Family.IPV4_UNICAST) {
      this.v4 = grownUint32(this.v4, cap);
    } else {
      this.hashes = grownUint32(this.hashes, cap);
      this.v6 = grownUint8(this.v6, cap * 16);
    }
    for (const fn of this.growListeners) fn(cap);
  }

  /** Index entries without tags, for a table past taggedSlots (once, for good). */
  private dropTags(): void {
    for (const index of [this.index, this.next]) {
      if (!index) continue;
      for (let i = 0; i < index.length; i++) if (index[i] !== TOMB) index[i] = (index[i] as number) & SLOT_MASK;
    }
    this.tagMask = 0;
    this.slotMask = UNTAGGED_SLOT_MASK;
  }

  private entry(slot: number, hash: number): number {
    return (hash & this.tagMask) | (slot + 1);
  }

  /** Index a slot known not to be in the index (at the first empty entry or tombstone of its probe). */
  private placeInIndex(slot: number): void {
    const h = this.hashOf(slot);
    let i = h & this.mask;
    while (this.index[i] !== EMPTY && this.index[i] !== TOMB) i = (i + 1) & this.mask;
    if (this.index[i] === TOMB) this.tombs--;
    this.index[i] = this.entry(slot, h);
  }

  private placeInNext(slot: number): void {
    const next = this.next as Int32Array;
    const h = this.hashOf(slot);
    let i = h & this.nextMask;
    while (next[i] !== EMPTY && next[i] !== TOMB) i = (i + 1) & this.nextMask;
    if (next[i] === TOMB) this.nextTombs--;
    next[i] = this.entry(slot, h);
  }

  /** Start rebuilding at half load (tombstones count); move two slots per insert; switch when all are in. */
  private maybeGrowIndex(): void {
    if (this.next) {
      for (let k = 0; k < 2 && this.migrated < this.nextSlot; k++, this.migrated++) {
        if (this.inUse(this.migrated)) this.placeInNext(this.migrated);
      }
      if (this.migrated >= this.nextSlot) this.switchToNext();
    } else if ((this.size + this.tombs + 1) * 2 > this.index.length) this.startNext();
    // Never let the current index fill up, whatever the migration's progress.
    if ((this.size + this.tombs + 2) * 4 > this.index.length * 3) this.finishGrowth();
  }

  /**
   * The next index: as large as this one when the prefixes alone fill under 3/8 of it (tombstones
   * were the rest of the load: a rebuild every 1/8 of its length in removals at worst), else twice
   * as large.
   */
  private startNext(): void {
    const length = (this.size + 1) * 8 < this.index.length * 3 ? this.index.length : this.index.length * 2;
    this.next = new Int32Array(length);
    this.nextMask = length - 1;
    this.nextTombs = 0;
    this.migrated = 0;
  }

  private switchToNext(): void {
    this.index = this.next as Int32Array;
    this.mask = this.nextMask;
    this.tombs = this.nextTombs;
    this.nextTombs = 0;
    this.next = null;
  }

  private finishGrowth(): void {
    if (!this.next) this.startNext();
    for (; this.migrated < this.nextSlot; this.migrated++) if (this.inUse(this.migrated)) this.placeInNext(this.migrated);
    this.switchToNext();
  }

  /**
   * The slot of an IPv4 prefix, made if it is new. One probe serves both: the lookup ends at the
   * empty entry the new prefix takes (or at a tombstone before it, see firstTomb), unless growing
   * switched to the next index meanwhile. The
   * probe loop is find4's written out again on purpose: one shared probe returning the slot or the
   * empty entry made 1M inserts 6% slower (medians of eight alternated runs, 225 -> 239 ms).
   */
  insert4(addr: number, len: number): number {
    const a = addr | 0;
    const h = this.hash4(a, len);
    const tm = this.tagMask;
    const tag = h & tm;
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const e = index[i] as number;
      if (e === EMPTY) break;
      if ((e & tm) !== tag || e === TOMB) continue;
      const s = (e & this.slotMask) - 1;
      if (((this.v4[s] as number) | 0) === a && this.lengths[s] === len) return s;
    }
    this.maybeGrowIndex();
    const s = this.allocSlot();
    this.v4[s] = a;
    this.lengths[s] = len;
    this.setUsed(s);
    this.indexNew(s, h, index, this.tombs > 0 ? this.firstTomb(index, h, i) : i, tm);
    return s;
  }

  /**
   * The first tombstone on the probe for hash `h` in `index` before entry `end` (where the probe
   * found it empty), else `end`: the place a new prefix takes. Looked for only while the index has
   * tombstones, over entries the probe has just read (in cache).
   */
  private firstTomb(index: Int32Array, h: number, end: number): number {
    const mask = index.length - 1;
    for (let i = h & mask; i !== end; i = (i + 1) & mask) if (index[i] === TOMB) return i;
    return end;
  }

  /**
   * Index new slot `s` (hash `h`) at entry `i` of `index`: the first tombstone its probe passed, or
   * the empty entry it ended at. Growth writes only the next index, so that entry is still as the
   * probe saw it unless the index switched meanwhile (or dropped its tags: `tm` was the tag mask of
   * the probe).
   */
  private indexNew(s: number, h: number, index: Int32Array, i: number, tm: number): void {
    this.size++;
    if (this.index === index && this.tagMask === tm) {
      if (index[i] === TOMB) this.tombs--;
      index[i] = this.entry(s, h);
    } else this.placeInIndex(s);
    if (this.next && s < this.migrated) this.placeInNext(s);
  }

  /**
   * As insert4, one probe and one hash serve the lookup and the insert (the hash of the masked
   * bytes is the hash of what the slot stores).
   */
  insert6(bytes: Uint8Array, at: number, len: number): number {
    const h = this.hash6Masked(bytes, at, len);
    const index = this.index;
    const tm = this.tagMask;
    const r = this.probe6(bytes, at, len, h);
    if (r >= 0) return r;
    this.maybeGrowIndex();
    const s = this.allocSlot();
    const nb = (len + 7) >>> 3;
    const v6 = this.v6;
    const base = s * 16;
    for (let k = 0; k < 16; k++) v6[base + k] = k < nb ? (bytes[at + k] as number) : 0;
    if (len % 8 !== 0) v6[base + nb - 1] = (v6[base + nb - 1] as number) & lastByteMask(len);
    this.lengths[s] = len;
    this.setUsed(s);
    this.hashes[s] = h;
    this.indexNew(s, h, index, this.tombs > 0 ? this.firstTomb(index, h, -r - 1) : -r - 1, tm);
    return s;
  }

  /** Remove a slot: its index entry becomes a tombstone, so probe chains through it stay whole. */
  remove(slot: number): void {
    if (!this.inUse(slot)) return;
    this.tombs += this.unindex(this.index, this.mask, slot);
    if (this.next && slot < this.migrated) this.nextTombs += this.unindex(this.next, this.nextMask, slot);
    this.used[slot >>> 5] = (this.used[slot >>> 5] as number) & ~(1 << (slot & 31));
    this.size--;
    this.freeList.push(slot);
  }

  private setUsed(slot: number): void {
    this.used[slot >>> 5] = (this.used[slot >>> 5] as number) | (1 << (slot & 31));
  }

  /** Take a slot's entry out of an index: the change in its tombstones. */
  private unindex(index: Int32Array, mask: number, slot: number): number {
    const sm = this.slotMask;
    let i = this.hashOf(slot) & mask;
    for (;;) {
      const e = index[i] as number;
      if (e !== TOMB && (e & sm) === slot + 1) break;
      i = (i + 1) & mask;
    }
    let j = (i + 1) & mask;
    while (index[j] === TOMB) j = (j + 1) & mask;
    if (index[j] !== EMPTY) {
      index[i] = TOMB;
      return 1;
    }
    // Only tombstones between it and the end of its run: no probe needs any of them, nor the
    // tombstones right before it. All of them empty.
    let freed = 0;
    for (let k = (i + 1) & mask; k !== j; k = (k + 1) & mask) {
      index[k] = EMPTY;
      freed++;
    }
    index[i] = EMPTY;
    for (let k = (i - 1) & mask; index[k] === TOMB; k = (k - 1) & mask) {
      index[k] = EMPTY;
      freed++;
    }
    return -freed;
  }
}

const SCRATCH = new Uint8Array(16);
