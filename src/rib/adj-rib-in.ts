/**
 * A neighbour's routes as received, before import policy (Adj-RIB-In), kept only for neighbours
 * with `keepReceived: true`: it costs a map entry per prefix and keeps attribute sets that policy
 * rejected or changed alive. It serves `show route received` and `show route filtered`.
 */
import { Family } from '../wire/constants.js';
import { lastByteMask, type NlriCursor } from '../wire/nlri.js';
import type { AttrSet } from './attr-set.js';
import type { AttrStore } from './attr-store.js';

export interface ReceivedRoute {
  readonly family: Family;
  /** IPv4: the address as a number; IPv6: the 16 prefix bytes (host bits cleared). */
  readonly v4: number;
  readonly bytes: Uint8Array;
  readonly length: number;
  readonly pathId: number;
  set: AttrSet;
}

const NO_BYTES = new Uint8Array(0);

export class AdjRibIn {
  private readonly routes: [Map<string, ReceivedRoute>, Map<string, ReceivedRoute>] = [new Map(), new Map()];

  constructor(private readonly store: AttrStore) {}

  get size(): number {
    return this.routes[0].size + this.routes[1].size;
  }

  private key(c: NlriCursor): string {
    const id = c.addPath ? c.pathId : 0;
    if (c.family === Family.IPV4_UNICAST) return `${c.v4}/${c.length}/${id}`;
    return `${c.buf.toString('hex', c.bytesAt, c.bytesAt + c.byteLength)}/${c.length}/${id}`;
  }

  /** The cursor's prefix was announced with `set` (before policy). */
  announce(c: NlriCursor, set: AttrSet): void {
    const m = this.routes[c.family];
    const k = this.key(c);
    const old = m.get(k);
    if (old) {
      if (old.set === set) return;
      this.store.ref(set);
      this.store.unref(old.set);
      old.set = set;
      return;
    }
    this.store.ref(set);
    let bytes = NO_BYTES;
    if (c.family === Family.IPV6_UNICAST) {
      const b = new Uint8Array(16);
      b.set(c.buf.subarray(c.bytesAt, c.bytesAt + c.byteLength));
      if (c.length % 8) b[c.byteLength - 1] = (b[c.byteLength - 1] as number) & lastByteMask(c.length);
      bytes = b;
    }
    m.set(k, { family: c.family, v4: c.v4, bytes, length: c.length, pathId: c.addPath ? c.pathId : 0, set });
  }

  /** The cursor's prefix was withdrawn (or its announcement treated as withdrawn). */
  withdraw(c: NlriCursor): void {
    const m = this.routes[c.family];
    const k = this.key(c);
    const old = m.get(k);
    if (!old) return;
    m.delete(k);
    this.store.unref(old.set);
  }

  /** The session ended: everything goes. */
  clear(): void {
    for (const m of this.routes) {
      for (const r of m.values()) this.store.unref(r.set);
      m.clear();
    }
  }

  /** The routes kept for one prefix (every path id of it). */
  find(family: Family, v4: number, bytes: Uint8Array, length: number): ReceivedRoute[] {
    const m = this.routes[family];
    const head = family === Family.IPV4_UNICAST ? `${v4}/${length}/` : `${Buffer.from(bytes.buffer, bytes.byteOffset, (length + 7) >>> 3).toString('hex')}/${length}/`;
    const plain = m.get(`${head}0`);
    if (plain) return [plain];
    const out: ReceivedRoute[] = [];
    // ADD-PATH: the path ids are not known here; a scan (explain only).
    for (const [k, r] of m) if (k.startsWith(head)) out.push(r);
    return out;
  }

  /** The routes of a family, in no particular order. */
  of(family: Family): IterableIterator<ReceivedRoute> {
    return this.routes[family].values();
  }
}
