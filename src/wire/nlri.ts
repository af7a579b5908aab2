import { Family, UpdateSubcode } from './constants.js';
import { ErrorAction, updateError } from './errors.js';
import { addressToString, parseAddress } from './address.js';

/**
 * A run of encoded NLRI: `buf[start, end)` holds prefixes of `family`, each preceded by a 4-byte
 * path identifier when `addPath` is set. Decoding keeps NLRI as such blocks; nothing is allocated
 * per prefix until somebody walks them.
 */
export interface NlriBlock {
  buf: Buffer;
  start: number;
  end: number;
  family: Family;
  addPath: boolean;
}

const EMPTY = Buffer.alloc(0);
export function emptyBlock(family: Family): NlriBlock {
  return { buf: EMPTY, start: 0, end: 0, family, addPath: false };
}

/** A prefix as a value, for the edges (config, tests, JSON). `bytes` holds 4 or 16 masked bytes. */
export interface Prefix {
  family: Family;
  bytes: Buffer;
  length: number;
  pathId?: number;
}

const MAX_LEN = [32, 128];

/**
 * Check that `[start, end)` is a well-formed run of NLRI and return the number of prefixes.
 * Throws BgpError (Invalid Network Field) with `action`: session reset for the UPDATE's own fields,
 * AFI/SAFI disable inside MP_REACH/MP_UNREACH (RFC 7606 §5.3).
 */
export function validateNlri(
  buf: Buffer,
  start: number,
  end: number,
  family: Family,
  addPath: boolean,
  action: ErrorAction,
): number {
  const max = MAX_LEN[family] as number;
  let p = start;
  let n = 0;
  while (p < end) {
    if (addPath) p += 4;
    if (p >= end) throw nlriError('truncated NLRI', action, family);
    const len = buf[p] as number;
    if (len > max) throw nlriError(`prefix length ${len} exceeds ${max}`, action, family);
    p += 1 + ((len + 7) >>> 3);
    if (p > end) throw nlriError('NLRI overruns its field', action, family);
    n++;
  }
  return n;
}

function nlriError(message: string, action: ErrorAction, family: Family) {
  const e = updateError('update.nlri', message, UpdateSubcode.INVALID_NETWORK_FIELD, action);
  e.family = family;
  return e;
}

/**
 * Walks a validated NlriBlock without allocating: after next() returns true, the fields describe
 * the current prefix. IPv4: `v4` (uint32, host bits cleared) and `length`. IPv6: `length` and the
 * prefix bytes at `buf[bytesAt, bytesAt + byteLength)` (host bits of the last byte not cleared).
 * One cursor can be reset and reused for every UPDATE.
 */
export class NlriCursor {
  buf: Buffer = EMPTY;
  pos = 0;
  end = 0;
  addPath = false;
  family: Family = Family.IPV4_UNICAST;
  pathId = 0;
  length = 0;
  v4 = 0;
  /**
   * The same 32 bits as an int32, for hot paths: a uint32 above 2^31 is a double, and passing one
   * to a function that is not inlined boxes it in a new 16-byte heap number, per prefix.
   */
  v4Int = 0;
  bytesAt = 0;
  byteLength = 0;

  reset(block: NlriBlock): this {
    this.buf = block.buf;
    this.pos = block.start;
    this.end = block.end;
    this.addPath = block.addPath;
    this.family = block.family;
    return this;
  }

  next(): boolean {
    const buf = this.buf;
    let p = this.pos;
    if (p >= this.end) return false;
    if (this.addPath) {
      this.pathId = buf.readUInt32BE(p);
      p += 4;
    }
    const len = buf[p] as number;
    const nb = (len + 7) >>> 3;
    this.length = len;
    this.bytesAt = p + 1;
    this.byteLength = nb;
    if (this.family === Family.IPV4_UNICAST) {
      let v = 0;
      if (nb > 0) v = (buf[p + 1] as number) << 24;
      if (nb > 1) v |= (buf[p + 2] as number) << 16;
      if (nb > 2) v |= (buf[p + 3] as number) << 8;
      if (nb > 3) v |= buf[p + 4] as number;
      const masked = len === 0 ? 0 : v & (0xffffffff << (32 - len));
      this.v4Int = masked;
      this.v4 = masked >>> 0;
    }
    this.pos = p + 1 + nb;
    return this.pos <= this.end;
  }

  /** The current prefix as a value (allocates: for edges and tests). */
  prefix(): Prefix {
    const bytes = Buffer.alloc(this.family === Family.IPV4_UNICAST ? 4 : 16);
    this.buf.copy(bytes, 0, this.bytesAt, this.bytesAt + this.byteLength);
    maskBytes(bytes, this.length);
    const p: Prefix = { family: this.family, bytes, length: this.length };
    if (this.addPath) p.pathId = this.pathId;
    return p;
  }
}

/**
 * The mask of the last byte a prefix of `length` bits uses: its significant bits set, its host
 * bits clear (0xff when the prefix ends on a byte boundary).
 */
export function lastByteMask(length: number): number {
  const rest = length & 7;
  return rest === 0 ? 0xff : (0xff << (8 - rest)) & 0xff;
}

/**
 * The first `length` bits of `a[aAt..]` and `b[bAt..]` are the same: one prefix holds the other's
 * address (host bits of the last byte and the bytes past it are not compared).
 */
export function samePrefix(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number): boolean {
  const full = length >>> 3;
  for (let i = 0; i < full; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  if ((length & 7) === 0) return true;
  return (((a[aAt + full] as number) ^ (b[bAt + full] as number)) & lastByteMask(length)) === 0;
}

/** Clear the host bits of `bytes` beyond `length`. */
export function maskBytes(bytes: Buffer, length: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const bits = length - i * 8;
    if (bits >= 8) continue;
    bytes[i] = bits <= 0 ? 0 : (bytes[i] as number) & lastByteMask(bits);
  }
}

/** Every prefix of a block, as values. For edges and tests; the hot path uses NlriCursor. */
export function listPrefixes(block: NlriBlock): Prefix[] {
  const out: Prefix[] = [];
  const c = new NlriCursor().reset(block);
  while (c.next()) out.push(c.prefix());
  return out;
}

export function encodedPrefixLength(length: number, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((length + 7) >>> 3);
}

/** Write one prefix at `off`; returns the offset after it. */
export function writePrefix(out: Buffer, off: number, p: Prefix, addPath: boolean): number {
  if (addPath) {
    out.writeUInt32BE((p.pathId ?? 0) >>> 0, off);
    off += 4;
  }
  out[off] = p.length;
  const nb = (p.length + 7) >>> 3;
  p.bytes.copy(out, off + 1, 0, nb);
  return off + 1 + nb;
}

/** Encode prefixes into a fresh block. */
export function encodeNlri(prefixes: readonly Prefix[], family: Family, addPath: boolean): NlriBlock {
  let size = 0;
  for (const p of prefixes) size += encodedPrefixLength(p.length, addPath);
  const buf = Buffer.alloc(size);
  let off = 0;
  for (const p of prefixes) off = writePrefix(buf, off, p, addPath);
  return { buf, start: 0, end: size, family, addPath };
}

export function prefixToString(p: Prefix): string {
  return `${addressToString(p.bytes)}/${p.length}`;
}

/** Parse "192.0.2.0/24" or "2001:db8::/32"; null when malformed. Host bits are cleared. */
export function parsePrefix(s: string): Prefix | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const bytes = parseAddress(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!bytes || !/^[0-9]{1,3}$/.test(lenText)) return null;
  const length = Number(lenText);
  const family = bytes.length === 4 ? Family.IPV4_UNICAST : Family.IPV6_UNICAST;
  if (length > (MAX_LEN[family] as number)) return null;
  maskBytes(bytes, length);
  return { family, bytes, length };
}
