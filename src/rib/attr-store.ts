import { AttrSet, fieldsOf, type AttrFields } from './attr-set.js';
import type { PathAttribute } from '../wire/attributes/types.js';

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
  /** Sets by hash (as int32: a small integer, not a heap number, as a Map key): the set itself, or (hashes shared by several) a list. */
  private readonly buckets = new Map<number, AttrSet | AttrSet[]>();
  private count = 0;
  /** Sets by id; ids of freed sets are reused. */
  readonly byId: (AttrSet | undefined)[] = [];
  private readonly freeIds: number[] = [];

  get size(): number {
    return this.count;
  }

  /** The set whose key is `key[0, length)`, if any (no string is made for the lookup). */
  find(hash: number, key: Buffer, length = key.length): AttrSet | undefined {
    const b = this.buckets.get(hash | 0);
    if (b === undefined) return undefined;
    if (!Array.isArray(b)) return sameKey(b.key, key, length) ? b : undefined;
    for (const s of b) if (sameKey(s.key, key, length)) return s;
    return undefined;
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
   * (null): nothing is interned then.
   */
  internIf(hash: number, key: Buffer, length: number, make: () => SetParts | null): AttrSet | null {
    const found = this.find(hash, key, length);
    if (found) return found;
    const m = make();
    return m ? this.add(hash, key, m, length) : null;
  }

  private add(hash: number, key: Buffer, m: SetParts, length = key.length): AttrSet {
    const h = hash | 0;
    const text = keyText(key, length);
    const s = 'attrs' in m ? new AttrSet(fieldsOf(m.attrs), m.attrs, m.nextHop, text, h) : new AttrSet(m.fields, null, m.nextHop, text, h);
    s.id = this.freeIds.pop() ?? this.byId.length;
    s.serial = nextSerial();
    this.byId[s.id] = s;
    const b = this.buckets.get(h);
    if (b === undefined) this.buckets.set(h, s);
    else if (Array.isArray(b)) b.push(s);
    else this.buckets.set(h, [b, s]);
    this.count++;
    return s;
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
    const b = this.buckets.get(s.hash | 0);
    if (b === undefined) return;
    if (!Array.isArray(b)) {
      if (b !== s) return;
      this.buckets.delete(s.hash | 0);
    } else {
      const i = b.indexOf(s);
      if (i < 0) return;
      b.splice(i, 1);
      if (b.length === 1) this.buckets.set(s.hash | 0, b[0] as AttrSet);
    }
    this.count--;
    this.byId[s.id] = undefined;
    this.freeIds.push(s.id);
    // A set made by policy holds the set it was made from.
    if (s.base) this.unref(s.base);
  }
}
