import { AttrSet, fieldsOf, type AttrFields } from './attr-set.js';
import { grownInt32 } from './columns.js';
import type { PathAttribute } from '../wire/attributes/types.js';
import type { NextHopResolver } from './nexthop.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a(buf: Buffer, hash = FNV_OFFSET): number {
  let h = hash;
  for (let i = 0; i < buf.length; i++) h = Math.imul(h ^ (buf[i] as number), FNV_PRIME);
  return h >>> 0;
}

/**
 * A set's identity bytes as a one-byte string: a string is one small heap object, where a Buffer
 * is an object plus a slice of a shared 8 KB pool slab that it keeps alive (with whatever else was
 * cut from it): about 350 bytes a set.
 */
function keyText(key: Buffer, length: number): string {
  return key.toString('latin1', 0, length);
}

/** Distinct next hops shared per store, at most. */
const NEXT_HOPS_SHARED = 65536;

/** What a new set is made of: its attributes, or its fields when worked out without decoding. */
export type SetParts = { attrs: readonly PathAttribute[]; nextHop: Buffer } | { fields: AttrFields; nextHop: Buffer };

let serials = 0;
/** Set serials: unique in the process (int32; wrapping after 2^31 sets, where 0 is skipped). */
function nextSerial(): number {
  serials = (serials + 1) | 0;
  if (serials === 0) serials = 1;
  return serials;
}

/** Is the one-byte string `text` the bytes `key[0, n)`? */
function sameKey(text: string, key: Buffer, n: number): boolean {
  if (text.length !== n) return false;
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) !== key[i]) return false;
  return true;
}

/**
 * Interned attribute sets, found by (hash, identity bytes) before anything is decoded, reference
 * counted by the routes holding them and dropped with the last one.
 */
export class AttrStore {
  /**
   * Sets by hash: an open-addressing index (linear probing, at most half full, backward-shift
   * deletion) of set id + 1, 0 for empty. 8-16 bytes a set, where a Map entry cost about 50.
   */
  private index = new Int32Array(1024);
  private mask = 1023;
  private count = 0;
  /** Sets by id; ids of freed sets are reused. */
  readonly byId: (AttrSet | undefined)[] = [];
  /** Each set's hash, by id: probes and index moves read this column, not the set objects. */
  private hashes = new Int32Array(1024);
  /**
   * A cache beside the sets, by id (nextHopCost): the next hop's cost (an integer, or
   * UNREACHABLE) and the resolver epoch it was worked out in, -1 for not yet. Columns rather than
   * fields: only sets that routes are decided on use them (not the export store's), and two
   * fields cost every set 16 bytes.
   */
  private nhCost = new Int32Array(0);
  private nhEpoch = new Int32Array(0);

  /** The cost `r` gives the next hop of `s`, worked out once per set and resolver epoch. */
  nextHopCost(s: AttrSet, r: NextHopResolver): number {
    const id = s.id;
    // A set of no store (freed, or never interned): nothing to cache it under.
    if (id < 0 || this.byId[id] !== s) return r.cost(s.nextHop);
    if (id >= this.nhEpoch.length) {
      const cap = Math.max(1024, id + 1, this.nhEpoch.length * 2);
      this.nhCost = grownInt32(this.nhCost, cap);
      this.nhEpoch = grownInt32(this.nhEpoch, cap, -1);
    }
    if (this.nhEpoch[id] !== r.epoch) {
      this.nhCost[id] = r.cost(s.nextHop);
      this.nhEpoch[id] = r.epoch;
    }
    return this.nhCost[id] as number;
  }
  private readonly freeIds: number[] = [];

  get size(): number {
    return this.count;
  }

  /** The set whose key is `key[0, length)`, if any (no string is made for the lookup). */
  find(hash: number, key: Buffer, length = key.length): AttrSet | undefined {
    const h = hash | 0;
    const index = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = index[i] as number;
      if (e === 0) return undefined;
      if (this.hashes[e - 1] !== h) continue;
      const s = this.byId[e - 1] as AttrSet;
      if (sameKey(s.key, key, length)) return s;
    }
  }

  /**
   * The set for `key`, building it with `make` the first time: from its attributes, or from its
   * fields when the caller worked them out without decoding anything.
   */
  intern(hash: number, key: Buffer, make: () => SetParts, length = key.length): AttrSet {
    return this.find(hash, key, length) ?? this.add(hash, key, make(), length);
  }

  /**
   * As intern() for the key `key[0, length)`, where `make` may find the attributes unusable
   * (null): nothing is interned then. `make` gets this store and `a`, `b` passed through, so a
   * hot caller hands over a function made once instead of a closure made per call (one per
   * UPDATE, and one per new export set, where nearly every call misses on a real table).
   */
  internIf<A, B>(hash: number, key: Buffer, length: number, make: (store: AttrStore, a: A, b: B) => SetParts | null, a: A, b: B): AttrSet | null {
    const found = this.find(hash, key, length);
    if (found) return found;
    const m = make(this, a, b);
    return m ? this.add(hash, key, m, length) : null;
  }

  private add(hash: number, key: Buffer, m: SetParts, length = key.length): AttrSet {
    const id = this.freeIds.pop() ?? this.byId.length;
    const text = keyText(key, length);
    const s = 'attrs' in m ? new AttrSet(fieldsOf(m.attrs), m.attrs, m.nextHop, text, id) : new AttrSet(m.fields, null, m.nextHop, text, id);
    if (id < this.nhEpoch.length) this.nhEpoch[id] = -1;
    if (id >= this.hashes.length) this.hashes = grownInt32(this.hashes, this.hashes.length * 2);
    this.hashes[id] = hash | 0;
    s.serial = nextSerial();
    this.byId[id] = s;
    if ((this.count + 1) * 2 > this.index.length) this.growIndex();
    this.place(this.index, this.mask, id);
    this.count++;
    return s;
  }

  private place(index: Int32Array, mask: number, id: number): void {
    let i = (this.hashes[id] as number) & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = id + 1;
  }

  /** Twice the index, built at once (a few milliseconds for a few hundred thousand sets). */
  private growIndex(): void {
    const old = this.index;
    const index = new Int32Array(old.length * 2);
    const mask = index.length - 1;
    for (let i = 0; i < old.length; i++) {
      const e = old[i] as number;
      if (e !== 0) this.place(index, mask, e - 1);
    }
    this.index = index;
    this.mask = mask;
  }

  /**
   * Next-hop bytes shared by every set with that next hop (a cluster has few next hops, and a
   * Buffer of its own costs each set a few hundred bytes). Past NEXT_HOPS_SHARED distinct ones
   * (a peer inventing next hops), new ones get a copy of their own instead of growing the table.
   */
  nextHop(bytes: Buffer): Buffer {
    const k = bytes.toString('latin1');
    let b = this.nextHops.get(k);
    if (!b) {
      b = Buffer.from(bytes);
      if (this.nextHops.size < NEXT_HOPS_SHARED) this.nextHops.set(k, b);
    }
    return b;
  }

  /** The same for an IPv4 next hop given as a number. */
  nextHopV4(addr: number): Buffer {
    let b = this.nextHops4.get(addr);
    if (!b) {
      b = Buffer.alloc(4);
      b.writeUInt32BE(addr >>> 0, 0);
      if (this.nextHops4.size < NEXT_HOPS_SHARED) this.nextHops4.set(addr, b);
    }
    return b;
  }

  private readonly nextHops = new Map<string, Buffer>();
  private readonly nextHops4 = new Map<number, Buffer>();

  get(id: number): AttrSet {
    return this.byId[id] as AttrSet;
  }

  ref(s: AttrSet): void {
    s.refs++;
  }

  unref(s: AttrSet): void {
    if (--s.refs > 0) return;
    this.free(s);
  }

  /** Drop a set nothing refers to (interned for an UPDATE whose routes were all refused). */
  release(s: AttrSet): void {
    if (s.refs === 0) this.free(s);
  }

  private free(s: AttrSet): void {
    const index = this.index;
    const mask = this.mask;
    // Not in this store (or freed already): nothing to do.
    if (s.id < 0 || this.byId[s.id] !== s) return;
    let i = (this.hashes[s.id] as number) & mask;
    while (index[i] !== s.id + 1) i = (i + 1) & mask;
    // Backward shift: move each later entry of the run into the hole unless its home lies in (hole, entry].
    for (let j = (i + 1) & mask; index[j] !== 0; j = (j + 1) & mask) {
      const home = (this.hashes[(index[j] as number) - 1] as number) & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        index[i] = index[j] as number;
        i = j;
      }
    }
    index[i] = 0;
    this.count--;
    this.byId[s.id] = undefined;
    this.freeIds.push(s.id);
    // A set made by policy holds the set it was made from.
    if (s.base) this.unref(s.base);
  }
}
