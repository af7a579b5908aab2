import { Family } from './constants.js';

/**
 * A growable column store of prefixes of one family: no object per prefix. IPv4 prefixes are
 * (uint32, length); IPv6 prefixes are 16 bytes and a length. Path ids are kept when `addPath`.
 */
export class PrefixBatch {
  readonly family: Family;
  count = 0;
  v4: Uint32Array;
  v6: Uint8Array;
  lengths: Uint8Array;
  pathIds: Uint32Array;

  constructor(family: Family, capacity = 1024) {
    this.family = family;
    this.v4 = new Uint32Array(family === Family.IPV4_UNICAST ? capacity : 0);
    this.v6 = new Uint8Array(family === Family.IPV6_UNICAST ? capacity * 16 : 0);
    this.lengths = new Uint8Array(capacity);
    this.pathIds = new Uint32Array(capacity);
  }

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const cap = this.lengths.length * 2;
    const lengths = new Uint8Array(cap);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const ids = new Uint32Array(cap);
    ids.set(this.pathIds);
    this.pathIds = ids;
    if (this.family === Family.IPV4_UNICAST) {
      const v4 = new Uint32Array(cap);
      v4.set(this.v4);
      this.v4 = v4;
    } else {
      const v6 = new Uint8Array(cap * 16);
      v6.set(this.v6);
      this.v6 = v6;
    }
  }

  pushV4(addr: number, length: number, pathId = 0): void {
    if (this.count === this.lengths.length) this.grow();
    const i = this.count++;
    this.v4[i] = addr;
    this.lengths[i] = length;
    this.pathIds[i] = pathId;
  }

  /** Push an IPv6 prefix whose significant bytes are `src[at, at + ceil(length / 8))`. */
  pushV6(src: Uint8Array, at: number, length: number, pathId = 0): void {
    if (this.count === this.lengths.length) this.grow();
    const i = this.count++;
    const base = i * 16;
    const nb = (length + 7) >>> 3;
    for (let k = 0; k < 16; k++) this.v6[base + k] = k < nb ? (src[at + k] as number) : 0;
    this.lengths[i] = length;
    this.pathIds[i] = pathId;
  }
}
